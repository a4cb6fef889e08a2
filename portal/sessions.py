"""Server-side sessions (SECURITY.md §4.3).

The cookie holds only a random id; the row keyed by its SHA-256 holds the data. Idle (15 min)
and absolute (8 h) timeouts, revocation and the account's state are checked on every request,
so logging out, a password change or an admin's action ends a session everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import timedelta

from flask import Flask, g, request
from flask.globals import request_ctx
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, select
from werkzeug.datastructures import CallbackDict

from .database import allow_writes
from .extensions import db
from .models import User, UserSession, utcnow

API_PREFIX = "/api/v1/"  # bearer tokens only: no session is opened or saved there
# The public site (issue 18): cacheable pages for everyone alike; a session is neither read
# nor written there, so no answer that a proxy may cache ever sets a cookie.
PUBLIC_PREFIX = "/public/"


def sid_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, raw_id: str | None = None, row: UserSession | None = None):
        def on_update(_):
            self.modified = True
        super().__init__(initial or {}, on_update)
        self.raw_id = raw_id
        self.row_id = row.id if row else None
        self.last_seen = row.last_seen if row else None
        self.modified = False
        self.rotate = False  # set at sign-in: a new id replaces the old one
        self.account: User | None = None  # the account loaded with the row (open_session)

    @property
    def short_hash(self) -> str:
        """A short, non-reversible label of this session for the audit log."""
        return self.row_id[:16] if self.row_id else ""

    def regenerate(self) -> None:
        """Clear everything and take a new id on save (fixation defence at sign-in)."""
        self.clear()
        self.rotate = True
        self.modified = True


_UA_FAMILIES = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Safari/", "Safari"))
_OS_FAMILIES = (("Android", "Android"), ("iPhone", "iOS"), ("Windows", "Windows"),
                ("Mac OS", "macOS"), ("Linux", "Linux"))


def coarse_user_agent(ua: str) -> str:
    """'Firefox on Linux': enough for a person to recognise a session, no fingerprint."""
    browser = next((name for key, name in _UA_FAMILIES if key in ua), "")
    system = next((name for key, name in _OS_FAMILIES if key in ua), "")
    return re.sub(r"[^A-Za-z ]", "", f"{browser} {system}".strip())[:80]


def _address_tag(app: Flask, address: str) -> str:
    """A keyed hash of the client address: comparable between sessions, not reversible
    (a plain hash of an IPv4 address is, by trying them all)."""
    return hmac.new(app.config["SECRET_KEY"].encode(), address.encode(),
                    hashlib.sha256).hexdigest()[:16]


# Built once (it runs on every request); populate_existing: the database's state now, even
# for objects an earlier request left in a long-lived session (tests).
_SESSION_WITH_ACCOUNT = (
    select(UserSession, User).outerjoin(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("sid")).execution_options(populate_existing=True))


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request) -> ServerSession:
        raw = request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if request.path.startswith((API_PREFIX, PUBLIC_PREFIX)):
            return ServerSession()  # a cookie never authenticates the API (issue 16)
        if not raw or len(raw) > 100:
            return ServerSession()
        if request.url_rule is None and request.routing_exception is None:
            request_ctx.match_request()  # the endpoint decides how the transaction begins
        # One statement: the session row with its account and the account's organisation
        # (User.organization is joined), so the active checks below and Flask-Login's user
        # load (db.session.get, answered from the identity map) cost no further query.
        found = db.session.execute(_SESSION_WITH_ACCOUNT, {"sid": sid_hash(raw)}).first()
        if found is None:
            return ServerSession()
        row, user = found
        expired = self._expiry_reason(app, row, user)
        if expired:
            g.session_expired = (expired, row.user_id, row.organization_id)
            row_id = row.id
            allow_writes()
            db.session.execute(delete(UserSession).where(UserSession.id == row_id))
            db.session.commit()
            return ServerSession()
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        opened = ServerSession(data, raw_id=raw, row=row)
        opened.account = user  # holds it in the identity map (weak) until the user load
        return opened

    def _expiry_reason(self, app: Flask, row: UserSession, user: User | None) -> str | None:
        now = utcnow()
        if now - row.last_seen > timedelta(seconds=app.config["SESSION_IDLE_SECONDS"]):
            return "idle"
        if now - row.created_at > timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"]):
            return "absolute"
        if row.user_id is not None and (user is None or not user.is_active):
            return "inactive"  # the account or its organisation was disabled (or is gone)
        return None

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        name = app.config["SESSION_COOKIE_NAME"]
        if (request.path.startswith((API_PREFIX, PUBLIC_PREFIX))
                or getattr(session, "unavailable", False)):
            return  # nothing to save (or the database is away), the cookie is left alone
        # Whatever the view did not commit is discarded, as at teardown; the session row is
        # then written in its own short transaction.
        allow_writes()
        db.session.rollback()
        if session.rotate and session.row_id:
            db.session.execute(delete(UserSession).where(UserSession.id == session.row_id))
            session.row_id = session.raw_id = None
        if not session:  # emptied (sign-out) or never used: nothing is kept on either side
            if session.row_id:
                db.session.execute(delete(UserSession).where(UserSession.id == session.row_id))
            if request.cookies.get(name):
                self._clear_cookie(app, response)
            db.session.commit()
            return
        now = utcnow()
        if session.row_id is None:
            session.raw_id = secrets.token_urlsafe(32)
            # Only a signed-in session keeps a trace of where it comes from (the account
            # page lists them); an anonymous visitor's (sign-in page, the public family form)
            # keeps neither address nor browser.
            signed_in = session.get("_user_id") is not None
            row = UserSession(id=sid_hash(session.raw_id), created_at=now, last_seen=now,
                              ip_hash=_address_tag(app, request.remote_addr or "")
                              if signed_in else "",
                              user_agent=coarse_user_agent(request.user_agent.string or "")
                              if signed_in else "")
            db.session.add(row)
            if session.get("_user_id") is None:
                # Every visitor of the sign-in page gets a row (for its CSRF token): clear
                # away anonymous ones past the idle limit as new ones arrive.
                idle = now - timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
                db.session.execute(delete(UserSession).where(
                    UserSession.user_id.is_(None), UserSession.last_seen < idle))
            self._set_cookie(app, response, session.raw_id)
        else:
            touch_after = app.config["SESSION_TOUCH_SECONDS"]
            if (not session.modified and request.method in ("GET", "HEAD")
                    and session.last_seen is not None
                    and (now - session.last_seen).total_seconds() < touch_after):
                return  # a read that changed nothing: no transaction, no write lock
            row = db.session.get(UserSession, session.row_id)
            if row is None:  # ended meanwhile (logout elsewhere): do not resurrect it
                self._clear_cookie(app, response)
                db.session.commit()
                return
            touch = (now - row.last_seen).total_seconds() >= app.config["SESSION_TOUCH_SECONDS"]
            if not (session.modified or touch):
                return
            row.last_seen = now
            self._set_cookie(app, response, session.raw_id)
        if session.modified or row.data is None:
            row.data = json.dumps(dict(session), separators=(",", ":"))
        user_id = session.get("_user_id")
        row.user_id = int(user_id) if user_id else None
        row.organization_id = session.get("org_id")
        db.session.commit()
        session.row_id = row.id

    def _set_cookie(self, app: Flask, response, raw: str) -> None:
        response.set_cookie(
            app.config["SESSION_COOKIE_NAME"], raw, httponly=True, path="/",
            secure=app.config["SESSION_COOKIE_SECURE"],
            samesite=app.config["SESSION_COOKIE_SAMESITE"])
        response.vary.add("Cookie")

    def _clear_cookie(self, app: Flask, response) -> None:
        response.delete_cookie(app.config["SESSION_COOKIE_NAME"], path="/",
                               secure=app.config["SESSION_COOKIE_SECURE"], httponly=True,
                               samesite=app.config["SESSION_COOKIE_SAMESITE"])


def end_sessions(*, user_id: int | None = None, org_id: int | None = None,
                 except_id: str | None = None) -> int:
    """Delete the server-side sessions of a user or an organisation; return how many."""
    stmt = delete(UserSession)
    if user_id is not None:
        stmt = stmt.where(UserSession.user_id == user_id)
    elif org_id is not None:
        stmt = stmt.where(UserSession.organization_id == org_id)
    else:
        raise ValueError("end_sessions needs a user or an organisation")
    if except_id:
        stmt = stmt.where(UserSession.id != except_id)
    return db.session.execute(stmt).rowcount


def enforce_session_limit(user_id: int, keep: int) -> None:
    """End the oldest sessions of a user beyond `keep` (the newest ones stay)."""
    ids = db.session.scalars(select(UserSession.id).where(UserSession.user_id == user_id)
                             .order_by(UserSession.created_at.desc()).offset(keep)).all()
    if ids:
        db.session.execute(delete(UserSession).where(UserSession.id.in_(ids)))


def purge_expired(app: Flask) -> int:
    """Delete sessions past their idle or absolute limit, and sign-in throttle rows quiet for
    a day (run from the CLI or a timer)."""
    from .models import LoginThrottle
    now = utcnow()
    idle = now - timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
    absolute = now - timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    day = now - timedelta(days=1)
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start < day,
        (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < day)))
    return db.session.execute(delete(UserSession).where(
        (UserSession.last_seen < idle) | (UserSession.created_at < absolute))).rowcount
