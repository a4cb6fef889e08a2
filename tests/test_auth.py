"""Sign-in: throttling, uniform failures, TOTP replay, password policy, hashes (SECURITY.md B)."""

from __future__ import annotations

import time
from unittest import mock

import pyotp
import pytest
from sqlalchemy import func, select

from portal import passwords
from portal.models import AuditEvent, LoginThrottle, OutboxMessage, User

from . import factories
from .conftest import csrf_token, post_form

pytestmark = pytest.mark.security

FAIL_TEXT = "The e-mail, password or code is not correct."
LOCK_TEXT = "Too many attempts"


def attempt(client, email, password=factories.PASSWORD, code="000000", ip="192.0.2.10",
            lang=None):
    headers = {"Accept-Language": lang} if lang else {}
    return client.post("/auth/login", data={
        "csrf_token": csrf_token(client), "email": email, "password": password, "code": code},
        environ_base={"REMOTE_ADDR": ip}, headers=headers)


def test_b1_login_bruteforce_throttled(client, new_client, users, db, clock, security_report):
    """T2: five failures in 15 minutes delay the account, even for the right credentials,
    from any address; the other account is unaffected; the lock is in the database."""
    viewer = users["viewer_a"]
    for i in range(5):
        response = attempt(client, viewer.email, password="wrong password!!",
                           ip=f"192.0.2.{i % 3 + 1}")
        assert response.status_code == 422
    clock.shift(31)
    response = attempt(new_client(), viewer.email, code=factories.totp_now(viewer), ip="198.51.100.7")
    assert response.status_code == 429
    assert LOCK_TEXT in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) <= 61
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
    # The other account signs in normally: the throttle is per account, not global.
    other = users["manager_a"]
    response = attempt(new_client(), other.email, code=factories.totp_now(other))
    assert response.status_code == 302
    # Lock audited; the person is told by mail.
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "authn_login_lock" in actions
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == viewer.email)) == 1
    # Delays grow: after the first minute, one more failure locks for two minutes.
    clock.shift(62)
    attempt(new_client(), viewer.email, password="wrong password!!")
    throttle = db.session.scalars(select(LoginThrottle)).one()
    assert throttle.lock_level == 2
    response = attempt(new_client(), viewer.email, code=factories.totp_now(viewer))
    assert response.status_code == 429 and 61 < int(response.headers["Retry-After"]) <= 121
    # After the delay, the right credentials work again and the counter is cleared.
    clock.shift(125)
    response = attempt(new_client(), viewer.email, code=factories.totp_now(viewer))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
    security_report["B1"] = {"N": 5, "window_s": 900, "attempts_until_lock": 5,
                             "other_user_login": "yes"}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_b2_login_uniform_failure(client, users, db, lang, security_report):
    """T20: unknown user, wrong password, wrong code, deactivated user: one message, one
    status, one template; each attempt costs exactly one argon2 verification."""
    cases = {
        "unknown": dict(email="nobody@a.test"),
        "wrong_password": dict(email=users["viewer_a"].email, password="not the password!"),
        "wrong_code": dict(email=users["viewer_a"].email, code="123456"),
        "disabled": dict(email=users["disabled_a"].email,
                         code=factories.totp_now(users["disabled_a"])),
    }
    bodies = {}
    real_verify = passwords.hasher().verify
    for name, kwargs in cases.items():
        with mock.patch("argon2.PasswordHasher.verify", autospec=True,
                        side_effect=lambda self, h, p: real_verify(h, p)) as verify:
            response = attempt(client, lang=lang, **kwargs)
        assert verify.call_count == 1, name
        assert response.status_code == 422, name
        bodies[name] = _error_block(response.get_data(as_text=True))
    assert len(set(bodies.values())) == 1, bodies
    if lang == "en":
        assert FAIL_TEXT in bodies["unknown"]
    security_report[f"B2_{lang}"] = {"cases": len(cases), "distinct_bodies": 1}


def _error_block(html: str) -> str:
    start = html.index('<div class="flash flash-error"')
    return html[start:html.index("</div>", start)]


