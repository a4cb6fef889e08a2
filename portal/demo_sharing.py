"""Fictional share grants for the demo (`flask demo load`), after the demo cases.

Northbridge sees 20 cases at the detailed tier, Cedar Lab 8 at the summary tier, Global Rights
nothing (its only grant was revoked). Among Northbridge's cases one informant refused
Northbridge and one case has office-only consent, so the demo shows both rules at work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from .extensions import db
from .models import Case, ShareGrant, SourceConsentOrg, utcnow
from .services.audit import Actor
from .services.sharing.grants import GrantRequest, grant_access, revoke_grant

NORTHBRIDGE_CASES, CEDAR_CASES = 20, 8


def _set_consent(case: Case, level: str, *, refused: int | None = None) -> None:
    for source in case.sources:
        source.consent_level = level
        source.consent_orgs = ([SourceConsentOrg(organization_id=refused, allowed=False)]
                               if refused else [])


def load_demo_sharing(orgs, users) -> None:
    """Grant the demo partners their subsets (once); set the consent the demo relies on."""
    if db.session.scalar(select(func.count(ShareGrant.id))):
        return
    staff = users["staff@office.example"]
    actor = Actor(user_id=staff.id, org_id=staff.organization_id, request_id="demo")
    cases = db.session.scalars(select(Case).where(Case.deleted_at.is_(None))
                               .order_by(Case.reference).limit(NORTHBRIDGE_CASES)).all()
    if len(cases) < NORTHBRIDGE_CASES:
        return
    northbridge, refs = orgs["northbridge"].id, [c.reference for c in cases]
    for case in cases:  # the demo's consent: shared with all partners unless said below
        _set_consent(case, "all_partners")
    _set_consent(cases[3], "all_partners", refused=northbridge)
    _set_consent(cases[7], "internal")
    db.session.flush()
    ends = utcnow() + timedelta(days=180)
    grant_access(GrantRequest(northbridge, "detailed", "Tracing and family liaison (demo).",
                              ends, refs), actor=actor)
    grant_access(GrantRequest(orgs["cedarlab"].id, "summary",
                              "Advocacy report on the northern sites (demo).", ends,
                              refs[10:10 + CEDAR_CASES]), actor=actor)
    revoked = grant_access(GrantRequest(orgs["globalrights"].id, "summary",
                                        "Joint statement (demo; revoked).", ends, refs[:5]),
                           actor=actor)
    revoke_grant(revoked, actor=actor)
