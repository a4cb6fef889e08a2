"""Importing spreadsheets (SECURITY.md H3, T16) and exporting the register (E5)."""

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, Case, Source
from portal.services.audit import Actor
from portal.services.cases import imports
from portal.services.cases.exports import neutralise

from .case_helpers import make_case
from .conftest import csrf_from


@pytest.fixture(autouse=True)
def english(app):
    """Messages are lazy translations: read them as an English request would."""
    from flask_babel import force_locale
    with force_locale("en"):
        yield


HEADER = ("external_id,الاسم الأول (عربي),اسم الأب (عربي),family_name_ar,first name,"
          "father's name,family name,sex,birth date,governorate,status,تاريخ الاعتقال,"
          "perpetrator,facility,tags,informant contact\n")
GOOD = [
    "A-1,محمد,أحمد,الحلبي,Mohammad,Ahmad,al-Halabi,male,1985,HL,forcibly disappeared,2013-06,"
    "former_government,Saydnaya Military Prison,campaign-1,+963 900 000 001\n",
    "A-2,فاطمة,علي,درويش,Fatima,Ali,Darwish,أنثى,1990-04,حلب,مفقود,2014,,,,\n",
    'A-3,خالد,سمير,الخطيب,Khaled,Samir,Khatib,male,14/06/1979,Homs,detained,2012-02-03,'
    'isis,,"tag-a;tag-b",\n',
]


def run(content: bytes, *, name="cases.csv", encoding="utf-8", commit=False):
    return imports.run_import(io.BytesIO(content), filename=name, encoding=encoding,
                              commit=commit, actor=Actor.system())


def csv_bytes(*rows: str, header: str = HEADER, encoding="utf-8") -> bytes:
    return (header + "".join(rows)).encode(encoding)


def cases(db):
    return db.session.scalar(select(func.count(Case.id)))


def errors_of(report):
    return [(e.line, e.column.split(" ")[0] if e.column else "", str(e.message))
            for e in report.errors]


def test_dry_run_reports_what_would_be_created_and_writes_nothing(db, users):
    report = run(csv_bytes(*GOOD))
    assert (report.rows, report.to_create, report.error_count) == (3, 3, 0)
    assert [r.line for r in report.lines] == [2, 3, 4]
    assert cases(db) == 0


def test_commit_writes_every_row_with_timeline_tags_and_encrypted_contact(db, users):
    report = run(csv_bytes(*GOOD), commit=True)
    db.session.commit()
    assert report.created == 3 and cases(db) == 3
    first = db.session.scalar(select(Case).where(Case.external_id == "A-1"))
    assert first.status == "forcibly_disappeared" and first.arrest_date == "2013-06"
    assert [e.kind for e in first.timeline] == ["arrest", "held"]
    assert first.last_facility_id is not None and first.tags == ["campaign-1"]
    third = db.session.scalar(select(Case).where(Case.external_id == "A-3"))
    assert third.birth_date == "1979-06-14" and sorted(third.tags) == ["tag-a", "tag-b"]
    source = db.session.scalar(select(Source))
    assert b"+963 900 000 001" not in source.contact_enc


def test_reimporting_the_same_file_creates_nothing_new(db, users):
    run(csv_bytes(*GOOD), commit=True)
    db.session.commit()
    report = run(csv_bytes(*GOOD), commit=True)
    db.session.commit()
    assert (report.skipped, report.created, cases(db)) == (3, 0, 3)


BAD_ROWS = {
    "missing required field": (",,,,,,,male,1980,,missing,,,,,\n", "B (الاسم الأول"),
    "bad date": ("B,سامر,,حداد,,,,,1980-13-01,,missing,,,,,\n", "birth"),
    "date in the future": ("B,سامر,,حداد,,,,,1980,,missing,2999,,,,\n", "تاريخ"),
    "unknown enum value": ("B,سامر,,حداد,,,,,1980,,vanished,,,,,\n", "status"),
    "unknown reference value": ("B,سامر,,حداد,,,,,1980,Atlantis,missing,,,,,\n", "governorate"),
    "over-length field": ("B,سامر,,حداد," + "x" * 101 + ",,,,1980,,missing,,,,,\n", "first"),
    "formula-leading cell": ("B,سامر,,حداد,=HYPERLINK(\"http://x.example\"),,,,1980,,missing,"
                             ",,,,\n", "first"),
    "birth after arrest": ("B,سامر,,حداد,,,,,2015,,missing,2013,,,,\n", "birth"),
}


