"""Which partner submissions a user sees (oversight), and whether the submitting
organisation still sees the case a submission is about.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from ..extensions import db
from .coverage import effective_tiers_for_org


def visible_submissions(user) -> Select:
    """Partner submissions `user` may see: the office all, a partner its organisation's."""
    from ..models import PartnerSubmission
    stmt = select(PartnerSubmission)
    if user.is_office:
        return stmt
    return stmt.where(PartnerSubmission.organization_id == user.organization_id)


def get_submission_or_404(uid: str, user):
    """A submission by its public uid that `user` may see; 404 alike for missing and not
    visible (another organisation's)."""
    from ..models import PartnerSubmission
    if not isinstance(uid, str) or len(uid) != 36:
        abort(404)
    return db.one_or_404(visible_submissions(user).where(PartnerSubmission.uid == uid))


def submission_case_visible(sub) -> bool:
    """Whether the submitting organisation still sees the case its update is about (the
    grant may have been revoked or have expired, or consent narrowed, since)."""
    if sub.case_id is None:
        return False
    return sub.case_id in effective_tiers_for_org(sub.organization_id, [sub.case_id])
