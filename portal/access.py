"""The authorisation gate: who may reach which endpoint, and which objects they may see.

Every endpoint is classified in the policy table (portal/policy/*.yaml, one file per area):
the roles allowed, whether the endpoint is scoped to an object (denial is then a 404), and
the audit event it writes. The before-request hook below denies anything unclassified, so a
forgotten decorator cannot open a page. Visibility of cases, events and packs is decided only
here: see visible_cases(), effective_tier() and redact() (issue "sharing").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntFlag
from functools import lru_cache
from pathlib import Path

import yaml
from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import Select, and_, or_, select

from .extensions import db
from .models import PUBLISHED, Event, EventOrganization, Role

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
    for path in sorted((Path(__file__).parent / "policy").glob("*.yaml")):
        for endpoint, spec in (yaml.safe_load(path.read_text()) or {}).items():
            if endpoint in rules:
                raise ValueError(f"{endpoint} is classified twice ({path.name})")
            spec = spec or {}
            rules[endpoint] = Rule(
                endpoint=endpoint, public=bool(spec.get("public")),
                roles=_parse_roles(spec.get("roles")),
                methods=frozenset(m.upper() for m in spec.get("methods", ["GET"])),
                object=spec.get("object"), audit=spec.get("audit"))
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


# --- events -----------------------------------------------------------------------------------

class EventAccess(IntFlag):
    """What a user may do with an event they can see."""

    none = 0
    view = 1
    rsvp = 2  # answer the invitation for their organisation
    contribute = 4  # add agenda items and materials
    manage = 8  # edit, postpone, cancel, confirm, decline, record attendance


MAX_ID = 2**31 - 1  # integer primary keys on both databases


def visible_events(user) -> Select[tuple[Event]]:
    """The events `user` may see, as a Select to refine (filters, order, paging).

    The office sees every event. A partner sees the published events (scheduled, postponed,
    cancelled) its organisation organises, co-organises or is invited to, and the proposals
    its organisation made (also once declined). Nobody else learns that an event exists.
    """
    stmt = select(Event)
    if user.role in OFFICE_ROLES:
        return stmt
    org_id = user.organization_id
    takes_part = or_(Event.organizer_org_id == org_id,
                     Event.participants.any(EventOrganization.organization_id == org_id))
    return stmt.where(or_(and_(Event.status.in_(PUBLISHED), takes_part),
                          Event.proposed_by_org_id == org_id))


def event_access(event: Event, user) -> EventAccess:
    """The actions `user` may take on `event` (which they can see)."""
    flags = EventAccess.view
    org_id = user.organization_id
    if org_id in event.org_ids():  # co-organisers and invitees answer; the organiser counts
        flags |= EventAccess.rsvp
    if user.role in OFFICE_ROLES:
        flags |= EventAccess.contribute | EventAccess.manage
    elif user.role == Role.partner_manager.value and (
            org_id == event.organizer_org_id or org_id in event.org_ids("co_organizer")):
        flags |= EventAccess.contribute
    return flags


def get_event_or_404(event_id: int, *, need: EventAccess = EventAccess.view,
                     user=None) -> Event:
    """An event the user may see; 404 if not visible (or absent), 403 if `need` is missing."""
    user = user or current_user
    if not 0 < event_id <= MAX_ID:
        abort(404)  # not even a possible id (and no integer overflow in the database)
    event = db.one_or_404(visible_events(user).where(Event.id == event_id))
    if need not in event_access(event, user):
        abort(403)
    return event


def init_app(app: Flask) -> None:
    load_policy()  # fail at start-up, not at the first request, on a malformed table
    app.before_request(enforce_policy)
    app.jinja_env.globals["can_reach"] = can_reach
