"""The contact log (visits, calls, meetings, messages) and the follow-up queue.

Without an active contact consent no outgoing contact (visit, call, message) may be logged
and no follow-up planned; the family leaves the follow-up queue at once (the queue's query
asks for the consent, so nothing has to be cleaned up when it is given again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...access.families import contact_allowed, contact_consent_clause
from ...extensions import db
from ...models import CONTACT_KINDS, ContactEntry, Family, User, utcnow
from ..audit import Actor
from .common import NOTE_MAX, check_choice, check_text, enc, parse_date, raise_if, record, today
from .records import touch

OUTGOING = ("visit", "call", "message")  # a meeting may be the family coming to the office
WEEK = dt.timedelta(days=7)
NO_CONSENT = _l("The family has not consented to be contacted (or withdrew it): record "
                "their consent first.")


def log_contact(family: Family, data: dict, *, actor: Actor) -> ContactEntry:
    """Log a visit, call, meeting or message: `kind`, `happened_on`, `staff_id` (default the
    actor), `note` (restricted, encrypted), `follow_up_on` (the next follow-up). Open
    follow-ups of the family are done by this contact."""
    errors: list = []
    kind = check_choice(data, "kind", CONTACT_KINDS, errors)
    happened_on = parse_date(data.get("happened_on"), "happened_on", errors, required=True,
                             allow_future=False)
    follow_up_on = parse_date(data.get("follow_up_on"), "follow_up_on", errors)
    note = check_text(data, "note", NOTE_MAX, errors)
    staff_id = data.get("staff_id") or actor.user_id
    staff = db.session.get(User, staff_id) if staff_id else None
    if staff is None or not staff.is_office or not staff.active:
        errors.append(("staff_id", _l("Not a valid choice.")))
    if happened_on and follow_up_on and follow_up_on < happened_on:
        errors.append(("follow_up_on", _l("The follow-up cannot be before the contact.")))
    consent = contact_allowed(family.id)
    if not consent and (kind in OUTGOING or follow_up_on):
        errors.append(("kind" if kind in OUTGOING else "follow_up_on", NO_CONSENT))
    raise_if(errors)
    now = utcnow()
    for entry in family.contacts:
        if entry.follow_up_on and entry.follow_up_done_at is None:
            entry.follow_up_done_at = now
    entry = ContactEntry(kind=kind, happened_on=happened_on, staff_id=staff.id,
                         note_enc=enc("family_contacts", "note_enc", note),
                         follow_up_on=follow_up_on)
    family.contacts.append(entry)
    touch(family)
    db.session.flush()
    record("family_contact_logged", actor, family, contact=entry.id, kind=kind)
    return entry


def complete_follow_up(family: Family, entry: ContactEntry, *, actor: Actor) -> None:
    """Mark a planned follow-up as done (or no longer needed)."""
    if entry.follow_up_done_at is None:
        entry.follow_up_done_at = utcnow()
        db.session.flush()
        record("family_follow_up_done", actor, family, contact=entry.id)


@dataclass
class QueueRow:
    entry: ContactEntry
    family: Family
    overdue: bool


def _open_follow_ups():
    return (select(ContactEntry, Family).join(Family, Family.id == ContactEntry.family_id)
            .where(ContactEntry.follow_up_on.is_not(None),
                   ContactEntry.follow_up_done_at.is_(None),
                   Family.archived_at.is_(None),
                   contact_consent_clause(ContactEntry.family_id)))


def follow_up_queue(staff_id: int | None, *, on: dt.date | None = None,
                    limit: int = 500) -> list[QueueRow]:
    """Open follow-ups that are overdue or due within the week, earliest first; those of
    `staff_id` (None: the whole office). Families without an active contact consent are not
    in it."""
    on = on or today()
    stmt = _open_follow_ups().where(ContactEntry.follow_up_on < on + WEEK)
    if staff_id is not None:
        stmt = stmt.where(ContactEntry.staff_id == staff_id)
    stmt = stmt.order_by(ContactEntry.follow_up_on, ContactEntry.id).limit(limit)
    return [QueueRow(entry, family, entry.follow_up_on < on)
            for entry, family in db.session.execute(stmt)]


def overdue_count(staff_id: int, *, on: dt.date | None = None) -> int:
    """How many of `staff_id`'s follow-ups are overdue: one query on the follow-up index
    (the header's notice)."""
    on = on or today()
    stmt = (select(func.count()).select_from(ContactEntry)
            .join(Family, Family.id == ContactEntry.family_id)
            .where(ContactEntry.staff_id == staff_id,
                   ContactEntry.follow_up_done_at.is_(None),
                   ContactEntry.follow_up_on < on,
                   Family.archived_at.is_(None),
                   contact_consent_clause(ContactEntry.family_id)))
    return db.session.scalar(stmt) or 0


def overdue_family_ids(*, on: dt.date | None = None):
    """A subquery of the families with an overdue follow-up (the list's filter)."""
    on = on or today()
    return (select(ContactEntry.family_id)
            .where(ContactEntry.follow_up_done_at.is_(None),
                   ContactEntry.follow_up_on < on,
                   contact_consent_clause(ContactEntry.family_id)))
