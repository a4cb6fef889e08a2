"""Psychosocial-support series: a course of N sessions (events of kind psychosocial_support),
the members enrolled, and attendance per session. Office only; who attended stays in the
family record, the event pages show partners a count only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...access import MAX_ID
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import Event, EventKind, PssAttendance, PssSeries
from ...services import audit
from ...services import families as svc
from ...services.families.pss import attended_count, sessions
from ...services.families.read import family_label, member_name
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import SeriesForm, SessionForm
from .helpers import form_errors_from, language, to_int


def _series_or_404(series_id: int) -> PssSeries:
    if not 0 < series_id <= MAX_ID:
        abort(404)
    return db.get_or_404(PssSeries, series_id)


@bp.route("/pss/")
def pss_index():
    series = db.session.scalars(select(PssSeries).order_by(PssSeries.id.desc())).all()
    return render_template("families/pss_index.html", series=series, lang=language())


@bp.route("/pss/new", methods=["GET", "POST"])
def pss_new():
    form = SeriesForm()
    if form.validate_on_submit():
        made = []
        planned = (form.sessions_planned.data or "").strip()
        data = {"title_ar": form.title_ar.data, "title_en": form.title_en.data,
                "sessions_planned": int(planned) if planned.isdigit() and len(planned) < 4
                else None}
        with commit_or_report(svc.FamilyInvalid, lambda exc: form_errors_from(form, exc)) as out:
            made.append(svc.create_series(data, actor=current_actor()))
        if out.ok:
            flash(_("The series was created."), "success")
            return redirect(url_for("families.pss_detail", series_id=made[0].id))
    return render_template("families/form.html", family=None, form=form,
                           title=_("New psychosocial-support series"),
                           fields=["title_ar", "title_en", "sessions_planned"], extra=None,
                           dirs={"sessions_planned": "ltr"}), \
        422 if form.is_submitted() else 200


@bp.route("/pss/<int:series_id>", methods=["GET", "POST"])
def pss_detail(series_id: int):
    """The series: its sessions, who is enrolled (from which family), attendance; the form
    that adds a session."""
    series = _series_or_404(series_id)
    form = SessionForm()
    lang = language()
    free = db.session.scalars(select(Event).where(
        Event.kind == EventKind.psychosocial_support.value, Event.pss_series_id.is_(None))
        .order_by(Event.starts_at.desc()).limit(200)).all()
    form.event_id.choices = [("", _("— choose —"))] + [
        (str(e.id), f"{e.title(lang)} · {e.starts_at:%Y-%m-%d}") for e in free]
    if form.validate_on_submit():
        event = db.session.get(Event, to_int(form.event_id.data) or 0)
        with commit_or_report(svc.FamilyInvalid, lambda exc: form_errors_from(form, exc)) as out:
            if event is None:
                raise svc.FamilyInvalid([("event_id", _("Not a valid choice."))])
            svc.add_session(series, event, actor=current_actor())
        if out.ok:
            flash(_("The session was added to the series."), "success")
            return redirect(url_for("families.pss_detail", series_id=series.id))
    rows = [(e, e.member.family, family_label(e.member.family), member_name(e.member),
             attended_count(e)) for e in series.enrolments]
    audit.record("pss_series_viewed", current_actor(), object_type="pss_series",
                 object_id=series.id)
    db.session.commit()
    return render_template("families/pss_detail.html", series=series, form=form,
                           sessions=sessions(series), rows=rows, lang=lang), \
        422 if form.is_submitted() else 200


@bp.route("/pss/<int:series_id>/attendance/<int:event_id>", methods=["GET", "POST"])
def pss_attendance(series_id: int, event_id: int):
    series = _series_or_404(series_id)
    event = next((e for e in sessions(series) if e.id == event_id), None)
    if event is None:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        chosen = {to_int(v) for v in request.form.getlist("attended")} - {None}
        with commit_or_report(svc.FamilyInvalid, lambda exc: None) as out:
            svc.record_attendance(series, event, chosen, actor=current_actor())
        if out.ok:
            flash(_("Attendance was recorded."), "success")
            return redirect(url_for("families.pss_detail", series_id=series.id))
    came = {a.enrolment_id for a in db.session.scalars(select(PssAttendance).where(
        PssAttendance.event_id == event.id, PssAttendance.attended.is_(True)))}
    rows = [(e, family_label(e.member.family), member_name(e.member), e.id in came)
            for e in series.enrolments]
    # Who is enrolled, from which family: a read of family data, audited like the series.
    audit.record("pss_series_viewed", current_actor(), object_type="pss_series",
                 object_id=series.id, detail={"event": event.id, "form": "attendance"})
    db.session.commit()
    return render_template("families/pss_attendance.html", series=series, event=event,
                           rows=rows, form=form, lang=language())
