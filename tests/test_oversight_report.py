"""The access report and a partner_manager's view of colleagues (issue 4; SECURITY.md T12,
G2, G5). Everything is driven through the pages, as staff and partners use them."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, utcnow
from portal.services import audit

from .case_helpers import actor_of
from .oversight_helpers import grant, revoke, shareable_case


@pytest.fixture
def shared(db, users, orgs, clock):
    """Case 1 and 2 shared with A, case 3 with B, case 4 with nobody."""
    staff = users["staff"]
    cases = [shareable_case(staff, first_name_lat=f"Fictional{i}") for i in range(4)]
    db.session.commit()
    grant(staff, orgs["a"], cases[:2])
    grant(staff, orgs["b"], cases[2:3])
    return cases


def _actions(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.seq)).all()


def test_staff_can_see_partner_reads_and_refusals_in_report(client, new_client, users, login,
                                                            shared, db):
    viewer = login(users["viewer_a"], the_client=new_client())
    assert viewer.get(f"/cases/{shared[0].uid}").status_code == 200
    assert viewer.get(f"/cases/{shared[3].uid}").status_code == 404  # not shared with A
    login(users["staff"])
    assert client.get(f"/cases/{shared[1].uid}").status_code == 200  # the office's own work
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "viewer@a.test" in html
    assert shared[0].reference in html and shared[3].reference in html  # opened; refused
    assert "Case not shared with the organisation, or no such case" in html
    assert "staff@office.test" not in html.split("<tbody>", 2)[-1]  # staff see partners only


def test_admin_sees_every_account_including_the_office(client, new_client, users, login,
                                                       shared):
    staff = login(users["staff"], the_client=new_client())
    staff.get(f"/cases/{shared[1].uid}")
    login(users["admin"])
    html = client.get(f"/reports/?reference={shared[1].reference}").get_data(as_text=True)
    assert "staff@office.test" in html


def test_staff_can_filter_report_by_org_account_case_action_outcome_and_date(
        client, new_client, users, orgs, login, shared, clock):
    a = login(users["viewer_a"], the_client=new_client())
    b = login(users["viewer_b"], the_client=new_client())
    a.get(f"/cases/{shared[0].uid}")
    a.get(f"/cases/{shared[2].uid}")  # B's case: refused
    b.get(f"/cases/{shared[2].uid}")
    login(users["staff"])

    def rows(**params):
        r = client.get("/reports/", query_string=params)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        body = r.get_data(as_text=True).split("<tbody>")[-1]
        return body.count("<tr>")

    assert rows(org=orgs["b"].id) == 1
    assert rows(account=users["viewer_a"].id) == 2
    assert rows(reference=shared[2].reference) == 2  # A refused, B opened
    assert rows(reference=shared[2].reference.lower(), category="refused") == 1
    assert rows(category="opened", outcome="success") == 2
    assert rows(outcome="denied", account=users["viewer_b"].id) == 1  # "nothing matches" row
    assert "Nothing recorded" in client.get(
        f"/reports/?outcome=denied&account={users['viewer_b'].id}").get_data(as_text=True)
    today = utcnow().date().isoformat()
    assert rows(date_from=today, date_to=today) == 3
    assert "Nothing recorded" in client.get("/reports/?date_from=2030-01-01").get_data(
        as_text=True)


@pytest.mark.parametrize("params, field", [
    ({"date_from": "10/03/2026"}, "From (date, UTC)"),
    ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "Until (date, UTC)"),
    ({"reference": "DO-1999-999999"}, "Case reference"),
    ({"category": "everything"}, "Action"),
    ({"org": "abc"}, "Organisation"),
])
def test_staff_gets_400_naming_the_field_on_bad_report_filters(client, users, login, params,
                                                               field):
    login(users["staff"])
    r = client.get("/reports/", query_string=params)
    assert r.status_code == 400
    assert f"{field}:" in r.get_data(as_text=True)


def test_staff_cannot_filter_the_report_by_an_office_account(client, users, login):
    login(users["staff"])
    assert client.get(f"/reports/?account={users['admin'].id}").status_code == 400


def test_report_is_paginated(client, users, login, db):
    viewer = users["viewer_a"]
    for _ in range(53):
        audit.record("sensitive_read", actor_of(viewer), object_type="case",
                     object_id=str(uuid.uuid4()), detail={"tier": "summary"})
    db.session.commit()
    login(users["staff"])
    first = client.get("/reports/").get_data(as_text=True)
    assert "53 entries match." in first and "Page 1 of 2" in first
    second = client.get("/reports/?page=2").get_data(as_text=True)
    assert second.split("<tbody>")[-1].count("<tr>") == 3


def test_the_report_shows_how_many_cases_an_export_held_and_if_it_was_broken_off(
        app, client, new_client, users, login, shared, db):
    viewer = login(users["viewer_a"], the_client=new_client())
    assert viewer.get("/cases/export.csv").data.decode("utf-8-sig").count("\r\n") == 3
    with app.app_context():  # the stream's own context, as in a server
        broken = viewer.get("/cases/export.json", buffered=False)
        next(iter(broken.response))  # the client goes away before any case
        broken.close()
    login(users["staff"])
    html = client.get("/reports/?category=exported").get_data(as_text=True)
    assert "2 cases" in html  # the whole CSV
    assert "0 cases · the download was broken off" in html
    arabic = client.get("/reports/?category=exported", headers={"Accept-Language": "ar"})
    assert "انقطع التنزيل قبل اكتماله" in arabic.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/reports/export.csv?category=exported").get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted((json.loads(r["detail"])["format"], json.loads(r["detail"])["count"])
                  for r in rows) == [("csv", 2), ("json", 0)]


@pytest.mark.security
def test_e5_report_csv_is_formula_neutralised(client, new_client, users, orgs, login, shared,
                                              db):
    """E5: a cell an attacker controls (an organisation's name) is neutralised."""
    orgs["b"].name_en = '=HYPERLINK("http://x.example")'
    db.session.commit()
    login(users["viewer_b"], the_client=new_client()).get(f"/cases/{shared[2].uid}")
    login(users["staff"])
    r = client.get("/reports/export.csv", query_string={"org": orgs["b"].id})
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert "attachment; filename=access-report.csv" == r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["organisation"] == "'" + orgs["b"].name_en
    assert rows[0]["object"] == shared[2].reference
    assert rows[0]["category"] == "opened" and rows[0]["account_email"] == "viewer@b.test"


@pytest.mark.security
def test_g2_reading_and_exporting_the_report_is_audited(client, users, orgs, login, db):
    login(users["staff"])
    client.get("/reports/", query_string={"org": orgs["a"].id, "category": "refused"})
    client.get("/reports/export.csv")
    read, = _actions(db, "access_report_read")
    exported, = _actions(db, "access_report_exported")
    assert read.actor_id == exported.actor_id == users["staff"].id
    assert read.object_type == "report" and read.object_id == "partners"
    detail = json.loads(read.detail)
    assert detail["org"] == orgs["a"].id and detail["category"] == "refused"


@pytest.mark.security
@pytest.mark.parametrize("who", ["viewer_a", "manager_a", "viewer_b"])
def test_g5_partners_cannot_read_the_access_report(client, new_client, users, login, shared,
                                                  who):
    """G5: only the office reads the access log; a partner gets 403 and learns nothing."""
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{shared[0].uid}")
    login(users[who])
    for path in ("/reports/", "/reports/export.csv", f"/reports/?account={users['viewer_a'].id}",
                 "/notices/", "/submissions/queue"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "viewer@a.test" not in r.get_data(as_text=True)


def test_manager_sees_only_own_colleagues_activity(client, new_client, users, login, shared,
                                                   db):
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{shared[0].uid}")
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{shared[3].uid}")  # refused
    login(users["viewer_b"], the_client=new_client()).get(f"/cases/{shared[2].uid}")
    login(users["staff"], the_client=new_client()).get(f"/cases/{shared[0].uid}")
    login(users["manager_a"])
    r = client.get("/reports/colleagues")
    assert r.status_code == 200
    body = r.get_data(as_text=True).split("<tbody>")[-1]
    assert "viewer@a.test" in body and shared[0].reference in body
    assert body.count("<tr>") == 1  # not the refusal, not B, not the office
    assert "viewer@b.test" not in body and "staff@office.test" not in body
    assert shared[3].reference not in r.get_data(as_text=True)
    assert shared[2].reference not in r.get_data(as_text=True)
    assert client.get(f"/reports/colleagues?account={users['viewer_b'].id}").status_code == 400
    assert client.get("/reports/colleagues?category=refused").status_code == 400
    assert _actions(db, "colleague_activity_read")[-1].actor_id == users["manager_a"].id


def test_manager_does_not_see_the_reference_of_a_case_no_longer_shared(client, new_client,
                                                                       users, orgs, login, db):
    staff = users["staff"]
    case = shareable_case(staff)
    db.session.commit()
    made = grant(staff, orgs["a"], [case])
    login(users["viewer_a"], the_client=new_client()).get(f"/cases/{case.uid}")
    revoke(staff, made)
    login(users["manager_a"])
    html = client.get("/reports/colleagues").get_data(as_text=True)
    assert case.reference not in html
    assert "A case no longer shared with your organisation" in html


def test_staff_cannot_read_the_colleague_page(client, users, login):
    login(users["staff"])
    assert client.get("/reports/colleagues").status_code == 403
