"""Events: create, propose, confirm, decline, edit, postpone, cancel. Flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Select, delete, func, or_, select

from ... import timezones
from ...extensions import db
from ...models import (
    ACTIVE,
    Event,
    EventChange,
    EventKind,
    EventOrganization,
    EventStatus,
    Organization,
    Rsvp,
    utcnow,
)
from .. import audit
from ..audit import Actor
from .errors import EventError


@dataclass
class EventData:
    """Validated input for creating or editing an event (times already in UTC)."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    organizer_org_id: int
    title_en: str = ""
    title_ar: str = ""
    description_en: str = ""
    description_ar: str = ""
    venue: str = ""
    address: str = ""
    online_url: str = ""
    capacity: int | None = None
    languages: list[str] = field(default_factory=list)
    co_organizer_ids: list[int] = field(default_factory=list)
    invited_ids: list[int] = field(default_factory=list)


SCALARS = ("kind", "title_en", "title_ar", "description_en", "description_ar", "starts_at",
           "ends_at", "timezone", "venue", "address", "online_url", "capacity",
           "organizer_org_id")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def check_link(url: str, field_name: str = "online_url") -> str:
    """Return `url` if it is an absolute http(s) link without credentials; else refuse."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise EventError("bad_link", field_name) from None
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or parts.username or parts.password or _CONTROL.search(url)):
        raise EventError("bad_link", field_name)
    return url


def confirmed_seats(event: Event) -> int:
    """Seats confirmed (answered yes, not on the waiting list) for `event`."""
    return db.session.scalar(select(func.coalesce(func.sum(Rsvp.seats), 0)).where(
        Rsvp.event_id == event.id, Rsvp.response == "yes",
        Rsvp.waitlist_position.is_(None))) or 0


def _check(data: EventData, event: Event | None = None) -> None:
    if data.kind not in {k.value for k in EventKind}:
        raise EventError("bad_kind", "kind")
    if not (data.title_en.strip() or data.title_ar.strip()):
        raise EventError("title_missing", "title_en")
    if not timezones.is_valid_zone(data.timezone):
        raise EventError("bad_zone", "timezone")
    if data.ends_at <= data.starts_at:
        raise EventError("end_before_start", "end_time")
    if data.online_url:
        data.online_url = check_link(data.online_url)
    if not (data.venue.strip() or data.online_url):
        raise EventError("place_missing", "venue")
    if data.capacity is not None and data.capacity < 1:
        raise EventError("capacity_too_small", "capacity")
    if data.capacity is not None and event is not None:
        taken = confirmed_seats(event)
        if data.capacity < taken:
            raise EventError("capacity_below_confirmed", "capacity", seats=taken)
    org_ids = {data.organizer_org_id, *data.co_organizer_ids, *data.invited_ids}
    found = set(db.session.scalars(select(Organization.id).where(
        Organization.id.in_(org_ids), Organization.active)))
    if found != org_ids:
        raise EventError("bad_organisation", "invited")


def _apply(event: Event, data: EventData) -> list[str]:
    """Copy `data` onto `event`; return the names of the fields that changed."""
    changed = []
    for name in SCALARS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    languages = ",".join(sorted(set(data.languages)))
    if event.languages != languages:
        event.languages, changed = languages, [*changed, "languages"]
    if _set_participants(event, data):
        changed.append("organisations")
    return changed


def _set_participants(event: Event, data: EventData) -> bool:
    wanted = {oid: "invited" for oid in data.invited_ids}
    wanted.update({oid: "co_organizer" for oid in data.co_organizer_ids})
    wanted.pop(data.organizer_org_id, None)  # the organiser is not also a guest
    current = {p.organization_id: p for p in event.participants}
    changed = False
    for oid, participant in current.items():
        if oid not in wanted:
            event.participants.remove(participant)
            changed = True
        elif participant.role != wanted[oid]:
            participant.role, changed = wanted[oid], True
    for oid, role in wanted.items():
        if oid not in current:
            event.participants.append(EventOrganization(organization_id=oid, role=role))
            changed = True
    return changed


def _history(event: Event, action: str, actor: Actor, *, old: tuple | None = None,
             reason: str = "") -> None:
    change = EventChange(action=action, actor_id=actor.user_id, reason=reason.strip()[:500],
                         new_starts_at=event.starts_at, new_ends_at=event.ends_at,
                         new_timezone=event.timezone)
    if old:
        change.old_starts_at, change.old_ends_at, change.old_timezone = old
    event.changes.append(change)


def _when(event: Event) -> tuple[datetime, datetime, str]:
    return event.starts_at, event.ends_at, event.timezone


def _new_event(data: EventData, status: str, actor: Actor, **extra) -> Event:
    _check(data)
    event = Event(status=status, created_by_id=actor.user_id, **extra)
    _apply(event, data)
    db.session.add(event)
    return event


def _opened(event: Event, action: str, actor: Actor) -> Event:
    """Record a new event's first history entry (`action`) and audit it."""
    _history(event, action, actor)
    db.session.flush()
    audit.record(f"event_{action}", actor, object_type="event", object_id=event.id,
                 detail={"orgs": len(event.participants)})
    return event


def create_event(data: EventData, *, actor: Actor) -> Event:
    """Schedule an event (office staff): invitees are told through the outbox."""
    from .notify import notify
    event = _opened(_new_event(data, EventStatus.scheduled.value, actor), "created", actor)
    notify(event, "invited", actor=actor)
    return event


def propose_event(data: EventData, *, actor: Actor) -> Event:
    """A partner manager proposes a joint event; the office confirms or declines it."""
    from .notify import notify_office
    data.organizer_org_id = actor.org_id
    event = _opened(_new_event(data, EventStatus.proposed.value, actor,
                               proposed_by_org_id=actor.org_id), "proposed", actor)
    notify_office(event, "proposed", actor=actor)
    return event


