"""Oversight of sharing: notices to the office, partner submissions waiting for
review, and the log of changes to cases that partners are told about ("what's new")."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .organizations import Organization
from .users import User

NOTICE_KINDS = ("bulk_reads", "refused_case")
SUBMISSION_KINDS = ("new_case", "update")
UPDATE_KINDS = ("sighting", "release", "identification", "death", "other")
SUBMISSION_STATES = ("pending", "accepted", "declined")
CHANGE_KINDS = ("status", "timeline")


class Notice(db.Model):
    """An alert for the office about one account: unusually many cases read within an hour,
    or a refused attempt at a case outside its organisation's subset. Repeats within the
    hour fold into the same notice (its `count` grows), so there is never a storm."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_kind", "user_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # NOTICE_KINDS
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The first refused case, when the attempt named a case that exists (office eyes only).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    def __repr__(self) -> str:
        return f"<Notice {self.id} {self.kind}>"


class PartnerSubmission(db.Model):
    """A partner_manager's proposal: a new case, or an update to a case shared with them.

    It waits for the office's review; accepting merges it into the register (the partner
    organisation becomes a source of the case), declining keeps the reason for the partner.
    """

    __tablename__ = "partner_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True,
                                     default=lambda: str(uuid.uuid4()))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))  # SUBMISSION_KINDS
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    update_kind: Mapped[str] = mapped_column(String(16), default="")  # UPDATE_KINDS
    date: Mapped[str] = mapped_column(String(21), default="")  # partial date or "A/B"
    place: Mapped[str] = mapped_column(String(300), default="")
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    # A new case's proposed fields (names, sex, dates, origin, arrest), as JSON.
    data: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    result_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    organization: Mapped[Organization] = relationship(lazy="joined")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    case = relationship("Case", foreign_keys=[case_id])
    result_case = relationship("Case", foreign_keys=[result_case_id])

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    def __repr__(self) -> str:
        return f"<PartnerSubmission {self.id}>"


class CaseChange(db.Model):
    """A change partners may be told about: the status or the custody timeline of a case
    changed at `at` (written by services/cases/changes.py before each flush)."""

    __tablename__ = "case_changes"
    __table_args__ = (Index("ix_case_changes_case", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # CHANGE_KINDS
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
