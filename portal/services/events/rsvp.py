"""Answers to invitations (seats and a first-come waiting list) and attendance afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import ACTIVE, Attendance, Event, Role, Rsvp, User, utcnow
from .. import audit
from ..audit import Actor
from .errors import EventError

RESPONSES = ("yes", "maybe", "no")
MAX_SEATS = 500


@dataclass(frozen=True)
class SeatSummary:
    capacity: int | None
    confirmed: int
    waiting: int
    waiting_orgs: int
    maybe: int
    declined_orgs: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.confirmed, 0)


def _rsvps(event: Event) -> list[Rsvp]:
    return list(db.session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)
                                   .order_by(Rsvp.id)))


def seat_summary(event: Event) -> SeatSummary:
    """The numbers against capacity that organisers and guests see."""
    rows = _rsvps(event)
    waiting = [r for r in rows if r.waitlist_position is not None]
    return SeatSummary(
        capacity=event.capacity, confirmed=sum(r.confirmed_seats for r in rows),
        waiting=sum(r.seats for r in waiting), waiting_orgs=len(waiting),
        maybe=sum(r.seats for r in rows if r.response == "maybe"),
        declined_orgs=sum(1 for r in rows if r.response == "no"))


def _fits(event: Event, rows: list[Rsvp], rsvp: Rsvp, seats: int) -> bool:
    if event.capacity is None:
        return True
    taken = sum(r.confirmed_seats for r in rows if r is not rsvp)
    return taken + seats <= event.capacity


def respond(event: Event, org_id: int, response: str, seats: int, *, actor: Actor) -> Rsvp:
    """Record an organisation's answer; beyond capacity it joins the waiting list."""
    if event.status not in ACTIVE:
        raise EventError("rsvp_closed")
    if event.starts_at <= utcnow():
        raise EventError("rsvp_past")
    if response not in RESPONSES:
        raise EventError("bad_response", "response")
    seats = 0 if response == "no" else int(seats or 0)
    if response == "yes" and not 1 <= seats <= MAX_SEATS:
        raise EventError("seats_required", "seats")
    rows = _rsvps(event)
    rsvp = next((r for r in rows if r.organization_id == org_id), None)
    if rsvp is None:
        rsvp = Rsvp(event_id=event.id, organization_id=org_id, response="no", seats=0)
        db.session.add(rsvp)
        rows.append(rsvp)
    was_confirmed = rsvp.confirmed_seats > 0
    if response == "yes" and was_confirmed and not _fits(event, rows, rsvp, seats):
        # Never lose confirmed seats by asking for more: say how many are still free.
        free = event.capacity - sum(r.confirmed_seats for r in rows if r is not rsvp)
        raise EventError("seats_not_free", "seats", free=free)
    queue_ahead = any(r.waitlist_position is not None for r in rows if r is not rsvp)
    if response != "yes":
        rsvp.waitlist_position = None
    elif was_confirmed or (not queue_ahead and _fits(event, rows, rsvp, seats)):
        rsvp.waitlist_position = None
    elif rsvp.waitlist_position is None:
        rsvp.waitlist_position = 1 + max((r.waitlist_position or 0) for r in rows)
    rsvp.response, rsvp.seats, rsvp.user_id = response, seats, actor.user_id
    rsvp.updated_at = utcnow()
    db.session.flush()
    promote_waiting(event, actor=actor)
    audit.record("event_rsvp", actor, object_type="event", object_id=event.id,
                 detail={"rsvp": rsvp.id, "seats": seats,
                         "waiting": rsvp.waitlist_position is not None})
    return rsvp


def promote_waiting(event: Event, *, actor: Actor) -> list[Rsvp]:
    """Give freed seats to the waiting list, first come first served; renumber the rest."""
    from .notify import notify
    rows = _rsvps(event)
    waiting = sorted((r for r in rows if r.waitlist_position is not None),
                     key=lambda r: r.waitlist_position)
    promoted = []
    for rsvp in waiting:
        if not _fits(event, rows, rsvp, rsvp.seats):
            break  # strictly in order: a smaller request later in the queue does not jump it
        rsvp.waitlist_position = None
        promoted.append(rsvp)
    for position, rsvp in enumerate((r for r in waiting if r not in promoted), start=1):
        rsvp.waitlist_position = position
    db.session.flush()
    if promoted:
        notify(event, "seats", actor=actor, org_ids={r.organization_id for r in promoted})
        audit.record("event_waitlist_promoted", actor, object_type="event", object_id=event.id,
                     detail={"rsvps": [r.id for r in promoted]})
    return promoted


def follow_up_candidates() -> list[User]:
    """Office staff who can follow up the participants of a support session."""
    return list(db.session.scalars(select(User).where(
        User.role.in_((Role.admin.value, Role.staff.value)), User.active).order_by(User.name)))


def record_attendance(event: Event, participants: int, *, follow_up_user_id: int | None,
                      notes: str, attended_org_ids: set[int], actor: Actor) -> Attendance:
    """Record who came, after the event: a count (never names) and, for support sessions,
    the office staff member who follows up."""
    if event.status not in ACTIVE:
        raise EventError("attendance_closed")
    if event.starts_at > utcnow():
        raise EventError("attendance_too_early")
    if participants is None or not 0 <= participants <= 100_000:
        raise EventError("bad_count", "participants")
    if follow_up_user_id is not None:
        if follow_up_user_id not in {u.id for u in follow_up_candidates()}:
            raise EventError("follow_up_not_staff", "follow_up")
    elif event.is_psychosocial:
        raise EventError("follow_up_required", "follow_up")
    attendance = db.session.scalar(select(Attendance).where(Attendance.event_id == event.id))
    if attendance is None:
        attendance = Attendance(event_id=event.id)
        db.session.add(attendance)
    attendance.participants, attendance.follow_up_user_id = participants, follow_up_user_id
    attendance.notes, attendance.recorded_by_id = notes.strip(), actor.user_id
    attendance.recorded_at = utcnow()
    for participant in event.participants:
        participant.attended = participant.organization_id in attended_org_ids
    db.session.flush()
    audit.record("event_attendance", actor, object_type="event", object_id=event.id,
                 detail={"participants": participants, "orgs": len(attended_org_ids)})
    return attendance
