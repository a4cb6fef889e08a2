"""How a request reaches the partner API v1: an `Authorization: Bearer` token of a partner
organisation, never a session cookie (the session interface does not even open one under
/api/v1, so there is no CSRF exposure and the blueprint is exempt from CSRF for that reason
alone). The token's scope must be the one the policy table names for the endpoint
(portal/policy/api_v1.yaml). Every call is audited under the token's name (actor: the
account that created it, organisation: the token's, session label `api:<public id>`)."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from ...access import load_policy
from ...extensions import db, limiter
from ...services.api import tokens
from ...services.audit import Actor
from ...web import request_id
from . import bp
from .problems import ApiProblem, from_exception, from_http

REFUSALS = {"missing": "unauthenticated", "malformed": "unauthenticated",
            "invalid": "unauthenticated", "inactive": "unauthenticated",
            "expired": "token_expired", "revoked": "token_revoked"}


def rate_key() -> str:
    """The rate-limit bucket: the presented token (hashed), else the client address, so a
    wrong secret never spends a real token's budget."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()[:24]
    return "api-ip:" + (request.remote_addr or "unknown")


def _limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


limiter.limit(_limit, key_func=rate_key)(bp)


def current_principal() -> tokens.TokenPrincipal:
    return g.api_principal


def api_actor() -> Actor:
    p = g.api_principal
    return Actor(user_id=p.id, org_id=p.organization_id, session_hash=p.audit_tag,
                 request_id=request_id())


@bp.before_request
def authenticate():
    rule = load_policy().get(request.endpoint or "")
    if rule is None or not rule.token:
        raise ApiProblem(403, "insufficient_scope")  # deny by default
    token, reason = tokens.authenticate(request.headers.get("Authorization"))
    if token is None:
        raise ApiProblem(401, REFUSALS[reason])
    principal = tokens.principal_of_token(token)
    g.api_token_id = token.id
    g.api_principal = principal
    if rule.token not in ("any", *principal.scopes):
        _audit_refusal(403, "insufficient_scope")
        raise ApiProblem(403, "insufficient_scope", headers={
            "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{rule.token}"'})
    tokens.touch(token)
    return None


def _audit_refusal(status: int, code: str, object_id: str = "") -> None:
    from ...services import audit
    db.session.rollback()
    audit.record("authz_fail", api_actor(), object_type="endpoint",
                 object_id=request.endpoint or "", outcome="denied",
                 detail={"status": status, "code": code, "method": request.method,
                         "token": g.api_principal.token_name})
    db.session.commit()


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem):
    db.session.rollback()
    return from_exception(exc)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    db.session.rollback()
    return from_http(exc)
