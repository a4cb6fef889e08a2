"""Who sees families (issue 17), and the consents that gate contact, referral and publishing.

Families are office-only: admin and staff see every family; a partner account never learns
that a family, or the families area, exists (every family URL answers it with the same 404
as a missing object). Consent is read from the database on every call, never cached, so a
withdrawal takes effect on the next request everywhere.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, exists, select

from ..extensions import db
from .policy import OFFICE_ROLES

FAMILY_UID_MAX = 20


def may_see_families(user) -> bool:
    """Whether `user` may see families at all: office roles only."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.role in OFFICE_ROLES)


def require_families_reader(user) -> None:
    """404 for anyone but the office (the families blueprint calls it before every view)."""
    if not may_see_families(user):
        abort(404)


def visible_families(user) -> Select:
    """The families `user` sees, as a Select to refine: all for the office, none otherwise."""
    from ..models import Family
    stmt = select(Family)
    if not may_see_families(user):
        return stmt.where(False)
    return stmt


def get_family_or_404(uid: str, user):
    """A family by its reference (FA-YYYY-NNNNNN) that `user` may see; 404 alike for missing,
    malformed and not visible."""
    from ..models import Family
    if not isinstance(uid, str) or not uid or len(uid) > FAMILY_UID_MAX:
        abort(404)
    return db.one_or_404(visible_families(user).where(Family.uid == uid))


def _active(kind: str):
    from ..models import FamilyConsent
    return select(FamilyConsent.id).where(FamilyConsent.kind == kind,
                                          FamilyConsent.withdrawn_at.is_(None))


def active_consent(family_id: int, kind: str, organization_id: int | None = None,
                   case_id: int | None = None):
    """The family's newest ACTIVE consent of `kind` (for referral: to `organization_id`; for
    publish: about `case_id`), or None. Read now, from the database."""
    from ..models import FamilyConsent
    stmt = select(FamilyConsent).where(FamilyConsent.family_id == family_id,
                                       FamilyConsent.kind == kind,
                                       FamilyConsent.withdrawn_at.is_(None))
    if organization_id is not None:
        stmt = stmt.where(FamilyConsent.organization_id == organization_id)
    if case_id is not None:
        stmt = stmt.where(FamilyConsent.case_id == case_id)
    return db.session.scalars(stmt.order_by(FamilyConsent.id.desc()).limit(1)).first()


def contact_allowed(family_id: int) -> bool:
    """Whether new outgoing contact (a call, message, visit, meeting) may be logged now."""
    return active_consent(family_id, "contact") is not None


def contact_consent_clause(family_id_column):
    """SQL: the family of `family_id_column` has an active contact consent (queue queries)."""
    from ..models import FamilyConsent
    return exists(_active("contact").where(FamilyConsent.family_id == family_id_column))


def publish_consent_active(case_id: int, *, recorded_by=None) -> bool:
    """Whether some family linked to the case has an ACTIVE consent to publish that case's
    story (the public site also needs staff approval of the story itself). `recorded_by`
    (a datetime): only a consent recorded by then counts — the public site passes the
    story's approval, so a consent given again after a withdrawal does not bring back a
    story approved under the old one."""
    from ..models import FamilyCase, FamilyConsent
    stmt = select(FamilyConsent.id).join(
        FamilyCase, (FamilyCase.family_id == FamilyConsent.family_id)
        & (FamilyCase.case_id == FamilyConsent.case_id)).where(
        FamilyConsent.case_id == case_id, FamilyConsent.kind == "publish",
        FamilyConsent.withdrawn_at.is_(None))
    if recorded_by is not None:
        stmt = stmt.where(FamilyConsent.recorded_at <= recorded_by)
    return db.session.scalar(stmt.limit(1)) is not None


def referral_consent_active(family_id: int, organization_id: int) -> bool:
    """Whether the family consents, now, to be referred to `organization_id`."""
    return active_consent(family_id, "referral", organization_id=organization_id) is not None
