"""The case register: one documented person per case, with its tags, counters and filters.

Timeline entries, sources and submissions are in case_records.py. Visibility is never
decided here: see portal/access/.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

STATUSES = ("detained", "forcibly_disappeared", "missing", "released", "died_in_custody",
            "identified")
SEXES = ("male", "female", "unknown")
NAME_FIELDS = ("first_name_ar", "father_name_ar", "family_name_ar", "mother_name_ar",
               "first_name_lat", "father_name_lat", "family_name_lat", "mother_name_lat")
NAME_MAX, TEXT_MAX, NOTE_MAX = 100, 20_000, 5_000
_LIVE = text("deleted_at IS NULL")


class CaseConflict(Exception):
    """The case changed since the form was loaded (optimistic locking, SECURITY.md H5)."""

    def __init__(self, case: "Case", changed: list[str]):
        super().__init__("version conflict")
        self.case, self.changed = case, changed


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_live_updated", "updated_at", "id", sqlite_where=_LIVE,
              postgresql_where=_LIVE),
        Index("ix_cases_live_arrest", "arrest_lo", "id", sqlite_where=_LIVE,
              postgresql_where=_LIVE),
        Index("ix_cases_live_name", "sort_name", "id", sqlite_where=_LIVE,
              postgresql_where=_LIVE),
        # Covers the list filters (governorate, status, arrest period) and the sort key, so
        # a filtered page and its count read only the index (bench: B4).
        Index("ix_cases_live_filter", "governorate_id", "status", "arrest_lo", "arrest_hi",
              "updated_at", "id", sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("ix_cases_status", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True,
                                     default=lambda: str(uuid.uuid4()))
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # DO-YYYY-NNNNNN, immutable
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # idempotent imports

    first_name_ar: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    father_name_ar: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    family_name_ar: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    mother_name_ar: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    first_name_lat: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    father_name_lat: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    family_name_lat: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    mother_name_lat: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    aliases: Mapped[str] = mapped_column(Text, default="")  # one per line
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    birth_date: Mapped[str] = mapped_column(String(10), default="")  # partial date
    birth_year: Mapped[int | None] = mapped_column(Integer)
    governorate_id: Mapped[int | None] = mapped_column(ForeignKey("governorates.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    status: Mapped[str] = mapped_column(String(24), default="missing")
    public_narrative: Mapped[str] = mapped_column(Text, default="")
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    arrest_circumstances: Mapped[str] = mapped_column(Text, default="")

    # Derived from the timeline by services/cases/register.py (kept for lists and filters).
    arrest_date: Mapped[str] = mapped_column(String(21), default="")
    # YYYYMMDD bounds of the arrest date; 0 when unknown, so "latest arrest first" sorts
    # the unknown last on both databases with a plain index scan.
    arrest_lo: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    arrest_hi: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    perpetrator_id: Mapped[int | None] = mapped_column(ForeignKey("perpetrator_parties.id"),
                                                       index=True)
    last_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)

    # Search keys, maintained by the application (portal/search); see ARABIC-SEARCH.md.
    search_ar: Mapped[str] = mapped_column(Text, default="")
    search_lat: Mapped[str] = mapped_column(Text, default="")
    search_sk: Mapped[str] = mapped_column(Text, default="")
    name_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    sort_name: Mapped[str] = mapped_column(String(200), default="")

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    __mapper_args__ = {"version_id_col": version}

    # Undated entries last on both databases (NULLs sort first on SQLite, last on PostgreSQL).
    timeline = relationship("TimelineEntry", back_populates="case", cascade="all, delete-orphan",
                            order_by=lambda: _timeline_order())
    sources = relationship("Source", back_populates="case", cascade="all, delete-orphan",
                           order_by="Source.id")
    submissions = relationship("Submission", back_populates="case",
                               cascade="all, delete-orphan", order_by="Submission.id")
    tag_rows = relationship("CaseTag", cascade="all, delete-orphan", order_by="CaseTag.tag")

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in (self.aliases or "").splitlines() if a.strip()]

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def display_name(self, language: str = "en") -> str:
        """First, father's and family name in the reader's script, else the other one."""
        ar = " ".join(filter(None, (self.first_name_ar, self.father_name_ar, self.family_name_ar)))
        lat = " ".join(filter(None, (self.first_name_lat, self.father_name_lat,
                                     self.family_name_lat)))
        return (ar or lat) if language == "ar" else (lat or ar)

    def __repr__(self) -> str:
        return f"<Case {self.id}>"


def _timeline_order():
    from .case_records import TimelineEntry
    return (TimelineEntry.date_lo.is_(None), TimelineEntry.date_lo, TimelineEntry.id)


class CaseTag(db.Model):
    """A campaign or working tag (lower-cased), indexed for the tag filter."""

    __tablename__ = "case_tags"
    __table_args__ = (Index("ix_case_tags_tag", "tag", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class ReferenceCounter(db.Model):
    """The last number handed out per year, for DO-YYYY-NNNNNN references."""

    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class NotDuplicate(db.Model):
    """Staff decided these two cases are different people (case_a_id < case_b_id)."""

    __tablename__ = "case_not_duplicates"

    case_a_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                           primary_key=True)
    case_b_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedFilter(db.Model):
    """A named set of register filters (the sharing area uses them as grant filters)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True,
                                     default=lambda: str(uuid.uuid4()))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON of CaseFilter fields
    shared_with_office: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