@pytest.mark.security
@pytest.mark.parametrize("category", sorted(BAD_ROWS))
def test_h3_bad_row_is_reported_with_line_and_column_and_nothing_is_written(db, users,
                                                                            category):
    """H3: a bad row among good ones: the error names the physical line and the column;
    committing writes nothing."""
    row, column = BAD_ROWS[category]
    report = run(csv_bytes(GOOD[0], row, GOOD[1]), commit=True)
    db.session.commit()
    assert report.error_count >= 1 and not report.committed
    line, col, _message = errors_of(report)[0]
    assert line == 3
    assert column in report.errors[0].column
    assert cases(db) == 0


@pytest.mark.security
def test_h3_duplicate_external_id_names_both_lines(db, users):
    report = run(csv_bytes(GOOD[0], GOOD[1], GOOD[0].replace("1985", "1986")), commit=True)
    assert errors_of(report)[0][0] == 4 and "line 2" in errors_of(report)[0][2]
    assert cases(db) == 0


@pytest.mark.security
def test_h3_unknown_and_missing_columns_are_refused(db, users):
    report = run(csv_bytes(GOOD[0].replace(",+963 900 000 001", ""),
                           header=HEADER.replace(",informant contact", "").replace(
                               "status", "favourite colour")))
    messages = [(c, str(m)) for _l, c, m in errors_of(report)]
    assert ("K", "Unknown column. Use the headers of the template.") in messages
    assert ("status", "Missing column.") in messages
    assert cases(db) == 0


@pytest.mark.security
def test_h3_windows_1256_read_as_utf8_is_refused_naming_the_line(db, users):
    content = csv_bytes(*GOOD, encoding="cp1256")
    report = run(content)
    # The header line already holds Arabic, so it is the first line refused.
    assert errors_of(report)[0][0] == 1 and "Windows-1256" in errors_of(report)[0][2]
    report = run(content, encoding="windows-1256", commit=True)
    db.session.commit()
    assert report.created == 3
    assert db.session.scalar(select(Case.first_name_ar).where(Case.external_id == "A-1")) == "محمد"


@pytest.mark.security
def test_h3_utf8_bom_is_accepted(db, users):
    report = run(b"\xef\xbb\xbf" + csv_bytes(*GOOD))
    assert report.error_count == 0 and report.to_create == 3


@pytest.mark.security
def test_h3_embedded_newline_keeps_physical_line_numbers(db, users):
    multi = GOOD[0].replace("campaign-1", '"campaign-1"').replace(
        ",2013-06,", ',"2013-06",').replace("محمد,", '"محمد",').replace(
        "al-Halabi,male", 'al-Halabi,male')
    narrative_header = HEADER.replace("informant contact", "informant contact,narrative")
    rows = [multi.rstrip("\n") + ',"first line\nsecond line"\n',
            "B,سامر,,حداد,,,,,1980,,vanished,,,,,,\n"]
    report = run(csv_bytes(*rows, header=narrative_header))
    assert errors_of(report)[0][0] == 4  # the record of lines 2-3, then line 4


@pytest.mark.security
def test_h3_file_over_the_size_limit_is_refused(app, db, users):
    app.config["IMPORT_MAX_BYTES"] = 500
    report = run(csv_bytes(*GOOD * 3))
    assert "larger than" in str(report.errors[0].message) and cases(db) == 0


@pytest.mark.security
def test_h3_row_limit_plus_one_is_refused(app, db, users):
    app.config["IMPORT_MAX_ROWS"] = 2
    report = run(csv_bytes(*GOOD), commit=True)
    assert "more than 2 rows" in str(report.errors[-1].message)
    assert report.errors[-1].line == 4 and cases(db) == 0


