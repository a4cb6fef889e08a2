"""What is new in a partner's subset since their previous sign-in: cases newly shared with
their organisation (by a grant made since), cases created, and cases whose status or custody
timeline changed (the log of services/cases/changes.py).

Which cases a partner sees is decided by access.visible_cases, in the query; at which tier by
access.effective_tier(s), for the cases shown. The "newly shared" test only sorts visible
cases: a grant's selection comes from access.grant_filter_predicate, as for visibility.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, false, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ...access import TIER_RANK, grant_filter_predicate, visible_cases
from ...extensions import db
from ...models import Case, CaseChange, GrantCase, ShareGrant, utcnow


def _selection(grants: list[ShareGrant]) -> ColumnElement[bool]:
    """SQL: the cases `grants` select (explicitly or by their copied filter)."""
    if not grants:
        return false()
    parts = [Case.id.in_(select(GrantCase.case_id).where(
        GrantCase.grant_id.in_([g.id for g in grants])))]
    parts += [p for p in (grant_filter_predicate(g.filter) for g in grants) if p is not None]
    return or_(*parts)


def newly_shared(org_id: int, since: datetime) -> ColumnElement[bool]:
    """SQL: cases selected by the organisation's active grants made after `since`, and by
    none of its active grants made before."""
    grants = db.session.scalars(select(ShareGrant).where(
        ShareGrant.organization_id == org_id, ShareGrant.revoked_at.is_(None),
        ShareGrant.expires_at > utcnow())).all()
    new = [g for g in grants if g.created_at > since]
    if not new:
        return false()
    return and_(_selection(new), not_(_selection([g for g in grants if g.created_at <= since])))


def changed_cases(user, since: datetime) -> Select:
    """The user's visible cases shared, created or changed after `since`, latest first."""
    changed = select(CaseChange.case_id).where(CaseChange.at > since)
    return visible_cases(user).where(or_(
        Case.created_at > since, Case.id.in_(changed),
        newly_shared(user.organization_id, since))).order_by(Case.updated_at.desc(),
                                                             Case.id.desc())


def what_changed(user, cases: list[Case], since: datetime) -> dict[int, set[str]]:
    """For each case: {"new"}, or {"shared"} and/or the kinds of change ("status",
    "timeline") since `since`."""
    ids = [c.id for c in cases]
    kinds: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return kinds
    for case_id, kind in db.session.execute(
            select(CaseChange.case_id, CaseChange.kind).distinct()
            .where(CaseChange.case_id.in_(ids), CaseChange.at > since)):
        kinds[case_id].add(kind)
    for case_id in db.session.scalars(select(Case.id).where(
            Case.id.in_(ids), newly_shared(user.organization_id, since))):
        kinds[case_id].add("shared")
    for case in cases:
        if case.created_at > since:
            kinds[case.id] = {"new"}
    return kinds


def labels_for(kinds: set[str], tier: str) -> list[str]:
    """What to tell a reader at `tier`: the custody timeline is only shown from the
    detailed tier on, so below it a timeline change reads as a plain "updated"."""
    if "new" in kinds:
        return ["new"]
    out = [k for k in ("shared", "status", "timeline") if k in kinds]
    if "timeline" in out and TIER_RANK[tier] < TIER_RANK["detailed"]:
        out.remove("timeline")
        if out == [] or out == ["shared"]:
            out.append("updated")
    return out
