"""What a partner system may hold: the partner API's view of an organisation's subset.

The sync feed (services/api/sync.py) compares what it last delivered with `sync_snapshot`;
`active_grants_of_org` lists the grants the API reports.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from ..extensions import db
from ..models import Case, Organization, ShareGrant, utcnow
from .coverage import GRANTABLE, TIERS, _org_id, _tier_rank
from .scopes import ListScope


def sync_snapshot(user, f, case_ids=None) -> dict[int, tuple[str, int, str]]:
    """{case id: (uid, version, tier)} of the live cases `user` (a partner principal) sees
    that match the list filter `f` (without a name search), in one query: what an
    incremental sync compares with what it last delivered. `case_ids`: only among these."""
    scope = ListScope(user, f)
    if scope.coverage is None or scope.coverage.empty:
        return {}
    from ..search.query import apply_filters
    stmt = apply_filters(scope.cases, replace(scope.filter, q=""), with_name=False)
    stmt = stmt.with_only_columns(Case.id, Case.uid, Case.version, _tier_rank(scope.coverage))
    if case_ids is not None:
        case_ids = list(case_ids)
        if not case_ids:
            return {}
        stmt = stmt.where(Case.id.in_(case_ids))
    return {row[0]: (row[1], row[2], TIERS[row[3]]) for row in db.session.execute(stmt)}


def active_grants_of_org(org) -> list[ShareGrant]:
    """The organisation's active grants (what its partner systems may read about them)."""
    return list(db.session.scalars(
        select(ShareGrant).join(Organization, Organization.id == ShareGrant.organization_id)
        .where(ShareGrant.organization_id == _org_id(org), ShareGrant.revoked_at.is_(None),
               ShareGrant.expires_at > utcnow(), Organization.active.is_(True),
               Organization.kind != "office", ShareGrant.tier.in_(GRANTABLE))
        .order_by(ShareGrant.id)))
