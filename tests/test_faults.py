"""The portal while Redis or the database is away (issue 19's fault run, bench.loadrun --fault):
a clean answer, never a traceback, and nothing acknowledged that was not saved."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import OperationalError

from portal import create_app

from .conftest import IsolatedClient, csrf_token
from .test_briefings_views import generate, latest_pack, shared, wait_for_jobs  # noqa: F401

NOBODY = "redis://127.0.0.1:1/0"  # nothing listens on port 1: Redis is down


def test_login_limit_counts_in_memory_while_redis_is_unreachable(app_config):
    app_config.update(LOGIN_LIMIT_PER_ADDRESS="2 per minute", RATELIMIT_STORAGE_URI=NOBODY,
                      RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    client = app.test_client()
    statuses = [client.post("/auth/login", data={
        "csrf_token": csrf_token(client), "email": "a@a.test", "password": "x" * 12,
        "code": "1"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]  # refused sign-ins, then the limit: no 500


def test_pack_is_made_in_this_process_when_the_queue_is_unreachable(client, users, orgs, login,
                                                                    shared, app):  # noqa: F811
    app.config["PACK_SYNC_MAX_CASES"] = 2  # three cases: a background pack
    app.config["REDIS_URL"] = NOBODY
    login(users["staff"])
    response = generate(client, orgs)
    pack = latest_pack()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/briefings/{pack.document_id}")
    wait_for_jobs()
    assert latest_pack().status == "done"


def test_database_gone_while_the_session_is_read_gives_the_translated_503(
        app, client, users, login, monkeypatch):
    """The session row is read before any view runs: a lost database there is a 503 page in
    the reader's language too, not a traceback."""
    login(users["viewer_a"])
    from portal import sessions

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT user_sessions", {}, Exception("connection refused"))
    monkeypatch.setattr(sessions.ServerSessionInterface, "open_session", down)
    response = client.get("/cases/", headers={"Accept-Language": "ar"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    body = response.get_data(as_text=True)
    assert 'dir="rtl"' in body and "Traceback" not in body and "SELECT" not in body


def test_database_gone_while_the_user_is_loaded_gives_the_translated_503(
        app, client, users, login, monkeypatch):
    """The signed-in user is loaded by the policy gate before the view: the 503 page is
    rendered without asking the database anything more."""
    login(users["staff"])

    def down(_user_id):
        raise OperationalError("SELECT users", {}, Exception("connection refused"))
    monkeypatch.setattr(app.login_manager, "_user_callback", down)
    response = client.get("/cases/", headers={"Accept-Language": "ar"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert 'dir="rtl"' in body and "Traceback" not in body and "SELECT" not in body
