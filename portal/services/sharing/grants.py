"""Share grants: check and preview a grant, grant access, revoke. Flush, never commit.

Which cases a grant makes visible, and at which tier, is decided in portal/access.py; this
module validates staff input against the same SQL (so a preview counts exactly what the
partner will see) and writes the audit entries (`share_change`, ids and counts only).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, not_, or_, select

from ... import access
from ...extensions import db
from ...models import GRANT_TIERS, Case, GrantCase, Organization, SavedFilter, ShareGrant, utcnow
from ...models.sharing import PURPOSE_MAX
from ...search import filters as case_filters
from .. import audit
from ..audit import Actor

log = logging.getLogger("portal.sharing")
MAX_REFERENCES = 5000


class GrantInvalid(ValueError):
    """Input the grant rules refuse; `errors` holds (field, message) pairs. Nothing saved."""

    def __init__(self, errors: list):
        super().__init__("invalid grant")
        self.errors = errors


@dataclass
class GrantRequest:
    """What staff asked for (from the form), before validation."""

    organization_id: int
    tier: str
    purpose: str
    expires_at: datetime | None
    references: list[str] = field(default_factory=list)
    filter_id: int | None = None


@dataclass
class Preview:
    """What a grant covers: `selected` live cases, of which `excluded` are kept from the
    organisation by consent and `capped` are visible at a lower tier than granted."""

    selected: int
    excluded: int
    capped: int

    @property
    def visible(self) -> int:
        return self.selected - self.excluded


@dataclass
class _Checked:
    org: Organization
    tier: str
    case_ids: list[int]
    saved: SavedFilter | None
    params: dict | None

    def selection(self):
        """SQL: the live cases this grant selects (consent aside)."""
        parts = [Case.id.in_(self.case_ids)] if self.case_ids else []
        predicate = access.grant_filter_predicate(self.params)
        if predicate is not None:
            parts.append(predicate)
        return and_(Case.deleted_at.is_(None), or_(*parts))


def usable_filters(user_id: int) -> Select:
    """The saved filters a staff member may grant by: their own and those shared with the office."""
    return (select(SavedFilter).where(or_(SavedFilter.owner_id == user_id,
                                          SavedFilter.shared_with_office.is_(True)))
            .order_by(SavedFilter.name, SavedFilter.id))


def partner_organizations() -> Select:
    """The organisations a grant may be given to: active partners."""
    return Organization.ordered().where(Organization.kind != "office",
                                        Organization.active.is_(True))


def _org_errors(req: GrantRequest) -> tuple[Organization | None, list]:
    org = db.session.get(Organization, req.organization_id) if req.organization_id else None
    if org is None or org.is_office:
        return None, [("organization", _l("Choose a partner organisation."))]
    if not org.active:
        return None, [("organization", _l("This organisation is inactive: it cannot be "
                                          "given access."))]
    return org, []


def _basic_errors(req: GrantRequest) -> list:
    errors = []
    if req.tier not in GRANT_TIERS:
        errors.append(("tier", _l("Unknown detail tier: choose summary, detailed or "
                                  "identification.")))
    purpose = (req.purpose or "").strip()
    if not purpose:
        errors.append(("purpose", _l("Say what the organisation needs these cases for.")))
    elif len(purpose) > PURPOSE_MAX:
        errors.append(("purpose", _l("Too long: at most %(limit)s characters.",
                                     limit=PURPOSE_MAX)))
    now = utcnow()
    longest = int(current_app.config.get("SHARE_GRANT_MAX_DAYS", 730))
    if req.expires_at is None:
        errors.append(("expires_at", _l("Give the date the access ends.")))
    elif req.expires_at <= now:
        errors.append(("expires_at", _l("The expiry date must be in the future.")))
    elif req.expires_at > now + timedelta(days=longest):
        errors.append(("expires_at", _l("A grant may run for at most %(days)s days; renew it "
                                        "later if needed.", days=longest)))
    return errors


def _cases(references: list[str]) -> tuple[list[int], list]:
    refs = list(dict.fromkeys(r.strip().upper() for r in references if r.strip()))
    if len(refs) > MAX_REFERENCES:
        return [], [("references", _l("At most %(n)s references per grant.", n=MAX_REFERENCES))]
    found: dict[str, int] = {}
    for start in range(0, len(refs), 500):
        found.update(db.session.execute(select(Case.reference, Case.id).where(
            Case.reference.in_(refs[start:start + 500]), Case.deleted_at.is_(None))).all())
    unknown = [r for r in refs if r not in found]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        return [], [("references", _l("No case has these references (or it was deleted): "
                                      "%(refs)s", refs=shown))]
    return list(found.values()), []


def _filter(req: GrantRequest, actor: Actor) -> tuple[SavedFilter | None, dict | None, list]:
    if not req.filter_id:
        return None, None, []
    saved = db.session.scalar(usable_filters(actor.user_id or 0)
                              .where(SavedFilter.id == req.filter_id))
    if saved is None:
        return None, None, [("filter", _l("Choose one of your saved filters."))]
    params = json.loads(saved.params or "{}")
    params.pop("sort", None)
    parsed, problems = case_filters.parse(params)
    if problems:
        return None, None, [("filter", _l("This saved filter is no longer valid: save it "
                                          "again from the register."))]
    if not parsed.active:
        return None, None, [("filter", _l("This saved filter has no criterion: it would share "
                                          "the whole register."))]
    return saved, parsed.params(), []


def check_grant(req: GrantRequest, *, actor: Actor) -> _Checked:
    """Validate a grant request; raise GrantInvalid with every problem found."""
    org, errors = _org_errors(req)
    errors += _basic_errors(req)
    case_ids, problems = _cases(req.references)
    errors += problems
    saved, params, problems = _filter(req, actor)
    errors += problems
    if not req.references and not req.filter_id:
        errors.append(("references", _l("Choose the cases: list references, pick a saved "
                                        "filter, or both.")))
    if errors:
        raise GrantInvalid(errors)
    checked = _Checked(org, req.tier, case_ids, saved, params)
    if saved is not None:
        predicate = access.grant_filter_predicate(params)
        if not db.session.scalar(select(Case.id).where(Case.deleted_at.is_(None), predicate)
                                 .limit(1)):
            raise GrantInvalid([("filter", _l("The saved filter matches no case."))])
    return checked


def _count(where) -> int:
    return db.session.scalar(select(func.count(Case.id)).where(where)) or 0


def _figures(selection, org_id: int, tier: str) -> Preview:
    allowed = access.consent_allows(org_id)
    capped = 0
    if tier == "identification":
        capped = _count(and_(selection, allowed, not_(access.referral_allowed())))
    return Preview(selected=_count(selection), excluded=_count(and_(selection, not_(allowed))),
                   capped=capped)


def preview(req: GrantRequest, *, actor: Actor) -> Preview:
    """How many cases the grant would cover, and how many consent keeps out or caps lower."""
    checked = check_grant(req, actor=actor)
    return _figures(checked.selection(), checked.org.id, checked.tier)


def grant_access(req: GrantRequest, *, actor: Actor) -> ShareGrant:
    """Give an organisation access to cases (explicit and/or a copy of a saved filter)."""
    checked = check_grant(req, actor=actor)
    grant = ShareGrant(organization_id=checked.org.id, tier=checked.tier,
                       purpose=req.purpose.strip(), expires_at=req.expires_at,
                       created_by_id=actor.user_id)
    if checked.saved is not None:
        grant.filter_params = json.dumps(checked.params, ensure_ascii=False, sort_keys=True)
        grant.filter_source_id, grant.filter_name = checked.saved.id, checked.saved.name
    grant.case_rows = [GrantCase(case_id=case_id) for case_id in checked.case_ids]
    db.session.add(grant)
    db.session.flush()
    audit.record("share_change", actor, object_type="grant", object_id=grant.id,
                 detail={"op": "grant", "grant": grant.id, "org": checked.org.id,
                         "tier": checked.tier, "cases": len(checked.case_ids),
                         "filter": checked.saved.id if checked.saved else None})
    log.info("Grant %r to organisation %s by user %s", grant, checked.org.id, actor.user_id)
    return grant


class AlreadyRevoked(ValueError):
    """The grant was revoked before."""


def revoke_grant(grant: ShareGrant, *, actor: Actor) -> None:
    """End a grant at once: the organisation's next request no longer sees its cases."""
    if grant.revoked_at is not None:
        raise AlreadyRevoked(grant.id)
    grant.revoked_at, grant.revoked_by_id = utcnow(), actor.user_id
    db.session.flush()
    audit.record("share_change", actor, object_type="grant", object_id=grant.id,
                 detail={"op": "revoke", "grant": grant.id, "org": grant.organization_id})
    log.info("Grant %r revoked by user %s", grant, actor.user_id)


