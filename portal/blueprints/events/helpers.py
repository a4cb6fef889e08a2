"""View helpers of the events area: messages for refused input, choices, filters."""

from __future__ import annotations

from flask import flash
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, union

from ...access import visible_events
from ...extensions import db
from ...labels.events import EVENT_KIND_LABELS, event_status_label
from ...models import Event, EventOrganization, Organization
from ...services.events.content import ALLOWED_TYPES
from ...services.events.errors import EventError
from ...services.events.lifecycle import EventData


def _size(num: int) -> str:
    from flask_babel import format_decimal
    return _("%(num)s MB", num=format_decimal(round(num / (1024 * 1024), 1)))


def error_message(exc: EventError, event: Event | None = None) -> str:
    """The translated sentence for a refused operation."""
    # Long because it is one table, a message per EventError code: clearer read as one list.
    p = exc.params
    messages = {
        "bad_kind": lambda: _("Choose one of the listed kinds of event."),
        "title_missing": lambda: _("Give the event a title in Arabic or in English."),
        "bad_zone": lambda: _("This time zone does not exist. Choose one from the list, "
                              "for example Asia/Beirut."),
        "end_before_start": lambda: _("The end must come after the start."),
        "bad_link": lambda: _("The link must be a full web address starting with https:// "
                              "or http://."),
        "place_missing": lambda: _("Give a venue or an online link."),
        "capacity_too_small": lambda: _("The capacity must be at least 1 seat, or left "
                                        "empty for no limit."),
        "capacity_below_confirmed": lambda: ngettext(
            "The capacity cannot be lower than the %(num)s seat already confirmed.",
            "The capacity cannot be lower than the %(num)s seats already confirmed.",
            p["seats"]),
        "bad_organisation": lambda: _("Choose active organisations from the list."),
        "bad_state": lambda: _("This cannot be done while the event is %(status)s.",
                               status=event_status_label(event.status) if event else ""),
        "same_dates": lambda: _("Choose dates different from the current ones."),
        "rsvp_closed": lambda: _("Answers are closed: the event is cancelled or not "
                                 "confirmed."),
        "rsvp_past": lambda: _("This event has already started; answers are closed."),
        "bad_response": lambda: _("Choose yes, maybe or no."),
        "seats_required": lambda: _("Give a number of seats between 1 and 500."),
        "seats_not_free": lambda: ngettext(
            "Only %(num)s seat in total is free for your organisation. Ask for fewer seats.",
            "Only %(num)s seats in total are free for your organisation. Ask for fewer "
            "seats.", p["free"]),
        "attendance_closed": lambda: _("Attendance can only be recorded for an event that "
                                       "took place."),
        "attendance_too_early": lambda: _("Attendance can be recorded once the event has "
                                          "started."),
        "bad_count": lambda: _("Give a number of participants."),
        "follow_up_required": lambda: _("Choose the staff member who follows up the "
                                        "participants of this support session."),
        "follow_up_not_staff": lambda: _("Choose a staff member of the office."),
        "agenda_outside": lambda: _("The agenda item must fall between the start and the "
                                    "end of the event."),
        "file_type": lambda: _("This type of file is not accepted. Accepted types: "
                               "%(types)s.", types=", ".join(sorted(ALLOWED_TYPES))),
        "file_too_large": lambda: _("The file is larger than the limit of %(size)s.",
                                    size=_size(p["limit"])),
        "file_empty": lambda: _("The file is empty."),
        "file_content": lambda: _("The content of the file does not match its type."),
    }
    return messages.get(exc.code, lambda: _("This could not be saved."))()


def apply_error(form, exc: EventError, event: Event | None = None) -> None:
    """Show a refused operation next to its field (or at the top when it has none)."""
    field = getattr(form, exc.field, None) if exc.field else None
    message = error_message(exc, event)
    if field is None:
        flash(message, "error")
    else:
        field.errors = [*field.errors, message]


def org_label(org: Organization) -> str:
    return org.name(get_locale().language)


def active_org_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(Organization.ordered().where(Organization.active)).all()
    return [(o.id, org_label(o)) for o in orgs]


def setup_event_form(form, *, organizer_choices: bool = True) -> None:
    choices = active_org_choices()
    form.co_organizers.choices = choices
    form.invited.choices = choices
    if organizer_choices:
        form.organizer.choices = choices
    else:
        del form.organizer


def zone_field_choices(field, current: str | None = None) -> None:
    from ... import timezones
    field.choices = timezones.zone_choices(current or field.data)


def event_data(form, organizer_org_id: int) -> EventData:
    return EventData(
        kind=form.kind.data, starts_at=form.starts_at, ends_at=form.ends_at,
        timezone=form.timezone.data, organizer_org_id=organizer_org_id,
        title_en=form.title_en.data or "", title_ar=form.title_ar.data or "",
        description_en=form.description_en.data or "",
        description_ar=form.description_ar.data or "", venue=form.venue.data or "",
        address=form.address.data or "", online_url=(form.online_url.data or "").strip(),
        capacity=form.capacity.data, languages=form.languages.data or [],
        co_organizer_ids=form.co_organizers.data or [], invited_ids=form.invited.data or [])


def fill_event_form(form, event: Event) -> None:
    for name in ("kind", "title_en", "title_ar", "description_en", "description_ar", "venue",
                 "address", "online_url", "capacity"):
        getattr(form, name).data = getattr(event, name)
    if hasattr(form, "organizer"):
        form.organizer.data = event.organizer_org_id
    form.co_organizers.data = sorted(event.org_ids("co_organizer"))
    form.invited.data = sorted(event.org_ids("invited"))
    form.languages.data = event.language_list
    form.fill_when(event.starts_at, event.ends_at, event.timezone)


# --- filters of the list and the calendar ---------------------------------------------------

def filter_choices(form, user) -> None:
    """Kinds, and the organisations that take part in events the user can see."""
    form.kind.choices = [("", _("All kinds"))] + [(k, str(v)) for k, v in
                                                 EVENT_KIND_LABELS.items()]
    ids = visible_events(user).with_only_columns(Event.id).scalar_subquery()
    involved = union(
        select(Event.organizer_org_id).where(Event.id.in_(ids)),
        select(EventOrganization.organization_id).where(EventOrganization.event_id.in_(ids)))
    orgs = db.session.scalars(Organization.ordered().where(Organization.id.in_(involved)))
    form.org.choices = [("", _("All organisations"))] + [(str(o.id), org_label(o))
                                                         for o in orgs]


def apply_filters(stmt: Select, form) -> Select:
    """Narrow a visible_events() query by kind and organisation (when valid)."""
    if form.kind.data and form.kind.data in EVENT_KIND_LABELS:
        stmt = stmt.where(Event.kind == form.kind.data)
    if form.org.data and form.org.data in {value for value, _l in form.org.choices}:
        org_id = int(form.org.data)
        stmt = stmt.where(or_(Event.organizer_org_id == org_id, Event.participants.any(
            EventOrganization.organization_id == org_id)))
    return stmt


def filter_args(form) -> dict:
    return {k: v for k, v in (("kind", form.kind.data), ("org", form.org.data)) if v}
