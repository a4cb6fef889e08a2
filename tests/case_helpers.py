"""Builders for case-register tests. All names are fictional combinations."""

from __future__ import annotations

from portal.services.audit import Actor
from portal.services.cases import records as case_records
from portal.services.cases.register import create_case

BASE = {"first_name_ar": "محمد", "father_name_ar": "أحمد", "family_name_ar": "الحلبي",
        "first_name_lat": "Mohammad", "father_name_lat": "Ahmad", "family_name_lat": "al-Halabi",
        "mother_name_ar": "فاطمة", "mother_name_lat": "Fatima", "sex": "male",
        "birth_date": "1985", "status": "forcibly_disappeared", "aliases": [], "tags": []}


def actor_of(user) -> Actor:
    return Actor(user_id=user.id, org_id=user.organization_id, request_id="test")


def make_case(user, *, arrest: dict | None = None, **fields):
    """A saved case created by `user` through the service (flushes, no commit)."""
    data = {**BASE, **fields}
    return create_case(data, actor=actor_of(user), arrest=arrest)


def add_source(case, user, **fields):
    data = {"kind": "family", "relation": "mother", "informant": "", "contact": "",
            "contact_channel": "phone", "interview_date": "", "interviewer": "",
            "reliability": "high", "consent_level": "all_partners", "allowed_orgs": [],
            "refused_orgs": [], "identification_referral": False, "consent_date": "",
            "consent_method": "", **fields}
    return case_records.save_source(case, data, actor=actor_of(user))
