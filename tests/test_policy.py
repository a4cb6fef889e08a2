"""Route inventory and the authorisation matrix (SECURITY.md A1, A2, A8, B5, D2).

Driven by the policy table (portal/policy/*.yaml) and app.url_map, so a new route cannot be
forgotten: an unclassified endpoint fails test_a1, and every classified one is walked as every
principal in test_a2."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule as UrlRule

from portal.access import load_policy

from .conftest import csrf_token, signed_in_csrf, table_counts

pytestmark = pytest.mark.security

# The short explicit allow-list of endpoints reachable without signing in.
PUBLIC = {"static", "main.health", "main.set_language", "auth.login", "auth.activate",
          "events.feed",
          # the public family form (issue 17): rate-limited, CSRF-checked, text only
          "family_intake.form", "family_intake.thanks"}
# The public site (issue 18): read-only pages of published items (tests/test_public_site.py).
PUBLIC |= {"public.root", "public.home", "public.figures", "public.story", "public.campaign",
           "public.reports", "public.report", "public.report_pdf", "public.feed",
           "public.og_figures", "public.og_report"}
DUMMY_ARGS = {"int": 987654, "string": "nonexistent-0000", "path": "nonexistent.css",
              "uuid": "00000000-0000-4000-8000-000000000000", "default": "nonexistent-0000"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule: UrlRule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        kind = {"integer": "int", "unicode": "string"}.get(kind, kind)
        values[name] = DUMMY_ARGS.get(kind, DUMMY_ARGS["default"])
    return rule.build(values, append_unknown=False)[1]


def test_a1_route_inventory_classified(app, security_report):
    policy = load_policy()
    routes = list(_routes(app))
    unclassified = sorted({r.endpoint for r, _ in routes if r.endpoint not in policy})
    assert unclassified == [], f"endpoints missing from portal/policy/*.yaml: {unclassified}"
    wrong_methods = sorted(f"{r.endpoint} {m}" for r, m in routes
                           if m not in policy[r.endpoint].methods)
    assert wrong_methods == [], f"methods not declared in the policy: {wrong_methods}"
    stale = sorted(set(policy) - {r.endpoint for r, _ in routes})
    assert stale == [], f"policy entries without a route: {stale}"
    public = {ep for ep, rule in policy.items() if rule.public}
    assert public <= PUBLIC, f"unexpected public endpoints: {public - PUBLIC}"
    security_report["A1"] = {"routes": len(routes), "classified": len(routes),
                             "public": len(public), "unclassified": len(unclassified)}


PRINCIPALS = ["anonymous", "viewer_a", "manager_a", "viewer_b", "staff", "admin"]


def test_a2_a8_authz_matrix_and_no_writes_on_get(app, db, users, login, new_client,
                                                 security_report):
    """Every route × method × principal: anonymous → sign-in, wrong role → 403, allowed role →
    never 403 nor the sign-in page, no 500 anywhere; GETs write nothing but access logs."""
    policy = load_policy()
    clients = {"anonymous": new_client()}
    for name in PRINCIPALS[1:]:
        clients[name] = login(users[name], the_client=new_client())
    tokens = {name: (csrf_token(c) if name == "anonymous" else signed_in_csrf(c))
              for name, c in clients.items()}
    cells, failures = 0, []
    for rule, method in _routes(app):
        if rule.endpoint in ("auth.logout",):
            continue  # would end the session the next cells use; covered in test_sessions
        spec = policy[rule.endpoint]
        url = _url(rule)
        for name in PRINCIPALS:
            client = clients[name]
            before = table_counts(db) if method == "GET" else None
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": tokens[name]})
            cells += 1
            status = response.status_code
            location = response.headers.get("Location", "")
            where = f"{method} {rule.endpoint} as {name}: {status}"
            if status >= 500:
                failures.append(where)
            elif spec.public:
                pass
            elif spec.token:  # API v1: a session never authenticates it (test_api_v1_matrix)
                if status != 401 or response.mimetype != "application/problem+json":
                    failures.append(where + " (a session reached a token endpoint)")
            elif name == "anonymous":
                if not (status == 401 or (status == 302 and "/auth/login" in location)):
                    failures.append(where + " (anonymous not sent to sign-in)")
            elif users[name].role not in spec.roles:
                if status != 403:
                    failures.append(where + " (expected 403)")
            elif status == 403 or "/auth/login" in location:
                failures.append(where + " (allowed role refused)")
            if before is not None and table_counts(db) != before:
                failures.append(where + " (a GET changed data)")
    assert failures == []
    security_report["A2"] = {"cells": cells, "failures": len(failures)}


def test_a8_partner_manager_cannot_manage_other_organisations(client, users, login):
    login(users["manager_a"])
    assert client.get(f"/users/{users['viewer_a'].id}").status_code == 200
    assert client.get(f"/users/{users['viewer_b'].id}").status_code == 404
    assert client.get(f"/users/{users['staff'].id}").status_code == 404
    token = signed_in_csrf(client)
    response = client.post(f"/users/{users['viewer_b'].id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 404


def test_b5_mfa_not_bypassable_after_password_only(app, db, client, orgs, security_report):
    """An account without a second factor (outside demo mode) gets an enrol-only session:
    every other route sends it to enrolment, whatever headers it adds."""
    from . import factories
    factories.make_user("nofactor@a.test", orgs["a"], "partner_viewer", totp=False)
    db.session.commit()
    response = client.post("/auth/login", data={
        "csrf_token": csrf_token(client), "email": "nofactor@a.test",
        "password": factories.PASSWORD, "code": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/enrol")
    probed, bypasses = 0, []
    for rule, method in _routes(app):
        if method != "GET" or load_policy()[rule.endpoint].public:
            continue
        if rule.endpoint in ("account.enrol",):
            continue
        response = client.get(_url(rule), headers={"X-Forwarded-For": "127.0.0.1",
                                                  "X-Debug": "1"})
        probed += 1
        if not (response.status_code in (401, 302)
                and "/account/enrol" in response.headers.get("Location", "/account/enrol")):
            bypasses.append(f"{rule.endpoint}: {response.status_code}")
    assert bypasses == []
    security_report["B5"] = {"routes_probed": probed, "bypasses": len(bypasses)}


def test_a8_vertical_escalation_policy_floor():
    """Independently of the table's entries: partners never reach organisation management,
    role changes or resets; staff never reach admin-only account administration."""
    policy = load_policy()
    admin_only = [ep for ep in policy if ep.startswith("organizations.")] + [
        "users.set_role", "users.reset", "main.outbox"]
    for endpoint in admin_only:
        assert policy[endpoint].roles == {"admin"}, endpoint
    for endpoint, rule in policy.items():
        if endpoint.startswith("users."):
            assert rule.roles <= {"admin", "partner_manager"}, endpoint
