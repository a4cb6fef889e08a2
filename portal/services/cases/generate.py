"""Deterministic synthetic cases for demos and benchmarks (`flask cases generate`).

Names come from portal/data/names.py, combined at random (never a real person), written
with the spelling variation of real records; dates, facilities, statuses and 3–5 custody
events are plausible. Rows go in with Core executemany in batches (not ORM objects one by
one), so 250,000 cases take minutes. Optionally a labelled search-quality set is written:
query → expected reference, for Arabic variants, Latin transliterations and typos.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text

from ... import crypto, refdata
from ...data.names import FAMILY, FEMALE, MALE
from ...extensions import db
from ...models import Case, Source, Submission, TimelineEntry
from ...search import case_search_keys
from .. import audit
from ..audit import Actor
from .labelled_set import write_labelled_set
from .name_variants import stored_arabic
from .register import next_reference

BATCH = 5000
TAGS = ("families-campaign", "wgeid-batch-1", "wgeid-batch-2", "follow-up", "priority")
RELATIONS = ("mother", "father", "brother", "sister", "wife", "son", "cousin")


def _weights(n: int) -> list[float]:
    return [1 / (i + 1) ** 0.8 for i in range(n)]  # a few names are very common


@dataclass
class Person:
    """The canonical name choices of one generated case (for the labelled set)."""
    reference: str
    first: int
    father: int
    family: int
    female: bool
    latin: bool
    twin_of: str = ""


@dataclass
class Report:
    count: int = 0
    timeline: int = 0
    people: list[Person] = field(default_factory=list)


def _partial(rng: random.Random, year: int, month: int | None = None, day: int | None = None,
             precision: float | None = None) -> tuple[str, int, int]:
    roll = rng.random() if precision is None else precision
    month = month or rng.randint(1, 12)
    day = day or rng.randint(1, 28)
    if roll < 0.2:
        return f"{year}", year * 10000 + 101, year * 10000 + 1231
    if roll < 0.5:
        return f"{year}-{month:02d}", year * 10000 + month * 100 + 1, year * 10000 + month * 100 + 28
    value = year * 10000 + month * 100 + day
    return f"{year}-{month:02d}-{day:02d}", value, value


class _Ids:
    """Next free primary keys, so child rows can point at parents inserted in bulk."""

    def __init__(self):
        self.next = {m: (db.session.scalar(select(func.max(m.id))) or 0) + 1
                     for m in (Case, TimelineEntry, Source, Submission)}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] += 1
        return value


def generate_cases(count: int, seed: int, *, actor: Actor, labelled_path: str | None = None,
                   labelled_size: int = 500) -> Report:
    """Insert `count` synthetic cases deterministically for `seed`; return a report."""
    # Reproducible synthetic data, not secrets.
    rng = random.Random(seed)  # nosec B311
    ids, report = _Ids(), Report()
    refs = _reserve_references(rng, count)
    facilities = [f for f in refdata.all_rows("facilities") if f["kind"] != "unknown"]
    governorates = refdata.all_rows("governorates")
    districts = refdata.all_rows("districts")
    parties = {p["code"]: p["id"] for p in refdata.all_rows("perpetrators")}
    ctx = _Context(rng, ids, facilities, governorates, districts, parties)
    rows: dict[str, list] = {"cases": [], "timeline": [], "sources": [], "submissions": []}
    twin_next = None
    for n in range(count):
        person, twin_next = ctx.person(refs[n], twin_next)
        ctx.case_rows(person, rows)
        report.people.append(person)
        if len(rows["cases"]) >= BATCH:
            report.timeline += _flush(rows)
    report.timeline += _flush(rows)
    report.count = count
    _fix_sequences()
    audit.record("cases_generated", actor, object_type="case", detail={"count": count,
                                                                      "seed": seed})
    if labelled_path:
        write_labelled_set(labelled_path, report.people, seed=seed, size=labelled_size)
    return report


def _reserve_references(rng: random.Random, count: int) -> list[str]:
    years = [rng.randint(2014, 2025) for _ in range(count)]
    refs, per_year = [], Counter(years)
    starts = {y: int(next_reference(y, per_year[y]).rsplit("-", 1)[1]) for y in sorted(per_year)}
    for y in years:
        refs.append(f"DO-{y}-{starts[y]:06d}")
        starts[y] += 1
    return refs


def _flush(rows: dict[str, list]) -> int:
    if not rows["cases"]:
        return 0
    db.session.execute(insert(Case.__table__), rows["cases"])
    db.session.execute(insert(Source.__table__), rows["sources"])
    db.session.execute(insert(TimelineEntry.__table__), rows["timeline"])
    if rows["submissions"]:
        db.session.execute(insert(Submission.__table__), rows["submissions"])
    written = len(rows["timeline"])
    for batch in rows.values():
        batch.clear()
    return written


def _fix_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids given explicitly; both: fresh stats."""
    db.session.execute(text("ANALYZE"))
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("cases", "case_timeline", "case_sources", "case_submissions"):
        # Fixed table names, not input.
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))


