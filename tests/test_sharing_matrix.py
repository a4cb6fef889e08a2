"""The authorisation matrix of the sharing issue (SECURITY.md A2, A8): every route of the case
register, the sharing area and the JSON API × every method × 7 principals × every object
context, from the one policy table, so a new route cannot be forgotten.

Expected: anonymous (and the disabled account) → sign-in (401 JSON under /api); a role the
policy does not list → 403; an object the principal may not see → the same 404 as a
nonexistent one; otherwise allowed (200/302 for GET). Never a 500. No response to a partner
or anonymous principal holds a canary it may not see; denied POSTs write nothing."""

from __future__ import annotations

import re

import pytest

from portal.access import load_policy

from . import factories
from .conftest import csrf_token, post_form, signed_in_csrf, table_counts
from .sharing_world import CONTEXTS, build_world, forbidden_ids, leaks

pytestmark = pytest.mark.security

AREAS = ("cases.", "sharing.", "api.")
PRINCIPALS = ("anonymous", "disabled_a", "viewer_a", "manager_a", "viewer_b", "staff", "admin")
ORG_OF = {"viewer_a": "a", "manager_a": "a", "viewer_b": "b", "disabled_a": None,
          "anonymous": None}
DUMMY = "987654"
_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def normalise(body: str, *paths: str) -> str:
    """A body with the request's own path(s) and the CSRF token taken out."""
    for path in paths:
        body = body.replace(path, "PATH")
    return _CSRF.sub(r"\1TOKEN\2", body)


def sign_in(client, user):
    """A real sign-in (password and TOTP); the disabled account stays signed out."""
    response = post_form(client, "/auth/login", {"email": user.email,
                                                 "password": factories.PASSWORD,
                                                 "code": factories.totp_now(user)})
    return response


def object_contexts(spec) -> tuple[str, ...]:
    return {"case": CONTEXTS, "grant": ("grant", "nonexistent"),
            "organization": ("partner_org", "office_org", "nonexistent")}.get(
        spec.object, ("none",))


def build_url(rule, ctx, world, orgs) -> tuple[str, bool]:
    """(url, whether it also names a dummy sub-object such as a timeline entry)."""
    values, dummy = {}, False
    for name in rule.arguments:
        if name == "uid" and ctx in world["uids"]:
            values[name] = world["uids"][ctx]
        elif name == "grant_id":
            values[name] = world["grant_a"].id if ctx == "grant" else DUMMY
        elif name == "org_id":
            values[name] = {"partner_org": orgs["a"].id, "office_org": orgs["office"].id
                            }.get(ctx, DUMMY)
        else:
            values[name] = "00000000-0000-4000-8000-000000000000" if "uid" in name else DUMMY
            dummy = True
    return rule.build(values, append_unknown=False)[1], dummy


def visible(principal: str, role: str, ctx: str, endpoint: str) -> bool:
    if ctx in ("none", "grant", "partner_org"):
        return True
    if ctx in ("nonexistent", "office_org"):
        return False
    if role in ("admin", "staff"):
        return ctx != "deleted" or (role == "admin" and endpoint in ("cases.detail",
                                                                     "cases.restore"))
    return ctx == {"a": "shared_a", "b": "b_only"}[ORG_OF[principal]]


