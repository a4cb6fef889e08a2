"""Invitations and activation: an account is created without credentials, and a one-time
link lets the person choose a password and set up a second factor; an admin-mediated reset
clears the credentials and sends a new link."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ... import crypto, passwords
from ...extensions import db
from ...models import Invitation, Organization, RecoveryCode, Role, User, utcnow
from ...sessions import end_sessions
from .. import audit
from ..audit import Actor
from ..mail import queue_mail
from .credentials import matching_step, new_recovery_codes
from .users import AccountError, find_user_by_email, normalise_email

log = logging.getLogger("portal.accounts")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    step = matching_step(secret, code, after=0)
    if step is None:
        raise AccountError("bad_code")
    user.password_hash = passwords.hash_password(password)
    user.totp_secret = crypto.encrypt(secret, context=b"totp")
    user.last_totp_step = step
    user.activated_at = user.activated_at or utcnow()
    inv.used_at = utcnow()
    end_sessions(user_id=user.id)
    codes = new_recovery_codes(user)
    audit.record("account_activated", Actor(user.id, user.organization_id,
                                            request_id=actor.request_id),
                 object_type="user", object_id=user.id, detail={"purpose": inv.purpose})
    return codes
