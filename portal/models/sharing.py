"""Share grants: which cases an organisation may see, at which detail tier, until when.

A grant selects cases explicitly (GrantCase rows) and/or by a filter. The filter is a COPY of
a saved filter's parameters taken when the grant was made, so a later edit of the staff
member's saved filter cannot silently widen what a partner sees; new cases that match the
copy are covered automatically. Visibility itself is decided only in portal/access/.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

GRANT_TIERS = ("summary", "detailed", "identification")  # the tiers a grant may give
PURPOSE_MAX = 2000


class ShareGrant(db.Model):
    __tablename__ = "share_grants"
    __table_args__ = (
        # The visibility query loads an organisation's active grants on every request.
        Index("ix_share_grants_org_active", "organization_id", "revoked_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True,
                                     default=lambda: str(uuid.uuid4()))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    tier: Mapped[str] = mapped_column(String(16))  # GRANT_TIERS
    purpose: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The filter: a copy of the parameters (JSON of CaseFilter.params()), and where it came from.
    filter_params: Mapped[str | None] = mapped_column(Text)
    filter_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_filters.id", ondelete="SET NULL"))
    filter_name: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organization = relationship("Organization")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    case_rows = relationship("GrantCase", cascade="all, delete-orphan",
                             back_populates="grant")

    @property
    def filter(self) -> dict | None:
        """The copied filter parameters, or None for a grant of explicit cases only."""
        return json.loads(self.filter_params) if self.filter_params else None

    def is_active(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or utcnow())

    def state(self, now: datetime | None = None) -> str:
        """"active", "expired" or "revoked"."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > (now or utcnow()) else "expired"

    def __repr__(self) -> str:
        return f"<ShareGrant {self.id}>"


class GrantCase(db.Model):
    """A case named explicitly in a grant."""

    __tablename__ = "share_grant_cases"
    __table_args__ = (
        # The visibility probe: "is this case in one of these grants?" (EXISTS per case).
        Index("ix_share_grant_cases_case", "case_id", "grant_id"),
    )

    grant_id: Mapped[int] = mapped_column(ForeignKey("share_grants.id", ondelete="CASCADE"),
                                          primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)

    grant = relationship("ShareGrant", back_populates="case_rows")
    case = relationship("Case")


class RegisterEpoch(db.Model):
    """One row whose value the database advances on every write to what decides a case list
    (migration 0010's triggers): the key of the cached list counts (access.ListScope.count_key)."""

    __tablename__ = "register_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