def test_a2_sharing_matrix(app, db, users, orgs, new_client, clock, security_report):
    world = build_world(users, orgs)
    policy = load_policy()
    clients = {}
    for name in PRINCIPALS:
        c = new_client()
        if name != "anonymous":
            clock.shift(31)
            sign_in(c, users[name])
        clients[name] = c
    tokens = {n: (signed_in_csrf(c) if n not in ("anonymous", "disabled_a") else csrf_token(c))
              for n, c in clients.items()}
    forbidden = {n: forbidden_ids(world, ORG_OF.get(n)) for n in PRINCIPALS
                 if n not in ("staff", "admin")}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(AREAS)]
    cells, failures, leaked = 0, [], []
    before_gets = table_counts(db)
    for rule in rules:
        spec = policy[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for ctx in object_contexts(spec):
                url, dummy = build_url(rule, ctx, world, orgs)
                missing_url = build_url(rule, "nonexistent", world, orgs)[0]
                for name in PRINCIPALS:
                    client, user = clients[name], users.get(name)
                    role = user.role if user else None
                    allowed_role = role in spec.roles and name != "disabled_a"
                    expect_visible = allowed_role and visible(name, role, ctx, rule.endpoint)
                    if method != "GET" and expect_visible and ctx not in ("none", "nonexistent"):
                        continue  # an allowed change on a real object: tested in its own file
                    snapshot = table_counts(db) if method != "GET" else None
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.open(url, method=method,
                                               data={"csrf_token": tokens[name]})
                    cells += 1
                    status, body = response.status_code, response.get_data(as_text=True)
                    location = response.headers.get("Location", "")
                    where = f"{method} {rule.endpoint} [{ctx}] as {name}: {status}"
                    if status >= 500:
                        failures.append(where)
                    elif name in ("anonymous", "disabled_a"):
                        if not (status == 401 or (status == 302 and "/auth/login" in location)):
                            failures.append(where + " (expected sign-in)")
                    elif not allowed_role:
                        if status != 403:
                            failures.append(where + " (expected 403)")
                    elif not expect_visible:
                        if status != 404:
                            failures.append(where + " (expected 404)")
                        else:
                            missing = client.get(missing_url) if method == "GET" else \
                                client.open(missing_url, method=method,
                                            data={"csrf_token": tokens[name]})
                            if normalise(body, url) != normalise(
                                    missing.get_data(as_text=True), missing_url):
                                failures.append(where + " (404 differs from nonexistent)")
                    elif status in (401, 403) or "/auth/login" in location:
                        failures.append(where + " (allowed principal refused)")
                    elif method == "GET" and not dummy and status not in (200, 302):
                        failures.append(where + " (expected 200/302)")
                    if name in forbidden:
                        found = leaks(body, forbidden[name])
                        if found:
                            leaked.append(f"{where}: {found[:3]}")
                    if snapshot is not None and not expect_visible and table_counts(db) != snapshot:
                        failures.append(where + " (a refused request changed data)")
    assert table_counts(db) == before_gets, "the matrix's requests changed data"
    assert failures == [] and leaked == [], "\n".join(failures[:40] + leaked[:40])
    routes = len({(r.endpoint, m) for r in rules for m in r.methods - {"HEAD", "OPTIONS"}})
    security_report["A2_sharing"] = {"routes": routes, "cells": cells,
                                     "principals": len(PRINCIPALS), "contexts": len(CONTEXTS),
                                     "failures": len(failures), "leaked": len(leaked)}


def test_a8_partners_reach_no_sharing_or_staff_route(app, users, orgs, new_client, clock, db,
                                                     security_report):
    """Every office-only route of these areas, as each partner role: 403, nothing written."""
    world = build_world(users, orgs)
    policy = load_policy()
    privileged = [(r, m) for r in app.url_map.iter_rules() if r.endpoint.startswith(AREAS)
                  for m in sorted(r.methods - {"HEAD", "OPTIONS"})
                  if not ({"partner_manager", "partner_viewer"} & policy[r.endpoint].roles)]
    assert any(r.endpoint.startswith("sharing.") for r, _m in privileged)
    attempts, successes = 0, []
    for name in ("viewer_a", "manager_a", "viewer_b"):
        clock.shift(31)
        client = new_client()
        sign_in(client, users[name])
        token = signed_in_csrf(client)
        before = table_counts(db)
        for rule, method in privileged:
            url, _dummy = build_url(rule, "shared_a" if "uid" in rule.arguments else "grant"
                                    if "grant_id" in rule.arguments else "partner_org",
                                    world, orgs)
            response = client.open(url, method=method, data={"csrf_token": token})
            attempts += 1
            if response.status_code != 403:
                successes.append(f"{method} {rule.endpoint} as {name}: {response.status_code}")
        if table_counts(db) != before:
            successes.append(f"{name}: data changed")
    assert successes == []
    security_report["A8_sharing"] = {"privileged_routes": len(privileged), "attempts": attempts,
                                     "successes": len(successes)}
