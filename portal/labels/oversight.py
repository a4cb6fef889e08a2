"""Translated labels of the oversight vocabularies (access report, notices, submissions,
what's new): codes are stored, these labels are shown."""

from flask_babel import lazy_gettext as _l

from .cases import KIND, ref_name

CATEGORY = {"opened": _l("Opened a case"), "exported": _l("Exported cases"),
            "downloaded": _l("Downloaded a briefing pack"), "refused": _l("Refused"),
            "referrals": _l("Referrals of families' needs")}
# What was done with a referral (the access report's "referrals" category).
REFERRAL_ACTION = {"referral_read": _l("Opened a referral"),
                   "referral_answered": _l("Answered a referral"),
                   "referral_outcome": _l("Reported a referral's outcome")}
OUTCOME = {"success": _l("Allowed"), "denied": _l("Refused")}
# Why an attempt was refused, by audit action (and object type for authz_fail).
REFUSAL = {"authz_fail:case": _l("Case not shared with the organisation, or no such case"),
           "authz_fail:endpoint": _l("Page not allowed for this account"),
           "malicious_csrf": _l("Form not sent from this portal"),
           "pack_download": _l("Briefing pack outdated by a change of sharing")}
FORMAT = {"csv": _l("CSV"), "json": _l("JSON"), "api": _l("Page of the JSON API")}
NOTICE_KIND = {"bulk_reads": _l("Unusually many cases read within an hour"),
               "refused_case": _l("Refused attempt at a case outside the subset")}
SUBMISSION_KIND = {"new_case": _l("New case"), "update": _l("Update to a case")}
# A partner's update is about one of these timeline kinds, named as on the timeline, or other.
UPDATE_KIND = {**{kind: KIND[kind] for kind in ("sighting", "release", "identification",
                                                "death")},
               "other": _l("Other information")}
SUBMISSION_STATE = {"pending": _l("Waiting for review"), "accepted": _l("Accepted"),
                    "declined": _l("Declined")}
CHANGE = {"new": _l("New case"), "shared": _l("Newly shared with your organisation"),
          "status": _l("Status changed"),
          "timeline": _l("Custody timeline updated"), "updated": _l("Updated")}
REPORT_FIELD = {"org": _l("Organisation"), "account": _l("Account"),
                "reference": _l("Case reference"), "category": _l("Action"),
                "outcome": _l("Outcome"), "date_from": _l("From (date, UTC)"),
                "date_to": _l("Until (date, UTC)")}
RECORD_AS = {"note": _l("Internal note only (no timeline entry)")}


def refusal_label(action: str, object_type: str) -> str:
    return str(REFUSAL.get(f"{action}:{object_type}") or REFUSAL.get(action) or _l("Refused"))


def refname(row_id, kind: str) -> str:
    """The name of a reference row (governorate, district, perpetrator, facility) by id,
    in the reader's language."""
    from .. import refdata
    row = getattr(refdata, kind)(row_id) if kind in ("governorate", "district", "perpetrator",
                                                     "facility") else None
    return ref_name(row)


def register(app) -> None:
    app.jinja_env.filters["refname"] = refname
    app.jinja_env.globals.update(
        oversight_labels={"category": CATEGORY, "outcome": OUTCOME, "format": FORMAT,
                          "notice_kind": NOTICE_KIND, "submission_kind": SUBMISSION_KIND,
                          "update_kind": UPDATE_KIND, "submission_state": SUBMISSION_STATE,
                          "change": CHANGE, "record_as": RECORD_AS,
                          "report_field": REPORT_FIELD, "referral_action": REFERRAL_ACTION},
        refusal_label=refusal_label)
