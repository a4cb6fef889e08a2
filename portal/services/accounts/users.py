"""The account record: looking an account up by address, the active flag, the role, and
security notices by mail to the person and to the office."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Organization, Role, User
from ...sessions import end_sessions
from .. import audit
from ..audit import Actor
from ..mail import queue_mail


class AccountError(ValueError):
    """A refused account operation; `code` tells the view which message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


_SESSIONS_OF = {"user": "user_id", "organization": "org_id"}  # end_sessions' keyword


def switch_active(holder: User | Organization, active: bool, *, actor: Actor,
                  object_type: str, actions: tuple[str, str]) -> None:
    """Set `holder.active`; deactivating ends its sessions at once. `actions`: (on, off)."""
    holder.active = active
    if not active:
        end_sessions(**{_SESSIONS_OF[object_type]: holder.id})
    audit.record(actions[0] if active else actions[1], actor,
                 object_type=object_type, object_id=holder.id)


def set_active(user: User, active: bool, *, actor: Actor) -> None:
    switch_active(user, active, actor=actor, object_type="user",
                  actions=("account_activated_flag", "account_deactivated"))


def change_role(user: User, role: str, *, actor: Actor) -> None:
    if (role in (Role.admin.value, Role.staff.value)) != user.organization.is_office:
        raise AccountError("role_org_mismatch")
    if user.role != role:
        old, user.role = user.role, role
        end_sessions(user_id=user.id)
        audit.record("account_role_changed", actor, object_type="user", object_id=user.id,
                     detail={"from": old, "to": role})


def notify_user(user: User, what: str) -> None:
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


def alert_office(subject: str, body: str) -> None:
    """Mail the office's alert address, or else every active admin."""
    recipients = [current_app.config["OFFICE_ALERT_EMAIL"]] if current_app.config.get(
        "OFFICE_ALERT_EMAIL") else db.session.scalars(select(User.email).where(
            User.role == Role.admin.value, User.active.is_(True))).all()
    for recipient in recipients:
        queue_mail(recipient, subject, body)
