"""Who may reach which endpoint: the roles, the policy table and the before-request hook that
enforces it, and which accounts and roles a user may manage.

Every endpoint is classified in the policy table (portal/policy/*.yaml, one file per area):
the roles allowed, whether the endpoint is scoped to an object (denial is then a 404), and
the audit event it writes. enforce_policy() denies anything unclassified, so a forgotten
decorator cannot open a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user

from ..models import Role

ALL_ROLES = frozenset(r.value for r in Role)
OFFICE_ROLES = frozenset({Role.admin.value, Role.staff.value})
PARTNER_ROLES = frozenset({Role.partner_manager.value, Role.partner_viewer.value})
ROLE_GROUPS = {"any": ALL_ROLES, "office": OFFICE_ROLES, "partners": PARTNER_ROLES,
               "managers": frozenset({Role.admin.value, Role.partner_manager.value})}

# Endpoints a session that has passed the password but still has to enrol a second factor
# may reach (outside demo mode every account enrols TOTP before it sees anything).
ENROLMENT_ENDPOINTS = frozenset({"account.enrol", "auth.logout"})


@dataclass(frozen=True)
class Rule:
    endpoint: str
    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    methods: frozenset[str] = frozenset({"GET"})
    object: str | None = None  # "case", "event", "pack", ...: denial is a 404
    audit: str | None = None  # the audit event the endpoint writes, if any
    token: str | None = None  # API v1: the token scope it needs (never a session)


def _parse_roles(value) -> frozenset[str]:
    roles: set[str] = set()
    for item in ([value] if isinstance(value, str) else value or []):
        roles |= ROLE_GROUPS.get(item, {item})
    unknown = roles - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles in policy: {sorted(unknown)}")
    return frozenset(roles)


@lru_cache(maxsize=1)
def load_policy() -> dict[str, Rule]:
    """Read the policy table from portal/policy/*.yaml (one mapping of endpoint → rule)."""
    rules: dict[str, Rule] = {}
    for path in sorted((Path(__file__).parent.parent / "policy").glob("*.yaml")):
        for endpoint, spec in (yaml.safe_load(path.read_text()) or {}).items():
            if endpoint in rules:
                raise ValueError(f"{endpoint} is classified twice ({path.name})")
            spec = spec or {}
            rules[endpoint] = Rule(
                endpoint=endpoint, public=bool(spec.get("public")),
                roles=_parse_roles(spec.get("roles")),
                methods=frozenset(m.upper() for m in spec.get("methods", ["GET"])),
                object=spec.get("object"), audit=spec.get("audit"), token=spec.get("token"))
            if rules[endpoint].token and (rules[endpoint].roles or rules[endpoint].public):
                raise ValueError(f"{endpoint}: a token endpoint has no roles and is not public")
    return rules


def fully_signed_in() -> bool:
    """Signed in with both factors (or as a demo account in demo mode)."""
    return current_user.is_authenticated and session.get("auth") == "full"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def enforce_policy():
    """Deny by default: the before-request hook that classifies every request."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the 404/405 handlers answer
    rule = load_policy().get(endpoint)
    if rule is None:
        abort(403)  # unclassified endpoints are closed (test A1 fails the suite on them)
    if rule.public:
        return None
    if rule.token:
        return None  # API v1: the blueprint authenticates the bearer token (api_v1/auth.py)
    if not current_user.is_authenticated:
        if _wants_json():
            abort(401)
        return redirect(url_for("auth.login"))
    level = session.get("auth")
    if level == "enrol" and endpoint not in ENROLMENT_ENDPOINTS:
        if _wants_json():
            abort(401)
        return redirect(url_for("account.enrol"))
    if level not in ("full", "enrol"):
        abort(401)
    if current_user.role not in rule.roles:
        g.denied_rule = rule
        abort(403)
    return None


def role_required_for(endpoint: str) -> frozenset[str]:
    """The roles the policy allows on `endpoint` (templates use it to hide links)."""
    rule = load_policy().get(endpoint)
    return rule.roles if rule else frozenset()


def can_reach(endpoint: str) -> bool:
    """Whether the current user's role may reach `endpoint` according to the policy."""
    return fully_signed_in() and current_user.role in role_required_for(endpoint)


def can_manage_user(actor, target) -> bool:
    """Admins manage every account; a partner_manager only colleagues of their organisation."""
    if actor.role == Role.admin.value:
        return True
    return (actor.role == Role.partner_manager.value
            and target.organization_id == actor.organization_id
            and target.role in PARTNER_ROLES)


def assignable_roles(actor) -> list[str]:
    """The roles `actor` may give to an account they invite or edit."""
    if actor.role == Role.admin.value:
        return [r.value for r in Role]
    if actor.role == Role.partner_manager.value:
        return [Role.partner_manager.value, Role.partner_viewer.value]
    return []


def init_app(app: Flask) -> None:
    """Install the gate: the policy check before every request, can_reach() in templates."""
    load_policy()  # fail at start-up, not at the first request, on a malformed table
    app.before_request(enforce_policy)
    app.jinja_env.globals["can_reach"] = can_reach
