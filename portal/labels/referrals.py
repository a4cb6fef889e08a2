"""Translated labels of referrals of families' needs to partners (issue 17): the families
vocabularies (labels/families.py) and the office list's filter."""

from flask_babel import lazy_gettext as _l

from .cases import CHANNEL
from .families import NEED_CATEGORY, REFERRAL_STATUS

# The office's list: which referrals it shows.
STATES = {"open": _l("Open"), "all": _l("All")}

LABELS = {"status": REFERRAL_STATUS, "states": STATES, "category": NEED_CATEGORY,
          "channel": CHANNEL}
