"""Translated labels of the sharing area."""

from flask_babel import lazy_gettext as _l

TIER = {"summary": _l("Summary"), "detailed": _l("Detailed"),
        "identification": _l("Identification")}
TIER_HINT = {
    "summary": _l("Reference, names, sex, birth year, origin, month of arrest, perpetrator "
                  "party, facility, status, public narrative."),
    "detailed": _l("Adds full dates, the custody timeline, circumstances of arrest, parents' "
                   "names and mechanism submissions."),
    "identification": _l("Adds the informant's relation and a contact channel for "
                         "identification referral, only where consent allows it."),
}
STATE = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}
