"""Request plumbing shared by every blueprint: request ids, the acting user, security
headers, error pages and the session-expiry audit."""

from __future__ import annotations

import hashlib
import logging
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
    if request.endpoint == "static" and response.status_code < 400:
        # Static URLs carry a content version (see _static_version), so they may be cached.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    response.headers.pop("Server", None)
    return response


def _static_version(app: Flask):
    versions: dict[str, str] = {}
    root = Path(app.static_folder)

    def add_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            name = values["filename"]
            if name not in versions:
                path = root / name
                versions[name] = (hashlib.sha256(path.read_bytes()).hexdigest()[:10]
                                  if path.is_file() else "0")
            values["v"] = versions[name]
    return add_version


def register_request_hooks(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_add_headers)
    app.url_defaults(_static_version(app))


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
            # the office's alert (services/oversight/alerts.py, issue 4).
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
    log.error("database unavailable: %s", type(exc.orig).__name__)
    if request.path.startswith("/api/v1/"):
        from .blueprints.api_v1.problems import problem
        return problem(503, "unavailable", headers={"Retry-After": "30"})
    resp = app_response(error_page(503))
    resp.headers["Retry-After"] = "30"
    return resp


def _handle_unexpected(exc: Exception):
    allow_writes()  # an error page may audit: end a read-only view's transaction
    if isinstance(exc, HTTPException):
        return _handle_http(exc)
    original = getattr(exc, "original_exception", exc)
    if isinstance(original, OperationalError):
        return _handle_db_down(original)
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
