"""Sign-in with both factors and per-account throttling, and reauthentication for changes to
credentials (counted towards the same throttle)."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ... import passwords
from ...extensions import db
from ...models import LoginThrottle, User, utcnow
from .. import audit
from ..audit import Actor
from .credentials import check_second_factor
from .users import alert_office, find_user_by_email, normalise_email, notify_user


class SignIn(enum.Enum):
    ok = "ok"  # both factors (or a demo account in demo mode)
    enrol = "enrol"  # password correct, no second factor yet: may only enrol
    failed = "failed"
    locked = "locked"


@dataclass
class SignInResult:
    outcome: SignIn
    user: User | None = None
    retry_after: int = 0


def _throttle(email: str) -> LoginThrottle:
    """The account's throttle row, created if missing and LOCKED for this transaction, so
    parallel attempts (several workers) count one after the other."""
    key = hashlib.sha256(b"login:" + normalise_email(email).encode()).hexdigest()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(LoginThrottle).values(
        key_hash=key, failures=0, window_start=utcnow(), lock_level=0).on_conflict_do_nothing())
    return db.session.scalars(select(LoginThrottle).where(LoginThrottle.key_hash == key)
                              .with_for_update().execution_options(populate_existing=True)).one()


def sign_in(email: str, password: str, code: str, *, actor: Actor) -> SignInResult:
    """Check e-mail, password and second factor with the same work whatever fails."""
    cfg = current_app.config
    now = utcnow()
    throttle = _throttle(email)
    user = find_user_by_email(email)
    if throttle.locked_until and throttle.locked_until > now:
        passwords.verify_password(None, password)  # same cost as a real attempt
        return SignInResult(SignIn.locked, retry_after=_seconds_until(throttle.locked_until))
    # Demo accounts have a published password: outside demo mode they cannot sign in at all.
    usable = (user is not None and user.is_active and user.password_hash is not None
              and (cfg["DEMO_MODE"] or not user.demo))
    ok_password = passwords.verify_password(user.password_hash if usable else None, password)
    factor = "password"
    if ok_password and user.has_totp:
        factor = "otp"
        second = check_second_factor(user, code)
        if second is not None:
            return _succeed(user, throttle, SignIn.ok, actor, second)
    elif ok_password:
        return _succeed(user, throttle, SignIn.ok if user.demo else SignIn.enrol, actor,
                        "password")
    return _fail(user if usable else None, throttle, factor, actor)


def _seconds_until(moment) -> int:
    return max(1, int((moment - utcnow()).total_seconds()) + 1)


def _succeed(user: User, throttle: LoginThrottle, outcome: SignIn, actor: Actor,
             factor: str) -> SignInResult:
    db.session.delete(throttle)
    user.previous_sign_in_at, user.last_sign_in_at = user.last_sign_in_at, utcnow()
    who = Actor(user.id, user.organization_id, actor.session_hash, actor.request_id)
    audit.record("authn_login", who, object_type="user", object_id=user.id,
                 detail={"factor": factor, "stage": outcome.value})
    if factor == "recovery":
        notify_user(user, "recovery")
    return SignInResult(outcome, user)


def rehash_if_needed(user: User, password: str) -> None:
    """Upgrade a hash made with older argon2 parameters, at sign-in (B9)."""
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)


def _fail(user: User | None, throttle: LoginThrottle, factor: str, actor: Actor,
          action: str = "authn_login_fail") -> SignInResult:
    cfg = current_app.config
    now = utcnow()
    window = timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
    quiet_since = max(throttle.window_start, throttle.locked_until or throttle.window_start)
    if now - quiet_since > window:  # a quiet window after the last lock starts afresh
        throttle.failures, throttle.window_start, throttle.lock_level = 0, now, 0
        throttle.locked_until = None
    throttle.failures += 1
    who = Actor(user.id if user else None, user.organization_id if user else None,
                actor.session_hash, actor.request_id)
    audit.record(action, who, object_type="user",
                 object_id=user.id if user else "", outcome="failure", detail={"factor": factor})
    if throttle.failures >= cfg["LOGIN_FAILURES_BEFORE_DELAY"]:
        throttle.lock_level += 1
        delay = min(60 * 2 ** (throttle.lock_level - 1), cfg["LOGIN_MAX_DELAY_SECONDS"])
        throttle.locked_until = now + timedelta(seconds=delay)
        audit.record("authn_login_lock", who, object_type="user",
                     object_id=user.id if user else "", outcome="failure",
                     detail={"seconds": delay, "level": throttle.lock_level})
        if user is not None and throttle.lock_level == 1:
            notify_user(user, "locked")
            alert_office(_("Sign-in attempts on an account were slowed down"),
                          _("Repeated failed sign-ins on account %(id)s; further attempts are "
                            "delayed. Check with the person through a known channel.",
                            id=user.id))
    return SignInResult(SignIn.failed)


def reauthenticate(user: User, *, password: str, code: str, actor: Actor | None = None) -> bool:
    """Both factors again, for password and second-factor changes (ASVS 7.5.1). Failures
    count towards the same per-account throttle as sign-in, and a locked account fails."""
    throttle = _throttle(user.email)
    if throttle.locked_until and throttle.locked_until > utcnow():
        return False
    ok_password = passwords.verify_password(user.password_hash, password)
    ok_code = ok_password and user.has_totp and check_second_factor(user, code) is not None
    if ok_code:
        return True
    _fail(user, throttle, "otp" if ok_password else "password", actor or Actor.system(),
          action="authn_reauth_fail")
    return False
