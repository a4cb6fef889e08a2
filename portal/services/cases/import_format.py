"""Reading an import file row by row: CSV (UTF-8, UTF-8 with BOM or Windows-1256, decoded
explicitly, never guessed) or XLSX (openpyxl read-only), with the physical line of each row
and headers in English or Arabic mapped to the register's columns."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...search.normalise import normalise_arabic

# canonical column → accepted headers (compared after normalise_header)
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "record id", "المعرف الخارجي", "رقم السجل"),
    "first_name_ar": ("first name arabic", "first name ar", "الاسم الاول", "الاسم الاول عربي"),
    "father_name_ar": ("father name arabic", "father name ar", "اسم الاب", "اسم الاب عربي"),
    "family_name_ar": ("family name arabic", "family name ar", "الكنيه", "اسم العائله",
                       "الكنيه عربي"),
    "mother_name_ar": ("mother name arabic", "mother name ar", "اسم الام", "اسم الام عربي"),
    "first_name_lat": ("first name latin", "first name", "الاسم الاول لاتيني"),
    "father_name_lat": ("father name latin", "father name", "اسم الاب لاتيني"),
    "family_name_lat": ("family name latin", "family name", "surname", "last name",
                        "الكنيه لاتيني"),
    "mother_name_lat": ("mother name latin", "mother name", "اسم الام لاتيني"),
    "aliases": ("aliases", "other names", "اسماء اخري"),
    "sex": ("sex", "gender", "الجنس"),
    "birth_date": ("birth date", "date of birth", "تاريخ الميلاد"),
    "governorate": ("governorate", "governorate of origin", "المحافظه"),
    "district": ("district", "المنطقه"),
    "status": ("status", "current status", "الوضع الحالي", "الوضع"),
    "arrest_date": ("arrest date", "date of arrest", "تاريخ الاعتقال"),
    "arrest_place": ("arrest place", "place of arrest", "مكان الاعتقال"),
    "facility": ("facility", "place of detention", "مكان الاحتجاز"),
    "perpetrator": ("perpetrator", "perpetrator party", "الجهه المسؤوله", "الجهه"),
    "unit": ("unit", "arresting unit", "الوحده", "الجهاز"),
    "arrest_circumstances": ("arrest circumstances", "circumstances", "ظروف الاعتقال"),
    "public_narrative": ("public narrative", "narrative", "الروايه العامه", "الروايه"),
    "internal_notes": ("internal notes", "notes", "ملاحظات داخليه", "ملاحظات"),
    "tags": ("tags", "الوسوم"),
    "source_relation": ("informant relation", "source relation", "صله المبلغ", "صله المصدر"),
    "source_contact": ("informant contact", "contact", "وسيله التواصل", "رقم التواصل"),
    "interview_date": ("interview date", "تاريخ المقابله"),
}
REQUIRED = ("status",)
REQUIRED_ONE_OF = (("first_name_ar", "first_name_lat"), ("family_name_ar", "family_name_lat"))
TEMPLATE_AR = {"first_name_ar": "الاسم الأول (عربي)", "father_name_ar": "اسم الأب (عربي)",
               "family_name_ar": "الكنية (عربي)", "mother_name_ar": "اسم الأم (عربي)",
               "first_name_lat": "الاسم الأول (لاتيني)", "father_name_lat": "اسم الأب (لاتيني)",
               "family_name_lat": "الكنية (لاتيني)", "mother_name_lat": "اسم الأم (لاتيني)"}


class FileProblem(ValueError):
    """The file as a whole is refused; `message` is translated, `line` may name a line."""

    def __init__(self, message, line: int | None = None):
        super().__init__("file refused")
        self.message, self.line = message, line


def normalise_header(text: str) -> str:
    text = normalise_arabic(str(text or "")).casefold()
    text = re.sub(r"['’`]s\b", "", text)  # father's → father
    return " ".join(re.sub(r"[^\w]+", " ", text.replace("_", " ")).split())


_LOOKUP = {normalise_header(alias): name for name, aliases in COLUMNS.items()
           for alias in (name,) + aliases}


def map_headers(headers: list[str]) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """(column index → canonical name, [(index, header) not understood])."""
    mapped, unknown = {}, []
    for i, header in enumerate(headers):
        if not str(header or "").strip():
            continue
        name = _LOOKUP.get(normalise_header(header))
        if name is None or name in mapped.values():
            unknown.append((i, str(header)))
        else:
            mapped[i] = name
    return mapped, unknown


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Row:
    line: int  # physical line (CSV) or sheet row (XLSX) where the record starts
    values: list[str]


def sniff_kind(head: bytes, filename: str) -> str:
    """"xlsx" or "csv", or FileProblem for anything else (by content, then by name)."""
    name = (filename or "").lower()
    if head.startswith(b"PK\x03\x04"):
        if name.endswith(".xlsx") or not name.endswith(".csv"):
            return "xlsx"
    if head.startswith((b"%PDF", b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ")) or b"\x00" in head:
        raise FileProblem(_l("This file is neither CSV nor XLSX. Save the spreadsheet as "
                             "CSV (UTF-8) or as an Excel workbook (.xlsx)."))
    if not name.endswith((".csv", ".txt")) and name:
        raise FileProblem(_l("This file is neither CSV nor XLSX. Save the spreadsheet as "
                             "CSV (UTF-8) or as an Excel workbook (.xlsx)."))
    return "csv"


def csv_rows(stream, encoding: str) -> Iterator[Row]:
    """Rows of a CSV file with the physical line each record starts on."""
    decoder_name = "utf-8-sig" if encoding == "utf-8" else "cp1256"
    state = {"line": 0}

    def lines():
        decoder = codecs.getincrementaldecoder(decoder_name)("strict")
        for raw in stream:
            state["line"] += 1
            try:
                yield decoder.decode(raw)
            except UnicodeDecodeError:
                raise FileProblem(_l("Line %(line)s is not valid %(encoding)s text. If the "
                                     "file was saved by Excel in Arabic, choose Windows-1256.",
                                     line=state["line"], encoding=encoding.upper()),
                                  line=state["line"]) from None

    reader = csv.reader(lines(), strict=True)
    start = 1
    try:
        for record in reader:
            yield Row(start, record)
            start = state["line"] + 1
    except csv.Error:
        raise FileProblem(_l("Line %(line)s cannot be read as CSV (check the quotes).",
                             line=start), line=start) from None


def xlsx_rows(stream, max_unpacked: int) -> Iterator[Row]:
    """Rows of the first sheet of a workbook; formulas are kept as text (and refused)."""
    from openpyxl import load_workbook
    try:
        with zipfile.ZipFile(stream) as archive:
            if sum(i.file_size for i in archive.infolist()) > max_unpacked:
                raise FileProblem(_l("The workbook is too large once unpacked."))
        stream.seek(0)
        book = load_workbook(stream, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, FileProblem):
            raise
        raise FileProblem(_l("This workbook cannot be opened. Save it again as .xlsx.")) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield Row(number, [_cell(v) for v in values])
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
