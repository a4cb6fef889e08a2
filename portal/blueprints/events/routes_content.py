"""Agenda items and materials of an event."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ... import timezones
from ...access import MAX_ID, EventAccess, get_event_or_404
from ...extensions import db
from ...forms_common import EmptyForm
from ...models import AgendaItem, Material
from ...services import audit
from ...services.events.content import (
    ALLOWED_TYPES,
    add_agenda_item,
    add_file,
    add_link,
    delete_agenda_item,
    delete_material,
    material_path,
    max_upload_bytes,
)
from ...services.events.errors import EventError
from ...web import current_actor
from ..common import commit_or_report
from . import bp
from .forms import AgendaForm, MaterialForm
from .helpers import apply_error


def _redirect(event_id: int):
    return redirect(url_for("events.detail", event_id=event_id))


def _agenda_error(form: AgendaForm, event, exc: Exception) -> None:
    if isinstance(exc, timezones.NonexistentLocalTime):
        form.time.errors.append(_("This time does not exist in the event's time zone: "
                                  "the clocks change that night."))
    else:
        apply_error(form, exc, event)


@bp.route("/<int:event_id>/agenda/new", methods=["GET", "POST"])
def agenda_add(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.contribute)
    form = AgendaForm()
    if request.method == "GET":
        form.day.data = timezones.to_local(event.starts_at, event.timezone).date()
    if form.validate_on_submit():
        with commit_or_report((timezones.NonexistentLocalTime, EventError),
                              lambda exc: _agenda_error(form, event, exc)) as outcome:
            starts_at = timezones.local_to_utc(form.day.data, form.time.data, event.timezone)
            add_agenda_item(event, starts_at, form.title.data, form.speaker.data or "",
                            form.notes.data or "", actor=current_actor())
        if outcome.ok:
            flash(_("The agenda item was added."), "success")
            return _redirect(event.id)
    return render_template("events/agenda_form.html", form=form, event=event), \
        422 if form.is_submitted() else 200


@bp.route("/<int:event_id>/agenda/<int:item_id>/delete", methods=["POST"])
def agenda_delete(event_id: int, item_id: int):
    event = get_event_or_404(event_id, need=EventAccess.contribute)
    if item_id > MAX_ID:
        abort(404)
    item = db.first_or_404(select(AgendaItem).where(AgendaItem.id == item_id,
                                                    AgendaItem.event_id == event.id))
    if EmptyForm().validate_on_submit():
        delete_agenda_item(item, actor=current_actor())
        db.session.commit()
        flash(_("The agenda item was removed."), "success")
    return _redirect(event.id)


@bp.route("/<int:event_id>/materials/new", methods=["GET", "POST"])
def material_add(event_id: int):
    event = get_event_or_404(event_id, need=EventAccess.contribute)
    form = MaterialForm()
    if form.validate_on_submit():
        with commit_or_report(EventError, lambda exc: apply_error(form, exc, event)) as outcome:
            if form.file.data:
                add_file(event, form.title.data, form.file.data.filename or "",
                         form.file.data.stream, actor=current_actor())
            else:
                add_link(event, form.title.data, form.url.data, actor=current_actor())
        if outcome.ok:
            flash(_("The material was added."), "success")
            return _redirect(event.id)
    return render_template("events/material_form.html", form=form, event=event,
                           types=sorted(ALLOWED_TYPES), max_bytes=max_upload_bytes()), 422 if form.is_submitted() else 200


def _material_or_404(event_id: int, material_id: int, need: EventAccess) -> Material:
    event = get_event_or_404(event_id, need=need)
    if material_id > MAX_ID:
        abort(404)
    return db.first_or_404(select(Material).where(Material.id == material_id,
                                                  Material.event_id == event.id))


@bp.route("/<int:event_id>/materials/<int:material_id>")
def material_download(event_id: int, material_id: int):
    material = _material_or_404(event_id, material_id, EventAccess.view)
    if not material.is_file:
        abort(404)
    path = material_path(material)
    if not path.is_file():
        abort(404)
    audit.record("event_material_downloaded", current_actor(), object_type="event",
                 object_id=event_id, detail={"material": material.id})
    db.session.commit()
    # A neutral, server-made name: never the uploader's (no bidi tricks, no personal names).
    return send_file(path, mimetype=ALLOWED_TYPES[material.extension][0], as_attachment=True,
                     download_name=f"event-{event_id}-material-{material.id}.{material.extension}",
                     etag=False, conditional=False, max_age=0)


@bp.route("/<int:event_id>/materials/<int:material_id>/delete", methods=["POST"])
def material_delete(event_id: int, material_id: int):
    material = _material_or_404(event_id, material_id, EventAccess.contribute)
    if EmptyForm().validate_on_submit():
        delete_material(material, actor=current_actor())
        db.session.commit()
        flash(_("The material was removed."), "success")
    return _redirect(event_id)
