"""Which events a user sees (joint events) and what they may do with one: EventAccess,
the visibility query and the scoped loader.
"""

from __future__ import annotations

from enum import IntFlag

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, and_, or_, select

from ..extensions import db
from ..models import PUBLISHED, Event, EventOrganization, Role
from .coverage import _org_id
from .policy import OFFICE_ROLES


class EventAccess(IntFlag):
    """What a user may do with an event they can see."""

    none = 0
    view = 1
    rsvp = 2  # answer the invitation for their organisation
    contribute = 4  # add agenda items and materials
    manage = 8  # edit, postpone, cancel, confirm, decline, record attendance


MAX_ID = 2**31 - 1  # integer primary keys on both databases


def visible_events(user) -> Select[tuple[Event]]:
    """The events `user` may see, as a Select to refine (filters, order, paging).

    The office sees every event. A partner sees the published events (scheduled, postponed,
    cancelled) its organisation organises, co-organises or is invited to, and the proposals
    its organisation made (also once declined). Nobody else learns that an event exists.
    """
    if user.role in OFFICE_ROLES:
        return select(Event)
    return visible_events_for_org(user.organization_id)


def visible_events_for_org(org) -> Select[tuple[Event]]:
    """The events a partner organisation's accounts see (briefing packs use it too)."""
    org_id = _org_id(org)
    stmt = select(Event)
    takes_part = or_(Event.organizer_org_id == org_id,
                     Event.participants.any(EventOrganization.organization_id == org_id))
    return stmt.where(or_(and_(Event.status.in_(PUBLISHED), takes_part),
                          Event.proposed_by_org_id == org_id))


def event_access(event: Event, user) -> EventAccess:
    """The actions `user` may take on `event` (which they can see)."""
    flags = EventAccess.view
    org_id = user.organization_id
    if org_id in event.org_ids():  # co-organisers and invitees answer; the organiser counts
        flags |= EventAccess.rsvp
    if user.role in OFFICE_ROLES:
        flags |= EventAccess.contribute | EventAccess.manage
    elif user.role == Role.partner_manager.value and (
            org_id == event.organizer_org_id or org_id in event.org_ids("co_organizer")):
        flags |= EventAccess.contribute
    return flags


def get_event_or_404(event_id: int, *, need: EventAccess = EventAccess.view,
                     user=None) -> Event:
    """An event the user may see; 404 if not visible (or absent), 403 if `need` is missing."""
    user = user or current_user
    if not 0 < event_id <= MAX_ID:
        abort(404)  # not even a possible id (and no integer overflow in the database)
    event = db.one_or_404(visible_events(user).where(Event.id == event_id))
    if need not in event_access(event, user):
        abort(403)
    return event
