"""Incremental sync through the partner API v1 (issue 16): every change exactly once across
pages while cases are edited; tombstones when access ends; submissions reach the office's
review queue and their acceptance comes back in the next pull."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.extensions import db as _db
from portal.models import Notice, PartnerSubmission, Source, utcnow
from portal.services.sharing import submissions as submission_service

from .api_helpers import bearer, make_token, pull, shared_world
from .case_helpers import actor_of
from .sharing_helpers import consented_case, make_grant, shared

pytestmark = pytest.mark.security


@pytest.fixture
def world(db, users, orgs):
    return shared_world(users, orgs, n_a=8)


@pytest.fixture
def token_a(users, orgs, world):
    return make_token(orgs["a"], users["manager_a"])


def edit(case, narrative: str) -> None:
    case.public_narrative = narrative
    _db.session.commit()


def test_every_change_exactly_once_across_pages_while_cases_are_edited(client, world, token_a):
    visible = world["a_cases"] + [world["detailed"]]
    r = client.get("/api/v1/cases", query_string={"limit": 3}, headers=bearer(token_a))
    first = r.get_json()
    delivered = [i["case"] for i in first["items"]]
    done_uid = delivered[0]["uid"]
    pending = next(c for c in visible if c.uid not in {d["uid"] for d in delivered})
    edit(next(c for c in visible if c.uid == done_uid), "edited after delivery")
    edit(pending, "edited before delivery")
    rest, cursor, _pages = pull(client, token_a, cursor=first["next_cursor"])
    later, cursor, _pages = pull(client, token_a, cursor=cursor)
    all_items = first["items"] + rest + later
    assert not any(i["removed"] for i in all_items)
    seen: dict[str, list[str]] = {}
    for item in all_items:
        seen.setdefault(item["uid"], []).append(item["case"]["public_narrative"])
    assert set(seen) == {c.uid for c in visible}
    for uid, narratives in seen.items():
        assert len(narratives) == len(set(narratives)), (uid, narratives)  # no state twice
    assert seen[done_uid][-1] == "edited after delivery" and len(seen[done_uid]) == 2
    assert seen[pending.uid] == ["edited before delivery"]
    assert len(all_items) == len(visible) + 1
    nothing, _c, _p = pull(client, token_a, cursor=cursor)
    assert nothing == []


def test_tombstones_for_revoked_grants_consent_withdrawal_and_deletion(client, db, world,
                                                                       token_a, users, orgs):
    _items, cursor, _pages = pull(client, token_a)
    world["grant_a_detailed"].revoked_at = utcnow()
    withdrawn = world["a_cases"][0]
    for source in db.session.scalars(select(Source).where(Source.case_id == withdrawn.id)):
        source.consent_level = "internal"
    deleted = world["a_cases"][1]
    deleted.deleted_at = utcnow()
    newly = consented_case(users["staff"], shared(), first_name_lat="Newlyshared")
    make_grant(orgs["a"], "summary", [newly])
    db.session.commit()
    items, cursor, _pages = pull(client, token_a, cursor=cursor)
    removed = {i["uid"] for i in items if i["removed"]}
    assert removed == {world["detailed"].uid, withdrawn.uid, deleted.uid}
    assert all(i["case"] is None for i in items if i["removed"])
    assert [i["uid"] for i in items if not i["removed"]] == [newly.uid]
    # each told once
    again, _c, _p = pull(client, token_a, cursor=cursor)
    assert again == []


def test_full_sync_leaves_out_old_tombstones(client, db, world, token_a):
    pull(client, token_a)
    world["grant_a_detailed"].revoked_at = utcnow()
    db.session.commit()
    items, _c, _p = pull(client, token_a)  # a new client starting from scratch
    assert not any(i["removed"] for i in items)
    assert world["detailed"].uid not in {i["uid"] for i in items}


def test_updated_since_returns_changes_recorded_after(client, world, token_a):
    pull(client, token_a)
    since = datetime.now(timezone.utc).isoformat()
    edit(world["a_cases"][2], "changed later")
    items, _c, _p = pull(client, token_a, updated_since=since)
    assert [i["uid"] for i in items] == [world["a_cases"][2].uid]


def test_filters_narrow_the_sync_and_a_cursor_is_bound_to_them(client, db, world, token_a,
                                                               users, orgs):
    world["a_cases"][3].status = "released"
    db.session.commit()
    items, cursor, _p = pull(client, token_a, status="released")
    assert [i["uid"] for i in items] == [world["a_cases"][3].uid]
    r = client.get("/api/v1/cases", query_string={"cursor": cursor}, headers=bearer(token_a))
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_cursor"
    token_b = make_token(orgs["b"], users["staff"])
    r = client.get("/api/v1/cases", query_string={"cursor": cursor, "status": "released"},
                   headers=bearer(token_b))
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_cursor"


def test_submitted_update_lands_in_review_queue_and_acceptance_comes_back(client, db, login,
                                                                          users, world,
                                                                          token_a):
    _items, cursor, _p = pull(client, token_a)
    case = world["detailed"]
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "update", "case_uid": case.uid, "update_kind": "sighting", "date": "2024-05",
        "place": "Fictional place", "text": "A fictional released detainee saw him."})
    assert r.status_code == 201, r.get_data(as_text=True)
    uid = r.get_json()["uid"]
    assert r.headers["Location"].endswith(f"/api/v1/submissions/{uid}")
    sub = db.session.scalar(select(PartnerSubmission).where(PartnerSubmission.uid == uid))
    assert sub.status == "pending" and sub.organization_id == users["manager_a"].organization_id
    login(users["staff"])
    assert uid in client.get("/submissions/queue").get_data(as_text=True)  # the web form's queue
    submission_service.accept_update(sub, "sighting", actor=actor_of(users["staff"]))
    db.session.commit()
    r = client.get(f"/api/v1/submissions/{uid}", headers=bearer(token_a))
    assert r.get_json()["status"] == "accepted"
    assert r.get_json()["result_case_uid"] == case.uid
    items, _c, _p = pull(client, token_a, cursor=cursor)
    assert [i["uid"] for i in items] == [case.uid]
    assert any(e["kind"] == "sighting" and e["place"] == "Fictional place"
               for e in items[0]["case"]["timeline"])


def test_submissions_are_validated_like_the_web_form(client, db, world, token_a):
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "new_case", "case": {"first_name_lat": "Fictional", "birth_date": "2999"},
        "arrest": {"date": "not a date"}})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    fields = {e["field"] for e in r.get_json()["errors"]}
    assert "birth_date" in fields
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "update", "case_uid": world["unshared"].uid, "update_kind": "release"})
    assert r.status_code == 404
    r = client.post("/api/v1/submissions", headers=bearer(token_a), data="kind=update")
    assert r.status_code == 415
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "update", "case_uid": world["detailed"].uid, "update_kind": "release",
        "role": "admin"})
    assert r.status_code == 422  # no field beyond the schema (mass assignment)
    assert db.session.scalar(select(PartnerSubmission)) is None
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "new_case", "case": {"first_name_lat": "Fictional", "family_name_lat": "Person",
                                     "sex": "female", "birth_date": "1990",
                                     "governorate": "nope"}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "case.governorate"


def test_another_organisation_cannot_read_a_submission(client, db, world, token_a, users,
                                                       orgs):
    r = client.post("/api/v1/submissions", headers=bearer(token_a), json={
        "kind": "update", "case_uid": world["detailed"].uid, "update_kind": "release",
        "date": "2025", "text": "Fictional."})
    uid = r.get_json()["uid"]
    token_b = make_token(orgs["b"], users["staff"])
    assert client.get(f"/api/v1/submissions/{uid}", headers=bearer(token_b)).status_code == 404


def test_api_reads_raise_the_bulk_read_alert(app, client, db, world, token_a):
    app.config["ALERT_READS_PER_HOUR"] = 5
    pull(client, token_a)
    notice = db.session.scalar(select(Notice).where(Notice.kind == "bulk_reads"))
    assert notice is not None and notice.organization_id == world["grant_a"].organization_id


def test_reads_through_a_token_that_staff_made_raise_the_alert_too(app, client, db, world,
                                                                   users, orgs):
    """The token reads for the partner organisation, whoever created it."""
    app.config["ALERT_READS_PER_HOUR"] = 5
    token = make_token(orgs["a"], users["staff"])
    pull(client, token)
    notice = db.session.scalar(select(Notice).where(Notice.kind == "bulk_reads"))
    assert notice is not None and notice.user_id == users["staff"].id
    assert notice.organization_id == orgs["a"].id


def test_staff_reading_in_the_portal_is_not_alerted_on(app, client, db, world, users, login):
    app.config["ALERT_READS_PER_HOUR"] = 2
    login(users["staff"])
    for case in world["a_cases"][:4]:
        assert client.get(f"/cases/{case.uid}").status_code == 200
    assert db.session.scalar(select(Notice).where(Notice.kind == "bulk_reads")) is None
