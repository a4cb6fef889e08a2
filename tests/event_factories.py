"""Builders for event tests. All names are fictional."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from portal.extensions import db
from portal.models import Event, EventOrganization, Rsvp
from portal.timezones import local_to_utc

BEIRUT = "Asia/Beirut"


def beirut(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(day, time(hour, minute), BEIRUT)


def make_event(organizer, *, invited=(), co=(), status="scheduled", kind="workshop",
               starts_at: datetime | None = None, hours: int = 3, capacity=None,
               title="Fictional workshop", zone=BEIRUT, proposed_by=None, **kw) -> Event:
    starts_at = starts_at or datetime(2026, 4, 20, 7, 0, tzinfo=timezone.utc)
    event = Event(kind=kind, status=status, title_en=title, title_ar=kw.pop("title_ar", "ورشة"),
                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), timezone=zone,
                  venue=kw.pop("venue", "Fictional Hall"), organizer_org_id=organizer.id,
                  capacity=capacity,
                  proposed_by_org_id=proposed_by.id if proposed_by is not None else None, **kw)
    for org in invited:
        event.participants.append(EventOrganization(organization_id=org.id, role="invited"))
    for org in co:
        event.participants.append(EventOrganization(organization_id=org.id, role="co_organizer"))
    db.session.add(event)
    db.session.flush()
    return event


def rsvp(event, org, response="yes", seats=1, position=None) -> Rsvp:
    row = Rsvp(event_id=event.id, organization_id=org.id, response=response, seats=seats,
               waitlist_position=position)
    db.session.add(row)
    db.session.flush()
    return row


def form_data(**overrides) -> dict:
    """A valid event form (a Beirut workshop on 2026-04-20, 10:00-13:00)."""
    data = {"kind": "workshop", "title_en": "Fictional workshop on enforced disappearance",
            "title_ar": "ورشة وهمية عن الإخفاء القسري", "description_en": "Fictional.",
            "description_ar": "", "start_date": "2026-04-20", "start_time": "10:00",
            "end_date": "2026-04-20", "end_time": "13:00", "timezone": BEIRUT,
            "venue": "Fictional Hall", "address": "1 Example Street", "online_url": "",
            "capacity": "", "languages": ["ar", "en"]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