@pytest.mark.security
def test_h3_files_that_are_not_csv_or_xlsx_are_refused(db, users):
    for name, content in (("notes.pdf", b"%PDF-1.7 ..."), ("cases.csv", b"\x00\x01binary"),
                          ("cases.docx", b"hello")):
        report = run(content, name=name)
        assert "neither CSV nor XLSX" in str(report.errors[0].message)


def test_xlsx_with_arabic_headers_imports(db, users):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["الاسم الأول (عربي)", "الكنية (عربي)", "الوضع الحالي", "تاريخ الميلاد",
                  "تاريخ الاعتقال"])
    sheet.append(["ليلى", "الشامي", "مختفي قسريا", 1988, "2012-05"])
    sheet.append(["نور", "حداد", "released", "1992-01", "2013"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), name="cases.xlsx", commit=True)
    db.session.commit()
    assert (report.error_count, report.created) == (0, 2), errors_of(report)


def test_xlsx_formula_cell_is_refused(db, users):
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["first_name_lat", "family_name_lat", "status"])
    book.active.append(["=1+2", "Haddad", "missing"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(buffer.getvalue(), name="cases.xlsx")
    assert errors_of(report)[0][:2] == (2, "A")


def test_import_is_audited(db, users):
    run(csv_bytes(*GOOD))
    run(csv_bytes(*GOOD), commit=True)
    db.session.commit()
    actions = [a for (a,) in db.session.execute(select(AuditEvent.action))]
    assert actions == ["cases_import_checked", "cases_imported"]


def test_staff_can_import_through_the_pages(client, db, users, login):
    login(users["staff"])
    page = client.get("/cases/import").get_data(as_text=True)
    r = client.post("/cases/import", data={
        "csrf_token": csrf_from(page), "encoding": "utf-8",
        "file": (io.BytesIO(csv_bytes(*GOOD)), "cases.csv")}, content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Import 3 cases" in body and cases(db) == 0
    r = client.post("/cases/import/commit", data={
        "csrf_token": csrf_from(body), "token": body.split('name="token" type="hidden" value="')[1]
        .split('"')[0], "encoding": "utf-8"})
    assert r.status_code == 302 and cases(db) == 3


def test_cli_import_dry_run(runner, db, users, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(csv_bytes(*GOOD))
    result = runner.invoke(args=["cases", "import", str(path), "--dry-run"])
    assert "3 to create" in result.output and cases(db) == 0
    result = runner.invoke(args=["cases", "import", str(path)])
    assert "Imported 3 cases" in result.output and cases(db) == 3


# --- export ------------------------------------------------------------------------------
FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", " =1", "\u200f=1",
            "محمد=1+1", "=HYPERLINK(\"http://x.example\")", "-cmd|' /C calc'!A0", "@@"]


@pytest.mark.security
def test_e5_formula_cells_are_neutralised(db):
    safe = [neutralise(v) for v in FORMULAS]
    assert all(v.startswith("'") for v, raw in zip(safe, FORMULAS) if not raw.startswith("محمد"))
    assert neutralise("محمد=1+1") == "محمد=1+1"
    assert len(FORMULAS) >= 12


@pytest.mark.security
def test_e5_export_neutralises_formulas_and_streams_through_redact(client, db, users, login):
    case = make_case(users["staff"], family_name_lat="=HYPERLINK(\"x\")",
                     internal_notes="CANARY-internal")
    db.session.commit()
    login(users["staff"])
    r = client.get("/cases/export.csv?tier=detailed", buffered=False)
    assert r.is_streamed  # a generator, not a body built in memory
    body = r.get_data(as_text=True)
    r.close()
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0]["reference"] == case.reference
    assert rows[0]["family_lat"] == "'=HYPERLINK(\"x\")"
    assert "CANARY-internal" not in body  # internal notes are not in the detailed tier
    data = json.loads(client.get("/cases/export.json?tier=office").get_data(as_text=True))
    assert data["cases"][0]["internal_notes"] == "CANARY-internal"
    assert [a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "cases_exported"))] == ["cases_exported"] * 2
