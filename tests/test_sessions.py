"""Server-side sessions: fixation, logout, timeouts, revocation, cookies (SECURITY.md C)."""

from __future__ import annotations

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.models import AuditEvent, UserSession

from . import factories
from .conftest import csrf_token, post_form, signed_in_csrf

pytestmark = pytest.mark.security


def cookie(client, app) -> str | None:
    c = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="portal.test")
    return c.value if c else None


def test_c1_session_fixation(app, client, users, login):
    """T6: the id changes at sign-in; an attacker-chosen id is never adopted."""
    before_token = csrf_token(client)
    before = cookie(client, app)
    login(users["viewer_a"])
    after = cookie(client, app)
    assert before and after and before != after
    assert signed_in_csrf(client) != before_token
    # An id made up by an attacker is ignored and replaced.
    attacker = app.test_client()
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], "attacker-chosen-id",
                        domain="portal.test")
    attacker.get("/auth/login")
    assert cookie(attacker, app) != "attacker-chosen-id"


def test_c2_logout_invalidates_server_side(app, client, new_client, users, login, db,
                                           security_report):
    login(users["viewer_a"])
    stolen = cookie(client, app)
    response = post_form(client, "/auth/logout", page="/account/")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert any(h.startswith(app.config["SESSION_COOKIE_NAME"] + "=;")
               for h in response.headers.getlist("Set-Cookie"))
    replay = new_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen, domain="portal.test")
    response = replay.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == users["viewer_a"].id)) == 0
    security_report["C2"] = {"replays_accepted": 0}


def test_logout_is_post_only(client, users, login):
    login(users["viewer_a"])
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/account/").status_code == 200


def test_c3_idle_timeout(client, users, login, clock, db, security_report):
    login(users["viewer_a"])
    clock.shift(15 * 60 + 1)
    response = client.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "session_expired")) == 1
    security_report["C3"] = {"idle_s": 900, "absolute_s": 28800}


def test_c3_absolute_timeout_while_active(client, users, login, clock):
    login(users["viewer_a"])
    for _ in range(8 * 12 - 1):  # a request every 5 minutes for 8 hours
        clock.shift(5 * 60)
        assert client.get("/account/").status_code == 200
    clock.shift(5 * 60 + 1)
    response = client.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _deactivate_org(db, users):
    users["viewer_a"].organization.active = False
    db.session.commit()


REVOCATIONS = ["password", "second_factor", "deactivate", "admin_end_sessions", "role_change",
               "org_deactivated", "reset"]


@pytest.mark.parametrize("event", REVOCATIONS)
def test_c4_revocation_events(event, app, db, users, login, new_client, clock):
    """T6: each of these ends the person's other sessions on their next request."""
    victim = users["manager_a"]
    other_device = login(victim, the_client=new_client())
    assert other_device.get("/account/").status_code == 200
    if event in ("password", "second_factor"):
        actor = login(victim, the_client=new_client())
        clock.shift(31)
        code = factories.totp_now(victim)
        if event == "password":
            response = post_form(actor, "/account/password", {
                "password": factories.PASSWORD, "code": code,
                "new_password": "another long passphrase", "confirm": "another long passphrase"})
        else:
            response = post_form(actor, "/account/second-factor", {
                "password": factories.PASSWORD, "code": code})
            assert response.headers["Location"].endswith("/account/enrol")
            import re

            import pyotp
            page = actor.get("/account/enrol").get_data(as_text=True)
            key = re.search(r'class="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
            response = post_form(actor, "/account/enrol", {"code": pyotp.TOTP(key).now()})
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
        assert actor.get("/account/").status_code == 200  # the acting session stays
    else:
        admin = login(users["admin"], the_client=new_client())
        urls = {"deactivate": f"/users/{victim.id}/deactivate",
                "admin_end_sessions": f"/users/{victim.id}/end-sessions",
                "reset": f"/users/{victim.id}/reset",
                "org_deactivated": f"/organizations/{victim.organization_id}/deactivate"}
        if event == "role_change":
            response = post_form(admin, f"/users/{victim.id}/role", {"role": "partner_viewer"},
                                 page=f"/users/{victim.id}")
        else:
            response = post_form(admin, urls[event], page="/account/")
        assert response.status_code == 302
    response = other_device.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_c5_cookie_attributes(app_config, tmp_path, users, security_report):
    """Over HTTPS the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax, no Domain,
    and carries an opaque id (no signed data), never a remember-me cookie."""
    from portal import create_app

    from .conftest import IsolatedClient
    app_config.update(SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    headers = []
    base = "https://portal.test"
    r = client.get("/auth/login", base_url=base)
    headers += r.headers.getlist("Set-Cookie")
    token = r.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    user = users["viewer_a"]
    r = client.post("/auth/login", base_url=base, headers={"Referer": base + "/auth/login"},
                    data={"csrf_token": token, "email": user.email,
                          "password": factories.PASSWORD, "code": factories.totp_now(user)})
    assert r.status_code == 302
    headers += r.headers.getlist("Set-Cookie")
    for header in headers:
        name, value = header.split(";")[0].split("=", 1)
        assert name == "__Host-portal"
        attrs = header.lower()
        assert "; secure" in attrs and "; httponly" in attrs and "samesite=lax" in attrs
        assert "path=/" in attrs and "domain=" not in attrs
        assert "remember" not in header
        with pytest.raises(BadSignature):
            URLSafeTimedSerializer(app.config["SECRET_KEY"]).loads(value)
    security_report["C5"] = {"cookies_inspected": len(headers)}


def test_c6_concurrent_session_limit(app, db, users, login, new_client, security_report):
    user = users["viewer_a"]
    clients = [login(user, the_client=new_client()) for _ in range(6)]
    assert clients[0].get("/account/").status_code == 302  # the oldest was ended
    page = clients[-1].get("/account/").get_data(as_text=True)
    assert page.count('name="session_id"') == 4  # four others listed, this one marked
    post_form(clients[-1], "/account/sessions/end-others", page="/account/")
    assert all(c.get("/account/").status_code == 302 for c in clients[1:-1])
    assert clients[-1].get("/account/").status_code == 200
    security_report["C6"] = {"limit": app.config["SESSIONS_PER_USER"]}


def test_user_can_end_one_other_session(users, login, new_client):
    user = users["viewer_a"]
    first = login(user, the_client=new_client())
    second = login(user, the_client=new_client())
    page = second.get("/account/").get_data(as_text=True)
    import re
    sid = re.search(r'name="session_id" value="([0-9a-f]{64})"', page).group(1)
    assert post_form(second, "/account/sessions/end", {"session_id": sid},
                     page="/account/").status_code == 302
    assert first.get("/account/").status_code == 302
    assert second.get("/account/").status_code == 200
