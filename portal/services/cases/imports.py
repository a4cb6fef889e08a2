"""Importing a spreadsheet of cases: a streaming validation pass that reports every error
with its line and column, then (when asked and when there is no error) a second pass that
inserts all rows in batches inside the request's one transaction: all rows or none. Each
row is checked by import_rows.RowValidator.

Rows whose external id (or, without one, whose content) was imported before are skipped,
so importing the same file twice creates nothing new (SECURITY.md H3)."""

from __future__ import annotations

import io

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from ... import crypto
from ... import partial_dates as pd
from ...extensions import db
from ...models import Case, CaseTag, Source, TimelineEntry
from ...search import case_search_keys
from ...search.filters import normalise_tag
from .. import audit
from ..audit import Actor
from .import_format import (
    REQUIRED,
    REQUIRED_ONE_OF,
    FileProblem,
    column_letter,
    csv_rows,
    map_headers,
    sniff_kind,
    xlsx_rows,
)
from .import_rows import ImportReport, RowResult, RowValidator
from .register import next_reference

BATCH = 1000
MAX_LINES_SHOWN = 300


def _rows(stream, filename: str, encoding: str) -> tuple[list[str], object]:
    cfg = current_app.config
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > cfg.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024):
        raise FileProblem(_l("The file is larger than %(mb)s MB. Split it into smaller files.",
                             mb=cfg.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024) // 2**20))
    if size == 0:
        raise FileProblem(_l("The file is empty."))
    kind = sniff_kind(stream.read(512), filename)
    stream.seek(0)
    rows = (xlsx_rows(stream, cfg.get("IMPORT_MAX_UNPACKED", 200 * 2**20)) if kind == "xlsx"
            else csv_rows(stream, encoding))
    header = next(rows, None)
    if header is None:
        raise FileProblem(_l("The file has no header line."))
    return header.values, rows


def run_import(stream, *, filename: str, encoding: str, commit: bool, actor: Actor
               ) -> ImportReport:
    """Check a file (and, with `commit`, import it when it has no error); audited."""
    report = ImportReport(filename="")
    try:
        headers, rows = _rows(stream, filename, encoding)
        mapped, unknown = map_headers(headers)
        for index, header in unknown:
            report.error(1, f"{column_letter(index)} ({header})",
                         _l("Unknown column. Use the headers of the template."))
        names = set(mapped.values())
        for name in REQUIRED:
            if name not in names:
                report.error(1, name, _l("Missing column."))
        for group in REQUIRED_ONE_OF:
            if not names & set(group):
                report.error(1, " / ".join(group), _l("Missing column."))
        valid = _validate(rows, report, RowValidator(report, mapped, headers)) \
            if not report.error_count else []
    except FileProblem as exc:
        report.error(exc.line or 0, "", exc.message)
        valid = []
    if commit and not report.error_count and report.to_create:
        stream.seek(0)
        headers, rows = _rows(stream, filename, encoding)
        _insert(rows, RowValidator(ImportReport(), map_headers(headers)[0], headers), actor, report)
        report.committed = True
    audit.record("cases_imported" if report.committed else "cases_import_checked", actor,
                 object_type="case", outcome="success" if not report.error_count else "failure",
                 detail={"rows": report.rows, "errors": report.error_count,
                         "created": report.created, "skipped": report.skipped})
    del valid
    return report


def _validate(rows, report: ImportReport, validator: RowValidator) -> list:
    max_rows = current_app.config.get("IMPORT_MAX_ROWS", 50_000)
    batch: list[dict] = []
    for row in rows:
        if not any(v.strip() for v in row.values):
            continue
        report.rows += 1
        if report.rows > max_rows:
            raise FileProblem(_l("The file has more than %(max)s rows. Split it into smaller "
                                 "files.", max=max_rows), line=row.line)
        parsed = validator.parse(row)
        if parsed is None:
            _show(report, RowResult(row.line, "error"))
            continue
        batch.append(parsed)
        if len(batch) >= BATCH:
            _classify(batch, report)
            batch = []
    _classify(batch, report)
    return []


def _show(report: ImportReport, result: RowResult) -> None:
    if len(report.lines) < MAX_LINES_SHOWN:
        report.lines.append(result)


def _existing(batch: list[dict]) -> tuple[set, set]:
    externals = [p["external_id"] for p in batch if p["external_id"]]
    keys = [p["import_key"] for p in batch]
    have_ext = set(db.session.scalars(select(Case.external_id)
                                      .where(Case.external_id.in_(externals)))) if externals else set()
    have_key = set(db.session.scalars(select(Case.import_key).where(Case.import_key.in_(keys))))
    return have_ext, have_key


def _classify(batch: list[dict], report: ImportReport) -> list[dict]:
    """Mark already-imported rows as skipped and flag possible duplicates; return the new."""
    if not batch:
        return []
    have_ext, have_key = _existing(batch)
    fresh = []
    keys = {}
    for p in batch:
        p["keys"] = case_search_keys(**{k.replace("_name", ""): v for k, v in p["data"].items()
                                        if k.endswith(("_ar", "_lat")) and "mother" not in k},
                                     aliases=p["data"]["aliases"])
        keys.setdefault(p["keys"]["name_key"], []).append(p)
    similar = db.session.execute(select(Case.name_key, Case.reference, Case.birth_year).where(
        Case.deleted_at.is_(None), Case.name_key.in_([k for k in keys if k])))
    matches: dict[str, list] = {}
    for name_key, reference, year in similar:
        matches.setdefault(name_key, []).append((reference, year))
    for p in batch:
        name = " ".join(filter(None, (p["data"]["first_name_ar"] or p["data"]["first_name_lat"],
                                      p["data"]["family_name_ar"] or p["data"]["family_name_lat"])))
        if (p["external_id"] and p["external_id"] in have_ext) or p["import_key"] in have_key:
            report.skipped += 1
            _show(report, RowResult(p["line"], "skip", name))
            continue
        year = int(p["data"]["birth_date"][:4]) if p["data"]["birth_date"] else None
        dups = [ref for ref, y in matches.get(p["keys"]["name_key"], [])
                if not (year and y and abs(year - y) > 1)]
        report.to_create += 1
        report.flagged += bool(dups)
        _show(report, RowResult(p["line"], "create", name, dups[:3]))
        fresh.append(p)
    return fresh


def _insert(rows, validator: RowValidator, actor: Actor, report: ImportReport) -> None:
    batch: list[dict] = []
    scratch = ImportReport()
    for row in rows:
        if not any(v.strip() for v in row.values):
            continue
        parsed = validator.parse(row)
        if parsed is None:  # the file changed between the passes: refuse everything
            raise RuntimeError("import file changed during the import")
        batch.append(parsed)
        if len(batch) >= BATCH:
            report.created += _write(_classify(batch, scratch), actor)
            batch = []
    report.created += _write(_classify(batch, scratch), actor)


def _write(batch: list[dict], actor: Actor) -> int:
    """Insert one batch with Core executemany (ids come back in order)."""
    if not batch:
        return 0
    first_reference = next_reference(None, len(batch))
    year, first = first_reference.split("-")[1], int(first_reference.rsplit("-", 1)[1])
    case_rows = []
    for n, p in enumerate(batch):
        d = p["data"]
        case_rows.append({
            **{k: v for k, v in d.items() if k not in ("aliases", "tags")},
            "aliases": "\n".join(a.strip() for a in d["aliases"]),
            "reference": f"DO-{year}-{first + n:06d}", "uid": _uid(),
            "external_id": p["external_id"], "import_key": p["import_key"],
            "birth_year": int(d["birth_date"][:4]) if d["birth_date"] else None,
            "status": d["status"], "version": 1, "created_by_id": actor.user_id,
            "updated_by_id": actor.user_id, **p["keys"], **_arrest_columns(p["arrest"])})
    table = Case.__table__
    ids = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                             case_rows).scalars().all()
    entries, sources, tags = [], [], []
    for case_id, p in zip(ids, batch):
        entries += _entries(case_id, p["arrest"])
        s = p["source"]
        if any(s.values()):
            sources.append({"case_id": case_id, "kind": "family", "relation": s["source_relation"],
                            "contact_enc": crypto.encrypt(s["source_contact"], context=b"contact")
                            if s["source_contact"] else None,
                            "contact_channel": "phone" if s["source_contact"] else "none",
                            "interview_date": s["interview_date"]})
        tags += [{"case_id": case_id, "tag": t}
                 for t in dict.fromkeys(normalise_tag(t) for t in p["data"]["tags"])]
    for model, rows in ((TimelineEntry, entries), (Source, sources), (CaseTag, tags)):
        if rows:
            db.session.execute(insert(model), rows)
    return len(ids)


