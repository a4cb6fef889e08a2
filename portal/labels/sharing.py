"""Translated labels of sharing: detail tiers, grant states and the register's filter
criteria as a grant's copied filter shows them."""

from flask_babel import lazy_gettext as _l

from ..models.sharing import GRANT_TIERS
from .cases import STATUS, ref_name

TIER = {"summary": _l("Summary"), "detailed": _l("Detailed"),
        "identification": _l("Identification"), "office": _l("Office (everything)")}
GRANT_TIER = {tier: TIER[tier] for tier in GRANT_TIERS}  # the tiers a grant may give
TIER_HINT = {
    "summary": _l("Reference, names, sex, birth year, origin, month of arrest, perpetrator "
                  "party, facility, status, public narrative."),
    "detailed": _l("Adds full dates, the custody timeline, circumstances of arrest, parents' "
                   "names and mechanism submissions."),
    "identification": _l("Adds the informant's relation and a contact channel for "
                         "identification referral, only where consent allows it."),
}
STATE = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}

# The register's filter criteria, as a grant's copied filter shows them to staff.
CRITERIA = {"q": _l("Name"), "reference": _l("Reference"), "status": _l("Status"),
            "perpetrator": _l("Perpetrator party"), "facility": _l("Facility"),
            "governorate": _l("Governorate of origin"), "arrest_from": _l("Arrested from"),
            "arrest_to": _l("Arrested until"), "tag": _l("Tag")}


def describe_filter(params: dict | None) -> list[tuple[str, str]]:
    """(criterion, value) pairs of a grant's filter, with reference data named."""
    from .. import refdata
    out = []
    for key, value in (params or {}).items():
        if key not in CRITERIA:
            continue
        shown = str(value)
        if key == "status":
            shown = str(STATUS.get(value, value))
        elif key in ("governorate", "perpetrator"):
            row = refdata.find("governorates" if key == "governorate" else "perpetrators", value)
            shown = ref_name(row) or shown
        elif key == "facility" and str(value).isdigit():
            shown = ref_name(refdata.facility(int(value))) or shown
        out.append((str(CRITERIA[key]), shown))
    return out
