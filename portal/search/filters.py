"""The register's filter parameters: parsed and validated from a query string or a saved
filter's JSON, and turned back into parameters for links and saved filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .. import partial_dates, refdata
from ..models.cases import STATUSES

FIELDS = ("q", "reference", "status", "perpetrator", "facility", "governorate", "arrest_from",
          "arrest_to", "tag", "sort")
SORT_KEYS = ("recent", "oldest", "reference", "arrest", "name")
MAX_QUERY = 200


def normalise_tag(tag: str) -> str:
    return " ".join((tag or "").split()).casefold()[:60]


@dataclass
class CaseFilter:
    q: str = ""
    reference: str = ""
    status: str = ""
    perpetrator: str = ""  # party code
    facility: str = ""  # facility id, as text
    governorate: str = ""  # governorate code
    arrest_from: str = ""  # partial dates
    arrest_to: str = ""
    tag: str = ""
    sort: str = "recent"
    # Resolved by parse(); not parameters.
    governorate_id: int | None = field(default=None, repr=False)
    perpetrator_id: int | None = field(default=None, repr=False)
    facility_id: int | None = field(default=None, repr=False)
    arrest_lo: int | None = field(default=None, repr=False)
    arrest_hi: int | None = field(default=None, repr=False)

    def params(self) -> dict[str, str]:
        """The non-empty parameters (for links, saved filters and share grants)."""
        out = {name: getattr(self, name) for name in FIELDS if getattr(self, name)}
        if out.get("sort") == "recent":
            out.pop("sort")
        return out

    @property
    def active(self) -> bool:
        return bool(set(self.params()) - {"sort"})


def parse(args: Mapping[str, str]) -> tuple[CaseFilter, list[tuple[str, str]]]:
    """A CaseFilter from request args or saved JSON, and (field, message) errors."""
    raw = {name: " ".join(str(args.get(name, "") or "").split()) for name in FIELDS}
    f = CaseFilter(**{k: v for k, v in raw.items() if v})
    errors: list[tuple[str, str]] = []
    if len(f.q) > MAX_QUERY:
        errors.append(("q", _l("The name is too long (at most 200 characters).")))
    if len(f.reference) > 20:
        errors.append(("reference", _l("A reference looks like DO-2025-000042.")))
    if f.status and f.status not in STATUSES:
        errors.append(("status", _l("Unknown status.")))
    if f.sort not in SORT_KEYS:
        errors.append(("sort", _l("Unknown sort order.")))
    if f.governorate:
        row = refdata.find("governorates", f.governorate)
        f.governorate_id = row["id"] if row else None
        if not row:
            errors.append(("governorate", _l("Unknown governorate.")))
    if f.perpetrator:
        row = refdata.find("perpetrators", f.perpetrator)
        f.perpetrator_id = row["id"] if row else None
        if not row:
            errors.append(("perpetrator", _l("Unknown perpetrator party.")))
    if f.facility:
        row = refdata.facility(int(f.facility)) if f.facility.isdigit() else None
        f.facility_id = row["id"] if row else None
        if not row:
            errors.append(("facility", _l("Unknown facility.")))
    f.tag = normalise_tag(f.tag)
    errors += _dates(f)
    return f, errors


def _dates(f: CaseFilter) -> list[tuple[str, str]]:
    errors = []
    for name in ("arrest_from", "arrest_to"):
        value = getattr(f, name)
        try:
            parsed = partial_dates.parse(value)
        except partial_dates.PartialDateError:
            errors.append((name, _l("Write a date as 2013, 2013-06 or 2013-06-14.")))
            continue
        if parsed:
            setattr(f, name, str(parsed))
            if name == "arrest_from":
                f.arrest_lo = parsed.lo
            else:
                f.arrest_hi = parsed.hi
    if f.arrest_lo and f.arrest_hi and f.arrest_hi < f.arrest_lo:
        errors.append(("arrest_to", _l("The end of the period is before its start.")))
    return errors
