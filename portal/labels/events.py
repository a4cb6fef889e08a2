"""Translated labels of the events vocabularies (kinds, statuses, answers, roles, history,
languages)."""

from flask_babel import lazy_gettext as _l

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


def event_kind_label(kind: str) -> str:
    return str(EVENT_KIND_LABELS.get(kind, kind))


def event_status_label(status: str) -> str:
    return str(EVENT_STATUS_LABELS.get(status, status))


def register(app) -> None:
    app.jinja_env.globals.update(
        event_kind_label=event_kind_label, event_status_label=event_status_label,
        rsvp_label=lambda r: str(RSVP_LABELS.get(r, r)),
        participant_role_label=lambda r: str(PARTICIPANT_ROLE_LABELS.get(r, r)),
        change_label=lambda a: str(CHANGE_LABELS.get(a, a)),
        event_language_label=lambda c: str(EVENT_LANGUAGES.get(c, c)))
