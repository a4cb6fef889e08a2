"""Translated labels of referrals of families' needs to partners (issue 17)."""

from flask_babel import lazy_gettext as _l

from .cases import CHANNEL

STATUS = {"sent": _l("Waiting for an answer"), "accepted": _l("Accepted"),
          "declined": _l("Declined"), "completed": _l("Completed"),
          "withdrawn": _l("Withdrawn")}
# The office's list: which referrals it shows.
STATES = {"open": _l("Open"), "all": _l("All")}
CATEGORY = {"legal": _l("Legal"), "medical": _l("Medical"), "financial": _l("Financial"),
            "housing": _l("Housing"), "education": _l("Education"),
            "psychosocial": _l("Psychosocial"),
            "information": _l("Information about the missing person")}

LABELS = {"status": STATUS, "states": STATES, "category": CATEGORY, "channel": CHANNEL}
