"""The clear-text view of a family record, for the office's pages: encrypted fields are
decrypted here, once, and never logged."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ...access.families import contact_allowed
from ...extensions import db
from ...models import Case, Event, Family, PssAttendance, PssEnrolment, Referral
from .common import dec
from .support import format_amount


@dataclass
class MemberView:
    id: int
    name: str
    contact: str
    contact_channel: str
    is_main_contact: bool
    relations: dict  # case_id -> relation


@dataclass
class FamilyView:
    family: Family
    label: str
    residence_note: str
    safety_rules: str
    members: list[MemberView]
    cases: list[Case]
    consents: list = field(default_factory=list)  # (consent, note)
    contacts: list = field(default_factory=list)  # (entry, note)
    needs: list = field(default_factory=list)  # (need, detail)
    support: list = field(default_factory=list)  # (item, description, amount)
    enrolments: list = field(default_factory=list)  # (enrolment, member name, [(event, attended)])
    referrals: list = field(default_factory=list)
    contact_allowed: bool = False


def family_label(family: Family) -> str:
    return dec("families", "label_enc", family.label_enc)


def member_name(member) -> str:
    return dec("family_members", "name_enc", member.name_enc)


def family_view(family: Family) -> FamilyView:
    """Everything the family page shows, decrypted."""
    case_ids = [lk.case_id for lk in family.case_links]
    # A soft-deleted case is for an admin to restore, nobody else sees it (access/cases.py):
    # nor its name on the family page.
    cases = list(db.session.scalars(select(Case).where(Case.id.in_(case_ids),
                                                       Case.deleted_at.is_(None))
                                    .order_by(Case.reference))) if case_ids else []
    members = [MemberView(m.id, member_name(m), dec("family_members", "contact_enc",
                                                      m.contact_enc),
                          m.contact_channel, m.is_main_contact,
                          {r.case_id: r.relation for r in m.relations})
               for m in family.members]
    names = {m.id: m.name for m in members}
    view = FamilyView(
        family=family, label=family_label(family),
        residence_note=dec("families", "residence_note_enc", family.residence_note_enc),
        safety_rules=dec("families", "safety_rules_enc", family.safety_rules_enc),
        members=members, cases=cases, contact_allowed=contact_allowed(family.id))
    view.consents = [(c, dec("family_consents", "note_enc", c.note_enc))
                     for c in family.consents]
    view.contacts = [(e, dec("family_contacts", "note_enc", e.note_enc))
                     for e in family.contacts]
    view.needs = [(n, dec("family_needs", "detail_enc", n.detail_enc)) for n in family.needs]
    view.support = [(s, dec("family_support", "description_enc", s.description_enc),
                     format_amount(s.amount_minor, s.currency)) for s in family.support]
    if names:
        enrolments = db.session.scalars(select(PssEnrolment).where(
            PssEnrolment.member_id.in_(names)).order_by(PssEnrolment.id)).all()
        for enrolment in enrolments:
            rows = db.session.execute(
                select(Event, PssAttendance.attended)
                .join(PssAttendance, PssAttendance.event_id == Event.id)
                .where(PssAttendance.enrolment_id == enrolment.id)
                .order_by(Event.starts_at)).all()
            view.enrolments.append((enrolment, names.get(enrolment.member_id, ""),
                                    [(event, attended) for event, attended in rows]))
    view.referrals = list(db.session.scalars(select(Referral).where(
        Referral.family_id == family.id).order_by(Referral.id)))
    return view
