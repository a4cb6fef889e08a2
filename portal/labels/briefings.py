"""Translated labels of what only a briefing pack prints (rendered under force_locale): its
sections, languages, states and render errors. Cases and events in a pack are labelled as on
screen (labels.cases, labels.sharing, labels.events)."""

from flask_babel import lazy_gettext as _l

from .events import EVENT_LANGUAGES

SECTION_LABELS = {
    "summary": _l("Summary and figures"),
    "table": _l("Table of cases"),
    "cases": _l("Case sheets"),
    "events": _l("Upcoming joint events"),
    "families": _l("Support to families"),
    "contacts": _l("Contacts of the office"),
}
SECTIONS = tuple(SECTION_LABELS)
# Sections only the office may choose, and left out unless chosen: the families aggregates
# (issue 17) are for the office's packs to donors.
OFFICE_SECTIONS = frozenset({"families"})
DEFAULT_SECTIONS = tuple(s for s in SECTIONS if s not in OFFICE_SECTIONS)

# The languages a pack is written in, named as everywhere else.
LANGUAGE_LABELS = {code: EVENT_LANGUAGES[code] for code in ("ar", "en")}

PACK_STATE_LABELS = {
    "queued": _l("Waiting"),
    "running": _l("Being prepared"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
}

# What a user reads when a pack could not be made (pack.error codes).
RENDER_ERRORS = {
    "timeout": _l("The pack took too long to prepare and was stopped. Choose fewer cases or "
                  "sections and try again."),
    "cpu": _l("The pack needed more computing time than allowed and was stopped. Choose fewer "
              "cases or sections and try again."),
    "memory": _l("The pack was too large for the memory allowed and was stopped. Choose fewer "
                 "cases or sections and try again."),
    "crashed": _l("The pack renderer stopped unexpectedly. Nothing was saved. Try again, or "
                  "choose fewer cases."),
    "asset": _l("The pack could not be made: its layout asked for a resource that is not "
                "allowed. The office has been told."),
    "data": _l("The case data for this pack is not available. Please contact the office."),
    "empty": _l("No cases match this selection for this organisation."),
    "stale": _l("The pack was interrupted and did not finish. Please generate it again."),
    "internal": _l("The pack could not be made because of an unexpected error. The office "
                   "has been told."),
}


def label(mapping: dict, key) -> str:
    """The translated label of `key`, or the key itself when it is not in the vocabulary."""
    value = mapping.get(key)
    return str(value) if value is not None else str(key or "")
