"""The public site (issue 18): published snapshots of the figures, stories and pages.

Nothing here is read by the public pages directly: they go through portal/access/public.py,
which returns plain dictionaries of the published fields only. A snapshot holds figures
that were already suppressed when it was computed (a suppressed count is stored as null,
never as its value), so the public side never holds a small cell at all.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

# draft → review → published by two different staff members; unpublished at any time.
PUBLISH_STATUSES = ("draft", "review", "published", "unpublished")
SNAPSHOT_STATUSES = ("pending", "published", "discarded")
PAGE_KINDS = ("campaign", "report")
# What a family's consent to publish may allow on the profile (besides the approved text).
STORY_FIELDS = ("first_name", "family_name", "governorate", "arrest_year")
CHART_KEYS = ("status", "party", "governorate", "year")


def new_slug(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class _Workflow:
    """Columns of the two-person workflow shared by stories and pages."""

    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PublicSnapshot(db.Model):
    """Figures of the register, computed by one staff member and approved by another."""

    __tablename__ = "public_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    threshold: Mapped[int] = mapped_column(Integer, default=5)
    figures_json: Mapped[str] = mapped_column(Text, default="{}")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def figures(self) -> dict:
        return json.loads(self.figures_json or "{}")


class PublicStory(_Workflow, db.Model):
    """The public profile of one case, with only the fields the family's consent allows
    (copied from the case when staff write it) and a text the family approved."""

    __tablename__ = "public_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    fields_json: Mapped[str] = mapped_column(Text, default="[]")  # subset of STORY_FIELDS
    first_name_ar: Mapped[str] = mapped_column(String(100), default="")
    first_name_en: Mapped[str] = mapped_column(String(100), default="")
    family_name_ar: Mapped[str] = mapped_column(String(100), default="")
    family_name_en: Mapped[str] = mapped_column(String(100), default="")
    governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"))
    arrest_year: Mapped[int | None] = mapped_column(Integer)
    text_ar: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")

    @property
    def fields(self) -> list[str]:
        return [f for f in json.loads(self.fields_json or "[]") if f in STORY_FIELDS]


class PublicPage(_Workflow, db.Model):
    """A bilingual campaign page or monthly visual report."""

    __tablename__ = "public_pages"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # PAGE_KINDS
    slug: Mapped[str] = mapped_column(String(80))
    title_ar: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary_ar: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    body_ar: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str] = mapped_column(String(7), default="")  # a report's month, YYYY-MM
    charts_json: Mapped[str] = mapped_column(Text, default="[]")  # subset of CHART_KEYS
    story_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    # A report keeps the snapshot it was approved with; a campaign shows the current one.
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("public_snapshots.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf_ar: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_en: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def charts(self) -> list[str]:
        return [c for c in json.loads(self.charts_json or "[]") if c in CHART_KEYS]

    @property
    def story_ids(self) -> list[int]:
        return [int(i) for i in json.loads(self.story_ids_json or "[]")]
