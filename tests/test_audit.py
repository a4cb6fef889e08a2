"""The audit log: append-only, hash-chained, atomic with its action; logs carry no secrets;
TOTP seeds encrypted at rest (SECURITY.md G1, G3, G4, H6)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from portal.models import AuditEvent, User
from portal.services import audit

from . import factories
from .conftest import ON_POSTGRES, csrf_token, post_form

pytestmark = pytest.mark.security


def _some_events(db, n=5):
    for i in range(n):
        audit.record("test_event", audit.Actor(user_id=i, org_id=1), object_type="case",
                     object_id=i)
    db.session.commit()


def test_g1_audit_log_append_only(app, db, security_report):
    _some_events(db)
    attempts = blocked = 0
    for statement in ("UPDATE audit_events SET outcome = 'x' WHERE seq = 2",
                      "DELETE FROM audit_events WHERE seq = 5"):
        attempts += 1
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        blocked += 1
        db.session.rollback()
    attempts += 1
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(action="hidden"))
    blocked += 1
    db.session.rollback()
    if ON_POSTGRES:
        attempts += 1
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("TRUNCATE audit_events"))
        blocked += 1
        db.session.rollback()
    assert audit.verify_chain().ok
    security_report["G1"] = {"attempts": attempts, "blocked": blocked}


def _owner_edit(db, statement):
    """What an attacker with the database owner's rights could do: drop the guard and edit."""
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        db.session.execute(text(statement))
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
        db.session.execute(text(statement))
    db.session.commit()


def test_g1_verify_finds_the_first_altered_row(app, db, runner, security_report):
    _some_events(db, 6)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _owner_edit(db, "UPDATE audit_events SET object_id = '999' WHERE seq = 3")
    report = audit.verify_chain()
    assert not report.ok and report.first_broken_seq == 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry 3" in result.output
    security_report["G1_tamper"] = {"detected_at_row": report.first_broken_seq}


def test_g1_removed_newest_rows_are_detected_by_the_anchor(app, db, runner, tmp_path):
    _some_events(db, 6)
    anchor = tmp_path / "head.txt"
    assert runner.invoke(args=["audit", "anchor", str(anchor)]).exit_code == 0
    _owner_edit(db, "DELETE FROM audit_events WHERE seq = 6")
    db.session.execute(text("UPDATE audit_head SET last_seq = 5, last_hash = "
                            "(SELECT row_hmac FROM audit_events WHERE seq = 5)"))
    db.session.commit()
    assert audit.verify_chain().ok  # the chain alone cannot see it...
    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor)])
    assert result.exit_code == 1  # ...the head kept elsewhere does


def test_g3_no_action_without_its_audit_entry(client, db, users, orgs, login, monkeypatch):
    login(users["admin"])
    token = csrf_token(client, "/users/invite")

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")
    monkeypatch.setattr(audit, "record", broken)
    response = client.post("/users/invite", data={
        "csrf_token": token, "email": "orphan@a.test", "name": "Orphan", "locale": "en",
        "organization": orgs["a"].id, "role": "partner_viewer"})
    assert response.status_code == 500
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "orphan@a.test")) == 0


def test_audit_entries_carry_who_what_and_request(client, db, users, login):
    login(users["manager_a"])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "authn_login")).one()
    assert event.actor_id == users["manager_a"].id
    assert event.actor_org_id == users["manager_a"].organization_id
    assert event.ts.tzinfo is not None and len(event.request_id) == 16
    assert event.object_type == "user" and event.outcome == "success"


def test_g4_no_secrets_in_logs_or_audit(app, client, new_client, db, users, orgs, login, caplog,
                                        security_report):
    caplog.set_level(logging.DEBUG)
    # An unexpected error while handling a name: the log gets the error, not the values.
    from sqlalchemy import select as sa_select

    def boom():
        db.session.execute(sa_select(User).where(User.email == "CANARY-7f3a-هاتف@a.test",
                                                 text("nonexistent_column = 1")))
    app.add_url_rule("/boom-g4", "boom_g4", boom)
    from portal.access import Rule, load_policy
    load_policy()["boom_g4"] = Rule(endpoint="boom_g4", public=True)
    user = users["viewer_a"]
    login(user)
    secrets = [factories.PASSWORD, factories.SECRETS[user.email], factories.totp_now(user),
               client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="portal.test").value,
               csrf_token(client, "/account/")]
    odd = new_client()
    post_form(odd, "/auth/login", {"email": "evil\r\nINJECTED %s@a.test", "password": "p" * 14,
                                   "code": "1"})
    try:
        assert new_client().get("/boom-g4").status_code in (500, 503)
    finally:
        del load_policy()["boom_g4"]
    secrets.append("CANARY-7f3a")
    logged = "\n".join(r.getMessage() + str(r.exc_info and r.exc_info[1])
                       for r in caplog.records)
    assert len(caplog.records) > 0
    audit_text = " ".join(" ".join(str(v) for v in row) for row in db.session.execute(
        select(AuditEvent.__table__)).all())
    hits = [s for s in secrets if s in logged or s in audit_text]
    assert hits == []
    assert "INJECTED" not in audit_text and "\r\n" not in logged
    security_report["G4"] = {"log_lines": len(caplog.records), "secrets_checked": len(secrets),
                             "hits": len(hits)}


def test_h6_totp_seeds_encrypted_at_rest(app, db, users, security_report):
    seeds = [factories.SECRETS[u.email] for u in users.values()]
    if ON_POSTGRES:
        raw = " ".join(str(r) for r in db.session.execute(text(
            "SELECT encode(totp_secret, 'escape') FROM users")).all())
    else:
        db.session.commit()
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode(
            "latin-1")
    hits = [s for s in seeds if s in raw]
    assert hits == []
    from portal import crypto
    blob = db.session.get(User, users["admin"].id).totp_secret
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, key_hex="00" * 32, context=b"totp")
    assert re.fullmatch(r"[A-Z2-7]{32}", crypto.decrypt(blob, context=b"totp"))
    security_report["H6_totp"] = {"fields": 1, "plaintext_hits": len(hits)}


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL session time zone")
def test_chain_verifies_whatever_the_database_time_zone(app, db):
    _some_events(db, 3)
    db.session.execute(text("SET TIME ZONE 'Asia/Damascus'"))
    assert audit.verify_chain().ok


def test_access_log_hides_bearer_tokens():
    from portal.gunicorn_log import redact_path
    assert redact_path("/auth/activate/SeCrEt-ToKeN") == "/auth/activate/[token]"
    assert redact_path("/events/feed/abcdef.ics") == "/events/feed/[token]"
    assert redact_path("/cases/") == "/cases/"
