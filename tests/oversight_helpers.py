"""Builders for the oversight tests (issue 4): shareable cases and grants. All names are
fictional."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import utcnow
from portal.services.sharing.grants import GrantRequest, grant_access, revoke_grant

from .case_helpers import actor_of, add_source, make_case


def shareable_case(staff, **fields):
    """A case whose informant consents to sharing with all partners."""
    case = make_case(staff, **fields)
    add_source(case, staff, consent_level="all_partners")
    return case


def grant(staff, org, cases, *, tier: str = "detailed", days: int = 30):
    """An active grant of `cases` to `org`, committed."""
    made = grant_access(GrantRequest(organization_id=org.id, tier=tier,
                                     purpose="Fictional test purpose",
                                     expires_at=utcnow() + timedelta(days=days),
                                     references=[c.reference for c in cases]),
                        actor=actor_of(staff))
    db.session.commit()
    return made


def revoke(staff, made) -> None:
    revoke_grant(made, actor=actor_of(staff))
    db.session.commit()
