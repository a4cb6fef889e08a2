"""Domain verbs of the case register: create, update (optimistic locking), soft delete and
restore, and the keys derived from names and the timeline. They flush, never commit."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from ... import partial_dates as pd
from ...extensions import db
from ...models import Case, CaseConflict, CaseTag, ReferenceCounter, TimelineEntry, utcnow
from ...models.cases import NAME_FIELDS
from ...search import case_search_keys
from ...search.filters import normalise_tag
from .. import audit
from ..audit import Actor
from .rules import check_case, check_entry

log = logging.getLogger("portal.cases")

CASE_FIELDS = NAME_FIELDS + ("sex", "birth_date", "governorate_id", "district_id", "status",
                             "public_narrative", "internal_notes", "arrest_circumstances")
EDITABLE = CASE_FIELDS + ("aliases", "tags")
TERMINAL = {"release": "released", "death": "died_in_custody", "identification": "identified"}


class CaseInvalid(ValueError):
    """Input that the rules refuse; `errors` holds (field, message) pairs."""

    def __init__(self, errors: list):
        super().__init__("invalid case data")
        self.errors = errors


def next_reference(year: int | None = None, count: int = 1) -> str:
    """Reserve `count` numbers of `year` and return the first reference, DO-YYYY-NNNNNN."""
    year = year or date.today().year
    counter = db.session.scalar(select(ReferenceCounter).where(ReferenceCounter.year == year)
                                .with_for_update())
    if counter is None:
        counter = ReferenceCounter(year=year, last=0)
        db.session.add(counter)
    first = counter.last + 1
    counter.last += count
    db.session.flush()
    return f"DO-{year}-{first:06d}"


def refresh_search_keys(case: Case) -> None:
    """Recompute the normalised name columns (the search index follows them)."""
    keys = case_search_keys(first_ar=case.first_name_ar, father_ar=case.father_name_ar,
                            family_ar=case.family_name_ar, first_lat=case.first_name_lat,
                            father_lat=case.father_name_lat, family_lat=case.family_name_lat,
                            aliases=case.alias_list)
    for name, value in keys.items():
        setattr(case, name, value)


def _entry_order(entry: TimelineEntry) -> tuple:
    return (entry.date_lo is None, entry.date_lo or 0, entry.id or 0)


def refresh_derived(case: Case) -> None:
    """Arrest date, perpetrator, last known facility and status follow from the timeline."""
    entries = sorted(case.timeline, key=_entry_order)
    arrest = next((e for e in entries if e.kind == "arrest"), None)
    case.arrest_date = arrest.date.split("/")[0] if arrest and arrest.date else ""
    case.arrest_lo = (arrest.date_lo or 0) if arrest else 0
    case.arrest_hi = (arrest.date_hi or 0) if arrest else 0
    with_party = [e for e in entries if e.perpetrator_id]
    case.perpetrator_id = (arrest.perpetrator_id if arrest and arrest.perpetrator_id
                           else with_party[0].perpetrator_id if with_party else None)
    held = [e for e in entries if e.facility_id and e.kind not in ("release", "identification")]
    case.last_facility_id = held[-1].facility_id if held else None
    dated = [e for e in entries if e.date_lo is not None]
    if dated:
        latest = dated[-1]
        if latest.kind in TERMINAL:
            case.status = TERMINAL[latest.kind]
        elif case.status in TERMINAL.values():
            case.status = "detained"  # held again after a release (a re-arrest)


def set_entry_date(entry: TimelineEntry, value: str) -> None:
    entry.date = value or ""
    entry.date_lo, entry.date_hi = pd.bounds(value) if value else (None, None)


def _apply(case: Case, data: dict) -> None:
    for name in CASE_FIELDS:
        if name in data:
            setattr(case, name, data[name] if data[name] is not None else
                    (None if name.endswith("_id") else ""))
    if "aliases" in data:
        case.aliases = "\n".join(a.strip() for a in data["aliases"] if a.strip())
    case.birth_year = pd.year_of(case.birth_date)
    if "tags" in data:
        wanted = list(dict.fromkeys(normalise_tag(t) for t in data["tags"] if t.strip()))
        case.tag_rows = [row for row in case.tag_rows if row.tag in wanted]
        have = {row.tag for row in case.tag_rows}
        case.tag_rows.extend(CaseTag(tag=t) for t in wanted if t not in have)
    refresh_search_keys(case)


def create_case(data: dict, *, actor: Actor, arrest: dict | None = None,
                reference_year: int | None = None) -> Case:
    """A new case with a fresh reference, and its arrest as the first timeline entry."""
    errors = check_case({**data, "arrest_date": (arrest or {}).get("date", "")})
    if arrest:
        errors += [(f"arrest_{f}", m) for f, m in check_entry({**arrest, "kind": "arrest"},
                                                              birth=data.get("birth_date", ""))]
    if errors:
        raise CaseInvalid(errors)
    case = Case(reference=next_reference(reference_year), created_by_id=actor.user_id,
                updated_by_id=actor.user_id, status=data.get("status", "missing"))
    _apply(case, data)
    if arrest and any(arrest.get(k) for k in ("date", "place", "facility_id", "perpetrator_id")):
        entry = TimelineEntry(kind="arrest", estimated=bool(arrest.get("estimated")),
                              place=arrest.get("place", ""), unit=arrest.get("unit", ""),
                              facility_id=arrest.get("facility_id"),
                              perpetrator_id=arrest.get("perpetrator_id"))
        set_entry_date(entry, arrest.get("date", ""))
        case.timeline.append(entry)
        refresh_derived(case)
    db.session.add(case)
    db.session.flush()
    audit.record("case_created", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id})
    log.info("Case %r created by %r", case, actor.user_id)
    return case


def changed_fields(case: Case, data: dict) -> list[str]:
    """The editable fields whose value in `data` differs from the saved case."""
    changed = []
    for name in EDITABLE:
        if name not in data:
            continue
        saved = (case.alias_list if name == "aliases" else case.tags if name == "tags"
                 else getattr(case, name))
        new = data[name]
        if name == "tags":
            new = [normalise_tag(t) for t in new if t.strip()]
        if (saved or None) != (new or None):
            changed.append(name)
    return changed


def update_case(case: Case, data: dict, *, expected_version: int, actor: Actor) -> list[str]:
    """Save edits made on version `expected_version`; CaseConflict if it changed meanwhile."""
    if case.version != expected_version:
        raise CaseConflict(case, changed_fields(case, data))
    errors = check_case({**data, "arrest_date": case.arrest_date})
    errors += [("birth_date", m) for e in case.timeline
               for f, m in check_entry({"kind": e.kind, "date": e.date},
                                       birth=data.get("birth_date", "")) if f == "date"]
    if errors:
        raise CaseInvalid(errors)
    changed = changed_fields(case, data)
    if changed:
        _apply(case, data)
        touch(case, actor)
        db.session.flush()
    audit.record("case_updated", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id, "fields": len(changed)})
    return changed


def touch(case: Case, actor: Actor) -> None:
    """Mark the case changed (bumps its version, so concurrent editors are told)."""
    case.updated_at = utcnow()
    case.updated_by_id = actor.user_id


def delete_case(case: Case, *, actor: Actor) -> None:
    """Soft delete: hidden everywhere, restorable by an admin; nothing is erased."""
    case.deleted_at = utcnow()
    case.deleted_by_id = actor.user_id
    touch(case, actor)
    db.session.flush()
    audit.record("case_deleted", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id})


def restore_case(case: Case, *, actor: Actor) -> None:
    """Undo a soft delete (not for a case merged into another)."""
    case.deleted_at = None
    case.deleted_by_id = None
    case.merged_into_id = None
    touch(case, actor)
    db.session.flush()
    audit.record("case_restored", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id})


def record_view(case: Case, *, actor: Actor, tier: str) -> None:
    """Opening a case is a sensitive read: its entry is committed before the page is returned
    (no entry, no page); the view reads in a transaction of its own before it."""
    audit.record("sensitive_read", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id, "tier": tier})
