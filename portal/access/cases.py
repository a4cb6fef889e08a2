"""Which cases a user sees, and at which tier: the loaders and
list queries every view uses, soft-deleted cases for an admin, and for staff who may see a
case and why. A partner's visibility and tier come from coverage.py; nothing else in the
portal decides case visibility.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import Case, GrantCase, Organization, Role, ShareGrant, utcnow
from .coverage import (
    GRANTABLE,
    TIER_RANK,
    effective_tiers_for_org,
    grant_filter_predicate,
    org_case_filter,
)
from .policy import OFFICE_ROLES


def partner_case_filter(user) -> ColumnElement[bool]:
    """SQL predicate of the cases a partner account may see: its organisation's subset."""
    return org_case_filter(user.organization_id)


def partner_tier(user, case: Case) -> str | None:
    """A partner's tier for `case` (highest active grant, capped by consent); None = hidden."""
    return effective_tiers_for_org(user.organization_id, [case.id]).get(case.id)


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



@dataclass(frozen=True)
class Principal:
    """A user reduced to what the gate needs: safe to keep after the request's database
    session is gone (a streamed export reads its chunks after the view has returned)."""

    id: int
    role: str
    organization_id: int

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES


def principal_of(user) -> Principal:
    return Principal(id=user.id, role=user.role, organization_id=user.organization_id)


def effective_tiers(user, cases) -> dict[int, str]:
    """{case id: tier} for `user` over `cases` in one query (office: "office" for all)."""
    live = [c.id for c in cases if c.deleted_at is None]
    if user.is_office:
        return dict.fromkeys(live, "office")
    return effective_tiers_for_org(user.organization_id, live)



def grants_covering(case: Case) -> list[ShareGrant]:
    """The active grants that select `case` (explicitly or by filter), consent aside: for
    staff, to show who may see the case and why."""
    named = set(db.session.scalars(select(GrantCase.grant_id).where(GrantCase.case_id == case.id)))
    grants = db.session.scalars(  # only grants naming the case, or with a filter to test
        select(ShareGrant).join(Organization, Organization.id == ShareGrant.organization_id)
        .where(ShareGrant.revoked_at.is_(None), ShareGrant.expires_at > utcnow(),
               Organization.active.is_(True), Organization.kind != "office",
               or_(ShareGrant.id.in_(named), ShareGrant.filter_params.is_not(None)))
        .order_by(ShareGrant.organization_id, ShareGrant.id)).all()
    out = []
    for grant in grants:
        if grant.tier not in GRANTABLE:
            continue
        predicate = grant_filter_predicate(grant.filter)
        if grant.id in named or (predicate is not None and db.session.scalar(
                select(Case.id).where(Case.id == case.id, predicate))):
            out.append(grant)
    return out


def case_audience(case: Case) -> list[dict]:
    """For staff: each organisation an active grant gives `case` to, with the highest tier
    granted and the effective tier (None when the case's consent excludes the organisation)."""
    by_org: dict[int, list[ShareGrant]] = {}
    for grant in grants_covering(case):
        by_org.setdefault(grant.organization_id, []).append(grant)
    out = []
    for org_id, grants in by_org.items():
        granted = max((g.tier for g in grants), key=TIER_RANK.__getitem__)
        out.append({"organization": grants[0].organization, "grants": grants,
                    "granted": granted, "tier": effective_tiers_for_org(org_id, [case.id])
                    .get(case.id) if case.deleted_at is None else None})
    return out
