"""Event notifications through the outbox, each in its recipient's language.

A message says what happened, when, and links to the portal; it never carries the
description, the address or anything about participants: mail leaves our servers.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ... import timezones
from ...extensions import db
from ...models import Event, Organization, Role, User
from ..audit import Actor
from ..mail import queue_mail

_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f\u2028\u2029]+")


def event_link(event: Event) -> str:
    """The event page's absolute address (a path when there is no server name, e.g. CLI)."""
    try:
        return url_for("events.detail", event_id=event.id, _external=True)
    except RuntimeError:
        return f"/events/{event.id}"


def _recipients(org_ids: set[int], actor: Actor, roles: tuple[str, ...] | None = None):
    stmt = (select(User).join(Organization, User.organization_id == Organization.id)
            .where(User.organization_id.in_(org_ids), User.active, Organization.active)
            .order_by(User.id))
    if roles:
        stmt = stmt.where(User.role.in_(roles))
    return [u for u in db.session.scalars(stmt) if u.id != actor.user_id]


def _when(start: datetime, end: datetime, zone_name: str, user: User, locale: str) -> str:
    text = _("%(start)s to %(end)s, %(zone)s time",
             start=timezones.format_local(start, zone_name, locale),
             end=timezones.format_local(end, zone_name, locale), zone=zone_name)
    if user.timezone and timezones.is_valid_zone(user.timezone) and user.timezone != zone_name:
        text += "\n" + _("In your time zone (%(zone)s): %(start)s to %(end)s",
                         zone=user.timezone,
                         start=timezones.format_local(start, user.timezone, locale),
                         end=timezones.format_local(end, user.timezone, locale))
    return text


def _message(what: str, event: Event, user: User, old, reason: str) -> tuple[str, str]:
    locale = user.preferred_locale or "en"
    title = _LINE_BREAKS.sub(" ", event.title(locale))[:200]
    when = _when(event.starts_at, event.ends_at, event.timezone, user, locale)
    subjects = {
        "invited": _("Invitation: %(title)s", title=title),
        "changed": _("Changed: %(title)s", title=title),
        "postponed": _("Postponed: %(title)s", title=title),
        "cancelled": _("Cancelled: %(title)s", title=title),
        "proposed": _("Proposal to review: %(title)s", title=title),
        "confirmed": _("Proposal confirmed: %(title)s", title=title),
        "declined": _("Proposal declined: %(title)s", title=title),
        "seats": _("Seats confirmed: %(title)s", title=title),
    }
    intros = {
        "invited": _("Your organisation is invited to this event."),
        "changed": _("The details of this event have changed."),
        "postponed": _("This event was postponed."),
        "cancelled": _("This event was cancelled."),
        "proposed": _("A partner organisation proposed this event. Please confirm or "
                      "decline it."),
        "confirmed": _("The office confirmed the event your organisation proposed."),
        "declined": _("The office declined the event your organisation proposed."),
        "seats": _("Seats have become free: your organisation's places are now confirmed."),
    }
    parts = [intros[what], "", title, _("When: %(when)s", when=when)]
    if old is not None and tuple(old) != (event.starts_at, event.ends_at, event.timezone):
        parts.append(_("Before: %(when)s", when=_when(*old, user, locale)))
    if reason.strip():
        parts.append(_("Reason: %(reason)s", reason=reason.strip()))
    parts += ["", _("Details in the partner portal: %(link)s", link=event_link(event))]
    return subjects[what][:300], "\n".join(parts)


def audience(event: Event) -> set[int]:
    """The organisations told of changes: the guests, and the organiser if it is a partner."""
    org_ids = event.org_ids()
    if not event.organizer.is_office:
        org_ids.add(event.organizer_org_id)
    return org_ids


def notify(event: Event, what: str, *, actor: Actor, org_ids: set[int] | None = None,
           old=None, reason: str = "") -> int:
    """Queue `what` for the users of `org_ids` (default: the guests for an invitation, the
    whole audience otherwise)."""
    if org_ids is None:
        org_ids = event.org_ids() if what == "invited" else audience(event)
    org_ids = {oid for oid in org_ids if oid}
    if not org_ids:
        return 0
    count = 0
    for user in _recipients(org_ids, actor):
        with force_locale(user.preferred_locale or "en"):
            subject, body = _message(what, event, user, old, reason)
        queue_mail(user.email, subject, body)
        count += 1
    return count


def notify_office(event: Event, what: str, *, actor: Actor) -> int:
    """Tell the office staff (for example of a new proposal to review)."""
    office_ids = set(db.session.scalars(select(Organization.id).where(
        Organization.kind == "office", Organization.active)))
    count = 0
    for user in _recipients(office_ids, actor, (Role.admin.value, Role.staff.value)):
        with force_locale(user.preferred_locale or "en"):
            subject, body = _message(what, event, user, None, "")
        queue_mail(user.email, subject, body)
        count += 1
    return count
