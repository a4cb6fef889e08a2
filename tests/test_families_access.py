"""Families are office-only (issue 17): the authorisation matrix of every families route ×
method × principal with real objects, and what partners see of PSS sessions.

Expected: anonymous → sign-in; a partner (manager or viewer, either organisation) → the same
404 as for a nonexistent family, on every URL, GET or POST, and no family data in any answer;
staff and admin → the page. Denied POSTs write nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.access import load_policy
from portal.models import Attendance, AuditEvent
from portal.services import families as svc

from .case_helpers import actor_of, make_case
from .conftest import csrf_token, post_form, signed_in_csrf, table_counts
from .event_factories import make_event
from .family_helpers import add_member, give_consent, make_family

pytestmark = pytest.mark.security

CANARY = "CANARY-fam-4e1d-عائلة"
PRINCIPALS = ("anonymous", "viewer_a", "manager_a", "viewer_b", "staff", "admin")
_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def _normalise(body: str, *paths: str) -> str:
    for path in paths:
        body = body.replace(path, "PATH")
    return _CSRF.sub(r"\1TOKEN\2", body)


def _world(db, users, orgs):
    """A family with a canary in every field, and every kind of child row."""
    staff = users["staff"]
    actor = actor_of(staff)
    case = make_case(staff)
    family = make_family(staff, label=CANARY + " label", residence_note=CANARY + " note",
                         safety_rules=CANARY + " rules")
    svc.link_case(family, case, actor=actor)
    member = add_member(family, staff, name=CANARY + " name", contact=CANARY + " contact",
                        relations={case.id: "mother"})
    consent = give_consent(family, staff, note=CANARY + " consent")
    entry = svc.log_contact(family, {"kind": "visit", "happened_on": "2026-03-01",
                                     "follow_up_on": "2026-03-05",
                                     "note": CANARY + " contact note"}, actor=actor)
    need = svc.add_need(family, {"category": "legal", "assessed_on": "2026-03-01",
                                 "detail": CANARY + " need"}, actor=actor)
    item = svc.request_support(family, {"category": "legal", "form": "service",
                                        "provider_org_id": orgs["office"].id,
                                        "description": CANARY + " support"}, actor=actor)
    series = svc.create_series({"title_ar": "دورة", "title_en": "Course",
                                "sessions_planned": 2}, actor=actor)
    event = make_event(orgs["office"], kind="psychosocial_support", invited=[orgs["a"]])
    svc.add_session(series, event, actor=actor)
    enrolment = svc.enrol_member(series, member, actor=actor)
    svc.record_attendance(series, event, {enrolment.id}, actor=actor)
    db.session.commit()
    return {"uid": family.uid, "member_id": member.id, "case_uid": case.uid,
            "consent_id": consent.id, "entry_id": entry.id, "need_id": need.id,
            "item_id": item.id, "series_id": series.id, "event_id": event.id,
            "enrolment_id": enrolment.id}


def _build(rule, world, missing: bool) -> str:
    values = {}
    for name in rule.arguments:
        if name == "uid":
            values[name] = "FA-2026-999999" if missing else world["uid"]
        else:
            values[name] = 987654 if (missing and name != "uid") else world[name]
    return rule.build(values, append_unknown=False)[1]


def test_families_matrix_partners_get_404_everywhere(app, db, users, orgs, new_client, login,
                                                     security_report):
    world = _world(db, users, orgs)
    policy = load_policy()
    clients = {"anonymous": new_client()}
    for name in PRINCIPALS[1:]:
        clients[name] = login(users[name], the_client=new_client())
    tokens = {n: signed_in_csrf(c) for n, c in clients.items() if n != "anonymous"}
    tokens["anonymous"] = csrf_token(clients["anonymous"])
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("families.")]
    assert len(rules) >= 25
    cells, failures, leaks = 0, [], []
    for rule in rules:
        spec = policy[rule.endpoint]
        assert spec.object == "family", rule.endpoint
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            url, missing_url = _build(rule, world, False), _build(rule, world, True)
            for name in PRINCIPALS:
                client = clients[name]
                if method != "GET" and name in ("staff", "admin"):
                    continue  # real changes: tested in test_families_rules.py
                before = table_counts(db)
                data = {"csrf_token": tokens.get(name, "")}
                response = client.get(url) if method == "GET" else client.open(
                    url, method=method, data=data)
                cells += 1
                status, body = response.status_code, response.get_data(as_text=True)
                where = f"{method} {rule.endpoint} as {name}: {status}"
                if CANARY in body and name not in ("staff", "admin"):
                    leaks.append(where)
                if name == "anonymous":
                    if not (status == 302 and "/auth/login" in response.headers["Location"]):
                        failures.append(where + " (expected sign-in)")
                elif name in ("staff", "admin"):
                    if status != 200:
                        failures.append(where + " (office refused)")
                else:
                    if status != 404:
                        failures.append(where + " (expected 404)")
                    other = client.get(missing_url) if method == "GET" else client.open(
                        missing_url, method=method, data=data)
                    if _normalise(body, url) != _normalise(other.get_data(as_text=True),
                                                           missing_url):
                        failures.append(where + " (404 differs from a missing family)")
                if name not in ("staff", "admin") and table_counts(db) != before:
                    failures.append(where + " (wrote data)")
    assert failures == [], failures[:10]
    assert leaks == []
    refused = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "authz_fail", AuditEvent.object_type == "family")).all()
    assert refused, "partner attempts at family URLs are audited"
    security_report["F1"] = {"cells": cells, "failures": len(failures), "leaked": len(leaks)}


def test_partners_see_no_families_link_nor_family_data(app, db, users, orgs, new_client,
                                                       login):
    world = _world(db, users, orgs)
    staff = login(users["staff"], the_client=new_client())
    assert ">Families<" in staff.get("/").get_data(as_text=True)
    for name in ("viewer_a", "manager_a", "viewer_b"):
        partner = login(users[name], the_client=new_client())
        home = partner.get("/").get_data(as_text=True)
        assert ">Families<" not in home and "Overdue follow-ups" not in home
        # The PSS session they are invited to shows a count at most, never who came.
        page = partner.get(f"/events/{world['event_id']}").get_data(as_text=True)
        assert CANARY not in page
        assert "/families/" not in page


def test_pss_event_keeps_showing_partners_fewer_than_5(app, db, users, orgs, new_client,
                                                       login):
    world = _world(db, users, orgs)
    db.session.add(Attendance(event_id=world["event_id"], participants=3,
                              recorded_by_id=users["staff"].id))
    db.session.commit()
    partner = login(users["viewer_a"], the_client=new_client())
    page = partner.get(f"/events/{world['event_id']}").get_data(as_text=True)
    assert "Participants: fewer than 5" in page and CANARY not in page
    staff = login(users["staff"], the_client=new_client())
    grid = staff.get(f"/families/pss/{world['series_id']}/attendance/{world['event_id']}")
    assert CANARY + " name" in grid.get_data(as_text=True)


def test_overdue_notice_is_for_office_roles_only(app, db, users, orgs, new_client, login,
                                                 clock):
    _world(db, users, orgs)  # the staff member's follow-up of 2026-03-05 is overdue
    assert dt.date.today() > dt.date(2026, 3, 5)
    staff = login(users["staff"], the_client=new_client())
    assert "Overdue follow-ups" in staff.get("/").get_data(as_text=True)
    admin = login(users["admin"], the_client=new_client())
    assert "Overdue follow-ups" not in admin.get("/").get_data(as_text=True)  # not theirs
    assert "Overdue" in admin.get("/families/queue?who=all").get_data(as_text=True)


def test_family_post_without_csrf_is_refused(app, db, users, orgs, client, login):
    world = _world(db, users, orgs)
    login(users["staff"])
    before = table_counts(db)
    response = client.post(f"/families/{world['uid']}/contacts/new",
                           data={"kind": "call", "happened_on": "2026-03-09"})
    assert response.status_code == 400 and table_counts(db) == before
    ok = post_form(client, f"/families/{world['uid']}/contacts/new",
                   {"kind": "call", "happened_on": "2026-03-09",
                    "staff_id": str(users["staff"].id)})
    assert ok.status_code == 302
