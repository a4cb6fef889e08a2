"""Psychosocial support: series (a course of N sessions), enrolment of family members,
attendance per session kept in the family record, and completion.

Sessions are events of kind psychosocial_support linked to a series (events.pss_series_id).
The event pages keep showing partners only a count of participants (fewer than 5: not shown);
who attended is only in the family record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Event,
    EventKind,
    FamilyMember,
    PssAttendance,
    PssEnrolment,
    PssSeries,
    utcnow,
)
from .. import audit
from ..audit import Actor
from .common import TITLE_MAX, FamilyInvalid, check_text, raise_if, record
from .records import touch

MAX_SESSIONS = 100


def create_series(data: dict, *, actor: Actor) -> PssSeries:
    """A course: `title_en`, `title_ar` (at least one), `sessions_planned` (1-100)."""
    errors: list = []
    title_en = check_text(data, "title_en", TITLE_MAX, errors)
    title_ar = check_text(data, "title_ar", TITLE_MAX, errors)
    if not (title_en or title_ar):
        errors.append(("title_ar", _l("Give the title in Arabic or English.")))
    planned = data.get("sessions_planned")
    if not isinstance(planned, int) or not 1 <= planned <= MAX_SESSIONS:
        errors.append(("sessions_planned", _l("Enter a number from 1 to %(max)s.",
                                              max=MAX_SESSIONS)))
    raise_if(errors)
    series = PssSeries(title_en=title_en, title_ar=title_ar, sessions_planned=planned,
                       created_by_id=actor.user_id)
    db.session.add(series)
    db.session.flush()
    audit.record("pss_series_created", actor, object_type="pss_series", object_id=series.id)
    return series


def add_session(series: PssSeries, event: Event, *, actor: Actor) -> Event:
    """Make a psychosocial-support event a session of the series."""
    if event.kind != EventKind.psychosocial_support.value:
        raise FamilyInvalid([("event_id", _l("Only a psychosocial-support session can be "
                                             "part of a series."))])
    if event.pss_series_id not in (None, series.id):
        raise FamilyInvalid([("event_id", _l("This session belongs to another series."))])
    event.pss_series_id = series.id
    db.session.flush()
    audit.record("pss_session_added", actor, object_type="pss_series", object_id=series.id,
                 detail={"event": event.id})
    return event


def sessions(series: PssSeries) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.pss_series_id == series.id)
                                   .order_by(Event.starts_at, Event.id)))


def enrol_member(series: PssSeries, member: FamilyMember, *, actor: Actor) -> PssEnrolment:
    """Enrol a family member in a series (once)."""
    existing = db.session.scalar(select(PssEnrolment).where(
        PssEnrolment.series_id == series.id, PssEnrolment.member_id == member.id))
    if existing is not None:
        raise FamilyInvalid([("member_id", _l("Already enrolled in this series."))])
    enrolment = PssEnrolment(series_id=series.id, member_id=member.id)
    db.session.add(enrolment)
    touch(member.family)
    db.session.flush()
    record("pss_enrolled", actor, member.family, series=series.id, member=member.id)
    return enrolment


def record_attendance(series: PssSeries, event: Event, attended_ids: set[int], *,
                      actor: Actor) -> None:
    """Who of the enrolled came to one session of the series (the others did not)."""
    if event.pss_series_id != series.id:
        raise FamilyInvalid([("event_id", _l("This session is not part of the series."))])
    for enrolment in series.enrolments:
        row = db.session.get(PssAttendance, (enrolment.id, event.id))
        if row is None:
            row = PssAttendance(enrolment_id=enrolment.id, event_id=event.id)
            db.session.add(row)
        row.attended = enrolment.id in attended_ids
    db.session.flush()
    audit.record("pss_attendance_recorded", actor, object_type="pss_series",
                 object_id=series.id, detail={"event": event.id,
                                              "attended": len(attended_ids)})


def complete_enrolment(enrolment: PssEnrolment, *, actor: Actor) -> PssEnrolment:
    """Mark a member's course as completed."""
    if enrolment.completed_at is None:
        enrolment.completed_at = utcnow()
        touch(enrolment.member.family)
        db.session.flush()
        record("pss_completed", actor, enrolment.member.family, series=enrolment.series_id,
               member=enrolment.member_id)
    return enrolment


def attended_count(enrolment: PssEnrolment) -> int:
    return sum(1 for a in enrolment.attendance if a.attended)
