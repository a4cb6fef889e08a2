"""Translated names of the family intake's values (issue 17); kinds and states are those of
labels/families.py."""

from flask_babel import lazy_gettext as _l

from ..services.family_intake import DISMISS_REASONS
from .families import INTAKE_KIND as KIND_LABELS  # noqa: F401
from .families import INTAKE_STATUS as STATUS_LABELS  # noqa: F401

FIELD_LABELS = {
    "missing_name": _l("Full name of the missing person"),
    "earlier_reference": _l("Earlier reference number, if you have one"),
    "relation": _l("Your relation to this person"),
    "missing_since": _l("Since when (date or year, even approximate)"),
    "last_place": _l("Where were they last seen or taken?"),
    "details": _l("What happened, or what is new"),
    "sender_name": _l("Your name (optional)"),
    "contact": _l("How can the office reach you safely? (optional)"),
    "contact_safety": _l("When and how is it safe to contact you? (optional)"),
}
REASON_LABELS = DISMISS_REASONS
