"""Fictional partner submissions for the demo (`flask demo load`): a proposed new case from
each of two partners, and an update to a case shared with Northbridge when one is."""

from __future__ import annotations

from sqlalchemy import func, select

from .extensions import db
from .models import PartnerSubmission
from .services.audit import Actor

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
    from .access import visible_cases_for_org
    from .services.sharing import submissions

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
