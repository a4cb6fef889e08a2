"""Request plumbing shared by every blueprint: request ids, the acting user, security
headers, error pages and the session-expiry audit."""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import posixpath
import re
import secrets
from pathlib import Path

from flask import Flask, g, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import allow_writes
from .extensions import db
from .services import audit
from .services.audit import Actor

log = logging.getLogger("portal")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), browsing-topics=()",
    "X-Frame-Options": "DENY",
}


def current_actor() -> Actor:
    """The acting user of this request, for the audit log."""
    user_id = org_id = None
    if current_user.is_authenticated:
        user_id, org_id = current_user.id, current_user.organization_id
    return Actor(user_id=user_id, org_id=org_id,
                 session_hash=getattr(session, "short_hash", ""), request_id=request_id())


def request_id() -> str:
    """A random id of this request, for the audit log (made on first use: error handlers
    may run before the before-request hooks)."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    return g.request_id


def _start_request() -> None:
    request_id()
    expired = g.pop("session_expired", None)
    if expired:
        reason, user_id, org_id = expired
        if user_id is not None:
            audit.record("session_expired", Actor(user_id, org_id, request_id=request_id()),
                         object_type="user", object_id=user_id, detail={"reason": reason})
            db.session.commit()


def _add_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if getattr(response, "immutable", False):
        # A content-hashed static name (StaticAssets below): it never changes, cache a year.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    elif getattr(response, "public_cache", None) and response.status_code in (200, 304):
        # The public site only (blueprints/public): cacheable, revalidated (issue 18).
        response.headers["Cache-Control"] = response.public_cache
    elif request.endpoint == "static" and response.status_code < 400:
        response.headers["Cache-Control"] = "no-cache"  # an unversioned name: revalidate
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    response.headers.pop("Server", None)
    return response


# --- static files: content-hashed names, a year's cache, gzip ---------------------------------
# url_for("static", filename="css/portal.css") gives /static/css/portal.<hash>.css. The
# stylesheet's own url(...) references are rewritten to hashed names too (fonts), so that no
# cached file can outlive a change. Text files are kept gzip-compressed in memory.

_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
_CSS_URL = re.compile(r"""url\(["']?(?P<ref>[^"')?#:]+)["']?\)""")
_COMPRESS_EXTS = {".css", ".js", ".svg", ".txt", ".ttf", ".json"}


class StaticAssets:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self._hashed: dict[str, str] = {}  # name -> hashed name
        self._files: dict[str, tuple[bytes, bytes | None, str]] = {}  # hashed -> body, gzip, name

    def hashed_name(self, name: str) -> str | None:
        if name not in self._hashed:
            path = (self.root / name).resolve()
            if not path.is_file() or not path.is_relative_to(self.root):
                return None
            body = path.read_bytes()
            if path.suffix == ".css":
                body = self._rewrite_css(name, body.decode("utf-8")).encode("utf-8")
            digest = hashlib.sha256(body).hexdigest()[:12]
            stem, dot, ext = name.rpartition(".")
            hashed = f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"
            packed = gzip.compress(body, 9, mtime=0) if path.suffix in _COMPRESS_EXTS else None
            self._files[hashed] = (body, packed if packed and len(packed) < len(body) else None,
                                   name)
            self._hashed[name] = hashed
        return self._hashed[name]

    def _rewrite_css(self, name: str, text: str) -> str:
        folder = posixpath.dirname(name)

        def hashed(match: re.Match) -> str:
            ref = match.group("ref")
            target = posixpath.normpath(posixpath.join(folder, ref))
            new = self.hashed_name(target)
            if new is None:
                return match.group(0)
            return f'url("{posixpath.relpath(new, folder or ".")}")'
        return _CSS_URL.sub(hashed, text)

    def serve(self, filename: str):
        from flask import current_app, make_response
        found = self._files.get(filename)
        if found is None:
            match = _HASHED.match(filename)
            original = match.group("stem") + match.group("ext") if match else filename
            if self.hashed_name(original) == filename:
                found = self._files[filename]
        if found is None:  # an unversioned or outdated name: the file as it is now
            return current_app.send_static_file(filename)
        body, packed, name = found
        response = make_response(body)
        response.mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if packed is not None:
            response.vary.add("Accept-Encoding")
            if "gzip" in request.accept_encodings:
                response.set_data(packed)
                response.headers["Content-Encoding"] = "gzip"
        response.immutable = True
        return response


def _static_urls(assets: StaticAssets):
    def hashed_filename(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.hashed_name(values["filename"]) or values["filename"]
    return hashed_filename


# Pages are gzip-compressed, except those that carry a secret shown once (the TOTP key at
# activation and enrolment, recovery codes, a new API token): compression with a secret and
# reflected input in the same response is what BREACH exploits. CSRF tokens are re-signed with a timestamp on
# every page, so they do not stay the same across the many requests such an attack needs.
_NO_COMPRESS_BLUEPRINTS = {"auth", "account", "api_tokens"}
_COMPRESS_TYPES = {"text/html", "application/json", "text/calendar", "text/plain"}


def _compress(response):
    if (response.status_code < 200 or response.status_code >= 300
            or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers
            or response.mimetype not in _COMPRESS_TYPES
            or request.blueprint in _NO_COMPRESS_BLUEPRINTS
            or "gzip" not in request.accept_encodings):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def register_request_hooks(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_add_headers)
    app.after_request(_compress)
    assets = StaticAssets(Path(app.static_folder))
    app.view_functions["static"] = assets.serve
    app.url_defaults(_static_urls(assets))


# Messages for the error pages; gettext runs at request time so each is translated.
def _error_text(code: int) -> tuple[str, str]:
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        401: (_("Sign-in required"), _("Please sign in to continue.")),
        403: (_("Not allowed"), _("Your account is not allowed to do this.")),
        404: (_("Not found"), _("There is nothing here, or it is not shared with your organisation.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("The file or form you sent is too large.")),
        429: (_("Too many attempts"), _("Too many attempts. Please wait a few minutes and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. Nothing was saved. The office has been told.")),
        503: (_("Temporarily unavailable"), _("The portal cannot reach its database just now. Nothing was saved. Please try again in a few minutes.")),
    }
    return texts.get(code, texts[500] if code >= 500 else texts[400])


def error_page(code: int, message: str | None = None):
    title, text = _error_text(code)
    return render_template("errors/error.html", code=code, title=title,
                           message=message or text), code


def _handle_http(exc: HTTPException):
    allow_writes()  # an error page may audit: end a read-only view's transaction
    if exc.code is None or exc.code < 400:
        return exc
    if request.path.startswith("/api/v1/"):  # the partner API: problem details (issue 16)
        from .blueprints.api_v1.problems import from_http
        db.session.rollback()
        return from_http(exc)
    if exc.code == 403 and current_user.is_authenticated:
        _audit_refusal("authz_fail", exc.code)
    elif exc.code == 404 and current_user.is_authenticated:
        _audit_object_refusal()
    if request.path.startswith("/api/"):  # the JSON API answers in JSON, errors included
        from flask import jsonify
        return jsonify(error=exc.code, message=_error_text(exc.code)[1]), exc.code
    response = error_page(exc.code)
    if exc.code == 429 or exc.code == 503:
        resp = app_response(response)
        resp.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
        return resp
    return response


def app_response(rv):
    from flask import make_response
    return make_response(rv)


def _audit_refusal(action: str, code: int) -> None:
    try:
        db.session.rollback()
        audit.record(action, current_actor(), object_type="endpoint",
                     object_id=request.endpoint or "", outcome="denied",
                     detail={"status": code, "method": request.method})
        db.session.commit()
    except Exception:  # never let the audit of a refusal turn it into a 500
        db.session.rollback()
        log.exception("could not audit a refusal")


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _audit_object_refusal() -> None:
    """A 404 on an object-scoped endpoint (a case, grant, event... not visible or missing) is
    a refused attempt: audited like a 403, with the object's public id when well formed
    (never the raw value: it may be anything, e.g. 10 kB of text)."""
    from .access import load_policy
    from .services.oversight import alerts
    rule = load_policy().get(request.endpoint or "")
    if rule is None or rule.object is None:
        return
    uid = str((request.view_args or {}).get("uid", ""))
    detail = {"status": 404, "method": request.method, "endpoint": request.endpoint}
    try:
        db.session.rollback()
        if rule.object == "case":
            # Tells a refused case from a missing sub-object of a visible one, and raises
            # the office's alert (services/oversight/alerts.py).
            alerts.record_case_refusal(uid, current_actor(), current_user, detail=detail)
        else:
            audit.record("authz_fail", current_actor(), object_type=rule.object,
                         object_id=uid if _UUID.match(uid) else "", outcome="denied",
                         detail=detail)
        db.session.commit()
    except Exception:  # never let the audit of a refusal turn it into a 500
        db.session.rollback()
        log.exception("could not audit a refusal")


def _handle_csrf(exc: CSRFError):
    allow_writes()  # an error page may audit: end a read-only view's transaction
    if current_user.is_authenticated:
        _audit_refusal("malicious_csrf", 400)
    return error_page(400, _("The form had expired or was not sent from this portal. "
                             "Nothing was saved. Please go back, reload the page and try again."))


def _handle_db_down(exc: OperationalError):
    allow_writes()  # an error page may audit: end a read-only view's transaction
    db.session.rollback()
    from flask.globals import request_ctx
    if request_ctx._session is None:  # the session row itself could not be read
        from .sessions import ServerSession
        request_ctx._session = ServerSession()
        request_ctx._session.unavailable = True  # never saved: the row and cookie stay
    from .extensions import login_manager
    g._login_user = login_manager.anonymous_user()  # the page asks nothing of the database
    log.error("database unavailable: %s", type(exc.orig).__name__)
    if request.path.startswith("/api/v1/"):
        from .blueprints.api_v1.problems import problem
        return problem(503, "unavailable", headers={"Retry-After": "30"})
    resp = app_response(error_page(503))
    resp.headers["Retry-After"] = "30"
    return resp


def _handle_unexpected(exc: Exception):
    allow_writes()  # an error page may audit: end a read-only view's transaction
    original = getattr(exc, "original_exception", None) or exc
    if isinstance(original, OperationalError):  # also when it came before any view ran
        return _handle_db_down(original)
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    db.session.rollback()
    log.error("unhandled error in %s (request %s)", request.endpoint, request_id(),
              exc_info=original)
    if request.path.startswith("/api/v1/"):
        from .blueprints.api_v1.problems import problem
        return problem(500, "server_error")
    return error_page(500)


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(OperationalError, _handle_db_down)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
