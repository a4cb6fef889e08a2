"""Families (issue 17): who may see a family. Written here by the public site only for the
publishing contract (PLAN.md); helper A's module of the same name replaces this one at merge.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from ..extensions import db
from ..models import FamilyCase, FamilyConsent


def publish_consent_active(case_id: int) -> bool:
    """Whether some family linked to the case holds an active consent to publish its story.
    Read on every request, never cached: a withdrawal takes effect at once."""
    stmt = select(exists().where(
        FamilyConsent.kind == "publish", FamilyConsent.case_id == case_id,
        FamilyConsent.withdrawn_at.is_(None),
        exists().where(FamilyCase.family_id == FamilyConsent.family_id,
                       FamilyCase.case_id == case_id)))
    return bool(db.session.scalar(stmt))
