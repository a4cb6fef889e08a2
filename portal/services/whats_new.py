"""What is new in a partner's subset since their previous sign-in: cases created, and cases
whose status or custody timeline changed (the log of services/case_changes.py). Which cases
a partner sees is decided by access.visible_cases, in the query; at which tier by
access.effective_tier, per case shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select

from ..access import TIER_RANK, visible_cases
from ..extensions import db
from ..models import Case, CaseChange


def changed_cases(user, since: datetime) -> Select:
    """The user's visible cases created or changed after `since`, most recent first."""
    changed = select(CaseChange.case_id).where(CaseChange.at > since)
    return visible_cases(user).where(or_(Case.created_at > since, Case.id.in_(changed))) \
        .order_by(Case.updated_at.desc(), Case.id.desc())


def what_changed(cases: list[Case], since: datetime) -> dict[int, set[str]]:
    """For each case: {"new"} or the kinds of change ("status", "timeline") since `since`."""
    ids = [c.id for c in cases]
    kinds: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for case_id, kind in db.session.execute(
                select(CaseChange.case_id, CaseChange.kind).distinct()
                .where(CaseChange.case_id.in_(ids), CaseChange.at > since)):
            kinds[case_id].add(kind)
    for case in cases:
        if case.created_at > since:
            kinds[case.id] = {"new"}
    return kinds


def labels_for(kinds: set[str], tier: str) -> list[str]:
    """What to tell a reader at `tier`: the custody timeline is only shown from the
    detailed tier on, so below it a timeline change reads as a plain "updated"."""
    if "new" in kinds:
        return ["new"]
    out = [k for k in ("status", "timeline") if k in kinds]
    if "timeline" in out and TIER_RANK[tier] < TIER_RANK["detailed"]:
        out.remove("timeline")
        if not out:
            out = ["updated"]
    return out
