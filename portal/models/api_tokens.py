"""Partner API v1 (issue 16): API tokens of an organisation, and the change feeds that an
incremental sync reads (which cases a partner system was last told about, in which state).

Visibility is never decided here: the feeds record what portal/access.py decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .organizations import Organization
from .users import User

API_SCOPES = ("cases:read", "events:read", "submissions:write")


class ApiToken(db.Model):
    """A bearer token of one partner organisation. Only the SHA-256 of the secret is kept;
    `public_id` (in the token's text) finds the row, the hash is compared in constant time."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated API_SCOPES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split() if s in API_SCOPES]

    @property
    def audit_tag(self) -> str:
        """The token as the audit log's session label: 'api:' and its public id."""
        return f"api:{self.public_id}"[:16]

    def __repr__(self) -> str:
        return f"<ApiToken {self.id}>"


class SyncFeed(db.Model):
    """One organisation's change feed for one filter: a sequence of case changes."""

    __tablename__ = "api_sync_feeds"
    __table_args__ = (UniqueConstraint("organization_id", "filter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    filter_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical filter
    filter_params: Mapped[str] = mapped_column(Text, default="{}")
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncEntry(db.Model):
    """A case as the feed last delivered it: its fingerprint (version and tier) or gone."""

    __tablename__ = "api_sync_entries"
    __table_args__ = (UniqueConstraint("feed_id", "case_id"),
                      Index("ix_api_sync_entries_feed_seq", "feed_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("api_sync_feeds.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(Integer)  # no foreign key: a tombstone outlives it
    case_uid: Mapped[str] = mapped_column(String(36))
    fingerprint: Mapped[str] = mapped_column(String(40), default="")
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    seq: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
