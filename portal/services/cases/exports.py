"""Streaming exports of the register (CSV and JSON), built only from access.redact().

Cases are read in keyset-ordered chunks, each in its own short transaction, so 250,000 cases
are never held in memory and a long download never holds SQLite's write lock. CSV cells that
a spreadsheet would run as a formula are neutralised (SECURITY.md E5)."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterator

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ...access import TIER_RANK, effective_tiers, redact, redact_options, summary_names_match
from ...database import allow_writes, reads_only_from_here
from ...extensions import db
from ...models import Case
from ...search.ranking import query_tokens
from .. import audit
from ..audit import Actor

CHUNK = 500
FIRST_CHUNK = 50  # a small first chunk: the download starts sooner
_INVISIBLE_LEAD = re.compile("^[\\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
log = logging.getLogger("portal.exports")


def neutralise(value) -> str:
    """A cell safe to open in a spreadsheet: text that would start a formula (also after
    spaces or invisible direction marks) gets a leading apostrophe (ASVS 1.2.10)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) or _INVISIBLE_LEAD.sub("", text).startswith(
            FORMULA_TRIGGERS[:4]):
        return "'" + text
    return text


def _chunks(stmt: Select) -> Iterator[list[Case]]:
    """The cases of `stmt`, chunk by chunk (keyset on id), eager-loading what redact uses.
    Each chunk is read by a session of its own, closed before the chunk is handed on: no
    transaction stays open while the client takes its time, and the chunk is let go (it
    is detached as loaded, without walking its relations one by one)."""
    last, size = 0, FIRST_CHUNK
    options = redact_options()
    while True:
        with Session(db.engine) as reader:
            chunk = list(reader.scalars(stmt.where(Case.id > last).order_by(Case.id)
                                        .limit(size).options(*options)))
        size = CHUNK
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def redacted(stmt: Select, user, tier_cap: str, q: str = "",
             first_tiers: Callable[[list[Case]], dict[int, str]] | None = None
             ) -> Iterator[dict]:
    """The visible cases of `stmt` as redact() dicts, each at min(its tier, `tier_cap`); the
    tiers of a chunk come from one query of the gate (access.effective_tiers), which reads
    the grants afresh, so a grant revoked while a long export streams stops it there.
    `first_tiers` (access.ListScope.tiers): the same for the first chunk from the grants the
    request has just read, so the download starts sooner.

    `q`, the name criterion `stmt` already holds: a partner's case exported at the summary
    tier must also match it on the names that tier shows (not the father's name)."""
    cap = TIER_RANK[tier_cap]
    tokens = query_tokens(q) if q and not user.is_office else []
    for n, chunk in enumerate(_chunks(stmt)):
        if n == 0 and first_tiers is not None:
            tiers = first_tiers(chunk)
        else:
            tiers = effective_tiers(user, chunk)
        db.session.rollback()  # end the gate's read transaction too
        for case in chunk:
            tier = tiers.get(case.id)
            if tier is None:
                continue
            tier = tier if TIER_RANK[tier] <= cap else tier_cap
            if tokens and tier == "summary" and not summary_names_match(case, tokens):
                continue
            yield redact(case, tier)


def _flat(d: dict) -> dict:
    """One CSV row: only the columns of the keys the dict holds (a field above the tier is
    not an empty column, it is no column at all)."""
    names = d["names"]
    row = {"reference": d["reference"], "uid": d["uid"], "tier": d["tier"], **names,
           **d.get("parents", {}), "aliases": "; ".join(d["aliases"]), "sex": d["sex"],
           "birth_year": d["birth_year"]}
    if "birth_date" in d:
        row["birth_date"] = d["birth_date"]
    row.update(status=d["status"], arrest_month=d["arrest_month"])
    if "arrest_date" in d:
        row["arrest_date"] = d["arrest_date"]
    for key in ("governorate", "district", "perpetrator"):
        if key in d:
            value = d[key] or {}
            row[f"{key}_code"], row[f"{key}_en"] = value.get("code"), value.get("name_en")
            row[f"{key}_ar"] = value.get("name_ar")
    facility = d.get("facility") or {}
    row.update(facility_en=facility.get("name_en"), facility_ar=facility.get("name_ar"),
               public_narrative=d["public_narrative"])
    if "arrest_circumstances" in d:
        row["arrest_circumstances"] = d["arrest_circumstances"]
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


def record_export(actor: Actor, *, fmt: str, tier: str, filters: int,
                  count: int | None = None) -> int:
    """Exports are sensitive reads: audited (ids and counts only) before any case leaves.
    `count` (the cases selected), when known beforehand, feeds the access report and the
    bulk-read alert; a streamed export leaves it out and records what it delivered when
    the stream ends (audited()). Returns the entry's sequence number."""
    detail = {"format": fmt, "tier": tier, "filters": filters}
    if count is not None:
        detail["count"] = count
    return audit.record("cases_exported", actor, object_type="case", detail=detail).seq


END_ACTION = "cases_export_ended"


def audited(render: Callable[[Iterator[dict]], Iterator[str]], dicts: Iterator[dict],
            actor: Actor, started: int) -> Iterator[str]:
    """`render(dicts)` (csv_stream, json_stream), and when the stream ends (read to the end,
    or closed early: the client went away) an audit entry naming the export (`started`, the
    sequence number of its cases_exported entry) with how many cases were handed to the
    server and whether that was all of them. Counting while streaming, not before, lets the
    download start at once; the start entry is written before any case leaves."""
    handed = 0
    reads_only_from_here()  # the start is recorded: from here the stream only reads

    def counted() -> Iterator[dict]:
        nonlocal handed
        for d in dicts:
            handed += 1  # counted when handed over, so a closed stream never under-counts
            yield d

    complete = False
    try:
        yield from render(counted())
        complete = True
    finally:
        try:
            allow_writes()  # ends the read transaction
            audit.record(END_ACTION, actor, object_type="export", object_id=started,
                         detail={"count": handed, "complete": complete})
            db.session.commit()
        except Exception:  # the download itself is over; never raise from close()
            db.session.rollback()
            log.exception("Could not record the end of export %s (%s cases)", started, handed)