def grant_selection(grant: ShareGrant):
    """SQL: the live cases a saved grant selects (explicit cases, its filter), consent aside."""
    parts = [Case.id.in_(select(GrantCase.case_id).where(GrantCase.grant_id == grant.id))]
    predicate = access.grant_filter_predicate(grant.filter)
    if predicate is not None:
        parts.append(predicate)
    return and_(Case.deleted_at.is_(None), or_(*parts))


def grant_coverage(grant: ShareGrant) -> Preview:
    """What a saved grant covers now: the same figures as the preview before saving."""
    return _figures(grant_selection(grant), grant.organization_id, grant.tier)


def record_tampering(actor: Actor, fields: list[str]) -> None:
    """A grant form came back with values it never offered: refused, and audited."""
    audit.record("authz_fail", actor, object_type="grant", outcome="denied",
                 detail={"status": 400, "tampered": sorted(fields)})
    log.warning("Grant form with altered fields %s from user %s", sorted(fields),
                actor.user_id)


def cases_since(org_id: int, case_ids: list[int]) -> dict[int, datetime]:
    """Since when `org` may see each case: the earliest active grant covering it (for a
    filter grant, not before the case was recorded)."""
    now, since = utcnow(), {}
    grants = db.session.scalars(select(ShareGrant).where(
        ShareGrant.organization_id == org_id, ShareGrant.revoked_at.is_(None),
        ShareGrant.expires_at > now)).all()
    for grant in grants:
        named = set(db.session.scalars(select(GrantCase.case_id).where(
            GrantCase.grant_id == grant.id, GrantCase.case_id.in_(case_ids))))
        for case_id in named:
            since[case_id] = min(since.get(case_id, grant.created_at), grant.created_at)
        predicate = access.grant_filter_predicate(grant.filter)
        if predicate is None:
            continue
        for case_id, created in db.session.execute(select(Case.id, Case.created_at).where(
                Case.id.in_(case_ids), predicate)):
            start = max(grant.created_at, created)
            since[case_id] = min(since.get(case_id, start), start)
    return since
