"""RFC 9457 problem details for the partner API v1: every error under /api/v1 is
`application/problem+json` with a stable `code`, never an HTML page or a traceback."""

from __future__ import annotations

import json

from flask import Response, request
from flask_babel import gettext as _

PROBLEM_TYPE = "https://portal.invalid/problems/"  # a namespace, not a page to fetch


class ApiProblem(Exception):
    """Raised by the API's views and hooks; rendered by problem()."""

    def __init__(self, status: int, code: str, detail: str | None = None, *,
                 errors: list[dict] | None = None, headers: dict | None = None):
        super().__init__(code)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers = errors, headers or {}


def _titles() -> dict[str, str]:
    return {
        "bad_request": _("The request is malformed."),
        "invalid_parameter": _("A query parameter is not valid."),
        "invalid_cursor": _("The cursor is not valid for this request."),
        "unauthenticated": _("A valid API token is required."),
        "token_expired": _("The API token has expired."),
        "token_revoked": _("The API token was revoked."),
        "insufficient_scope": _("The API token does not have the permission this needs."),
        "not_found": _("There is nothing here, or it is not shared with your organisation."),
        "method_not_allowed": _("This address does not accept that method."),
        "conflict": _("The request conflicts with the current state."),
        "unsupported_media_type": _("Send the request body as application/json."),
        "validation_failed": _("The submission is not valid."),
        "too_large": _("The request is too large."),
        "rate_limited": _("Too many requests: wait before trying again."),
        "server_error": _("An unexpected error occurred. Nothing was saved."),
        "unavailable": _("The service is temporarily unavailable. Nothing was saved."),
    }


STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "insufficient_scope",
                404: "not_found", 405: "method_not_allowed", 409: "conflict",
                413: "too_large", 415: "unsupported_media_type", 422: "validation_failed",
                429: "rate_limited", 500: "server_error", 503: "unavailable"}


def problem(status: int, code: str, detail: str | None = None, *,
            errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    body = {"type": PROBLEM_TYPE + code, "title": _titles().get(code, code),
            "status": status, "code": code, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="partner-api"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_exception(exc: ApiProblem) -> Response:
    return problem(exc.status, exc.code, exc.detail, errors=exc.errors, headers=exc.headers)


def from_http(exc) -> Response:
    """An HTTPException (routing 404/405, 413, the rate limiter's 429...) as a problem."""
    code = exc.code if exc.code in STATUS_CODES else (500 if (exc.code or 500) >= 500 else 400)
    headers = {}
    if code == 429:
        headers["Retry-After"] = str(_retry_after(exc))
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if code == 503:
        headers["Retry-After"] = "30"
    return problem(code, STATUS_CODES[code], headers=headers)


def _retry_after(exc) -> int:
    """Seconds until the exceeded limit's window resets (Flask-Limiter), at least 1."""
    import time

    from ...extensions import limiter
    try:
        window = limiter.current_limit
        if window is not None:
            return max(1, int(window.reset_at - time.time()) + 1)
    except (AttributeError, RuntimeError, TypeError, ValueError):
        # An unknown limiter state gets the safe default below.
        pass  # nosec B110
    return 60
