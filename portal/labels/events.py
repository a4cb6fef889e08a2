"""Translated labels of the events vocabularies (kinds, statuses, answers, roles, history,
languages)."""

from flask_babel import lazy_gettext as _l

from . import labeller

EVENT_KIND_LABELS = {
    "workshop": _l("Workshop"),
    "training": _l("Training"),
    "psychosocial_support": _l("Psychosocial-support session for families"),
    "advocacy": _l("Advocacy event or campaign"),
    "coordination": _l("Coordination meeting"),
}

EVENT_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "scheduled": _l("Scheduled"),
    "postponed": _l("Postponed"),
    "cancelled": _l("Cancelled"),
    "declined": _l("Declined"),
}

RSVP_LABELS = {
    "yes": _l("Yes, we will come"),
    "maybe": _l("Maybe"),
    "no": _l("No, we cannot come"),
}

PARTICIPANT_ROLE_LABELS = {
    "co_organizer": _l("Co-organiser"),
    "invited": _l("Invited"),
}

CHANGE_LABELS = {
    "created": _l("Scheduled"),
    "proposed": _l("Proposed"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
    "edited": _l("Details changed"),
    "rescheduled": _l("Time changed"),
    "postponed": _l("Postponed"),
    "cancelled": _l("Cancelled"),
}

EVENT_LANGUAGES = {
    "ar": _l("Arabic"),
    "en": _l("English"),
    "fr": _l("French"),
    "de": _l("German"),
    "tr": _l("Turkish"),
    "ku": _l("Kurdish"),
}

event_kind_label = labeller(EVENT_KIND_LABELS)
event_status_label = labeller(EVENT_STATUS_LABELS)


def register(app) -> None:
    app.jinja_env.globals.update(
        event_kind_label=event_kind_label, event_status_label=event_status_label,
        rsvp_label=labeller(RSVP_LABELS),
        participant_role_label=labeller(PARTICIPANT_ROLE_LABELS),
        change_label=labeller(CHANGE_LABELS), event_language_label=labeller(EVENT_LANGUAGES))
