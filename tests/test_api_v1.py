"""The partner API v1 (issue 16): tokens, scopes, redaction, problem details, sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import ApiToken, AuditEvent

from .api_helpers import bearer, make_token, pull, shared_world
from .conftest import signed_in_csrf

pytestmark = pytest.mark.security


@pytest.fixture
def world(db, users, orgs):
    return shared_world(users, orgs)


@pytest.fixture
def token_a(users, orgs, world):
    return make_token(orgs["a"], users["manager_a"])


def test_partner_system_pulls_only_its_cases_at_its_tier(client, world, token_a):
    items, _cursor, pages = pull(client, token_a, limit=2)
    uids = {i["uid"] for i in items}
    assert uids == {c.uid for c in world["a_cases"]} | {world["detailed"].uid}
    assert pages >= 2 and all(not i["removed"] for i in items)
    by_uid = {i["uid"]: i["case"] for i in items}
    summary = by_uid[world["a_cases"][0].uid]
    assert summary["tier"] == "summary" and "parents" not in summary and "timeline" not in summary
    detailed = by_uid[world["detailed"].uid]
    assert detailed["tier"] == "detailed" and detailed["arrest_circumstances"] == "CANARY-circumstances"
    assert "internal_notes" not in detailed and "informants" not in detailed


def test_partner_system_cannot_open_a_case_of_another_organisation(client, db, world, token_a):
    for case in (world["b_only"], world["unshared"]):
        r = client.get(f"/api/v1/cases/{case.uid}", headers=bearer(token_a))
        assert r.status_code == 404
        assert r.mimetype == "application/problem+json"
        assert r.get_json()["code"] == "not_found"
        assert "CANARY" not in r.get_data(as_text=True)
    refused = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "authz_fail", AuditEvent.object_type == "case")).all()
    assert {e.object_id for e in refused} == {world["b_only"].uid, world["unshared"].uid}
    r = client.get(f"/api/v1/cases/{world['detailed'].uid}", headers=bearer(token_a))
    assert r.status_code == 200 and r.get_json()["tier"] == "detailed"


def test_session_cookie_never_works_for_the_api(client, login, users, world):
    login(users["manager_a"])
    r = client.get("/api/v1/cases")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "unauthenticated"
    # ... and the browser's session is left alone
    assert client.get("/submissions/").status_code == 200


def test_token_never_works_for_html_pages(client, token_a):
    r = client.get("/cases/", headers=bearer(token_a))
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    r = client.get("/api/cases", headers=bearer(token_a))
    assert r.status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Basic abc", "Bearer ppt_000000000000_x",
                                    "Bearer nottoken", "Bearer ppt_" + "a" * 300])
def test_bad_credentials_are_401_problems(client, world, header):
    r = client.get("/api/v1/cases", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "unauthenticated"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(clock, client, db, users, orgs, world):
    token_a = make_token(orgs["a"], users["manager_a"])
    clock.shift(timedelta(days=31))
    r = client.get("/api/v1/cases", headers=bearer(token_a))
    assert r.status_code == 401 and r.get_json()["code"] == "token_expired"


def test_revoked_token_is_refused_at_once(client, db, login, users, world, token_a):
    assert client.get("/api/v1/grants", headers=bearer(token_a)).status_code == 200
    login(users["manager_a"])
    token = db.session.scalar(select(ApiToken))
    r = client.post(f"/api-access/{token.id}/revoke", data={"csrf_token": signed_in_csrf(client)})
    assert r.status_code == 302
    r = client.get("/api/v1/grants", headers=bearer(token_a))
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


def test_deactivating_creator_or_organisation_ends_tokens(client, db, users, orgs, world,
                                                          token_a):
    users["manager_a"].active = False
    db.session.commit()
    assert client.get("/api/v1/grants", headers=bearer(token_a)).status_code == 401
    users["manager_a"].active = True
    orgs["a"].active = False
    db.session.commit()
    assert client.get("/api/v1/grants", headers=bearer(token_a)).status_code == 401


@pytest.mark.parametrize("scope,allowed", [
    ("cases:read", {"/api/v1/cases", "/api/v1/grants", "/api/v1/token"}),
    ("events:read", {"/api/v1/events", "/api/v1/token"}),
    ("submissions:write", {"/api/v1/token"}),
])
def test_each_scope_opens_only_its_endpoints(client, users, orgs, world, scope, allowed):
    text = make_token(orgs["a"], users["manager_a"], [scope])
    for path in ("/api/v1/cases", "/api/v1/grants", "/api/v1/events", "/api/v1/token"):
        r = client.get(path, headers=bearer(text))
        if path in allowed:
            assert r.status_code == 200, path
        else:
            assert r.status_code == 403 and r.get_json()["code"] == "insufficient_scope", path
    r = client.post("/api/v1/submissions", json={"kind": "update"}, headers=bearer(text))
    assert r.status_code == (422 if scope == "submissions:write" else 403)


def test_token_is_stored_only_as_a_hash(db, token_a):
    row = db.session.scalar(select(ApiToken))
    assert token_a.startswith("ppt_") and token_a not in (row.secret_hash, row.public_id)
    assert len(row.secret_hash) == 64


def test_every_call_is_audited_under_the_tokens_name(client, db, world, token_a):
    client.get("/api/v1/cases", headers=bearer(token_a))
    client.get(f"/api/v1/cases/{world['detailed'].uid}", headers=bearer(token_a))
    client.get("/api/v1/events", headers=bearer(token_a))
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.session_hash.like("api:%"))).all()
    actions = [e.action for e in events]
    assert "cases_exported" in actions and "sensitive_read" in actions and "api_read" in actions
    assert all("Fictional partner system" in e.detail for e in events
               if e.action != "sensitive_read")


def test_errors_are_problem_details_never_html(client, world, token_a):
    for path, status, code in (("/api/v1/nope", 404, "not_found"),
                               ("/api/v1/cases?limit=0", 400, "invalid_parameter"),
                               ("/api/v1/cases?cursor=%%%", 400, "invalid_cursor"),
                               ("/api/v1/cases?status=flying", 400, "invalid_parameter"),
                               ("/api/v1/cases?bogus=1", 400, "invalid_parameter")):
        r = client.get(path, headers=bearer(token_a))
        assert (r.status_code, r.mimetype) == (status, "application/problem+json"), path
        assert r.get_json()["code"] == code
    r = client.delete("/api/v1/cases", headers=bearer(token_a))
    assert r.status_code == 405 and r.mimetype == "application/problem+json"


def test_rate_limit_per_token_with_retry_after(app, client, users, orgs, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    text = make_token(orgs["a"], users["manager_a"])
    other = make_token(orgs["a"], users["manager_a"], name="Second system")
    statuses = [client.get("/api/v1/token", headers=bearer(text)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = client.get("/api/v1/token", headers=bearer(text))
    assert r.mimetype == "application/problem+json" and r.get_json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/token", headers=bearer(other)).status_code == 200
