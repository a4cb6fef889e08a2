"""Credentials: the TOTP second factor (provisioning, codes, enrolment), recovery codes and
password changes."""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import func, select, update

from ... import crypto, passwords
from ...extensions import db
from ...models import RecoveryCode, User, utcnow
from .. import audit
from ..audit import Actor
from .users import AccountError, notify_user

TOTP_STEP = 30
RECOVERY_CODES = 10
ISSUER = "Partner Portal"


def new_totp_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits


def provisioning(user: User, secret: str) -> tuple[str, str]:
    """The otpauth URI as an SVG QR code (data URI) and the key grouped for typing."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return svg, " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, *, after: int) -> int | None:
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


def check_second_factor(user: User, code: str) -> str | None:
    """Accept a fresh TOTP code or an unused recovery code; return which, or None."""
    secret = crypto.decrypt(user.totp_secret, context=b"totp")
    step = matching_step(secret, code, after=user.last_totp_step)
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


def new_recovery_codes(user: User) -> list[str]:
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
    step = matching_step(secret, code, after=0)
    if step is None:
        raise AccountError("bad_code")
    user.totp_secret = crypto.encrypt(secret, context=b"totp")
    user.last_totp_step = step
    codes = new_recovery_codes(user)
    audit.record("mfa_enrolled", actor, object_type="user", object_id=user.id)
    notify_user(user, "mfa")
    return codes


def regenerate_recovery_codes(user: User, *, actor: Actor) -> list[str]:
    codes = new_recovery_codes(user)
    audit.record("recovery_codes_regenerated", actor, object_type="user", object_id=user.id)
    return codes


def change_password(user: User, *, new_password: str, actor: Actor) -> None:
    problem = passwords.policy_problem(new_password)
    if problem:
        raise AccountError(f"password_{problem}")
    user.password_hash = passwords.hash_password(new_password)
    audit.record("password_changed", actor, object_type="user", object_id=user.id)
    notify_user(user, "password")


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0
