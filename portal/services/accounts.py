"""Accounts: invitations, activation, sign-in with throttling, second factors, roles."""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import crypto, passwords
from ..extensions import db
from ..models import Invitation, LoginThrottle, Organization, RecoveryCode, Role, User, utcnow
from ..sessions import end_sessions
from . import audit
from .audit import Actor
from .mail import queue_mail

log = logging.getLogger("portal.accounts")

TOTP_STEP = 30
RECOVERY_CODES = 10
ISSUER = "Partner Portal"


class AccountError(ValueError):
    """A refused account operation; `code` tells the view which message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- invitations and activation -------------------------------------------------------------

def invite_user(org: Organization, *, email: str, name: str, role: str, locale: str,
                link_template: str, actor: Actor) -> User:
    """Create an account without credentials and mail it a one-time activation link."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError("email_taken")
    if not org.active:
        raise AccountError("org_inactive")
    if (role in (Role.admin.value, Role.staff.value)) != org.is_office:
        raise AccountError("role_org_mismatch")
    user = User(email=email, name=name.strip(), organization=org, role=role,
                preferred_locale=locale, active=True)
    db.session.add(user)
    db.session.flush()
    _issue_link(user, "invite", current_app.config["INVITATION_HOURS"], link_template, actor)
    audit.record("account_invited", actor, object_type="user", object_id=user.id,
                 detail={"role": role, "org": org.id})
    log.info("User %r invited into %r by %r", user, org, actor.user_id)
    return user


def reset_account(user: User, *, link_template: str, actor: Actor) -> None:
    """Admin-mediated reset: credentials are cleared and a 24-hour link forces re-enrolment."""
    user.password_hash = None
    user.totp_secret = None
    user.last_totp_step = 0
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                  RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()))
    end_sessions(user_id=user.id)
    _issue_link(user, "reset", current_app.config["RESET_HOURS"], link_template, actor)
    audit.record("account_reset", actor, object_type="user", object_id=user.id)


def _issue_link(user: User, purpose: str, hours: int, link_template: str, actor: Actor) -> None:
    # Earlier unused links of this account stop working: only the newest one counts.
    db.session.execute(update(Invitation).where(Invitation.user_id == user.id,
                                                Invitation.used_at.is_(None))
                       .values(used_at=utcnow()))
    token = secrets.token_urlsafe(32)
    db.session.add(Invitation(user=user, token_hash=_token_hash(token), purpose=purpose,
                              created_by_id=actor.user_id,
                              expires_at=utcnow() + timedelta(hours=hours)))
    link = link_template.replace("TOKEN", token)
    with force_locale(user.preferred_locale or "en"):
        if purpose == "invite":
            subject = _("Your invitation to the partner portal")
            body = _("You have been invited to the partner portal of the documentation office.\n\n"
                     "Open this link within %(hours)s hours to choose a password and set up "
                     "your second factor. It works once.\n\n%(link)s\n\n"
                     "If you did not expect this message, ignore it and tell the office.",
                     hours=hours, link=link)
        else:
            subject = _("Your partner portal account was reset")
            body = _("An administrator reset your account. Open this link within %(hours)s hours "
                     "to choose a new password and set up your second factor again. It works "
                     "once.\n\n%(link)s\n\nIf you did not ask for this, tell the office at once.",
                     hours=hours, link=link)
    queue_mail(user.email, subject, body)


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind `token`, or None (unknown, used, expired, inactive)."""
    if not token or len(token) > 100:
        return None
    inv = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if inv is None or inv.used_at is not None or inv.expires_at <= utcnow():
        return None
    if not inv.user.is_active:
        return None
    return inv


def activate_account(inv: Invitation, *, password: str, secret: str, code: str,
                     actor: Actor) -> list[str]:
    """Set the password and second factor of an invited account; return its recovery codes."""
    problem = passwords.policy_problem(password)
    if problem:
        raise AccountError(f"password_{problem}")
    user = inv.user
    step = _matching_step(secret, code, after=0)
    if step is None:
        raise AccountError("bad_code")
    user.password_hash = passwords.hash_password(password)
    user.totp_secret = crypto.encrypt(secret, context=b"totp")
    user.last_totp_step = step
    user.activated_at = user.activated_at or utcnow()
    inv.used_at = utcnow()
    end_sessions(user_id=user.id)
    codes = _new_recovery_codes(user)
    audit.record("account_activated", Actor(user.id, user.organization_id,
                                            request_id=actor.request_id),
                 object_type="user", object_id=user.id, detail={"purpose": inv.purpose})
    return codes


# --- second factor --------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits


def provisioning(user: User, secret: str) -> tuple[str, str]:
    """The otpauth URI as an SVG QR code (data URI) and the key grouped for typing."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return svg, " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (current or previous) whose code equals `code` and is newer than `after`."""
    code = (code or "").replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // TOTP_STEP
    for step in (now_step, now_step - 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _check_second_factor(user: User, code: str) -> str | None:
    """Accept a fresh TOTP code or an unused recovery code; return which, or None."""
    secret = crypto.decrypt(user.totp_secret, context=b"totp")
    step = _matching_step(secret, code, after=user.last_totp_step)
    if step is not None and _advance_step(user, step):
        return "totp"
    candidate = (code or "").strip().lower().replace(" ", "")
    if len(candidate) == 14 and candidate.count("-") == 2:
        for rc in db.session.scalars(select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
            if passwords.verify_password(rc.code_hash, candidate):
                # Conditional: of two requests racing with the same code, one wins.
                won = db.session.execute(update(RecoveryCode).where(
                    RecoveryCode.id == rc.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow())).rowcount == 1
                return "recovery" if won else None
    return None


def _advance_step(user: User, step: int) -> bool:
    """Record `step` as used, only if it is newer than the stored one (in the database, so
    two parallel requests with the same code cannot both pass)."""
    won = db.session.execute(update(User).where(User.id == user.id, User.last_totp_step < step)
                             .values(last_totp_step=step)).rowcount == 1
    if won:
        db.session.expire(user, ["last_totp_step"])
    return won


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                  RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()))
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _j in range(12))
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(code)))
    return codes


def enrol_second_factor(user: User, *, secret: str, code: str, actor: Actor) -> list[str]:
    """Replace the user's TOTP key after they confirmed a code from it; new recovery codes."""
    step = _matching_step(secret, code, after=0)
    if step is None:
        raise AccountError("bad_code")
    user.totp_secret = crypto.encrypt(secret, context=b"totp")
    user.last_totp_step = step
    codes = _new_recovery_codes(user)
    audit.record("mfa_enrolled", actor, object_type="user", object_id=user.id)
    _notify(user, "mfa")
    return codes


