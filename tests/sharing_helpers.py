"""Builders for the sharing tests: grants and cases with chosen consent. Fictional data."""

from __future__ import annotations

import json
from datetime import timedelta

from portal.extensions import db
from portal.models import GrantCase, ShareGrant, utcnow

from .case_helpers import add_source, make_case


def make_grant(org, tier: str, cases=(), *, params: dict | None = None, days: int = 30,
               revoked: bool = False, by=None) -> ShareGrant:
    """A grant written directly (the service is tested on its own): expired when days < 0."""
    now = utcnow()
    grant = ShareGrant(organization_id=org.id, tier=tier, purpose="Fictional purpose",
                       expires_at=now + timedelta(days=days),
                       created_by_id=by.id if by else None,
                       filter_params=json.dumps(params) if params else None,
                       filter_name="test filter" if params else "",
                       revoked_at=now if revoked else None)
    grant.case_rows = [GrantCase(case_id=c.id) for c in cases]
    db.session.add(grant)
    db.session.flush()
    return grant


def consented_case(staff, *sources: dict, **fields):
    """A case with one source per dict (consent_level, allowed_orgs, refused_orgs,
    identification_referral, ...); no dict = no source (so internal)."""
    case = make_case(staff, **fields)
    for source in sources:
        add_source(case, staff, **source)
    db.session.flush()
    return case


def shared(**kw) -> dict:
    return {"consent_level": "all_partners", **kw}