class _Context:
    def __init__(self, rng, ids, facilities, governorates, districts, parties):
        self.rng, self.ids = rng, ids
        self.facilities, self.governorates, self.districts = facilities, governorates, districts
        self.parties = parties
        self.male_w, self.female_w, self.family_w = (_weights(len(MALE)), _weights(len(FEMALE)),
                                                     _weights(len(FAMILY)))
        self.contact_key = None

    def person(self, reference: str, twin_next: Person | None) -> tuple[Person, Person | None]:
        rng = self.rng
        if twin_next is not None:  # محمود next to محمد, with the same father and family
            twin_next.reference = reference
            return twin_next, None
        female = rng.random() < 0.12
        first = rng.choices(range(len(FEMALE if female else MALE)),
                            self.female_w if female else self.male_w)[0]
        father = rng.choices(range(len(MALE)), self.male_w)[0]
        family = rng.choices(range(len(FAMILY)), self.family_w)[0]
        person = Person(reference, first, father, family, female, rng.random() < 0.85)
        if not female and first in (0, 1) and rng.random() < 0.02:
            return person, Person("", 1 - first, father, family, False, rng.random() < 0.85,
                                  twin_of=reference)
        return person, None

    def case_rows(self, p: Person, rows: dict[str, list]) -> None:
        rng = self.rng
        firsts = FEMALE if p.female else MALE
        ar = {"first_name_ar": stored_arabic(firsts[p.first][0], rng),
              "father_name_ar": stored_arabic(MALE[p.father][0], rng),
              "family_name_ar": stored_arabic(FAMILY[p.family][0], rng)}
        mother = FEMALE[rng.choices(range(len(FEMALE)), self.female_w)[0]]
        lat = {"first_name_lat": "", "father_name_lat": "", "family_name_lat": ""}
        if p.latin:
            lat = {"first_name_lat": rng.choice(firsts[p.first][1]),
                   "father_name_lat": rng.choice(MALE[p.father][1]),
                   "family_name_lat": rng.choice(FAMILY[p.family][1])}
        keys = case_search_keys(**{k.replace("_name", ""): v for k, v in {**ar, **lat}.items()})
        case_id = self.ids.take(Case)
        gov = rng.choice(self.governorates)
        districts = [d for d in self.districts if d["governorate_id"] == gov["id"]]
        arrest_year = rng.randint(2011, 2024)
        birth_year = rng.randint(1950, arrest_year - 15)
        birth = _partial(rng, birth_year)[0]
        created = datetime(int(p.reference[3:7]), 1, 1, tzinfo=timezone.utc) + timedelta(
            seconds=rng.randint(0, 360 * 86400))
        source_id = self.ids.take(Source)
        entries, status, last_facility, party = self._timeline(case_id, source_id, arrest_year)
        rows["timeline"].extend(entries)
        rows["sources"].append(self._source(source_id, case_id, created))
        arrest = entries[0]
        rows["cases"].append({
            "id": case_id, "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "reference": p.reference, "external_id": None, "import_key": None, **ar, **lat,
            "mother_name_ar": stored_arabic(mother[0], rng),
            "mother_name_lat": rng.choice(mother[1]) if p.latin else "", "aliases": "",
            "sex": "female" if p.female else "male", "birth_date": birth,
            "birth_year": birth_year, "governorate_id": gov["id"],
            "district_id": rng.choice(districts)["id"], "status": status,
            "public_narrative": "", "internal_notes": "", "arrest_circumstances": "",
            "arrest_date": arrest["date"].split("/")[0], "arrest_lo": arrest["date_lo"],
            "arrest_hi": arrest["date_hi"], "perpetrator_id": party,
            "last_facility_id": last_facility, **keys, "version": 1, "created_at": created,
            "updated_at": created + timedelta(days=rng.randint(0, 300)),
            "created_by_id": None, "updated_by_id": None, "deleted_at": None,
            "deleted_by_id": None, "merged_into_id": None})
        if rng.random() < 0.1:
            rows["submissions"].append({
                "id": self.ids.take(Submission), "case_id": case_id, "body": "wgeid",
                "date": f"{min(arrest_year + 2, 2025)}", "reference": f"WG-{case_id:07d}",
                "answer": "", "created_at": created})

    def _timeline(self, case_id: int, source_id: int, year: int):
        rng = self.rng
        facility = rng.choice(self.facilities)
        party = facility["authority_id"]
        date, lo, hi = _partial(rng, year)
        entries = [self._entry(case_id, source_id, "arrest", date, lo, hi, facility=None,
                               party=party, place=True)]
        cursor = year * 12 + (int(date[5:7]) if len(date) > 4 else 12) - 1  # months since 0
        for kind in ["held"] + rng.sample(["transfer", "sighting", "court"], k=rng.randint(1, 2)):
            cursor = min(cursor + rng.randint(1, 8), 2025 * 12 + 5)
            facility = rng.choice([f for f in self.facilities
                                   if f["authority_id"] == party] or self.facilities)
            date, lo, hi = _partial(rng, cursor // 12, cursor % 12 + 1,
                                    precision=0.2 + rng.random() * 0.8)
            entries.append(self._entry(case_id, source_id, kind, date, lo, hi,
                                       facility=facility["id"], party=party))
        roll, status = rng.random(), rng.choice(("forcibly_disappeared", "forcibly_disappeared",
                                                 "detained", "missing"))
        for kind, share, final in (("release", 0.2, "released"),
                                   ("death", 0.3, "died_in_custody"),
                                   ("identification", 0.33, "identified")):
            if roll < share:
                cursor = min(cursor + rng.randint(1, 24), 2025 * 12 + 5)
                date, lo, hi = _partial(rng, cursor // 12, cursor % 12 + 1, precision=0.9)
                entries.append(self._entry(case_id, source_id, kind, date, lo, hi,
                                           facility=None, party=party))
                status = final
                break
        held = [e["facility_id"] for e in entries if e["facility_id"]]
        return entries, status, held[-1] if held else None, party

    def _entry(self, case_id, source_id, kind, date, lo, hi, *, facility, party, place=False):
        return {"id": self.ids.take(TimelineEntry), "case_id": case_id, "kind": kind,
                "date": date, "date_lo": lo, "date_hi": hi,
                "estimated": self.rng.random() < 0.2, "place": "checkpoint" if place else "",
                "facility_id": facility, "perpetrator_id": party, "unit": "",
                "source_id": source_id, "created_at": datetime(2025, 1, 1, tzinfo=timezone.utc)}

    def _source(self, source_id: int, case_id: int, created: datetime) -> dict:
        rng = self.rng
        contact = f"family-{case_id}@contact.example"
        return {"id": source_id, "case_id": case_id, "kind": "family",
                "relation": rng.choice(RELATIONS), "informant_enc": None,
                "contact_enc": crypto.encrypt(contact, context=b"contact"),
                "contact_channel": rng.choice(("phone", "messaging_app", "through_field_team")),
                "interview_date": created.date().isoformat(), "interviewer": "",
                "reliability": rng.choice(("high", "medium", "medium", "low")),
                "consent_level": rng.choice(("internal", "all_partners", "all_partners",
                                             "named_partners", "public")),
                "identification_referral": rng.random() < 0.6,
                "consent_date": created.date().isoformat(), "consent_method": "oral_recorded",
                "created_at": created}
