"""Joint events: workshops, trainings, support sessions, advocacy and coordination meetings.

Times are stored in UTC together with the IANA name of the zone the event was planned in,
so that the local wall time (10:00 in Beirut) survives a change of daylight-saving rules.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .organizations import Organization
from .users import User


class EventKind(str, enum.Enum):
    workshop = "workshop"
    training = "training"
    psychosocial_support = "psychosocial_support"
    advocacy = "advocacy"
    coordination = "coordination"


class EventStatus(str, enum.Enum):
    proposed = "proposed"
    scheduled = "scheduled"
    postponed = "postponed"
    cancelled = "cancelled"
    declined = "declined"


# Statuses in which the event is on the calendar of its organisers and invitees.
PUBLISHED = (EventStatus.scheduled.value, EventStatus.postponed.value,
             EventStatus.cancelled.value)
# Statuses in which the event is still going to happen.
ACTIVE = (EventStatus.scheduled.value, EventStatus.postponed.value)


def _new_uid() -> str:
    return secrets.token_hex(12)


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=_new_uid)  # iCalendar UID
    kind: Mapped[str] = mapped_column(String(30))  # EventKind
    status: Mapped[str] = mapped_column(String(20), index=True)  # EventStatus
    title_en: Mapped[str] = mapped_column(String(200), default="")
    title_ar: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Asia/Beirut
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    organizer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Set when a partner proposed the event: the proposal is visible to that organisation.
    proposed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                           index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)  # seats; None = no limit
    languages: Mapped[str] = mapped_column(String(40), default="")  # "ar,en"
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A session of a psychosocial-support course (models/families.py, issue 17).
    pss_series_id: Mapped[int | None] = mapped_column(
        ForeignKey("pss_series.id", ondelete="SET NULL"), index=True)

    organizer: Mapped[Organization] = relationship(foreign_keys=[organizer_org_id])
    participants: Mapped[list["EventOrganization"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin")
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(AgendaItem.starts_at, AgendaItem.id)")
    materials: Mapped[list["Material"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Material.id")
    rsvps: Mapped[list["Rsvp"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Rsvp.id")
    changes: Mapped[list["EventChange"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventChange.id")

    def title(self, locale: str) -> str:
        """The title in `locale`, falling back to the other language."""
        first, second = ((self.title_ar, self.title_en) if locale == "ar"
                         else (self.title_en, self.title_ar))
        return first or second

    def description(self, locale: str) -> str:
        first, second = ((self.description_ar, self.description_en) if locale == "ar"
                         else (self.description_en, self.description_ar))
        return first or second

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def org_ids(self, role: str | None = None) -> set[int]:
        return {p.organization_id for p in self.participants if role in (None, p.role)}

    @property
    def is_psychosocial(self) -> bool:
        return self.kind == EventKind.psychosocial_support.value

    def __repr__(self) -> str:
        return f"<Event {self.id}>"


class EventPart:
    """The columns of a row that belongs to one event and goes when the event goes
    (sort_order keeps them first in the table, as in the migrations)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True, sort_order=-1)


class EventOrganization(EventPart, db.Model):
    """A co-organising or invited organisation of an event."""

    __tablename__ = "event_organizations"
    __table_args__ = (UniqueConstraint("event_id", "organization_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # "co_organizer" | "invited"
    attended: Mapped[bool | None] = mapped_column(Boolean)  # recorded after the event

    event: Mapped[Event] = relationship(back_populates="participants")
    organization: Mapped[Organization] = relationship(lazy="joined")


class EventChange(EventPart, db.Model):
    """The history of an event: who did what, with the dates before and after."""

    __tablename__ = "event_changes"

    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_timezone: Mapped[str] = mapped_column(String(64), default="")
    new_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_timezone: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")

    event: Mapped[Event] = relationship(back_populates="changes")
    actor: Mapped[User | None] = relationship()


class AgendaItem(EventPart, db.Model):
    __tablename__ = "event_agenda_items"

    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    speaker: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship(back_populates="agenda")


class Material(EventPart, db.Model):
    """A link, or a file kept under instance/ with a random name (never the uploaded one)."""

    __tablename__ = "event_materials"

    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")  # for links
    stored_name: Mapped[str] = mapped_column(String(64), default="")  # for files
    extension: Mapped[str] = mapped_column(String(8), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="materials")

    @property
    def is_file(self) -> bool:
        return bool(self.stored_name)


class Rsvp(EventPart, db.Model):
    """One organisation's answer to an invitation, with its seats and waiting-list place."""

    __tablename__ = "event_rsvps"
    __table_args__ = (UniqueConstraint("event_id", "organization_id"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who answered last
    response: Mapped[str] = mapped_column(String(10))  # yes | no | maybe
    seats: Mapped[int] = mapped_column(Integer, default=0)
    # Position on the waiting list (1 = next to get seats); None when seats are confirmed.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="rsvps")
    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def confirmed_seats(self) -> int:
        return self.seats if self.response == "yes" and self.waitlist_position is None else 0


class Attendance(db.Model):
    """Who came, recorded after the event.

    Psychosocial-support sessions concern families of the disappeared: participants are
    recorded only as a count and the office staff member who follows up; there is no
    field for their names at all.
    """

    __tablename__ = "event_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          unique=True)
    participants: Mapped[int] = mapped_column(Integer)
    follow_up_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str] = mapped_column(Text, default="")  # office only
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    follow_up_user: Mapped[User | None] = relationship(foreign_keys=[follow_up_user_id])


class CalendarToken(db.Model):
    """The secret of a personal calendar feed: only its SHA-256 is stored; revocable."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
