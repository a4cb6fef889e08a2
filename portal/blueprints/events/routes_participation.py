"""Answering an invitation (RSVP) and recording attendance after the event."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...access import EventAccess, get_event_or_404
from ...extensions import db
from ...models import Attendance
from ...services.events.errors import EventError
from ...services.events.rsvp import follow_up_candidates, record_attendance, respond, seat_summary
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import AttendanceForm, RsvpForm
from .helpers import apply_error, org_label


@bp.route("/<int:event_id>/rsvp", methods=["GET", "POST"])
def rsvp(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.rsvp)
    own = next((r for r in event.rsvps if r.organization_id == current_user.organization_id),
               None)
    form = RsvpForm()
    if request.method == "GET" and own is not None:
        form.response.data, form.seats.data = own.response, own.seats
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            answer = respond(event, current_user.organization_id, form.response.data,
                             form.seats.data or 0, actor=current_actor())
        if outcome.ok:
            if answer.waitlist_position is not None:
                flash(_("Your answer was saved. The event is full: your organisation is number "
                        "%(position)s on the waiting list.",
                        position=answer.waitlist_position), "warning")
            else:
                flash(_("Your answer was saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/rsvp.html", form=form, event=event, own=own,
                           seats=seat_summary(event)), 422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/attendance", methods=["GET", "POST"])
def attendance(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.manage)
    current = db.session.scalar(select(Attendance).where(Attendance.event_id == event.id))
    form = AttendanceForm()
    form.follow_up.choices = [(0, "—")] + [(u.id, u.name) for u in follow_up_candidates()]
    form.attended.choices = [(p.organization_id, org_label(p.organization))
                             for p in event.participants]
    if request.method == "GET" and current is not None:
        form.participants.data, form.notes.data = current.participants, current.notes
        form.follow_up.data = current.follow_up_user_id or 0
        form.attended.data = [p.organization_id for p in event.participants if p.attended]
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            record_attendance(event, form.participants.data,
                              follow_up_user_id=form.follow_up.data or None,
                              notes=form.notes.data or "", attended_org_ids=set(
                                  form.attended.data or []), actor=current_actor())
        if outcome.ok:
            flash(_("Attendance was recorded."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/attendance.html", form=form, event=event), \
        422 if form.is_submitted() else 200
