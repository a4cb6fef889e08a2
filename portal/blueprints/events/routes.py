"""Events: the upcoming list, the month calendar, the event page and its life cycle
(policy: portal/policy/events.yaml). Participation, content and calendar files are in the
sibling routes_*.py modules, to keep each near 300 lines."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...access import EventAccess, event_access, get_event_or_404, visible_events
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import ACTIVE, Attendance, Event, utcnow
from ...services.events import lifecycle as service
from ...services.events.errors import EventError
from ...services.events.rsvp import seat_summary
from ...web import current_actor
from ..common import commit_or_report
from . import bp, display
from .forms import EventForm, FilterForm, PostponeForm, ReasonForm
from .helpers import (
    apply_error,
    apply_filters,
    event_data,
    fill_event_form,
    filter_args,
    filter_choices,
    setup_event_form,
    zone_field_choices,
)

PER_PAGE = 25


def _filters() -> FilterForm:
    form = FilterForm(formdata=request.args)
    filter_choices(form, current_user)
    form.validate()
    return form


@bp.route("/")
def index():
    form = _filters()
    past = request.args.get("when") == "past"
    stmt = apply_filters(visible_events(current_user), form).options(
        joinedload(Event.organizer))
    now = utcnow()
    stmt = (stmt.where(Event.ends_at < now).order_by(Event.starts_at.desc()) if past
            else stmt.where(Event.ends_at >= now).order_by(Event.starts_at))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("events/index.html", page=page, filters=form, past=past,
                           args=filter_args(form))


def _month() -> tuple[int, int]:
    try:
        year, month = (int(x) for x in request.args.get("month", "").split("-"))
        date(year, month, 1)
        if not 1900 <= year <= 2200:
            raise ValueError
    except ValueError:
        today = utcnow().date()
        year, month = today.year, today.month
    return year, month


@bp.route("/calendar")
def calendar():
    form = _filters()
    year, month = _month()
    first, last = display.grid_bounds(year, month)
    # A day of margin on each side: an event's local day may differ from its UTC day.
    lo = datetime.combine(first - timedelta(days=1), time(), timezone.utc)
    hi = datetime.combine(last + timedelta(days=2), time(), timezone.utc)
    stmt = apply_filters(visible_events(current_user), form).where(
        Event.starts_at < hi, Event.ends_at > lo).order_by(Event.starts_at)
    events = db.session.scalars(stmt).all()
    viewer_zone = current_user.timezone
    weeks = display.month_grid(year, month, events, lambda e: viewer_zone or e.timezone)
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return render_template(
        "events/calendar.html", weeks=weeks, filters=form, args=filter_args(form),
        month_title=display.month_title(year, month), weekdays=display.weekday_names(),
        prev_month="%04d-%02d" % prev_month, next_month="%04d-%02d" % next_month,
        viewer_zone=viewer_zone)


def _event_form(event: Event | None = None, *, office: bool = True) -> EventForm:
    form = EventForm()
    setup_event_form(form, organizer_choices=office)
    if event is not None and request.method == "GET":
        fill_event_form(form, event)
    elif request.method == "GET":
        form.timezone.data = current_user.timezone or "Asia/Beirut"
        if office:
            form.organizer.data = current_user.organization_id
    zone_field_choices(form.timezone, event.timezone if event else None)
    return form


def _flash_overlaps(event: Event) -> None:
    overlaps = service.find_overlaps(event, visible_events(current_user))
    if overlaps:
        flash(ngettext("Note: this event overlaps with %(num)s other event of the same "
                       "organisation.",
                       "Note: this event overlaps with %(num)s other events of the same "
                       "organisation.", len(overlaps)), "warning")


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _event_form()
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc)) as outcome:
            event = service.create_event(event_data(form, form.organizer.data),
                                         actor=current_actor())
        if outcome.ok:
            flash(_("The event was scheduled. The invited organisations were told."), "success")
            _flash_overlaps(event)
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=None, mode="create"), \
        422 if form.is_submitted() else 200


@bp.route("/propose", methods=["GET", "POST"])
def propose():
    form = _event_form(office=False)
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc)) as outcome:
            event = service.propose_event(event_data(form, current_user.organization_id),
                                          actor=current_actor())
        if outcome.ok:
            flash(_("Your proposal was sent to the office, which will confirm or decline it."),
                  "success")
            _flash_overlaps(event)
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=None, mode="propose"), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>")
def detail(event_id: int):
    event = get_event_or_404(event_id)
    access = event_access(event, current_user)
    manage = EventAccess.manage in access
    own_rsvp = next((r for r in event.rsvps
                     if r.organization_id == current_user.organization_id), None)
    attendance = db.session.scalar(select(Attendance).where(Attendance.event_id == event.id))
    overlaps = (service.find_overlaps(event, visible_events(current_user))
                if manage and event.status in (*ACTIVE, "proposed") else [])
    return render_template(
        "events/detail.html", event=event, access=access, EventAccess=EventAccess,
        manage=manage, seats=seat_summary(event), own_rsvp=own_rsvp, attendance=attendance,
        overlaps=overlaps, now=utcnow(), form=EmptyForm(), viewer_zone=current_user.timezone)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.manage)
    form = _event_form(event)
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            changed = service.update_event(event, event_data(form, form.organizer.data),
                                           actor=current_actor())
        if outcome.ok:
            flash(_("Saved. The invited organisations were told of the change.") if changed
                  else _("Nothing was changed."), "success")
            if changed:
                _flash_overlaps(event)
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=event, mode="edit"), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/postpone", methods=["GET", "POST"])
def postpone(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.manage)
    form = PostponeForm()
    if request.method == "GET":
        form.fill_when(event.starts_at, event.ends_at, event.timezone)
    zone_field_choices(form.timezone, event.timezone)
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            service.postpone_event(event, form.starts_at, form.ends_at, form.timezone.data,
                                   form.reason.data or "", actor=current_actor())
        if outcome.ok:
            flash(_("The event was postponed. The invited organisations were told."),
                  "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/postpone.html", form=form, event=event), \
        422 if form.is_submitted() else 200


def _reason_action(event_id: int, action, template: str, done: str):
    event = get_event_or_404(event_id, need=EventAccess.manage)
    form = ReasonForm()
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            action(event, form.reason.data or "", actor=current_actor())
        if outcome.ok:
            flash(done, "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template(template, form=form, event=event), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel(event_id: int):
    return _reason_action(event_id, service.cancel_event, "events/cancel.html",
                          _("The event was cancelled. The invited organisations were told."))


@bp.route("/<int:event_id>/decline", methods=["GET", "POST"])
def decline(event_id: int):
    return _reason_action(event_id, service.decline_event, "events/decline.html",
                          _("The proposal was declined. The proposing organisation was told."))


@bp.route("/<int:event_id>/confirm", methods=["POST"])
def confirm(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.manage)
    if EmptyForm().validate_on_submit():
        with commit_or_report(EventError,
                              lambda exc: apply_error(EmptyForm(), exc, event)) as outcome:
            service.confirm_event(event, actor=current_actor())
        if outcome.ok:
            flash(_("The proposal was confirmed and the invitations were sent."), "success")
    return redirect(url_for("events.detail", event_id=event.id))