def _entries(case_id: int, a: dict) -> list[dict]:
    """The arrest, and the place of detention as an undated "held" entry."""
    out = []
    if any(a.get(k) for k in ("date", "place", "perpetrator_id", "unit")):
        lo, hi = pd.bounds(a["date"]) if a["date"] else (None, None)
        out.append({"case_id": case_id, "kind": "arrest", "date": a["date"], "date_lo": lo,
                    "date_hi": hi, "estimated": False, "place": a["place"], "facility_id": None,
                    "perpetrator_id": a["perpetrator_id"], "unit": a["unit"]})
    if a.get("facility_id"):
        out.append({"case_id": case_id, "kind": "held", "date": "", "date_lo": None,
                    "date_hi": None, "estimated": False, "place": "",
                    "facility_id": a["facility_id"], "perpetrator_id": a["perpetrator_id"],
                    "unit": ""})
    return out


def _arrest_columns(arrest: dict) -> dict:
    if not arrest.get("date"):
        return {"arrest_date": "", "arrest_lo": 0, "arrest_hi": 0,
                "perpetrator_id": arrest.get("perpetrator_id"),
                "last_facility_id": arrest.get("facility_id")}
    lo, hi = pd.bounds(arrest["date"])
    return {"arrest_date": arrest["date"].split("/")[0], "arrest_lo": lo, "arrest_hi": hi,
            "perpetrator_id": arrest.get("perpetrator_id"),
            "last_facility_id": arrest.get("facility_id")}


def _uid() -> str:
    import uuid
    return str(uuid.uuid4())


def report_lines(report: ImportReport) -> list[str]:
    """A plain-text report (for the command line)."""
    out = [f"{report.rows} rows read: {report.to_create} to create, {report.skipped} already "
           f"imported, {report.flagged} possible duplicates, {report.error_count} errors."]
    for e in report.errors:
        out.append(f"  line {e.line}{', column ' + e.column if e.column else ''}: {e.message}")
    for r in report.lines:
        if r.duplicates:
            out.append(f"  line {r.line}: possible duplicate of {', '.join(r.duplicates)}")
    out.append(f"Imported {report.created} cases." if report.committed
               else "Nothing was written." if report.error_count else "Dry run: nothing written.")
    return out
