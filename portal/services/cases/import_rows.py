"""One row of an import file checked and turned into case data: vocabularies in English or
Arabic, reference lists, the register's rules, cells that would run as spreadsheet formulas,
and the same record twice in one file. Errors are collected in the ImportReport with their
line and column."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ... import refdata
from ...models.cases import STATUSES
from ...search import normalise_arabic
from .import_format import COLUMNS, Row, column_letter
from .rules import check_case, check_date, check_entry

MAX_ERRORS_SHOWN = 500
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


class RowValidator:
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