def regenerate_recovery_codes(user: User, *, actor: Actor) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record("recovery_codes_regenerated", actor, object_type="user", object_id=user.id)
    return codes


def reauthenticate(user: User, *, password: str, code: str, actor: Actor | None = None) -> bool:
    """Both factors again, for password and second-factor changes (ASVS 7.5.1). Failures
    count towards the same per-account throttle as sign-in, and a locked account fails."""
    throttle = _throttle(user.email)
    if throttle.locked_until and throttle.locked_until > utcnow():
        return False
    ok_password = passwords.verify_password(user.password_hash, password)
    ok_code = ok_password and user.has_totp and _check_second_factor(user, code) is not None
    if ok_code:
        return True
    _fail(user, throttle, "otp" if ok_password else "password", actor or Actor.system(),
          action="authn_reauth_fail")
    return False


def change_password(user: User, *, new_password: str, actor: Actor) -> None:
    problem = passwords.policy_problem(new_password)
    if problem:
        raise AccountError(f"password_{problem}")
    user.password_hash = passwords.hash_password(new_password)
    audit.record("password_changed", actor, object_type="user", object_id=user.id)
    _notify(user, "password")


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- sign-in ------------------------------------------------------------------------------

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
        second = _check_second_factor(user, code)
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
        _notify(user, "recovery")
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
            _notify(user, "locked")
            _alert_office(_("Sign-in attempts on an account were slowed down"),
                          _("Repeated failed sign-ins on account %(id)s; further attempts are "
                            "delayed. Check with the person through a known channel.",
                            id=user.id))
    return SignInResult(SignIn.failed)


# --- administration ---------------------------------------------------------------------------

def set_active(user: User, active: bool, *, actor: Actor) -> None:
    user.active = active
    if not active:
        end_sessions(user_id=user.id)
    audit.record("account_activated_flag" if active else "account_deactivated", actor,
                 object_type="user", object_id=user.id)


def change_role(user: User, role: str, *, actor: Actor) -> None:
    if (role in (Role.admin.value, Role.staff.value)) != user.organization.is_office:
        raise AccountError("role_org_mismatch")
    if user.role != role:
        old, user.role = user.role, role
        end_sessions(user_id=user.id)
        audit.record("account_role_changed", actor, object_type="user", object_id=user.id,
                     detail={"from": old, "to": role})


def _notify(user: User, what: str) -> None:
    """Tell the person about a security event on their account, in their language."""
    with force_locale(user.preferred_locale or "en"):
        texts = {
            "password": _("The password of your partner portal account was changed. If this "
                          "was not you, tell the office at once."),
            "mfa": _("A new second factor was set up for your partner portal account. If this "
                     "was not you, tell the office at once."),
            "recovery": _("A recovery code was used to sign in to your partner portal account. "
                          "If this was not you, tell the office at once."),
            "locked": _("There were several failed attempts to sign in to your partner portal "
                        "account. Further attempts are delayed for a while. If this was not you, "
                        "tell the office."),
        }
        queue_mail(user.email, _("Security notice from the partner portal"), texts[what])


def _alert_office(subject: str, body: str) -> None:
    """Mail the office's alert address, or else every active admin."""
    recipients = [current_app.config["OFFICE_ALERT_EMAIL"]] if current_app.config.get(
        "OFFICE_ALERT_EMAIL") else db.session.scalars(select(User.email).where(
            User.role == Role.admin.value, User.active.is_(True))).all()
    for recipient in recipients:
        queue_mail(recipient, subject, body)
