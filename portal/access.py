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
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from . import crypto, refdata
from .extensions import db
from .models import PUBLISHED, Case, Event, EventOrganization, Role
from .models.case_records import CONSENT_LEVELS
from .partial_dates import month_of, year_of

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


# === Cases (issue 3, the case register) =====================================================
# Which cases a user sees, at which detail tier, and the one serialiser (redact) that every
# view, export, JSON answer and PDF uses. The sharing area extends partner_case_filter() and
# partner_tier(); nothing else in the portal decides case visibility.

TIERS = ("summary", "detailed", "identification", "office")
TIER_RANK = {name: rank for rank, name in enumerate(TIERS)}


def partner_case_filter(user) -> ColumnElement[bool]:
    """SQL predicate of the cases a partner account may see: none until shares exist."""
    return false()


def partner_tier(user, case: Case) -> str | None:
    """A partner's tier for `case` (highest active grant, capped by consent): none yet."""
    return None


def visible_cases(user) -> Select:
    """The cases `user` may see, decided in SQL (office: every case not deleted)."""
    stmt = select(Case).where(Case.deleted_at.is_(None))
    if user.is_office:
        return stmt
    return stmt.where(partner_case_filter(user))


def deleted_cases(user) -> Select:
    """Soft-deleted cases, for an admin to restore (nobody else sees them)."""
    stmt = select(Case).where(Case.deleted_at.is_not(None))
    return stmt if user.role == Role.admin.value else stmt.where(false())


def effective_tier(user, case: Case) -> str | None:
    """"office" for admin and staff; for partners their grant tier; None = not visible."""
    if case.deleted_at is not None:
        return None
    if user.is_office:
        return "office"
    return partner_tier(user, case)


def get_case_or_404(uid: str, user, *, include_deleted: bool = False) -> Case:
    """A case by its public uid that `user` may see; 404 alike for missing and not visible.

    Admins may open soft-deleted cases (to restore them) with include_deleted=True.
    """
    if not isinstance(uid, str) or len(uid) != 36:
        abort(404)
    if include_deleted and user.role == Role.admin.value:
        case = db.session.scalar(select(Case).where(Case.uid == uid))
    else:
        case = db.session.scalar(visible_cases(user).where(Case.uid == uid))
    if case is None or (case.deleted_at is None and effective_tier(user, case) is None):
        abort(404)
    return case


def case_consent(case: Case) -> dict:
    """The case's consent: the most restrictive level among its sources ("internal" when
    none is recorded), organisations refused by any source, allowed by all named ones."""
    sources = list(case.sources)
    if not sources:
        return {"level": "internal", "allowed_orgs": [], "refused_orgs": [],
                "identification_referral": False}
    level = min((s.consent_level for s in sources), key=CONSENT_LEVELS.index)
    refused = sorted({o for s in sources for o in s.orgs(False)})
    named = [set(s.orgs(True)) for s in sources if s.consent_level == "named_partners"]
    allowed = sorted(set.intersection(*named) - set(refused)) if named else []
    return {"level": level, "allowed_orgs": allowed, "refused_orgs": refused,
            "identification_referral": any(s.identification_referral for s in sources)}


def _timeline_entry(entry, office: bool) -> dict:
    out = {"kind": entry.kind, "date": entry.date, "estimated": bool(entry.estimated),
           "place": entry.place, "facility": refdata.facility(entry.facility_id),
           "perpetrator": refdata.perpetrator(entry.perpetrator_id), "unit": entry.unit,
           "source_kind": entry.source.kind if entry.source else ""}
    if office:
        out.update(id=entry.id, source_id=entry.source_id)
    return out


def _source_record(source) -> dict:
    def clear(blob: bytes | None, context: bytes) -> str:
        return crypto.decrypt(blob, context=context) if blob else ""
    return {"id": source.id, "kind": source.kind, "relation": source.relation,
            "informant": clear(source.informant_enc, b"informant"),
            "contact": clear(source.contact_enc, b"contact"),
            "contact_channel": source.contact_channel, "interview_date": source.interview_date,
            "interviewer": source.interviewer, "reliability": source.reliability,
            "consent": {"level": source.consent_level, "allowed_orgs": source.orgs(True),
                        "refused_orgs": source.orgs(False),
                        "identification_referral": bool(source.identification_referral),
                        "date": source.consent_date, "method": source.consent_method}}


def redact(case: Case, tier: str) -> dict:
    """The case as a dict holding only the keys of `tier` (CONTRACT.md): a field above the
    tier is absent, not None. The only source of case data for pages, exports and PDFs."""
    rank = TIER_RANK[tier]  # KeyError on an unknown tier: fail closed
    out = {
        "uid": case.uid, "reference": case.reference, "tier": tier,
        "names": {"first_ar": case.first_name_ar, "family_ar": case.family_name_ar,
                  "first_lat": case.first_name_lat, "family_lat": case.family_name_lat},
        "aliases": case.alias_list, "sex": case.sex, "birth_year": year_of(case.birth_date),
        "governorate": refdata.governorate(case.governorate_id),
        "arrest_month": month_of(case.arrest_date),
        "perpetrator": refdata.perpetrator(case.perpetrator_id),
        "facility": refdata.facility(case.last_facility_id),
        "status": case.status, "public_narrative": case.public_narrative,
    }
    if rank < TIER_RANK["detailed"]:
        return out
    office = rank >= TIER_RANK["office"]
    out.update(
        parents={"father_ar": case.father_name_ar, "father_lat": case.father_name_lat,
                 "mother_ar": case.mother_name_ar, "mother_lat": case.mother_name_lat},
        birth_date=case.birth_date or None, district=refdata.district(case.district_id),
        arrest_date=case.arrest_date or None, arrest_circumstances=case.arrest_circumstances,
        timeline=[_timeline_entry(e, office) for e in case.timeline],
        submissions=[{"body": s.body, "date": s.date, "reference": s.reference,
                      "answer": s.answer, **({"id": s.id} if office else {})}
                     for s in case.submissions])
    if rank >= TIER_RANK["identification"]:
        out["informants"] = [{"relation": s.relation, "contact_channel": s.contact_channel}
                             for s in case.sources if s.identification_referral]
    if office:
        sources = [_source_record(s) for s in case.sources]
        out.update(
            internal_notes=case.internal_notes,
            interviewer=", ".join(dict.fromkeys(s["interviewer"] for s in sources
                                                if s["interviewer"])),
            sources=sources, consent=case_consent(case), tags=case.tags, version=case.version,
            external_id=case.external_id or "", created_at=case.created_at.isoformat(),
            updated_at=case.updated_at.isoformat())
    return out


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
