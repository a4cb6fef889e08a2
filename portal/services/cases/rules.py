"""Validation rules of a case and its timeline, shared by the forms, the import and the
services: each returns (field, message) pairs; an empty list means valid. Messages are lazy
translations naming the problem; the caller names the field (or line and column)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from ... import partial_dates as pd
from ...models.case_records import PLACE_MAX, TIMELINE_KINDS, UNIT_MAX
from ...models.cases import NAME_FIELDS, NAME_MAX, NOTE_MAX, SEXES, STATUSES, TEXT_MAX

MAX_TAGS, TAG_MAX, MAX_ALIASES = 20, 60, 20
DATE_MESSAGES = {
    "format": _l("Write the date as 1987, 1987-06 or 1987-06-14."),
    "invalid": _l("This day does not exist."),
    "year_range": _l("The year must be between 1900 and today."),
    "order": _l("The period ends before it starts."),
    "future": _l("This date is in the future."),
}
TEXT_LIMITS = {"public_narrative": TEXT_MAX, "internal_notes": TEXT_MAX,
               "arrest_circumstances": NOTE_MAX, "place": PLACE_MAX, "unit": UNIT_MAX,
               **{name: NAME_MAX for name in NAME_FIELDS}}


def too_long(limit: int):
    return _l("Too long: at most %(limit)s characters.", limit=limit)


def check_date(value: str, *, allow_range: bool = False,
               today: dt.date | None = None) -> tuple[str, list]:
    """(canonical string, [message]) for a partial date (or an "A/B" range)."""
    try:
        if allow_range:
            first, last = pd.parse_range(value)
        else:
            first, last = pd.parse(value), None
    except pd.PartialDateError as exc:
        return "", [DATE_MESSAGES[exc.code]]
    if first is None:
        return "", []
    if any(d and pd.is_future(d, today) for d in (first, last)):
        return "", [DATE_MESSAGES["future"]]
    return str(first) + (f"/{last}" if last else ""), []


def check_case(data: dict, *, today: dt.date | None = None) -> list[tuple[str, object]]:
    """Errors of the case fields (names, vocabularies, lengths, birth and arrest dates)."""
    errors: list[tuple[str, object]] = []
    if not (data.get("first_name_ar") or data.get("first_name_lat")):
        errors.append(("first_name_ar", _l("Give the first name in Arabic or Latin script.")))
    if not (data.get("family_name_ar") or data.get("family_name_lat")):
        errors.append(("family_name_ar", _l("Give the family name in Arabic or Latin script.")))
    for name, limit in TEXT_LIMITS.items():
        if len(data.get(name) or "") > limit:
            errors.append((name, too_long(limit)))
    if data.get("sex", "unknown") not in SEXES:
        errors.append(("sex", _l("Unknown value.")))
    if data.get("status") not in STATUSES:
        errors.append(("status", _l("Unknown status.")))
    aliases, tags = data.get("aliases") or [], data.get("tags") or []
    if len(aliases) > MAX_ALIASES or any(len(a) > NAME_MAX for a in aliases):
        errors.append(("aliases", _l("At most 20 other names of at most 100 characters each.")))
    if len(tags) > MAX_TAGS or any(len(t) > TAG_MAX for t in tags):
        errors.append(("tags", _l("At most 20 tags of at most 60 characters each.")))
    birth, problems = check_date(data.get("birth_date", ""), today=today)
    errors += [("birth_date", p) for p in problems]
    arrest, problems = check_date(data.get("arrest_date", ""), allow_range=True, today=today)
    errors += [("arrest_date", p) for p in problems]
    if birth and arrest and pd.bounds(birth)[0] > pd.bounds(arrest)[1]:
        errors.append(("birth_date", _l("The birth date is after the arrest.")))
    return errors


def check_entry(entry: dict, *, arrest: str = "", birth: str = "",
                today: dt.date | None = None) -> list[tuple[str, object]]:
    """Errors of one timeline entry, against the case's arrest and birth dates."""
    errors: list[tuple[str, object]] = []
    if entry.get("kind") not in TIMELINE_KINDS:
        errors.append(("kind", _l("Unknown kind of event.")))
    for name in ("place", "unit"):
        if len(entry.get(name) or "") > TEXT_LIMITS[name]:
            errors.append((name, too_long(TEXT_LIMITS[name])))
    date, problems = check_date(entry.get("date", ""), allow_range=True, today=today)
    errors += [("date", p) for p in problems]
    if date and entry.get("kind") != "arrest" and arrest:
        if pd.bounds(date)[1] < pd.bounds(arrest)[0]:
            message = (_l("The release is dated before the arrest.")
                       if entry.get("kind") == "release"
                       else _l("This is dated before the arrest."))
            errors.append(("date", message))
    if date and birth and pd.bounds(date)[1] < pd.bounds(birth)[0]:
        errors.append(("date", _l("This is dated before the person's birth.")))
    return errors
