"""Partner submissions and the office's review queue (issue 4): a new case and an update,
accepted into the register with the partner as source, declined with a reason, the outcome
seen by the partner, and a submission whose case was unshared meanwhile."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal import crypto
from portal.models import AuditEvent, Case, CaseChange, OutboxMessage, PartnerSubmission

from .conftest import post_form
from .oversight_helpers import grant, revoke, shareable_case

NEW_CASE = {"first_name_ar": "سامر", "family_name_ar": "الخيالي", "first_name_lat": "Samer",
            "family_name_lat": "al-Khayali", "sex": "male", "birth_date": "1990-04",
            "governorate_id": "0", "district_id": "0", "status": "missing",
            "arrest_date": "2014-02", "arrest_place": "Fictional checkpoint",
            "arrest_perpetrator": "0", "arrest_facility": "0",
            "text": "Seen by a fictional witness."}


@pytest.fixture
def case_a(db, users, orgs, clock):
    """A case shared with organisation A (detailed tier), arrested in 2013."""
    staff = users["staff"]
    case = shareable_case(staff, arrest={"date": "2013-05", "place": "Fictional town"})
    db.session.commit()
    made = grant(staff, orgs["a"], [case])
    return case, made


def _subs(db):
    return db.session.scalars(select(PartnerSubmission).order_by(PartnerSubmission.id)).all()


def _audit(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _propose_update(client, case, **data):
    form = {"update_kind": "sighting", "date": "2019-05", "place": "Fictional prison wing",
            "facility_id": "0", "text": "A fictional released detainee saw him.", **data}
    return post_form(client, f"/submissions/cases/{case.uid}", form)


def test_manager_can_propose_a_new_case_and_staff_accept_it(client, new_client, users, orgs,
                                                           login, db):
    manager = login(users["manager_a"], the_client=new_client())
    r = post_form(manager, "/submissions/new", NEW_CASE)
    assert r.status_code == 302
    sub, = _subs(db)
    assert (sub.kind, sub.status, sub.organization_id) == ("new_case", "pending", orgs["a"].id)
    created, = _audit(db, "submission_created")
    assert created.object_id == sub.uid and "Samer" not in created.detail
    before = db.session.scalar(select(func.count()).select_from(Case))

    login(users["staff"])
    queue = client.get("/submissions/queue").get_data(as_text=True)
    assert sub.uid in queue
    review = client.get(f"/submissions/{sub.uid}").get_data(as_text=True)
    assert "al-Khayali" in review and "Seen by a fictional witness." in review
    r = post_form(client, f"/submissions/{sub.uid}/accept", page=f"/submissions/{sub.uid}")
    assert r.status_code == 302
    db.session.refresh(sub)
    case = db.session.get(Case, sub.result_case_id)
    assert sub.status == "accepted" and case is not None
    assert db.session.scalar(select(func.count()).select_from(Case)) == before + 1
    assert case.family_name_lat == "al-Khayali" and case.arrest_date == "2014-02"
    assert "Seen by a fictional witness." in case.internal_notes
    source, = case.sources
    assert source.kind == "partner" and source.consent_level == "internal"
    assert crypto.decrypt(source.informant_enc, context=b"informant") == orgs["a"].name_en
    assert case.timeline[0].source_id == source.id
    assert [e.action for e in _audit(db, "submission_accepted")] == ["submission_accepted"]
    assert _audit(db, "case_created") and _audit(db, "case_source_added")

    # The partner sees the outcome (the new case is not shared with them: no reference).
    page = manager.get(f"/submissions/{sub.uid}").get_data(as_text=True)
    assert "Accepted" in page and case.reference not in page
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == "manager@a.test")).all()[-1]
    assert "accepted" in mail.body and "al-Khayali" not in mail.body


@pytest.mark.parametrize("changes, field, message", [
    ({"birth_date": "1990-13"}, "birth_date", "This day does not exist."),
    ({"birth_date": "next year"}, "birth_date", "Write the date as 1987, 1987-06 or 1987-06-14."),
    ({"first_name_ar": "", "first_name_lat": ""}, "first_name_ar",
     "Give the first name in Arabic or Latin script."),
    ({"arrest_date": "2090"}, "arrest_date", "This date is in the future."),
    ({"status": "vanished"}, "status", "Not a valid choice."),
    ({"arrest_place": "x" * 301}, "arrest_place", "Too long."),
])
def test_manager_gets_422_naming_the_field_and_nothing_is_saved(client, users, login, db,
                                                               changes, field, message):
    login(users["manager_a"])
    r = post_form(client, "/submissions/new", {**NEW_CASE, **changes})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="{field}-errors"' in html and message in html
    assert _subs(db) == [] and _audit(db, "submission_created") == []


def test_manager_can_propose_an_update_and_staff_merge_it_into_the_timeline(
        client, new_client, users, orgs, login, db, case_a):
    case, _ = case_a
    manager = login(users["manager_a"], the_client=new_client())
    page = manager.get(f"/cases/{case.uid}").get_data(as_text=True)
    assert f"/submissions/cases/{case.uid}" in page  # "Propose an update" on the case
    # A sighting dated before the arrest is accepted from the partner: checking it against
    # the arrest would reveal the arrest date to a partner below the detailed tier.
    r = _propose_update(manager, case, date="2012")
    assert r.status_code == 302
    sub, = _subs(db)
    assert (sub.kind, sub.case_id, sub.update_kind, sub.date) == ("update", case.id,
                                                                 "sighting", "2012")
    login(users["staff"])
    r = post_form(client, f"/submissions/{sub.uid}/accept", {"record_as": "sighting"},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 422  # the register's rule, shown to staff; nothing saved
    assert "This is dated before the arrest." in r.get_data(as_text=True)
    db.session.refresh(sub)
    assert sub.status == "pending" and len(db.session.get(Case, case.id).timeline) == 1
    sub.date = "2019-05"  # (as if the partner had written it so)
    db.session.commit()
    r = post_form(client, f"/submissions/{sub.uid}/accept", {"record_as": "sighting"},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 302
    case = db.session.get(Case, case.id)
    entry = [e for e in case.timeline if e.kind == "sighting"][0]
    assert entry.date == "2019-05" and entry.place == "Fictional prison wing"
    assert entry.source.kind == "partner"
    assert entry.source.consent_level == "all_partners"  # the case's consent, unchanged
    assert "A fictional released detainee saw him." in case.internal_notes
    assert db.session.scalar(select(func.count()).select_from(CaseChange).where(
        CaseChange.case_id == case.id, CaseChange.kind == "timeline")) >= 1
    # Still shared with A after the merge; the partner sees the outcome with the case.
    page = manager.get(f"/submissions/{sub.uid}").get_data(as_text=True)
    assert "Accepted" in page and case.reference in page
    assert manager.get(f"/cases/{case.uid}").status_code == 200


def test_accepting_a_release_changes_the_status(client, new_client, users, login, db, case_a):
    case, _ = case_a
    _propose_update(login(users["manager_a"], the_client=new_client()), case,
                    update_kind="release", date="2020-01", text="")
    sub, = _subs(db)
    login(users["staff"])
    assert '<option selected value="release">' in client.get(f"/submissions/{sub.uid}").get_data(
        as_text=True)
    post_form(client, f"/submissions/{sub.uid}/accept", {"record_as": "release"},
              page=f"/submissions/{sub.uid}")
    assert db.session.get(Case, case.id).status == "released"
    r = post_form(client, f"/submissions/{sub.uid}/accept", {"record_as": "release"},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 422 and "already decided" in r.get_data(as_text=True)
    assert len(db.session.get(Case, case.id).sources) == 2  # not merged twice


@pytest.mark.parametrize("changes, field, message", [
    ({"date": "2090-01"}, "date", "This date is in the future."),
    ({"date": "14.5.19"}, "date", "Write the date as 1987, 1987-06 or 1987-06-14."),
    ({"update_kind": "rumour"}, "update_kind", "Not a valid choice."),
    ({"update_kind": "other", "text": ""}, "text", "Describe what you know."),
    ({"date": "", "place": "", "text": ""}, "text", "Give a date, a place or a description."),
    ({"facility_id": "987654"}, "facility_id", "Not a valid choice."),
])
def test_manager_gets_422_on_a_bad_update(client, users, login, db, case_a, changes, field,
                                          message):
    case, _ = case_a
    login(users["manager_a"])
    r = _propose_update(client, case, **changes)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="{field}-errors"' in html and message in html
    assert _subs(db) == []


def test_staff_can_decline_with_a_reason_the_partner_reads(client, new_client, users, login,
                                                           db, case_a):
    case, _ = case_a
    manager = login(users["manager_a"], the_client=new_client())
    _propose_update(manager, case)
    sub, = _subs(db)
    login(users["staff"])
    r = post_form(client, f"/submissions/{sub.uid}/decline", {"reason": "  "},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 422 and "Give the reason" in r.get_data(as_text=True)
    db.session.refresh(sub)
    assert sub.status == "pending"
    r = post_form(client, f"/submissions/{sub.uid}/decline",
                  {"reason": "Already recorded from another fictional source."},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 302
    db.session.refresh(sub)
    assert sub.status == "declined" and len(db.session.get(Case, case.id).timeline) == 1
    declined, = _audit(db, "submission_declined")
    assert "fictional" not in declined.detail
    page = manager.get(f"/submissions/{sub.uid}").get_data(as_text=True)
    assert "Declined" in page and "Already recorded from another fictional source." in page
    listing = manager.get("/submissions/").get_data(as_text=True)
    assert "Declined" in listing and case.reference in listing


def test_submission_against_a_revoked_grant_is_hidden_from_partner_and_flagged(
        client, new_client, users, login, db, case_a):
    case, made = case_a
    manager = login(users["manager_a"], the_client=new_client())
    _propose_update(manager, case)
    sub, = _subs(db)
    revoke(users["staff"], made)
    assert manager.get(f"/cases/{case.uid}").status_code == 404
    assert manager.get(f"/submissions/cases/{case.uid}").status_code == 404
    for path in ("/submissions/", f"/submissions/{sub.uid}"):
        html = manager.get(path).get_data(as_text=True)
        assert case.reference not in html and "al-Halabi" not in html
        assert "A case no longer shared with your organisation" in html
    login(users["staff"])
    queue = client.get("/submissions/queue").get_data(as_text=True)
    assert "No longer shared with this organisation" in queue
    review = client.get(f"/submissions/{sub.uid}").get_data(as_text=True)
    assert "no longer sees the case" in review
    r = post_form(client, f"/submissions/{sub.uid}/accept", {"record_as": "sighting"},
                  page=f"/submissions/{sub.uid}")
    assert r.status_code == 302  # the information may still be accepted
    assert case.reference not in manager.get(f"/submissions/{sub.uid}").get_data(as_text=True)


@pytest.mark.security
def test_a3_partner_cannot_reach_another_organisations_submission(client, new_client, users,
                                                                  login, db, case_a):
    case, _ = case_a
    _propose_update(login(users["manager_a"], the_client=new_client()), case)
    sub, = _subs(db)
    viewer_a = login(users["viewer_a"], the_client=new_client())
    assert viewer_a.get(f"/submissions/{sub.uid}").status_code == 200  # a colleague
    assert viewer_a.get(f"/submissions/cases/{case.uid}").status_code == 403  # managers only
    login(users["viewer_b"])
    assert client.get(f"/submissions/{sub.uid}").status_code == 404
    assert sub.uid not in client.get("/submissions/").get_data(as_text=True)
    r = post_form(client, f"/submissions/{sub.uid}/decline", {"reason": "x"}, page="/account/")
    assert r.status_code == 403
    db.session.refresh(sub)
    assert sub.status == "pending"


@pytest.mark.security
def test_a3_manager_cannot_propose_an_update_to_a_case_not_shared(client, users, login, db,
                                                                  orgs, clock):
    staff = users["staff"]
    case = shareable_case(staff)
    db.session.commit()
    grant(staff, orgs["b"], [case])
    login(users["manager_a"])
    r = client.get(f"/submissions/cases/{case.uid}")
    assert r.status_code == 404
    r = client.post(f"/submissions/cases/{case.uid}", data={"update_kind": "sighting"})
    assert r.status_code in (400, 404)
    assert _subs(db) == []


@pytest.mark.security
def test_a6_submission_ignores_injected_organisation_and_status(client, users, orgs, login, db):
    login(users["manager_a"])
    post_form(client, "/submissions/new", {**NEW_CASE, "organization_id": orgs["b"].id,
                                           "status_override": "accepted",
                                           "submitted_by_id": users["admin"].id})
    sub, = _subs(db)
    assert (sub.organization_id, sub.status, sub.submitted_by_id) == (
        orgs["a"].id, "pending", users["manager_a"].id)
    assert json.loads(sub.data)["case"]["status"] == "missing"


@pytest.mark.parametrize("who, paths", [
    ("staff", ["/reports/", "/notices/", "/notices/?show=all", "/submissions/queue",
               "/submissions/queue?state=all", "/submissions/{sub}"]),
    ("manager_a", ["/reports/colleagues", "/updates/", "/submissions/",
                   "/submissions/new", "/submissions/{sub}", "/submissions/cases/{case}"]),
])
def test_oversight_pages_render_in_arabic(client, new_client, users, login, db, case_a, who,
                                          paths):
    case, _ = case_a
    manager = login(users["manager_a"], the_client=new_client())
    _propose_update(manager, case)
    manager.get(f"/cases/{case.uid}")
    sub, = _subs(db)
    users[who].preferred_locale = "ar"
    db.session.commit()
    login(users[who])
    for path in paths:
        r = client.get(path.format(sub=sub.uid, case=case.uid))
        assert r.status_code == 200, path
        assert 'lang="ar" dir="rtl"' in r.get_data(as_text=True), path
