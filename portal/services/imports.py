"""Importing a spreadsheet of cases: a streaming validation pass that reports every error
with its line and column, then (when asked and when there is no error) a second pass that
inserts all rows in batches inside the request's one transaction: all rows or none.

Rows whose external id (or, without one, whose content) was imported before are skipped,
so importing the same file twice creates nothing new (SECURITY.md H3)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from .. import crypto, refdata
from .. import partial_dates as pd
from ..extensions import db
from ..models import Case, CaseTag, Source, TimelineEntry
from ..models.cases import STATUSES
from ..search import case_search_keys, normalise_arabic
from ..search.filters import normalise_tag
from . import audit
from .audit import Actor
from .case_rules import check_case, check_date, check_entry
from .cases import next_reference
from .import_format import (COLUMNS, REQUIRED, REQUIRED_ONE_OF, FileProblem, Row, column_letter,
                            csv_rows, map_headers, sniff_kind, xlsx_rows)

BATCH = 1000
MAX_ERRORS_SHOWN = 500
MAX_LINES_SHOWN = 300
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Spellings a spreadsheet may use, including the portal's own Arabic labels.
STATUS_WORDS = {"detained": ("معتقل", "محتجز"),
                "forcibly_disappeared": ("مختفي قسريا", "مختف قسريا", "مختفٍ قسرًا", "مختف قسرا"),
                "missing": ("مفقود",), "released": ("مفرج عنه", "مُفرج عنه", "أفرج عنه", "افرج عنه"),
                "died_in_custody": ("توفي في المعتقل", "متوفى في الاحتجاز", "توفي أثناء الاحتجاز",
                                    "died in custody"),
                "identified": ("تم التعرف عليه", "تم التعرف على هويته", "identified")}
SEX_WORDS = {"male": ("m", "ذكر"), "female": ("f", "أنثى", "انثى"), "unknown": ("", "غير معروف")}


@dataclass
class RowError:
    line: int
    column: str  # "C (birth_date)" or "" for the whole row
    message: object


@dataclass
class RowResult:
    line: int
    action: str  # "create" | "skip" | "error"
    name: str = ""
    duplicates: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    filename: str = ""
    rows: int = 0
    to_create: int = 0
    skipped: int = 0
    created: int = 0
    flagged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    lines: list[RowResult] = field(default_factory=list)
    committed: bool = False

    def error(self, line: int, column: str, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(RowError(line, column, message))


def _word(value: str, table: dict, default: str | None = None) -> str | None:
    text = normalise_arabic(value).casefold()
    for code, words in table.items():
        if text in (code, code.replace("_", " ")) or text in map(normalise_arabic, words):
            return code
    return default if not text else None


def _looks_like_formula(value: str) -> bool:
    # A leading +/- followed by a digit is a phone number or a number, not a formula.
    if value[:1] in ("+", "-") and value[1:2].isdigit():
        return False
    return value.startswith(FORMULA_START)


class _Validator:
    """Turns rows into case data, collecting errors; keeps only keys, not rows."""

    def __init__(self, report: ImportReport, mapped: dict[int, str], headers: list[str]):
        self.report, self.mapped, self.headers = report, mapped, headers
        self.seen_external: dict[str, int] = {}
        self.seen_keys: dict[str, int] = {}

    def col(self, name: str) -> str:
        for i, canonical in self.mapped.items():
            if canonical == name:
                return f"{column_letter(i)} ({self.headers[i]})"
        return name

    def parse(self, row: Row) -> dict | None:
        rep, errors = self.report, []
        values = {name: (row.values[i].strip() if i < len(row.values) else "")
                  for i, name in self.mapped.items()}
        for name, value in values.items():
            if _looks_like_formula(value):
                errors.append((name, _l("The cell starts like a spreadsheet formula (=, +, -, "
                                        "@). Write it as plain text.")))
        data = {k: values.get(k, "") for k in COLUMNS if k.endswith(("_ar", "_lat"))}
        data.update(aliases=[a for a in values.get("aliases", "").split(";") if a.strip()],
                    tags=[t for t in values.get("tags", "").split(";") if t.strip()],
                    birth_date=values.get("birth_date", ""),
                    public_narrative=values.get("public_narrative", ""),
                    internal_notes=values.get("internal_notes", ""),
                    arrest_circumstances=values.get("arrest_circumstances", ""))
        data["status"] = _word(values.get("status", ""), {s: STATUS_WORDS.get(s, ()) for s in
                                                          STATUSES})
        data["sex"] = _word(values.get("sex", ""), SEX_WORDS, "unknown")
        if data["sex"] is None:
            errors.append(("sex", _l("Unknown value. Use male, female or unknown.")))
            data["sex"] = "unknown"
        if data["status"] is None:
            errors.append(("status", _l("Unknown status. Use detained, forcibly disappeared, "
                                        "missing, released, died in custody or identified.")))
        arrest = {"kind": "arrest", "date": values.get("arrest_date", ""),
                  "place": values.get("arrest_place", ""), "unit": values.get("unit", "")}
        errors += self._references(values, data, arrest)
        errors += check_case({**data, "arrest_date": arrest["date"]})
        data["birth_date"] = check_date(data["birth_date"])[0]
        arrest["date"] = check_date(arrest["date"], allow_range=True)[0]
        errors += [(("arrest_place" if f == "place" else f"arrest_{f}" if f != "unit" else "unit"),
                    m) for f, m in check_entry(arrest, birth=data["birth_date"]) if f != "date"]
        for name, message in errors:
            rep.error(row.line, self.col(name), message)
        if errors:
            return None
        external = values.get("external_id", "")
        key = hashlib.sha256(json.dumps(sorted(values.items()), ensure_ascii=False)
                             .encode()).hexdigest()
        for seen, value, label in ((self.seen_external, external, "external_id"),
                                   (self.seen_keys, key, "")):
            if value and value in seen:
                rep.error(row.line, self.col(label) if label else "",
                          _l("The same record as line %(line)s.", line=seen[value]))
                return None
            if value:
                seen[value] = row.line
        return {"line": row.line, "data": data, "arrest": arrest, "external_id": external or None,
                "import_key": key, "source": {k: values.get(k, "") for k in
                                              ("source_relation", "source_contact",
                                               "interview_date")}}

    def _references(self, values: dict, data: dict, arrest: dict) -> list:
        errors = []
        for column, table, target, holder in (("governorate", "governorates", "governorate_id",
                                               data),
                                              ("perpetrator", "perpetrators", "perpetrator_id",
                                               arrest),
                                              ("facility", "facilities", "facility_id", arrest)):
            text = values.get(column, "")
            row = refdata.find(table, text) if text else None
            if text and row is None:
                errors.append((column, _l("Unknown value: not in the portal's list.")))
            holder[target] = row["id"] if row else None
        district = values.get("district", "")
        row = refdata.find("districts", district, governorate_id=data["governorate_id"]) \
            if district else None
        if district and row is None:
            errors.append(("district", _l("Unknown district (or not in this governorate).")))
        data["district_id"] = row["id"] if row else None
        return errors


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
        valid = _validate(rows, report, _Validator(report, mapped, headers)) \
            if not report.error_count else []
    except FileProblem as exc:
        report.error(exc.line or 0, "", exc.message)
        valid = []
    if commit and not report.error_count and report.to_create:
        stream.seek(0)
        headers, rows = _rows(stream, filename, encoding)
        _insert(rows, _Validator(ImportReport(), map_headers(headers)[0], headers), actor, report)
        report.committed = True
    audit.record("cases_imported" if report.committed else "cases_import_checked", actor,
                 object_type="case", outcome="success" if not report.error_count else "failure",
                 detail={"rows": report.rows, "errors": report.error_count,
                         "created": report.created, "skipped": report.skipped})
    del valid
    return report


def _validate(rows, report: ImportReport, validator: _Validator) -> list:
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


def _insert(rows, validator: _Validator, actor: Actor, report: ImportReport) -> None:
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
