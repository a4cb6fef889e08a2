"""The public family form and the office's intake queue (issue 17). CSRF stays on: every post
carries the token read from the page, as a browser does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from portal.models import AuditEvent, IntakeSubmission, UserSession

from .conftest import ON_POSTGRES, IsolatedClient, csrf_from, table_counts

pytestmark = pytest.mark.security

FORM = "/families/report"
CANARY = "CANARY-intake-9q7w"
CONTACT_CANARY = "CANARY-phone-+963-555-0199"
REF_RE = re.compile(r"R-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def good(**changes) -> dict:
    data = {"kind": "report_missing", "missing_name": "هادي الخياط (fictional)",
            "relation": "أخ", "missing_since": "2014", "last_place": "a checkpoint (fictional)",
            "details": f"Taken at a checkpoint. {CANARY}\nSecond line.", "sender_name": "Salma",
            "contact": CONTACT_CANARY, "contact_safety": "Not before noon.", "consent": "y",
            "website": ""}
    data.update(changes)
    return data


def send(client, data: dict, *, lang: str | None = None, **kw):
    query = f"?lang={lang}" if lang else ""
    page = client.get(FORM + query)
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    return client.post(FORM + query, data=data, **kw)


def intake_count(db) -> int:
    n = db.session.scalar(select(func.count()).select_from(IntakeSubmission))
    db.session.rollback()
    return n


# --- the public form ------------------------------------------------------------------------

def test_form_is_arabic_first_without_script_or_third_parties(client):
    page = client.get(FORM, headers={"Accept-Language": "en"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in body
    assert "أخبروا المكتب عن قريب مفقود" in body
    assert "<script" not in body and "http://" not in body.replace("http://portal.test", "")
    assert 'href="/families/report?lang=en"' in body or "lang=en" in body
    english = client.get(FORM + "?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    assert "Tell the office about a missing relative" in english
    assert "?lang=ar" in english  # the switch back is a plain link


def test_submission_lands_encrypted_and_only_the_reference_is_shown(app, db, client):
    before = intake_count(db)
    response = send(client, good())
    assert response.status_code == 302 and "/families/report/thanks" in response.headers["Location"]
    thanks = client.get(response.headers["Location"])
    body = thanks.get_data(as_text=True)
    reference = REF_RE.search(body).group(0)
    assert '<html lang="ar"' in body
    assert CANARY not in body and "هادي" not in body and CONTACT_CANARY not in body
    assert intake_count(db) == before + 1
    row = db.session.scalar(select(IntakeSubmission).where(IntakeSubmission.reference == reference))
    assert row.kind == "report_missing" and row.locale == "ar" and row.status == "new"
    # Shown once: the anonymous session (its CSRF token and the reference) is gone.
    again = client.get("/families/report/thanks").get_data(as_text=True)
    assert reference not in again
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
    # At rest: no canary in the database file (SQLite) or the column (PostgreSQL).
    if ON_POSTGRES:
        blob = b"".join(bytes(v or b"") for v in db.session.execute(
            text("SELECT payload_enc FROM family_intake")).scalars())
        blob += str(db.session.execute(text("SELECT * FROM family_intake")).all()).encode()
    else:
        db.session.commit()
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        wal = path.with_name(path.name + "-wal")
        blob = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for secret in (CANARY, CONTACT_CANARY, "Salma", "الخياط"):
        assert secret.encode() not in blob
    # The audit entry names the reference only.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "intake_received"))
    assert event.object_id == reference and CANARY not in event.detail
    assert event.actor_id is None and event.session_hash == ""


def test_english_submission_keeps_english(db, client):
    response = send(client, good(kind="new_information"), lang="en")
    assert response.status_code == 302 and "lang=en" in response.headers["Location"]
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your reference number is" in body and REF_RE.search(body)
    row = db.session.scalar(select(IntakeSubmission))
    assert row.locale == "en" and row.kind == "new_information"


BAD = [
    ("missing_name", good(missing_name=""), "Full name of the missing person",
     "الاسم الكامل للشخص المفقود"),
    ("details", good(details=""), "What happened, or what is new", "ماذا حدث، أو ما الجديد"),
    ("long", good(details="x" * 4001), "at most 4000 characters", "4000"),
    ("long_name", good(missing_name="ن" * 201), "Full name of the missing person", "200"),
    ("script", good(details="<script>alert(1)</script>"), "web page code", "شيفرة صفحات الويب"),
    ("tag", good(relation="<b onmouseover=x>brother</b>"), "Your relation to this person",
     "شيفرة صفحات الويب"),
    ("control", good(missing_name="Hadi\x00\x07"), "contains control characters", "أحرف تحكم"),
    ("bidi", good(missing_name="Hadi\u202etxt.exe"), "contains control characters", "أحرف تحكم"),
    ("honeypot", good(website="http://spam.example"), "Leave this field empty",
     "اتركوا هذا الحقل فارغاً"),
    ("consent", good(consent=""), "please tick this box", "يرجى وضع علامة"),
    ("kind", good(kind="delete_everything"), "please choose one of the two options",
     "يرجى اختيار أحد الخيارين"),
]


@pytest.mark.parametrize("name,data,english,arabic", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_named_and_writes_nothing(db, client, name, data, english, arabic):
    before = table_counts(db)
    response = send(client, data, lang="en")
    body = response.get_data(as_text=True)
    assert response.status_code == 400, name
    assert english in body and "Nothing was sent" in body
    assert "<script>alert" not in body and "<b onmouseover" not in body  # escaped when shown
    assert table_counts(db) == before
    arabic_response = send(client, data)
    assert arabic_response.status_code == 400
    assert arabic in arabic_response.get_data(as_text=True)
    assert table_counts(db) == before


def test_files_multipart_and_oversized_bodies_get_413(db, client):
    from io import BytesIO
    before = table_counts(db)
    token = csrf_from(client.get(FORM).get_data(as_text=True))
    upload = client.post(FORM, data={**good(), "csrf_token": token,
                                     "file": (BytesIO(b"%PDF-1.4 fictional"), "scan.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 413
    assert "لا يقبل هذا النموذج الملفات" in upload.get_data(as_text=True)
    huge = client.post(FORM + "?lang=en", data={**good(details="y" * 70_000), "csrf_token": token})
    assert huge.status_code == 413
    assert "too long to send in one go" in huge.get_data(as_text=True)
    assert table_counts(db) == before


def test_flood_per_address_and_everyone_gets_translated_429(app_config, db):
    from portal import create_app
    app_config.update(FAMILY_INTAKE_LIMIT_PER_ADDRESS="2 per hour",
                      FAMILY_INTAKE_LIMIT_GLOBAL="4 per hour", PROXY_FIX_X_FOR=1)
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        client = app.test_client()

        def post(address: str, lang: str | None = None):
            return send(client, good(), lang=lang, headers={"X-Forwarded-For": address})
        statuses = [post("203.0.113.1").status_code for _ in range(3)]
        assert statuses == [302, 302, 429]
        limited = post("203.0.113.1")
        body = limited.get_data(as_text=True)
        assert limited.status_code == 429 and limited.headers["Retry-After"].isdigit()
        assert '<html lang="ar" dir="rtl">' in body and "لم يُرسل شيء" in body
        english = post("203.0.113.1", "en").get_data(as_text=True)
        assert "Too many reports" in english
        # Everyone together: two more from other addresses, then the global limit holds.
        assert [post(f"203.0.113.{i}").status_code for i in (2, 3, 4)] == [302, 302, 429]
        assert intake_count(db) == 4


def test_csrf_failure_writes_nothing_and_keeps_only_the_senders_own_text(db, client):
    before = table_counts(db)
    client.get(FORM)
    missing = client.post(FORM, data=good())
    assert missing.status_code == 400 and CANARY not in missing.get_data(as_text=True)
    same_site = client.post(FORM, data=good(), headers={"Referer": "http://portal.test/families/report"})
    body = same_site.get_data(as_text=True)
    assert same_site.status_code == 400 and CANARY in body and csrf_from(body)
    cross = client.post(FORM, data=good(), headers={"Origin": "https://evil.example"})
    assert cross.status_code == 400 and CANARY not in cross.get_data(as_text=True)
    assert table_counts(db) == before


# --- the office's queue ---------------------------------------------------------------------

@pytest.fixture
def submitted(db, new_client):
    response = send(new_client(), good())
    assert response.status_code == 302
    return db.session.scalar(select(IntakeSubmission).order_by(IntakeSubmission.id.desc()))


def test_staff_queue_lists_without_content_and_detail_read_is_audited(db, client, users, login,
                                                                     submitted):
    login(users["staff"])
    queue = client.get("/intake/").get_data(as_text=True)
    assert submitted.reference in queue and CANARY not in queue
    reads = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "intake_read"))
    page = client.get(f"/intake/{submitted.reference}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and CANARY in body and CONTACT_CANARY in body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "intake_read")
                              .order_by(AuditEvent.seq.desc()))
    assert event.object_id == submitted.reference and event.actor_id == users["staff"].id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "intake_read")) == reads + 1


@pytest.mark.parametrize("who", ["viewer_a", "manager_a", "viewer_b"])
def test_partners_never_reach_the_queue(client, users, login, submitted, who):
    login(users[who])
    assert client.get("/intake/").status_code == 403
    page = client.get(f"/intake/{submitted.reference}")
    assert page.status_code in (403, 404) and CANARY not in page.get_data(as_text=True)


def test_dismiss_needs_a_reason_and_is_audited(db, client, users, login, submitted):
    login(users["staff"])
    url = f"/intake/{submitted.reference}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    refused = client.post(url + "/dismiss", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400 and "Reason: please choose a reason." in \
        refused.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == "new"
    done = client.post(url + "/dismiss", data={"csrf_token": token, "reason": "spam"})
    assert done.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "dismissed" and submitted.handled_by_id == users["staff"].id
    assert "Spam or abuse" in client.get(url).get_data(as_text=True)
    again = client.post(url + "/dismiss", data={"csrf_token": token, "reason": "test"})
    assert again.status_code == 409


def test_staff_turn_a_report_into_a_family_and_a_case(db, client, users, login, submitted):
    from portal.models import Case, Family, FamilyCase, FamilyMember
    from portal.services.families import dec
    login(users["staff"])
    url = f"/intake/{submitted.reference}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_from(page)
    before = table_counts(db)
    refused = client.post(url + "/create", data={"csrf_token": token, "label": "",
                                                 "status": "missing", "add_sender": "y"})
    assert refused.status_code == 400 and table_counts(db) == before
    done = client.post(url + "/create", data={
        "csrf_token": token, "first_name_ar": "هادي", "family_name_ar": "الخياط",
        "first_name_lat": "Hadi", "family_name_lat": "Khayyat", "status": "missing",
        "label": "Family of the fictional Hadi", "add_sender": "y", "relation": "brother",
        "contact_channel": "phone"})
    assert done.status_code == 302
    db.session.refresh(submitted)
    assert submitted.status == "linked" and submitted.family_id and submitted.case_id
    family = db.session.get(Family, submitted.family_id)
    case = db.session.get(Case, submitted.case_id)
    assert case.first_name_ar == "هادي" and case.status == "missing"
    assert db.session.get(FamilyCase, (family.id, case.id)) is not None
    member = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == family.id))
    assert member.is_main_contact
    assert dec("family_members", "contact_enc", member.contact_enc) == CONTACT_CANARY
    assert [r.relation for r in member.relations] == ["brother"]
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "intake_linked")).object_id == submitted.reference
    after = client.get(url).get_data(as_text=True)
    assert family.uid in after and case.reference in after
    again = client.post(url + "/create", data={"csrf_token": token, "label": "x"})
    assert again.status_code == 409


def test_staff_link_a_report_to_an_existing_family_and_case(db, client, users, login,
                                                             submitted):
    from .case_helpers import make_case
    from .family_helpers import make_family
    family = make_family(users["staff"])
    case = make_case(users["staff"])
    db.session.commit()
    login(users["staff"])
    url = f"/intake/{submitted.reference}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    before = table_counts(db)
    wrong = client.post(url + "/link", data={"csrf_token": token, "family_uid": "FA-1999-000009",
                                             "case_reference": "DO-1999-000001"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "no family with this reference" in body
    assert "no case with this reference" in body and table_counts(db) == before
    done = client.post(url + "/link", data={"csrf_token": token, "family_uid": family.uid,
                                            "case_reference": case.reference})
    assert done.status_code == 302
    db.session.refresh(submitted)
    assert (submitted.status, submitted.family_id, submitted.case_id) == ("linked", family.id,
                                                                          case.id)


def test_access_log_keeps_no_visitor_of_the_public_form():
    from portal.gunicorn_log import forget_visitor
    atoms = {"h": "203.0.113.7", "a": "Mozilla/5.0 (Tor)", "f": "http://x.onion/",
             "{x-forwarded-for}i": "203.0.113.7", "r": "POST /families/report HTTP/1.1"}
    assert forget_visitor(dict(atoms), "/families/report")["h"] == "-"
    assert set(forget_visitor(dict(atoms), "/families/report/thanks").values()) == {
        "-", "POST /families/report HTTP/1.1"}
    assert forget_visitor(dict(atoms), "/cases/")["h"] == "203.0.113.7"


def test_demo_reports_wait_in_the_queue_once(db, client, users, login):
    from portal.demo.family_intake import load_demo_intake
    load_demo_intake({}, {})
    load_demo_intake({}, {})
    db.session.commit()
    assert intake_count(db) == 2
    login(users["staff"])
    rows = db.session.scalars(select(IntakeSubmission)).all()
    page = client.get(f"/intake/{rows[0].reference}").get_data(as_text=True)
    assert "سامي الورّاق" in page
