"""CSRF on every state-changing route (SECURITY.md D1, D3, D4)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.access import load_policy
from portal.models import AuditEvent

from .conftest import signed_in_csrf, table_counts

pytestmark = pytest.mark.security


def _unsafe_routes(app):
    from .test_policy import _routes, _url
    for rule, method in _routes(app):
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            yield rule, method, _url(rule)


def test_d1_csrf_all_unsafe_routes(app, db, users, login, new_client, clock, security_report):
    """T7: no token, empty, another session's token, expired, query-string only: refused with
    400, nothing written, a malicious_csrf event for signed-in users."""
    admin = login(users["admin"], the_client=new_client())
    other = login(users["staff"], the_client=new_client())
    foreign_token = signed_in_csrf(other)
    stale_token = signed_in_csrf(admin)
    for _ in range(7):  # past the token's hour, keeping the session alive (idle limit 15 min)
        clock.shift(600)
        assert admin.get("/account/").status_code == 200
    routes = list(_unsafe_routes(app))
    requests = accepted = 0
    for rule, method, url in routes:
        variants = [({}, ""), ({"csrf_token": ""}, ""), ({"csrf_token": foreign_token}, ""),
                    ({"csrf_token": stale_token}, ""), ({}, f"?csrf_token={foreign_token}")]
        # API v1 (token only): a browser's cookie does not authenticate it at all.
        expected = 401 if load_policy()[rule.endpoint].token else 400
        for data, query in variants:
            before = table_counts(db)
            response = admin.open(url + query, method=method, data=data)
            requests += 1
            if response.status_code != expected or table_counts(db) != before:
                accepted += 1
            admin.get("/account/")  # the idle clock keeps running
    assert accepted == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "malicious_csrf")) >= len(routes)
    security_report["D1"] = {"unsafe_routes": len(routes), "variants": 5,
                             "requests": requests, "accepted": accepted}


def test_d3_login_without_token_refused(client, users):
    response = client.post("/auth/login", data={"email": users["viewer_a"].email,
                                                "password": "x" * 12, "code": "123456"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert load_policy()["auth.logout"].methods == {"POST"}


def test_d4_https_referrer_checks_behind_proxy(app_config, users):
    """Behind one trusted proxy: a same-origin HTTPS POST works; a cross-origin Referer or none
    is refused (WTF_CSRF_SSL_STRICT), which needs Referrer-Policy same-origin."""
    from portal import create_app

    from .conftest import IsolatedClient
    app_config.update(PROXY_FIX_X_FOR=1)
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    client = app.test_client()
    page = client.get("/auth/login", headers=proxied)
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": token, "email": "nobody@a.test", "password": "x" * 12, "code": "1"}
    cross = client.post("/auth/login", data=data,
                        headers={**proxied, "Referer": "https://evil.example/login"})
    none = client.post("/auth/login", data=data, headers=proxied)
    same = client.post("/auth/login", data=data,
                       headers={**proxied, "Referer": "https://portal.test/auth/login"})
    assert cross.status_code == 400 and none.status_code == 400
    assert same.status_code == 422  # reached the sign-in check (wrong credentials)
