"""What supports a case: custody timeline entries, sources with consent, submissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

TIMELINE_KINDS = ("arrest", "held", "transfer", "sighting", "court", "release", "death",
                  "identification")
SOURCE_KINDS = ("family", "released_detainee", "witness", "document", "media", "other")
RELIABILITY = ("high", "medium", "low", "unknown")
CONSENT_LEVELS = ("internal", "named_partners", "all_partners", "public")
CONSENT_METHODS = ("written", "oral_recorded", "oral_witnessed", "electronic")
CONTACT_CHANNELS = ("phone", "messaging_app", "email", "in_person", "through_field_team",
                    "none")
SUBMISSION_BODIES = ("wgeid", "iimp", "icmp", "coi", "iiim", "other")
PLACE_MAX, UNIT_MAX = 300, 200


class TimelineEntry(db.Model):
    """One dated claim of the custody history, with the source that supports it."""

    __tablename__ = "case_timeline"
    __table_args__ = (Index("ix_case_timeline_case", "case_id", "date_lo"),
                      Index("ix_case_timeline_facility", "facility_id", "case_id"),
                      Index("ix_case_timeline_perpetrator", "perpetrator_id", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # TIMELINE_KINDS
    date: Mapped[str] = mapped_column(String(21), default="")  # "A" or "A/B" partial dates
    date_lo: Mapped[int | None] = mapped_column(Integer)
    date_hi: Mapped[int | None] = mapped_column(Integer)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    perpetrator_id: Mapped[int | None] = mapped_column(ForeignKey("perpetrator_parties.id"))
    unit: Mapped[str] = mapped_column(String(UNIT_MAX), default="")
    source_id: Mapped[int | None] = mapped_column(ForeignKey("case_sources.id",
                                                             ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="timeline")
    source = relationship("Source")


class Source(db.Model):
    """An informant or document. Identity and contact details are encrypted at rest."""

    __tablename__ = "case_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="family")  # SOURCE_KINDS
    relation: Mapped[str] = mapped_column(String(100), default="")  # "mother", "cellmate"
    # AES-GCM (portal/crypto.py, context b"contact" / b"informant"); never stored in clear.
    informant_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_channel: Mapped[str] = mapped_column(String(24), default="none")
    interview_date: Mapped[str] = mapped_column(String(10), default="")
    interviewer: Mapped[str] = mapped_column(String(200), default="")
    reliability: Mapped[str] = mapped_column(String(12), default="unknown")
    consent_level: Mapped[str] = mapped_column(String(16), default="internal")
    identification_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[str] = mapped_column(String(10), default="")
    consent_method: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="sources")
    consent_orgs = relationship("SourceConsentOrg", cascade="all, delete-orphan")

    def orgs(self, allowed: bool) -> list[int]:
        return sorted(c.organization_id for c in self.consent_orgs if c.allowed == allowed)


class SourceConsentOrg(db.Model):
    """An organisation the informant named: allowed (named_partners) or refused."""

    __tablename__ = "case_source_consent_orgs"

    source_id: Mapped[int] = mapped_column(ForeignKey("case_sources.id", ondelete="CASCADE"),
                                           primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True, index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)


class Submission(db.Model):
    """A submission of the case to a mechanism (UN WGEID, IIMP, ICMP, ...)."""

    __tablename__ = "case_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(24))  # SUBMISSION_BODIES
    date: Mapped[str] = mapped_column(String(10), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="submissions")
