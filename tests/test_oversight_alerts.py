"""Alerts to the office (issue 4; SECURITY.md T1, T12, §4.7): bulk reads by a partner account
within an hour, refused attempts at cases outside an organisation's subset, the notices page
and its count, and no alert for the office's own work or a storm of repeats."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, Notice, OutboxMessage, ShareGrant, User
from portal.services.oversight import alerts

from .conftest import post_form
from .oversight_helpers import grant, shareable_case

THRESHOLD = 3


@pytest.fixture
def app_config(app_config):
    app_config["ALERT_READS_PER_HOUR"] = THRESHOLD
    return app_config


@pytest.fixture
def shared(db, users, orgs, clock):
    """Five cases shared with A; one more shared with nobody."""
    staff = users["staff"]
    cases = [shareable_case(staff, first_name_lat=f"Fictional{i}") for i in range(6)]
    db.session.commit()
    grant(staff, orgs["a"], cases[:5])
    return cases


def _notices(db, kind=None):
    stmt = select(Notice).order_by(Notice.id)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    return db.session.scalars(stmt).all()


def _mails(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.mark.security
def test_t1_bulk_reads_alert_fires_once_at_the_threshold_and_not_below(client, users, login,
                                                                       shared, db, clock):
    login(users["viewer_a"])
    for case in shared[:THRESHOLD - 1]:
        assert client.get(f"/cases/{case.uid}").status_code == 200
    client.get(f"/cases/{shared[0].uid}")  # the same case again is not another case
    assert _notices(db) == [] and _mails(db) == []
    client.get(f"/cases/{shared[THRESHOLD - 1].uid}")
    notice, = _notices(db)
    assert (notice.kind, notice.user_id, notice.count) == ("bulk_reads", users["viewer_a"].id,
                                                          THRESHOLD)
    mail, = _mails(db)
    assert mail.recipient == "admin@office.test"
    assert "Unusually many cases" in mail.subject and f"Account {users['viewer_a'].id}" in mail.body
    assert shared[0].reference not in mail.body  # identifiers of accounts only, no cases
    for case in shared[THRESHOLD:5]:  # more reads within the hour: the same notice grows
        client.get(f"/cases/{case.uid}")
    notice, = _notices(db)
    assert notice.count == 5 and len(_mails(db)) == 1
    raised, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert_raised"))
    assert json.loads(raised.detail)["user"] == users["viewer_a"].id


def test_bulk_reads_counted_per_hour(client, users, login, shared, db, clock):
    login(users["viewer_a"])
    for case in shared[:THRESHOLD - 1]:
        client.get(f"/cases/{case.uid}")
    clock.shift(61 * 60)
    login(users["viewer_a"])  # the session would have expired meanwhile
    client.get(f"/cases/{shared[THRESHOLD].uid}")
    assert _notices(db) == []  # the earlier reads are outside the hour


def test_partner_export_counts_every_case_it_holds(client, users, login, shared, db):
    login(users["viewer_a"])
    r = client.get("/cases/export.csv")
    assert r.status_code == 200
    # The export is recorded before any case leaves; it counts its cases as they stream.
    export, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases_exported"))
    assert json.loads(export.detail)["format"] == "csv"
    assert r.data.decode("utf-8-sig").count("\r\n") == 6  # the header and five cases
    notice, = _notices(db, "bulk_reads")
    assert notice.count == 5
    end, = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "cases_export_ended"))
    assert (end.object_id, end.actor_id) == (str(export.seq), users["viewer_a"].id)
    assert json.loads(end.detail) == {"count": 5, "complete": True}


def test_an_export_broken_off_records_the_cases_handed_over(app, client, users, login, shared,
                                                           db):
    login(users["viewer_a"])
    with app.app_context():  # the stream's own context, as in a server
        r = client.get("/cases/export.json", buffered=False)
        chunks = iter(r.response)  # read by hand, as a client that goes away
        assert next(chunks) == b'{"cases": ['
        first = json.loads(next(chunks).decode().lstrip(",\n"))
        assert first["names"]["first_lat"].startswith("Fictional")
        r.close()
    end, = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "cases_export_ended"))
    assert json.loads(end.detail) == {"count": 1, "complete": False}
    assert alerts.cases_read_since(users["viewer_a"].id, end.ts - alerts.HOUR) == 1


def test_a_page_of_the_api_is_audited_and_counted_like_an_export(client, users, login, shared,
                                                                  db):
    login(users["viewer_a"])
    answer = client.get("/api/cases?per_page=50")
    assert answer.status_code == 200 and len(answer.get_json()["cases"]) == 5
    page, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cases_exported"))
    detail = json.loads(page.detail)
    assert (detail["format"], detail["count"], page.actor_id) == ("api", 5,
                                                                  users["viewer_a"].id)
    notice, = _notices(db, "bulk_reads")  # 5 whole records ≥ THRESHOLD
    assert notice.count == 5
    assert client.get("/api/cases?reference=NO-SUCH").get_json()["cases"] == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "cases_exported")) == 1  # an empty page reads nothing


def test_office_reading_many_cases_raises_no_alert(client, users, login, shared, db):
    login(users["staff"])
    for case in shared:
        client.get(f"/cases/{case.uid}")
    client.get("/cases/export.csv")
    client.get(f"/cases/{uuid.uuid4()}")
    assert _notices(db) == [] and _mails(db) == []


@pytest.mark.security
def test_t3_refused_case_attempt_is_audited_and_alerted_once_per_hour(app, client, users,
                                                                      login, shared, db):
    app.config["OFFICE_ALERT_EMAIL"] = "alerts@office.test"
    login(users["viewer_a"])
    outside = shared[5]
    assert client.get(f"/cases/{outside.uid}").status_code == 404
    refusal, = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "authz_fail"))
    assert (refusal.object_type, refusal.object_id, refusal.outcome) == ("case", outside.uid,
                                                                         "denied")
    assert json.loads(refusal.detail)["case"] == outside.id
    notice, = _notices(db)
    assert (notice.kind, notice.case_id, notice.count) == ("refused_case", outside.id, 1)
    mail, = _mails(db)
    assert mail.recipient == "alerts@office.test" and "outside" in mail.subject
    # Repeats within the hour, also through the JSON API and with a uid nobody has: one
    # notice whose count grows, one mail.
    assert client.get(f"/api/cases/{outside.uid}").status_code == 404
    assert client.get(f"/cases/{uuid.uuid4()}").status_code == 404
    notice, = _notices(db)
    assert notice.count == 3 and len(_mails(db)) == 1
    # A malformed id is audited without it and raises nothing more.
    assert client.get("/cases/..%2F..%2Fetc").status_code == 404
    assert _notices(db)[0].count == 3


def test_refused_attempt_at_an_unknown_case_gives_the_same_404_and_alert(client, users, login,
                                                                         shared, db):
    login(users["viewer_a"])
    unknown = str(uuid.uuid4())
    missing = client.get(f"/cases/{unknown}")
    notice, = _notices(db)
    assert notice.case_id is None  # staff are told no case had this id
    other = client.get(f"/cases/{shared[5].uid}")
    assert missing.status_code == other.status_code == 404
    # Identical pages apart from the address itself (kept for the language switch) and the
    # CSRF token, which is signed with the current second.
    def page(response, uid):
        html = response.get_data(as_text=True).replace(uid, "ID")
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    assert page(missing, unknown) == page(other, shared[5].uid)


def test_missing_part_of_a_visible_case_is_not_a_refusal(app, users, shared, db):
    from .case_helpers import actor_of
    with app.test_request_context():
        alerts.record_case_refusal(shared[0].uid, actor_of(users["viewer_a"]),
                                   users["viewer_a"], detail={"status": 404})
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "authz_fail")) == 0
    assert _notices(db) == []


def test_staff_see_notices_with_a_count_and_can_mark_them_dealt_with(client, new_client, users,
                                                                     login, shared, db):
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{shared[5].uid}")
    login(users["staff"])
    home = client.get("/").get_data(as_text=True)
    assert 'class="notices-link"' in home and '<span class="badge"' in home
    page = client.get("/notices/").get_data(as_text=True)
    assert "viewer@a.test" in page and shared[5].reference in page
    notice, = _notices(db)
    r = post_form(client, f"/notices/{notice.id}/acknowledge", page="/notices/")
    assert r.status_code == 302
    db.session.refresh(notice)
    assert notice.acknowledged_by_id == users["staff"].id
    assert "viewer@a.test" not in client.get("/notices/").get_data(as_text=True)
    assert "viewer@a.test" in client.get("/notices/?show=all").get_data(as_text=True)
    assert '<span class="badge"' not in client.get("/account/").get_data(as_text=True).split(
        "</header>")[0]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "notice_acknowledged")) == 1


def test_partner_cannot_see_or_acknowledge_notices(client, new_client, users, login, shared,
                                                  db):
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{shared[5].uid}")
    notice, = _notices(db)
    login(users["manager_a"])
    assert client.get("/notices/").status_code == 403
    assert 'class="notices-link"' not in client.get("/").get_data(as_text=True)
    r = post_form(client, f"/notices/{notice.id}/acknowledge", page="/account/")
    assert r.status_code == 403
    db.session.refresh(notice)
    assert notice.acknowledged_at is None


@pytest.mark.security
def test_a_grant_revoked_while_an_export_streams_stops_it(app, client, users, login, shared,
                                                          db, monkeypatch):
    """Each chunk after the first reads the grants afresh: a revocation during a long
    download stops it at the next chunk, and the end entry counts what had left."""
    from portal.services.cases import exports

    from .oversight_helpers import revoke
    monkeypatch.setattr(exports, "FIRST_CHUNK", 2)
    monkeypatch.setattr(exports, "CHUNK", 2)
    made = db.session.scalar(select(ShareGrant.id).where(
        ShareGrant.organization_id == users["viewer_a"].organization_id))
    uids, staff_id = [c.uid for c in shared[:2]], users["staff"].id
    login(users["viewer_a"])
    db.session.commit()  # the test's own read ends before the stream starts
    with app.app_context():  # the stream's own context, as in a server
        r = client.get("/cases/export.json", buffered=False)
        chunks = iter(r.response)
        assert next(chunks) == b'{"cases": ['
        sent = [json.loads(next(chunks).decode().lstrip(",\n")) for _ in range(2)]
        with app.app_context():  # staff revoke meanwhile, in another transaction
            revoke(db.session.get(User, staff_id), db.session.get(ShareGrant, made))
        rest = b"".join(chunks)
        r.close()
    assert [d["uid"] for d in sent] == uids
    assert rest == b"\n]}\n"  # nothing after the revocation
    end, = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "cases_export_ended"))
    assert json.loads(end.detail) == {"count": 2, "complete": True}