def test_b2_locked_unknown_and_known_accounts_look_the_same(client, users):
    for email in (users["viewer_a"].email, "nobody@a.test"):
        for _ in range(5):
            attempt(client, email, password="wrong password!!")
    known = attempt(client, users["viewer_a"].email)
    unknown = attempt(client, "nobody@a.test")
    assert known.status_code == unknown.status_code == 429
    assert _error_block(known.get_data(as_text=True)) == _error_block(unknown.get_data(as_text=True))


def test_b3_totp_replay_rejected(client, new_client, users, db, clock, security_report):
    """T2: a code is accepted once; spaces, an older step or a retry after a failure do not
    make it usable again; the stored step only increases."""
    user = users["viewer_a"]
    totp = pyotp.TOTP(factories.SECRETS[user.email])
    code = totp.now()
    assert attempt(client, user.email, code=code).status_code == 302
    step = db.session.get(User, user.id).last_totp_step
    variants = {"same": code, "spaces": f"{code[:3]} {code[3:]}"}
    accepted = 0
    for name, value in variants.items():
        accepted += attempt(new_client(), user.email, code=value).status_code == 302
    # A previous-step code after a newer one was accepted.
    clock.shift(30)
    newer = totp.now()
    assert attempt(new_client(), user.email, code=newer).status_code == 302
    older = totp.at(time.time() - 30)
    accepted += attempt(new_client(), user.email, code=older).status_code == 302
    # Reused after a failed attempt in between.
    attempt(new_client(), user.email, code="000000")
    accepted += attempt(new_client(), user.email, code=newer).status_code == 302
    assert accepted == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).last_totp_step > step
    security_report["B3"] = {"replay_variants": 4, "accepted": accepted}


def test_b4_totp_bruteforce_limited(client, users, db, clock, security_report):
    user = users["viewer_a"]
    for _ in range(5):
        assert attempt(client, user.email, code="000001").status_code == 422
    clock.shift(31)
    assert attempt(client, user.email, code=factories.totp_now(user)).status_code == 429
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "authn_login_fail")).all()
    assert details and all('"factor": "otp"' in d for d in details)
    security_report["B4"] = {"K": 5, "lock_reached": "yes"}


def test_recovery_code_works_once(client, new_client, users, db, login):
    from portal.services.accounts.credentials import regenerate_recovery_codes
    from portal.services.audit import Actor
    user = db.session.get(User, users["manager_a"].id)
    codes = regenerate_recovery_codes(user, actor=Actor.system())
    db.session.commit()
    assert attempt(client, user.email, code=codes[0]).status_code == 302
    assert attempt(new_client(), user.email, code=codes[0]).status_code == 422
    assert attempt(new_client(), user.email, code=codes[1].upper()).status_code == 302
    notices = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.recipient == user.email)).all()
    assert sum("recovery code was used" in n for n in notices) == 2


@pytest.mark.parametrize("length,ok", [(11, False), (12, True), (64, True), (128, True),
                                       (129, False), (100_000, False)])
def test_b7_password_policy_lengths(app, length, ok):
    password = ("correct horse battery staple " * 4000)[:length]
    assert (passwords.policy_problem(password) is None) is ok


def test_b7_overlong_password_never_reaches_argon2(client, users):
    with mock.patch("argon2.PasswordHasher.verify") as verify:
        response = attempt(client, users["viewer_a"].email, password="x" * 100_000)
    assert response.status_code == 422
    verify.assert_not_called()


def test_b7_common_and_unicode_passwords(app, security_report):
    common_count = len(passwords.common_passwords())
    assert common_count >= 10_000
    for weak in ("password1234", "PASSWORD1234", "iloveyou1234567", "qwertyuiop123",
                 "syriasyriasyria", "aaaaaaaaaaaaaaa"):
        assert passwords.policy_problem(weak) == "common", weak
    for fine in ("كلمة سر طويلة جداً", "🌙🌙 crescent moon night ✨", "tramway lemon orbit"):
        assert passwords.policy_problem(fine) is None, fine
    # The same Arabic password typed in composed or decomposed form verifies.
    composed, decomposed = "سلامٌ آمن للعائلات", "سلامٌ آمن للعائلات".replace("آ", "ا\u0653")
    stored = passwords.hash_password(composed)
    assert passwords.verify_password(stored, decomposed)
    security_report["B7"] = {"list_size": common_count, "cases": 12}


