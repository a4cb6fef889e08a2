"""Fictional share grants and partner submissions for the demo (`flask demo load`), after the
demo cases.

Northbridge sees 20 cases at the detailed tier, Cedar Lab 8 at the summary tier, Global Rights
nothing (its only grant was revoked). Among Northbridge's cases one informant refused
Northbridge and one case has office-only consent, so the demo shows both rules at work.

Two partners each propose a new case, and Northbridge an update to a case shared with it
when one is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Case, PartnerSubmission, ShareGrant, SourceConsentOrg, utcnow
from ..services.audit import Actor
from ..services.sharing.grants import GrantRequest, grant_access, revoke_grant

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


# Invented names and places; none is a real person.
PROPOSALS = [
    ("manager@cedarlab.example",
     {"first_name_ar": "نادر", "father_name_ar": "سليم", "family_name_ar": "الوهمي",
      "first_name_lat": "Nader", "father_name_lat": "Salim", "family_name_lat": "al-Wahmi"},
     {"date": "2013-08", "place": "حاجز وهمي على طريق المطار"},
     "أبلغتنا والدته أنه اعتُقل عند الحاجز (معلومات وهمية للتجربة)."),
    ("manager@northbridge.example",
     {"first_name_lat": "Rami", "family_name_lat": "Fictitious", "first_name_ar": "رامي"},
     {"date": "2014", "place": "Fictional checkpoint"},
     "Reported to our field team by a neighbour (fictional demo information)."),
]


def _actor(user) -> Actor:
    return Actor(user.id, user.organization_id, request_id="demo")


def load_demo_submissions(orgs, users) -> None:
    """Add the fictional submissions unless there are submissions already."""
    from ..access import visible_cases_for_org
    from ..services.sharing import submissions

    if db.session.scalar(select(func.count(PartnerSubmission.id))):
        return
    for email, names, arrest, text in PROPOSALS:
        case = {"first_name_ar": "", "father_name_ar": "", "family_name_ar": "",
                "mother_name_ar": "", "first_name_lat": "", "father_name_lat": "",
                "family_name_lat": "", "mother_name_lat": "", "aliases": [], "sex": "male",
                "birth_date": "", "governorate_id": None, "district_id": None,
                "status": "forcibly_disappeared", "arrest_circumstances": "", **names}
        arrest = {"estimated": True, "perpetrator_id": None, "unit": "", "facility_id": None,
                  **arrest}
        user = users[email]
        submissions.propose_case(case, arrest, text, user=user, actor=_actor(user))
    manager = users["manager@northbridge.example"]
    shared = db.session.scalar(visible_cases_for_org(orgs["northbridge"]).limit(1))
    if shared is not None:
        submissions.propose_update(shared, {"update_kind": "sighting", "date": "2019-05",
                                            "place": "Fictional prison, wing B", "text":
                                            "A released detainee told our team he saw him "
                                            "(fictional demo information)."},
                                   user=manager, actor=_actor(manager))
