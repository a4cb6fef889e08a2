"""Headers on every response, error pages, the production guard and rate limits
(SECURITY.md I2, I3, I4, I5; H2 for the database-down page)."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.config import UnsafeConfiguration

from .conftest import IsolatedClient, csrf_token

pytestmark = pytest.mark.security

REQUIRED = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def check_headers(response, *, static=False) -> list[str]:
    missing = [k for k, v in REQUIRED.items() if response.headers.get(k) != v]
    csp = response.headers.get("Content-Security-Policy", "")
    if ("unsafe-inline" in csp or "frame-ancestors 'none'" not in csp or "http" in csp
            or "default-src 'none'" not in csp):
        missing.append("Content-Security-Policy")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        missing.append("Permissions-Policy")
    cache = response.headers.get("Cache-Control", "")
    if (static and "immutable" not in cache) or (not static and cache != "no-store"):
        missing.append("Cache-Control")
    if "Server" in response.headers and "/" in response.headers["Server"]:
        missing.append("Server banner")
    return missing


def test_i3_security_headers_every_response(app, users, login, new_client, security_report):
    from .test_policy import _routes, _url
    signed_in = login(users["admin"], the_client=new_client())
    checked, problems = 0, []
    for lang in ("en", "ar"):
        for client in (new_client(), signed_in):
            for rule, method in _routes(app):
                if method != "GET":
                    continue
                response = client.get(_url(rule), headers={"Accept-Language": lang})
                checked += 1
                problems += [f"{rule.endpoint}: {m}"
                             for m in check_headers(response, static=rule.endpoint == "static"
                                                    and response.status_code == 200)]
        from flask import url_for
        with app.test_request_context():
            hashed = url_for("static", filename="css/portal.css")
        assert re.fullmatch(r".*/static/css/portal\.[0-9a-f]{12}\.css", hashed), hashed
        static = new_client().get(hashed)
        assert static.status_code == 200
        problems += check_headers(static, static=True)
        for response in (new_client().get("/no/such/page"), new_client().post("/health"),
                         new_client().post("/auth/login", data={})):
            checked += 1
            problems += check_headers(response)
    assert problems == []
    security_report["I3"] = {"responses_checked": checked, "missing_headers": len(problems)}


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 413, 429, 500, 503])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_i5_error_pages_are_custom_and_bilingual(app_config, code, lang, security_report):
    from werkzeug.exceptions import abort

    app = create_app(app_config)
    app.test_client_class = IsolatedClient

    @app.route("/boom/<int:status>")
    def boom(status):
        if status == 500:
            raise RuntimeError("secret internal detail /srv/portal/db.py")
        if status == 503:
            raise OperationalError("SELECT secret FROM cases", {}, Exception("down"))
        abort(status)
    from portal.access import Rule, load_policy
    load_policy()["boom"] = Rule(endpoint="boom", public=True)
    try:
        response = app.test_client().get(f"/boom/{code}", headers={"Accept-Language": lang})
    finally:
        del load_policy()["boom"]
    body = response.get_data(as_text=True)
    assert response.status_code == code
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in body
    assert "Traceback" not in body and "secret" not in body and "SELECT" not in body
    assert check_headers(response) == []
    if code in (429, 503):
        assert response.headers["Retry-After"].isdigit()
    security_report.setdefault("I5", {"codes": 0})["codes"] += 1


def test_i5_arabic_error_page_is_translated(client):
    body = client.get("/missing", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "Not found" not in body and "غير موجود" in body


UNSAFE = [
    ("DEBUG", True), ("SECRET_KEY", "short"), ("SESSION_COOKIE_SECURE", False),
    ("WTF_CSRF_ENABLED", False), ("RATELIMIT_STORAGE_URI", "memory://"),
    ("REMEMBER_COOKIE_DURATION", 3600), ("SQLITE_SINGLE_OFFICE", False),
    ("FIELD_KEY_FILE", None), ("DEMO_MODE", True), ("SMTP_HOST", None),
    ("SMTP_STARTTLS", False), ("AUDIT_KEY_FILE", None), ("TESTING", True),
]


def _production_config(tmp_path, database_uri):
    key_dir = tmp_path / "keys"
    key_dir.mkdir(exist_ok=True)
    return {"ENV_NAME": "production", "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "k" * 48,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "SQLITE_SINGLE_OFFICE": True,
            "FIELD_KEY_FILE": str(key_dir / "field.key"),
            "AUDIT_KEY_FILE": str(key_dir / "audit.key"),
            "BACKUP_KEY_FILE": str(key_dir / "backup.key"), "SMTP_HOST": "mail.example"}


def test_i2_production_config_guard(tmp_path, database_uri, security_report):
    good = _production_config(tmp_path, database_uri)
    create_app(good)  # the safe configuration starts
    starts = 0
    for key, value in UNSAFE:
        config = dict(good, **{key: value})
        if key == "RATELIMIT_STORAGE_URI":  # in memory is refused for a scale-out database
            config["SQLALCHEMY_DATABASE_URI"] = "postgresql://portal@db.example/portal"
        if key == "SQLITE_SINGLE_OFFICE" and not database_uri.startswith("sqlite"):
            continue
        try:
            create_app(config)
            starts += 1
        except UnsafeConfiguration as exc:
            assert "Refusing to start" in str(exc)
            assert str(exc).count(";") == 0, f"{key}: more than one reason: {exc}"
    with pytest.raises(UnsafeConfiguration):  # a misspelt environment is still production
        create_app(dict(good, ENV_NAME="prodution", DEBUG=True))
    inside = dict(good, FIELD_KEY_FILE=str(tmp_path / "instance" / "field.key"))
    with pytest.raises(UnsafeConfiguration, match="outside the data directory"):
        create_app(inside)
    assert starts == 0
    security_report["I2"] = {"unsafe_settings": len(UNSAFE) + 1, "starts": starts}


def test_i4_login_rate_limit_per_address(app_config, users, security_report):
    app_config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    app_config["PROXY_FIX_X_FOR"] = 1
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    statuses = []
    for i in range(5):
        # A spoofed left-most X-Forwarded-For must not reset the limit: ProxyFix trusts one hop.
        headers = {"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.50"}
        statuses.append(client.post("/auth/login", headers=headers, data={
            "csrf_token": csrf_token(client), "email": f"x{i}@a.test", "password": "x" * 12,
            "code": "1"}).status_code)
    assert statuses[:3] == [422, 422, 422] and statuses[3:] == [429, 429]
    limited = client.post("/auth/login", headers={"X-Forwarded-For": "203.0.113.50"},
                          data={"csrf_token": csrf_token(client), "email": "a@a.test"})
    assert limited.status_code == 429 and limited.headers["Retry-After"].isdigit()
    # Another real address is not affected.
    other = client.post("/auth/login", headers={"X-Forwarded-For": "203.0.113.51"}, data={
        "csrf_token": csrf_token(client), "email": "a@a.test", "password": "x" * 12, "code": "1"})
    assert other.status_code == 422
    security_report["I4"] = {"endpoints": 1, "threshold": 3, "bypasses": 0}


@pytest.mark.skipif(not os.environ.get("PORTAL_TEST_REDIS_URL"), reason="needs Redis")
def test_i4_limits_shared_across_workers_with_redis(app_config):
    """Two app instances (two gunicorn workers) share one counter through Redis."""
    import uuid
    app_config.update(LOGIN_LIMIT_PER_ADDRESS="2 per minute",
                      RATELIMIT_STORAGE_URI=os.environ["PORTAL_TEST_REDIS_URL"],
                      RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    workers = []
    for _ in range(2):
        app = create_app(app_config)
        app.test_client_class = IsolatedClient
        workers.append(app.test_client())
    statuses = []
    for i in range(4):
        client = workers[i % 2]
        statuses.append(client.post("/auth/login", data={
            "csrf_token": csrf_token(client), "email": "a@a.test", "password": "x" * 12,
            "code": "1"}).status_code)
    assert statuses == [422, 422, 429, 429]


def test_h2_database_down_gives_bilingual_503(app, client, users, login, monkeypatch):
    login(users["viewer_a"])
    from portal.blueprints.account import routes

    def down(*a, **kw):
        raise OperationalError("SELECT name FROM users", {}, Exception("connection refused"))
    monkeypatch.setattr(routes, "render_template", down)
    response = client.get("/account/", headers={"Accept-Language": "ar"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert 'dir="rtl"' in body and "SELECT" not in body and "Traceback" not in body


def test_health_reports_ok(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}
