"""What signing in leaves in the session, shared by the sign-in and activation pages (auth)
and the second-factor pages of the account area."""

from __future__ import annotations

from flask import current_app, session
from flask_login import login_user

from ... import crypto
from ...sessions import enforce_session_limit


def start_session(user, level: str) -> None:
    """A new server-side session id for a signed-in user (no fixation)."""
    session.regenerate()
    login_user(user, remember=False)
    session["auth"] = level
    session["org_id"] = user.organization_id
    enforce_session_limit(user.id, current_app.config["SESSIONS_PER_USER"] - 1)


def stash_recovery_codes(codes: list[str]) -> None:
    """Keep new recovery codes (encrypted) in the session until they are shown, once."""
    session["recovery_codes"] = crypto.encrypt(" ".join(codes), context=b"codes").hex()


def take_recovery_codes() -> list[str] | None:
    blob = session.pop("recovery_codes", None)
    return crypto.decrypt(bytes.fromhex(blob), context=b"codes").split() if blob else None