def test_b8_no_self_service_reset(app):
    """T17: no endpoint lets anyone reset a password by e-mail or SMS."""
    from portal.access import load_policy
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert not [e for e in endpoints if any(w in e for w in ("forgot", "reset_password"))]
    assert {e for e in endpoints if e.startswith("auth.")} == {
        "auth.login", "auth.logout", "auth.activate"}
    # The one way to a new activation link is an administrator's reset.
    assert load_policy()["users.reset"].roles == {"admin"}


def test_b9_password_hash_params(app, db, client, users):
    from argon2 import PasswordHasher, extract_parameters, profiles
    production = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    params = extract_parameters(production.hash("x" * 12))
    assert params.type.name == "ID" and params.memory_cost >= 65536 and params.time_cost >= 3
    # A hash made with weaker, older parameters is upgraded at sign-in.
    user = db.session.get(User, users["viewer_a"].id)
    old_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(factories.PASSWORD)
    user.password_hash = old_hash
    db.session.commit()
    assert attempt(client, user.email, code=factories.totp_now(user)).status_code == 302
    db.session.expire_all()
    new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")
    assert extract_parameters(new_hash).memory_cost != 16


def test_b10_no_default_accounts(db):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_cli_creates_account_that_must_enrol(runner, db, orgs):
    result = runner.invoke(args=["users", "create", "--email", "Admin@Office.test", "--org",
                                 str(orgs["office"].id), "--role", "admin", "--password-stdin"],
                           input="a very long admin phrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "admin@office.test"))
    assert user.totp_secret is None and user.password_hash.startswith("$argon2id$")
    weak = runner.invoke(args=["users", "create", "--email", "x@office.test", "--org",
                               str(orgs["office"].id), "--role", "staff", "--password-stdin"],
                         input="short\n")
    assert weak.exit_code != 0 and "12 characters" in weak.output


def test_demo_accounts_sign_in_only_in_demo_mode(app, client, new_client, db, orgs):
    """Demo accounts have a published password: outside demo mode they cannot sign in at
    all (not even to enrol a second factor of the attacker's choosing)."""
    factories.make_user("demo@a.test", orgs["a"], "partner_viewer", totp=False, demo=True)
    db.session.commit()
    response = attempt(client, "demo@a.test", code="")
    assert response.status_code == 422
    assert new_client().get("/account/enrol").status_code == 302
    app.config["DEMO_MODE"] = True
    response = attempt(new_client(), "demo@a.test", code="")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_demo_data_refused_outside_demo_mode(runner, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "only in demo mode" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_reauthentication_is_throttled_and_audited(client, db, users, login, clock):
    """A stolen session with a known password cannot brute-force the code on the
    password-change form: failures count towards the sign-in throttle and are audited."""
    user = users["viewer_a"]
    login(user)
    for _ in range(5):
        post_form(client, "/account/password", {
            "password": factories.PASSWORD, "code": "000000",
            "new_password": "yet another passphrase", "confirm": "yet another passphrase"})
    clock.shift(31)
    right = post_form(client, "/account/password", {
        "password": factories.PASSWORD, "code": factories.totp_now(user),
        "new_password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert right.status_code == 422  # locked, even with the right code
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "authn_reauth_fail")) == 5
    assert db.session.scalars(select(LoginThrottle)).one().locked_until is not None


def test_concurrent_wrong_passwords_all_count(app, db, users):
    """T2 across workers: parallel failures on one account are counted one by one (the
    throttle row is locked), so eight parallel guesses lock the account."""
    import threading
    email = users["viewer_a"].email
    attempt(app.test_client(), email, password="first wrong one")  # the row exists
    barrier = threading.Barrier(8)
    statuses = []

    def guess(i):
        client = app.test_client()
        token = csrf_token(client)
        barrier.wait()
        statuses.append(client.post("/auth/login", data={
            "csrf_token": token, "email": email, "password": f"wrong guess {i}!!", "code": "1"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{i}"}).status_code)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 1 + 4 failures reach the threshold of 5; the other four find the account locked.
    assert sorted(statuses) == [422] * 4 + [429] * 4
    db.session.expire_all()
    assert db.session.scalars(select(LoginThrottle)).one().locked_until is not None
