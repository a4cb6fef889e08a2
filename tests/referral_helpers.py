"""Builders for the referral and family-canary tests: a family written straight through the
models (encrypted like the services do), its consents and needs. Fictional data."""

from __future__ import annotations

import datetime as dt

from portal import crypto
from portal.extensions import db
from portal.models.families import (
    ENC_CONTEXTS,
    Family,
    FamilyCase,
    FamilyConsent,
    FamilyMember,
    FamilyMemberRelation,
    Need,
)

_COUNT = [0]


def enc(table: str, column: str, text: str) -> bytes | None:
    return crypto.encrypt(text, context=ENC_CONTEXTS[(table, column)]) if text else None


def make_family(staff, *, label="Family of the fictional Hadi", main="Umm Khaled al-Fictional",
                contact="+961 70 000 001", channel="phone", others=(), residence="",
                safety="", cases=(), relation="mother") -> Family:
    """A family with a main contact (and `others`: (name, contact) pairs), linked to `cases`."""
    _COUNT[0] += 1
    family = Family(uid=f"FA-2026-{900000 + _COUNT[0]:06d}",
                    label_enc=enc("families", "label_enc", label),
                    residence_note_enc=enc("families", "residence_note_enc", residence),
                    safety_rules_enc=enc("families", "safety_rules_enc", safety),
                    preferred_channel=channel, created_by_id=staff.id)
    db.session.add(family)
    db.session.flush()
    people = [(main, contact, True), *[(n, c, False) for n, c in others]]
    for name, detail, is_main in people:
        member = FamilyMember(family_id=family.id, is_main_contact=is_main,
                              name_enc=enc("family_members", "name_enc", name),
                              contact_enc=enc("family_members", "contact_enc", detail),
                              contact_channel=channel)
        db.session.add(member)
        db.session.flush()
        for case in cases:
            db.session.add(FamilyMemberRelation(member_id=member.id, case_id=case.id,
                                                relation=relation if is_main else "brother"))
    for case in cases:
        db.session.add(FamilyCase(family_id=family.id, case_id=case.id, linked_by_id=staff.id))
    db.session.flush()
    db.session.refresh(family)
    return family


def give_consent(family, staff, kind="referral", org=None, *, note="", case=None
                 ) -> FamilyConsent:
    consent = FamilyConsent(family_id=family.id, kind=kind,
                            organization_id=org.id if org is not None else None,
                            case_id=case.id if case is not None else None, method="written",
                            given_on=dt.date(2026, 3, 1), recorded_by_id=staff.id,
                            note_enc=enc("family_consents", "note_enc", note))
    db.session.add(consent)
    db.session.flush()
    db.session.refresh(family)
    return consent


def add_need(family, staff, category="legal", detail="Fictional need detail") -> Need:
    need = Need(family_id=family.id, category=category, status="open",
                detail_enc=enc("family_needs", "detail_enc", detail),
                assessed_on=dt.date(2026, 3, 2), created_by_id=staff.id)
    db.session.add(need)
    db.session.flush()
    db.session.refresh(family)
    return need
