"""Which public-form submissions (family intake, issue 17) a user sees: office roles all of
them, anyone else none (a 404, whatever the policy table says)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from ..extensions import db
from ..models import IntakeSubmission
from .policy import OFFICE_ROLES


def visible_intake(user) -> Select:
    stmt = select(IntakeSubmission)
    if not (user.is_authenticated and user.role in OFFICE_ROLES):
        stmt = stmt.where(false())
    return stmt


def get_intake_or_404(reference: str, user) -> IntakeSubmission:
    if len(reference) > 16:
        abort(404)
    submission = db.session.scalar(visible_intake(user).where(
        IntakeSubmission.reference == reference))
    if submission is None:
        abort(404)
    return submission