def _require(event: Event, statuses: tuple[str, ...]) -> None:
    if event.status not in statuses:
        raise EventError("bad_state")


def confirm_event(event: Event, *, actor: Actor) -> None:
    """Accept a proposal: it is scheduled and the invitations go out."""
    from .notify import notify
    _require(event, (EventStatus.proposed.value,))
    event.status, event.updated_at = EventStatus.scheduled.value, utcnow()
    event.sequence += 1
    _history(event, "confirmed", actor)
    audit.record("event_confirmed", actor, object_type="event", object_id=event.id)
    notify(event, "invited", actor=actor)  # the guests; the proposer hears "confirmed"
    notify(event, "confirmed", actor=actor, org_ids={event.proposed_by_org_id})


def decline_event(event: Event, reason: str, *, actor: Actor) -> None:
    """Turn a proposal down, with a reason the proposing organisation sees."""
    from .notify import notify
    _require(event, (EventStatus.proposed.value,))
    event.status, event.updated_at = EventStatus.declined.value, utcnow()
    _history(event, "declined", actor, reason=reason)
    audit.record("event_declined", actor, object_type="event", object_id=event.id)
    notify(event, "declined", actor=actor, org_ids={event.proposed_by_org_id}, reason=reason)


def update_event(event: Event, data: EventData, *, actor: Actor) -> list[str]:
    """Edit an event; a change of time is kept in the history; invitees are told."""
    from .notify import audience, notify
    from .rsvp import promote_waiting
    _require(event, (EventStatus.proposed.value, *ACTIVE))
    _check(data, event)
    before, old_guests = _when(event), event.org_ids()
    changed = _apply(event, data)
    if not changed:
        return changed
    event.updated_at = utcnow()
    event.sequence += 1
    moved = _when(event) != before
    _history(event, "rescheduled" if moved else "edited", actor, old=before if moved else None)
    if moved:
        _shift_agenda(event, before)
    db.session.flush()
    # An organisation no longer invited loses its answer (and its seats go to the queue).
    dropped = db.session.execute(delete(Rsvp).where(
        Rsvp.event_id == event.id, Rsvp.organization_id.not_in(event.org_ids()))).rowcount
    promote_waiting(event, actor=actor)
    audit.record("event_updated", actor, object_type="event", object_id=event.id,
                 detail={"fields": changed, "rsvps_dropped": dropped})
    if event.status in ACTIVE:
        new_guests = event.org_ids() - old_guests
        notify(event, "changed", actor=actor, org_ids=audience(event) - new_guests, old=before)
        notify(event, "invited", actor=actor, org_ids=new_guests)
    return changed


def postpone_event(event: Event, starts_at: datetime, ends_at: datetime, zone_name: str,
                   reason: str, *, actor: Actor) -> None:
    """Move an event to new dates; the old dates stay in the history; invitees are told."""
    from .notify import notify
    _require(event, ACTIVE)
    if not timezones.is_valid_zone(zone_name):
        raise EventError("bad_zone", "timezone")
    if ends_at <= starts_at:
        raise EventError("end_before_start", "end_time")
    before = _when(event)
    if (starts_at, ends_at, zone_name) == before:
        raise EventError("same_dates", "start_date")
    event.starts_at, event.ends_at, event.timezone = starts_at, ends_at, zone_name
    event.status, event.updated_at = EventStatus.postponed.value, utcnow()
    event.sequence += 1
    _shift_agenda(event, before)
    _history(event, "postponed", actor, old=before, reason=reason)
    audit.record("event_postponed", actor, object_type="event", object_id=event.id)
    notify(event, "postponed", actor=actor, old=before, reason=reason)


def cancel_event(event: Event, reason: str, *, actor: Actor) -> None:
    """Call an event off; it stays on calendars marked as cancelled; invitees are told."""
    from .notify import notify
    _require(event, ACTIVE)
    event.status, event.updated_at = EventStatus.cancelled.value, utcnow()
    event.sequence += 1
    _history(event, "cancelled", actor, reason=reason)
    audit.record("event_cancelled", actor, object_type="event", object_id=event.id)
    notify(event, "cancelled", actor=actor, reason=reason)


def _shift_agenda(event: Event, before: tuple[datetime, datetime, str]) -> None:
    """Keep agenda items at the same wall-clock offset from the (new) start."""
    old_start, _end, old_zone = before
    old_local = timezones.to_local(old_start, old_zone).replace(tzinfo=None)
    new_local = timezones.to_local(event.starts_at, event.timezone).replace(tzinfo=None)
    for item in event.agenda:
        wall = timezones.to_local(item.starts_at, old_zone).replace(tzinfo=None)
        moved = wall - old_local + new_local
        try:
            item.starts_at = timezones.local_to_utc(moved.date(), moved.time(), event.timezone)
        except timezones.NonexistentLocalTime:
            item.starts_at = item.starts_at + (event.starts_at - old_start)


def find_overlaps(event: Event, within: Select) -> list[Event]:
    """Other events of the same organisers at overlapping times, among `within`."""
    orgs = {event.organizer_org_id, *event.org_ids("co_organizer")}
    co_organised = Event.participants.any(EventOrganization.organization_id.in_(orgs)
                                          & (EventOrganization.role == "co_organizer"))
    stmt = within.where(
        Event.id != event.id, Event.status.in_((*ACTIVE, EventStatus.proposed.value)),
        Event.starts_at < event.ends_at, Event.ends_at > event.starts_at,
        or_(Event.organizer_org_id.in_(orgs), co_organised)).order_by(Event.starts_at)
    return list(db.session.scalars(stmt).unique())
