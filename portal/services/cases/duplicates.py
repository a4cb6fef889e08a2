"""Possible duplicates (the same person written differently), "not duplicates" decisions
and merges that keep both histories and all sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, delete, or_, select, update

from ...extensions import db
from ...models import Case, CaseTag, NotDuplicate, Source, Submission, TimelineEntry, utcnow
from ...models.cases import NAME_FIELDS
from ...search import case_search_keys, has_arabic
from ...search.normalise import arabic_key, latin_keys
from ...search.query import ranked_ids
from ...search.ranking import query_tokens, score
from .. import audit
from ..audit import Actor
from .register import refresh_derived, refresh_search_keys, touch

NAME_WEIGHT, MOTHER_WEIGHT, BIRTH_WEIGHT, ORIGIN_WEIGHT = 0.6, 0.15, 0.15, 0.10
THRESHOLD = 70.0


@dataclass
class DuplicateMatch:
    case: Case
    score: float
    reasons: list[str] = field(default_factory=list)  # names, mother, birth_year, origin


_COMPARED = (Case.id, Case.search_ar, Case.search_lat, Case.mother_name_ar, Case.mother_name_lat,
             Case.birth_year, Case.governorate_id)


def _name_query(data: dict, parts=("first", "father", "family")) -> str:
    ar = " ".join(data.get(f"{p}_name_ar") or "" for p in parts).strip()
    lat = " ".join(data.get(f"{p}_name_lat") or "" for p in parts).strip()
    return ar or lat


def _mother_match(data: dict, case: Case) -> bool | None:
    pairs = [(data.get("mother_name_ar"), case.mother_name_ar, arabic_key),
             (data.get("mother_name_lat"), case.mother_name_lat,
              lambda t: " ".join(latin_keys(t)))]
    known = [(key(a), key(b)) for a, b, key in pairs if a and b]
    return None if not known else any(x == y for x, y in known)


def _compare(data: dict, case: Case, tokens) -> DuplicateMatch:
    exact, similarity = score(tokens, case.search_ar, case.search_lat)
    total, reasons = similarity * NAME_WEIGHT, []
    if exact == len(tokens):
        reasons.append("names")
    mother = _mother_match(data, case)
    if mother:
        total += 100 * MOTHER_WEIGHT
        reasons.append("mother")
    birth = str(data.get("birth_date") or "")[:4]
    if birth and case.birth_year:
        if abs(int(birth) - case.birth_year) <= 1:
            total += 100 * BIRTH_WEIGHT
            reasons.append("birth_year")
        elif abs(int(birth) - case.birth_year) > 3:
            total -= 100 * BIRTH_WEIGHT
    if data.get("governorate_id") and data.get("governorate_id") == case.governorate_id:
        total += 100 * ORIGIN_WEIGHT
        reasons.append("origin")
    if mother is False:
        total -= 100 * MOTHER_WEIGHT
    return DuplicateMatch(case, round(total / (NAME_WEIGHT + MOTHER_WEIGHT + BIRTH_WEIGHT
                                               + ORIGIN_WEIGHT), 1), reasons)


def find_duplicates(data: dict, *, exclude: Case | None = None, limit: int = 8
                    ) -> list[DuplicateMatch]:
    """Live cases that may be the person described by `data` (names, mother's name, birth
    year, origin), best first; pairs marked "not duplicates" are left out."""
    query = _name_query(data)
    tokens = query_tokens(query)
    if not tokens:
        return []
    keys = case_search_keys(**{f"{p}_{s}": data.get(f"{p}_name_{s}") or ""
                               for p in ("first", "father", "family") for s in ("ar", "lat")})
    live = select(Case).where(Case.deleted_at.is_(None))
    ids = set(db.session.scalars(live.with_only_columns(Case.id)
                                 .where(Case.name_key == keys["name_key"]).limit(200)))
    ids.update(ranked_ids(live, _name_query(data, ("first", "family")))[:100])
    if exclude is not None:
        ids.discard(exclude.id)
        ids -= _not_duplicates_of(exclude.id)
    if not ids:
        return []
    # Score plain rows of the columns _compare reads (up to 300 candidates: building whole
    # Case objects for them cost more than the search), then load only the cases shown.
    rows = db.session.execute(select(*_COMPARED).where(Case.id.in_(ids)))
    matches = [_compare(data, row, tokens) for row in rows]
    matches = [m for m in matches if m.score >= THRESHOLD and "names" in m.reasons
               or m.score >= THRESHOLD + 10]
    matches = sorted(matches, key=lambda m: (-m.score, -m.case.id))[:limit]
    loaded = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_([m.case.id for m in matches])))} if matches else {}
    for match in matches:
        match.case = loaded[match.case.id]
    return matches


def duplicates_of(case: Case, limit: int = 5) -> list[DuplicateMatch]:
    """Possible duplicates of a saved case (for its page and the merge screen)."""
    data = {name: getattr(case, name) for name in NAME_FIELDS}
    data.update(birth_date=case.birth_date, governorate_id=case.governorate_id)
    return find_duplicates(data, exclude=case, limit=limit)


def _not_duplicates_of(case_id: int) -> set[int]:
    rows = db.session.execute(select(NotDuplicate.case_a_id, NotDuplicate.case_b_id).where(
        or_(NotDuplicate.case_a_id == case_id, NotDuplicate.case_b_id == case_id)))
    return {a if b == case_id else b for a, b in rows}


def mark_not_duplicates(one: Case, other: Case, *, actor: Actor) -> None:
    """Record that two cases are different people, so they are not proposed again."""
    a, b = sorted((one.id, other.id))
    exists = db.session.get(NotDuplicate, (a, b))
    if exists is None:
        db.session.add(NotDuplicate(case_a_id=a, case_b_id=b, created_by_id=actor.user_id))
        db.session.flush()
    audit.record("case_not_duplicate", actor, object_type="case", object_id=one.uid,
                 detail={"case": a, "other": b})


def merge_cases(keep: Case, other: Case, *, actor: Actor) -> None:
    """Merge `other` into `keep`: its timeline, sources, submissions and tags move over,
    empty fields are filled, its names become aliases; `other` is soft-deleted and points
    to `keep`, so the merge can be traced (and undone by hand) later."""
    if keep.id == other.id:
        raise ValueError("a case cannot be merged into itself")
    counts = {}
    for model, key in ((TimelineEntry, "entries"), (Source, "sources"),
                       (Submission, "submissions")):
        result = db.session.execute(update(model).where(model.case_id == other.id)
                                    .values(case_id=keep.id))
        counts[key] = result.rowcount
    have = set(keep.tags)
    for tag in other.tags:
        if tag not in have:
            db.session.add(CaseTag(case_id=keep.id, tag=tag))
    db.session.execute(delete(CaseTag).where(CaseTag.case_id == other.id))
    _fill_fields(keep, other)
    other.deleted_at, other.deleted_by_id, other.merged_into_id = utcnow(), actor.user_id, keep.id
    touch(other, actor)
    db.session.flush()
    db.session.expire(keep, ["timeline", "sources", "submissions", "tag_rows"])
    db.session.expire(other, ["timeline", "sources", "submissions", "tag_rows"])
    refresh_derived(keep)
    refresh_search_keys(keep)
    touch(keep, actor)
    db.session.flush()
    audit.record("cases_merged", actor, object_type="case", object_id=keep.uid,
                 detail={"kept": keep.id, "merged": other.id, **counts})


def _fill_fields(keep: Case, other: Case) -> None:
    for name in NAME_FIELDS + ("birth_date", "birth_year", "governorate_id", "district_id",
                               "public_narrative", "arrest_circumstances"):
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    notes = [n for n in (keep.internal_notes, other.internal_notes) if n]
    keep.internal_notes = "\n\n".join(dict.fromkeys(notes))
    aliases = keep.alias_list + other.alias_list
    for script in ("ar", "lat"):
        name = " ".join(filter(None, (getattr(other, f"{p}_name_{script}")
                                      for p in ("first", "father", "family"))))
        mine = " ".join(filter(None, (getattr(keep, f"{p}_name_{script}")
                                      for p in ("first", "father", "family"))))
        if name and name != mine:
            aliases.append(name)
    keep.aliases = "\n".join(dict.fromkeys(a for a in aliases if a))


def pair_is_marked(a: Case, b: Case) -> bool:
    lo, hi = sorted((a.id, b.id))
    return db.session.scalar(select(NotDuplicate.case_a_id).where(
        and_(NotDuplicate.case_a_id == lo, NotDuplicate.case_b_id == hi))) is not None


__all__ = ["DuplicateMatch", "duplicates_of", "find_duplicates", "has_arabic",
           "mark_not_duplicates", "merge_cases", "pair_is_marked"]
