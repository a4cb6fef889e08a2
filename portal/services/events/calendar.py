"""iCalendar (RFC 5545) output and the secret tokens of personal calendar feeds."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

import icalendar
from flask_babel import force_locale
from sqlalchemy import select, update

from ... import timezones
from ...extensions import db
from ...models import CalendarToken, Event, EventStatus, Organization, User, utcnow
from .. import audit
from ..audit import Actor

PRODID = "-//Documentation Office//Partner Portal//EN"
ICS_STATUS = {EventStatus.scheduled.value: "CONFIRMED", EventStatus.postponed.value: "CONFIRMED",
              EventStatus.cancelled.value: "CANCELLED", EventStatus.proposed.value: "TENTATIVE"}
TOUCH_EVERY = timedelta(minutes=10)


def _location(event: Event, detailed: bool) -> str:
    parts = [event.venue.strip()]
    if detailed and event.address.strip():
        parts.append(event.address.strip())
    if event.online_url:
        parts.append(event.online_url)
    return ", ".join(p for p in parts if p)


def _vevent(event: Event, locale: str, link: str, detailed: bool) -> icalendar.Event:
    from ...labels.events import event_kind_label
    tz = timezones.zone(event.timezone)
    item = icalendar.Event()
    item.add("uid", f"{event.uid}@partner-portal")
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    # Local wall time with a TZID (plus its VTIMEZONE), so calendar programs keep 10:00 in
    # Beirut even when the daylight-saving rules of the viewer differ.
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", event.ends_at.astimezone(tz))
    item.add("summary", event.title(locale))
    item.add("status", ICS_STATUS.get(event.status, "CONFIRMED"))
    item.add("categories", [str(event_kind_label(event.kind))])
    item.add("url", link)
    location = _location(event, detailed)
    if location:
        item.add("location", location)
    description = event.description(locale) if detailed else ""
    item.add("description", "\n\n".join(p for p in (description, link) if p))
    if event.status == EventStatus.cancelled.value:
        item.add("transp", "TRANSPARENT")
    return item


def build_calendar(events: Iterable[Event], *, locale: str, name: str,
                   link_for: Callable[[Event], str], detailed: bool) -> bytes:
    """An iCalendar file of `events`, with a VTIMEZONE for every zone used.

    `detailed` adds descriptions and addresses (an explicit download); a subscribed feed is
    read by outside calendar services, so it carries the title, times, place and a link.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    with force_locale(locale):
        for event in events:
            cal.add_component(_vevent(event, locale, link_for(event), detailed))
    cal.add_missing_timezones()
    return cal.to_ical()


# --- personal feed tokens -----------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(user: User) -> CalendarToken | None:
    return db.session.scalar(select(CalendarToken).where(
        CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None)))


def issue_feed_token(user: User, *, actor: Actor) -> str:
    """A new secret feed address for `user` (the previous one stops working); shown once."""
    revoked = _revoke(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    audit.record("calendar_feed_issued", actor, object_type="user", object_id=user.id,
                 detail={"revoked": revoked})
    return token


def revoke_feed_tokens(user: User, *, actor: Actor) -> int:
    """Stop every feed address of `user`."""
    count = _revoke(user)
    audit.record("calendar_feed_revoked", actor, object_type="user", object_id=user.id,
                 detail={"count": count})
    return count


def _revoke(user: User) -> int:
    return db.session.execute(update(CalendarToken).where(
        CalendarToken.user_id == user.id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount


def user_for_feed_token(token: str) -> User | None:
    """The active account behind a feed token, or None (unknown, revoked, deactivated)."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(CalendarToken).join(User, CalendarToken.user_id == User.id)
        .join(Organization, User.organization_id == Organization.id)
        .where(CalendarToken.token_hash == _hash(token), CalendarToken.revoked_at.is_(None),
               User.active, Organization.active))
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now  # throttled: calendar programs poll often
    return row.user
