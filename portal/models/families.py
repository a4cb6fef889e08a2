"""Families of the detained and disappeared (issue 17): households linked to cases, their
members, consents, contact log, needs and support, psychosocial-support series, referrals to
partners and the public intake form's submissions.

Contact details, names and notes are encrypted at rest (portal/crypto.py, AES-GCM) with a
context per column (see ENC_CONTEXTS); the `*_enc` columns never hold clear text. Visibility is
decided in portal/access/families.py (office roles only) and portal/access/referrals.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

FAMILY_RELATIONS = ("mother", "father", "wife", "husband", "son", "daughter", "brother",
                    "sister", "grandparent", "uncle_aunt", "cousin", "other")
NEED_CATEGORIES = ("legal", "medical", "financial", "housing", "education", "psychosocial",
                   "information")
RESIDENCE_ABROAD = ("", "lebanon", "turkey", "jordan", "iraq", "egypt", "europe", "other")
SUPPORT_FORMS = ("in_kind", "cash", "service")
SUPPORT_STATUSES = ("requested", "approved", "delivered", "declined")
CURRENCIES = ("USD", "EUR", "SYP", "LBP", "TRY", "JOD")
CONTACT_KINDS = ("visit", "call", "meeting", "message")
CONSENT_KINDS = ("contact", "referral", "publish")
REFERRAL_STATUSES = ("sent", "accepted", "declined", "completed", "withdrawn")
INTAKE_KINDS = ("report_missing", "new_information")
INTAKE_STATUSES = ("new", "linked", "dismissed")
NEED_STATUSES = ("open", "met", "closed")

# The AES-GCM context of each encrypted column: a ciphertext copied into another column
# does not decrypt there.
ENC_CONTEXTS = {
    ("families", "label_enc"): b"family.label",
    ("families", "residence_note_enc"): b"family.residence",
    ("families", "safety_rules_enc"): b"family.safety",
    ("family_members", "name_enc"): b"family_member.name",
    ("family_members", "contact_enc"): b"family_member.contact",
    ("family_consents", "note_enc"): b"family_consent.note",
    ("family_contacts", "note_enc"): b"family_contact.note",
    ("family_needs", "detail_enc"): b"family_need.detail",
    ("family_support", "description_enc"): b"family_support.description",
    ("family_referrals", "first_name_enc"): b"family_referral.first_name",
    ("family_referrals", "summary_enc"): b"family_referral.summary",
    ("family_referrals", "contact_enc"): b"family_referral.contact",
    ("family_referrals", "outcome_enc"): b"family_referral.outcome",
    ("family_intake", "payload_enc"): b"family_intake.payload",
}


class FamilyConflict(Exception):
    """The family changed since the form was loaded (optimistic locking, like cases)."""

    def __init__(self, family: "Family"):
        super().__init__("version conflict")
        self.family = family


class Family(db.Model):
    """A household linked to one or more cases."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True)  # FA-YYYY-NNNNNN
    label_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"),
                                                       index=True)
    residence_abroad: Mapped[str] = mapped_column(String(16), default="")  # RESIDENCE_ABROAD
    residence_note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    preferred_language: Mapped[str] = mapped_column(String(8), default="ar")
    preferred_channel: Mapped[str] = mapped_column(String(24), default="phone")
    safety_rules_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list["FamilyMember"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyMember.id")
    case_links: Mapped[list["FamilyCase"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyCase.linked_at")
    consents: Mapped[list["FamilyConsent"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="FamilyConsent.id")
    contacts: Mapped[list["ContactEntry"]] = relationship(
        back_populates="family", cascade="all, delete-orphan",
        order_by="(ContactEntry.happened_on.desc(), ContactEntry.id.desc())")
    needs: Mapped[list["Need"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="Need.id")
    support: Mapped[list["SupportItem"]] = relationship(
        back_populates="family", cascade="all, delete-orphan", order_by="SupportItem.id")
    governorate = relationship("Governorate")

    def __repr__(self) -> str:
        return f"<Family {self.id}>"


class FamilyReferenceCounter(db.Model):
    """The last number handed out per year and prefix (FA families, RF referrals)."""

    __tablename__ = "family_reference_counters"

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FamilyMember(db.Model):
    """A relative: the main contact or another member, with a relation to each case."""

    __tablename__ = "family_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"),
                                           index=True)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    is_main_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_channel: Mapped[str] = mapped_column(String(24), default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="members")
    relations: Mapped[list["FamilyMemberRelation"]] = relationship(
        back_populates="member", cascade="all, delete-orphan")


class FamilyMemberRelation(db.Model):
    """How a member is related to one missing person (a case)."""

    __tablename__ = "family_member_relations"

    member_id: Mapped[int] = mapped_column(ForeignKey("family_members.id", ondelete="CASCADE"),
                                           primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    relation: Mapped[str] = mapped_column(String(16))  # FAMILY_RELATIONS

    member: Mapped[FamilyMember] = relationship(back_populates="relations")
    case = relationship("Case")


class FamilyCase(db.Model):
    """A case the family is linked to (a family may have several members detained)."""

    __tablename__ = "family_cases"

    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"),
                                           primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship(back_populates="case_links")
    case = relationship("Case")


class FamilyConsent(db.Model):
    """A consent the family gave: to be contacted, referred to a named organisation, or to
    have a case's story published. Active while withdrawn_at is NULL."""

    __tablename__ = "family_consents"
    __table_args__ = (
        Index("ix_family_consents_family_kind", "family_id", "kind", "withdrawn_at"),
        Index("ix_family_consents_case_kind", "case_id", "kind", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # CONSENT_KINDS
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20), default="")  # CONSENT_METHODS
    given_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    family: Mapped[Family] = relationship(back_populates="consents")
    organization = relationship("Organization")
    case = relationship("Case")

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ContactEntry(db.Model):
    """A visit, call, meeting or message, with a restricted note and the next follow-up."""

    __tablename__ = "family_contacts"
    __table_args__ = (
        # The follow-up queue and the header's overdue notice: open follow-ups by staff, date.
        Index("ix_family_contacts_follow_up", "staff_id", "follow_up_done_at", "follow_up_on"),
        Index("ix_family_contacts_family", "family_id", "happened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # CONTACT_KINDS
    happened_on: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="contacts")
    staff = relationship("User")


class Need(db.Model):
    """One need of the needs assessment (legal, medical, ... information on the missing)."""

    __tablename__ = "family_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"),
                                           index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("family_members.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(16))  # NEED_CATEGORIES
    detail_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    assessed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # NEED_STATUSES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="needs")
    member = relationship("FamilyMember")


class SupportItem(db.Model):
    """Support given or planned: requested -> approved -> delivered, or declined.

    Cash is approved by a staff member other than the requester (four eyes)."""

    __tablename__ = "family_support"
    __table_args__ = (
        Index("ix_family_support_status", "status", "delivered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"),
                                           index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("family_needs.id",
                                                           ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(16))  # NEED_CATEGORIES
    form: Mapped[str] = mapped_column(String(10))  # SUPPORT_FORMS
    amount_minor: Mapped[int | None] = mapped_column(Integer)  # cash, in minor units
    currency: Mapped[str | None] = mapped_column(String(3))  # CURRENCIES
    description_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="requested")  # SUPPORT_STATUSES
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="support")
    need = relationship("Need")
    provider = relationship("Organization")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])


class PssSeries(db.Model):
    """A psychosocial-support course of N sessions (events of kind psychosocial_support)."""

    __tablename__ = "pss_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(200), default="")
    title_ar: Mapped[str] = mapped_column(String(200), default="")
    sessions_planned: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolments: Mapped[list["PssEnrolment"]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="PssEnrolment.id")

    def title(self, locale: str) -> str:
        first, second = ((self.title_ar, self.title_en) if locale == "ar"
                         else (self.title_en, self.title_ar))
        return first or second


class PssEnrolment(db.Model):
    """A family member enrolled in a series; completed when the course is done."""

    __tablename__ = "pss_enrolments"
    __table_args__ = (UniqueConstraint("series_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("pss_series.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("family_members.id", ondelete="CASCADE"),
                                           index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    series: Mapped[PssSeries] = relationship(back_populates="enrolments")
    member: Mapped[FamilyMember] = relationship()
    attendance: Mapped[list["PssAttendance"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan")


class PssAttendance(db.Model):
    """Whether an enrolled member came to one session (kept in the family record only)."""

    __tablename__ = "pss_attendance"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("pss_enrolments.id",
                                                         ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=True)

    enrolment: Mapped[PssEnrolment] = relationship(back_populates="attendance")
    event = relationship("Event")


class Referral(db.Model):
    """A need referred to a partner organisation, with the family's consent for it."""

    __tablename__ = "family_referrals"
    __table_args__ = (
        Index("ix_family_referrals_org_status", "organization_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True)  # RF-YYYY-NNNNNN
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"),
                                           index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("family_needs.id",
                                                           ondelete="SET NULL"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("family_consents.id"), index=True)
    first_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    category: Mapped[str] = mapped_column(String(16))  # NEED_CATEGORIES
    summary_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_channel: Mapped[str] = mapped_column(String(24), default="none")
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="sent")  # REFERRAL_STATUSES
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    outcome_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    family: Mapped[Family] = relationship()
    need = relationship("Need")
    organization = relationship("Organization")
    consent = relationship("FamilyConsent")


class IntakeSubmission(db.Model):
    """A relative's report from the public form, encrypted, waiting in the staff queue.
    No IP address and no user agent are stored."""

    __tablename__ = "family_intake"
    __table_args__ = (Index("ix_family_intake_status", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. R-7K3Q-X9M2
    kind: Mapped[str] = mapped_column(String(20))  # INTAKE_KINDS
    payload_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    locale: Mapped[str] = mapped_column(String(8), default="ar")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="new")  # INTAKE_STATUSES
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id",
                                                             ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
