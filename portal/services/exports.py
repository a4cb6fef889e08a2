"""Streaming exports of the register (CSV and JSON), built only from access.redact().

Cases are read in keyset-ordered chunks, each in its own short transaction, so 250,000 cases
are never held in memory and a long download never holds SQLite's write lock. CSV cells that
a spreadsheet would run as a formula are neutralised (SECURITY.md E5)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from ..access import TIER_RANK, effective_tier, redact
from ..extensions import db
from ..models import Case, Source, TimelineEntry
from . import audit
from .audit import Actor

CHUNK = 500
_INVISIBLE_LEAD = re.compile("^[\\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A cell safe to open in a spreadsheet: text that would start a formula (also after
    spaces or invisible direction marks) gets a leading apostrophe (ASVS 1.2.10)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) or _INVISIBLE_LEAD.sub("", text).startswith(
            FORMULA_TRIGGERS[:4]):
        return "'" + text
    return text


def _cases(stmt: Select) -> Iterator[Case]:
    """Every case of `stmt`, chunk by chunk (keyset on id), eager-loading what redact uses."""
    last = 0
    options = (selectinload(Case.timeline).selectinload(TimelineEntry.source),
               selectinload(Case.sources).selectinload(Source.consent_orgs),
               selectinload(Case.submissions), selectinload(Case.tag_rows))
    while True:
        chunk = list(db.session.scalars(stmt.where(Case.id > last).order_by(Case.id)
                                        .limit(CHUNK).options(*options)))
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id
        db.session.rollback()  # end the read transaction (SQLite: release the lock)
        for case in chunk:  # and let the chunk go (cascades to its timeline and sources)
            db.session.expunge(case)


def redacted(stmt: Select, user, tier_cap: str) -> Iterator[dict]:
    """The visible cases of `stmt` as redact() dicts, each at min(its tier, `tier_cap`)."""
    cap = TIER_RANK[tier_cap]
    for case in _cases(stmt):
        tier = effective_tier(user, case)
        if tier is None:
            continue
        yield redact(case, tier if TIER_RANK[tier] <= cap else tier_cap)


def _flat(d: dict) -> dict:
    names, parents = d["names"], d.get("parents", {})
    row = {"reference": d["reference"], "uid": d["uid"], "tier": d["tier"], **names, **parents,
           "aliases": "; ".join(d["aliases"]), "sex": d["sex"], "birth_year": d["birth_year"],
           "birth_date": d.get("birth_date"), "status": d["status"],
           "arrest_month": d["arrest_month"], "arrest_date": d.get("arrest_date")}
    for key in ("governorate", "district", "perpetrator"):
        value = d.get(key) or {}
        row[f"{key}_code"], row[f"{key}_en"] = value.get("code"), value.get("name_en")
        row[f"{key}_ar"] = value.get("name_ar")
    facility = d.get("facility") or {}
    row.update(facility_en=facility.get("name_en"), facility_ar=facility.get("name_ar"),
               public_narrative=d["public_narrative"],
               arrest_circumstances=d.get("arrest_circumstances"))
    if "timeline" in d:
        row["timeline"] = " | ".join(
            f"{e['kind']} {e['date']}{' (est.)' if e['estimated'] else ''} "
            f"{(e['facility'] or {}).get('name_en', '') or e['place']}".strip()
            for e in d["timeline"])
        row["submissions"] = " | ".join(f"{s['body']} {s['date']} {s['reference']}".strip()
                                        for s in d["submissions"])
    if "informants" in d:
        row["informants"] = " | ".join(f"{i['relation']} ({i['contact_channel']})"
                                       for i in d["informants"])
    if "internal_notes" in d:
        row.update(internal_notes=d["internal_notes"], tags="; ".join(d["tags"]),
                   consent=d["consent"]["level"], version=d["version"])
    return row


def csv_columns(tier: str) -> list[str]:
    """The header of a CSV export at `tier` (a key is a column only if the tier has it)."""
    sample = {"uid": "", "reference": "", "tier": tier, "names": dict.fromkeys(
        ("first_ar", "family_ar", "first_lat", "family_lat"), ""), "aliases": [], "sex": "",
        "birth_year": None, "governorate": None, "arrest_month": None, "perpetrator": None,
        "facility": None, "status": "", "public_narrative": ""}
    rank = TIER_RANK[tier]
    if rank >= TIER_RANK["detailed"]:
        sample.update(parents=dict.fromkeys(("father_ar", "father_lat", "mother_ar",
                                             "mother_lat"), ""), birth_date=None, district=None,
                      arrest_date=None, arrest_circumstances="", timeline=[], submissions=[])
    if rank >= TIER_RANK["identification"]:
        sample["informants"] = []
    if rank >= TIER_RANK["office"]:
        sample.update(internal_notes="", tags=[], consent={"level": ""}, version=1)
    return list(_flat(sample))


def csv_stream(dicts: Iterator[dict], tier: str) -> Iterator[str]:
    """CSV text chunks (UTF-8 with BOM so spreadsheets read Arabic), RFC 4180 quoting."""
    columns = csv_columns(tier)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore",
                            quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    yield "\ufeff" + buffer.getvalue()
    for n, d in enumerate(dicts, start=1):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: neutralise(v) for k, v in _flat(d).items()})
        yield buffer.getvalue()


def json_stream(dicts: Iterator[dict]) -> Iterator[str]:
    """A JSON array, one case per chunk."""
    yield '{"cases": ['
    for n, d in enumerate(dicts):
        yield ("," if n else "") + "\n" + json.dumps(d, ensure_ascii=False, default=str)
    yield "\n]}\n"


def record_export(actor: Actor, *, fmt: str, tier: str, filters: int) -> None:
    """Exports are sensitive reads: audited (ids and counts only) before streaming starts."""
    audit.record("cases_exported", actor, object_type="case",
                 detail={"format": fmt, "tier": tier, "filters": filters})
