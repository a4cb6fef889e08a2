"""Translated labels of the families vocabularies (issue 17): relations, residence abroad,
needs, support, contact kinds, consents, referrals and intake."""

from flask_babel import lazy_gettext as _l

from . import labeller
from .cases import CHANNEL, CONSENT_METHOD, choices  # noqa: F401  (re-exported for forms)

RELATION = {
    "mother": _l("Mother"), "father": _l("Father"), "wife": _l("Wife"),
    "husband": _l("Husband"), "son": _l("Son"), "daughter": _l("Daughter"),
    "brother": _l("Brother"), "sister": _l("Sister"), "grandparent": _l("Grandparent"),
    "uncle_aunt": _l("Uncle or aunt"), "cousin": _l("Cousin"), "other": _l("Other relative"),
}
RESIDENCE_ABROAD = {
    "": _l("In Syria"), "lebanon": _l("Lebanon"), "turkey": _l("Turkey"),
    "jordan": _l("Jordan"), "iraq": _l("Iraq"), "egypt": _l("Egypt"), "europe": _l("Europe"),
    "other": _l("Another country"),
}
NEED_CATEGORY = {
    "legal": _l("Legal"), "medical": _l("Medical"), "financial": _l("Financial"),
    "housing": _l("Housing"), "education": _l("Education"),
    "psychosocial": _l("Psychosocial"),
    "information": _l("Information about the missing person"),
}
NEED_STATUS = {"open": _l("Open"), "met": _l("Met"), "closed": _l("Closed")}
SUPPORT_FORM = {"in_kind": _l("In kind"), "cash": _l("Cash"), "service": _l("Service")}
SUPPORT_STATUS = {"requested": _l("Requested"), "approved": _l("Approved"),
                  "delivered": _l("Delivered"), "declined": _l("Declined")}
CURRENCY = {"USD": _l("US dollar (USD)"), "EUR": _l("Euro (EUR)"),
            "SYP": _l("Syrian pound (SYP)"), "LBP": _l("Lebanese pound (LBP)"),
            "TRY": _l("Turkish lira (TRY)"), "JOD": _l("Jordanian dinar (JOD)")}
CONTACT_KIND = {"visit": _l("Visit"), "call": _l("Call"), "meeting": _l("Meeting"),
                "message": _l("Message")}
CONSENT_KIND = {"contact": _l("To be contacted"),
                "referral": _l("To be referred to a named organisation"),
                "publish": _l("To have a story published")}
REFERRAL_STATUS = {"sent": _l("Sent"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                   "completed": _l("Completed"), "withdrawn": _l("Withdrawn")}
INTAKE_KIND = {"report_missing": _l("Report of a missing person"),
               "new_information": _l("New information")}
INTAKE_STATUS = {"new": _l("New"), "linked": _l("Linked"), "dismissed": _l("Dismissed")}
PREFERRED_LANGUAGE = {"ar": _l("Arabic"), "en": _l("English"), "ku": _l("Kurdish"),
                      "tr": _l("Turkish"), "fr": _l("French"), "de": _l("German")}

relation_label = labeller(RELATION)
residence_label = labeller(RESIDENCE_ABROAD)
need_category_label = labeller(NEED_CATEGORY)
need_status_label = labeller(NEED_STATUS)
support_form_label = labeller(SUPPORT_FORM)
support_status_label = labeller(SUPPORT_STATUS)
contact_kind_label = labeller(CONTACT_KIND)
consent_kind_label = labeller(CONSENT_KIND)
referral_status_label = labeller(REFERRAL_STATUS)
intake_kind_label = labeller(INTAKE_KIND)
intake_status_label = labeller(INTAKE_STATUS)


def register(app) -> None:
    app.jinja_env.globals.update(
        relation_label=relation_label, residence_label=residence_label,
        need_category_label=need_category_label, need_status_label=need_status_label,
        support_form_label=support_form_label, support_status_label=support_status_label,
        contact_kind_label=contact_kind_label, consent_kind_label=consent_kind_label,
        referral_status_label=referral_status_label, intake_kind_label=intake_kind_label,
        intake_status_label=intake_status_label, channel_label=labeller(CHANNEL),
        consent_method_label=labeller(CONSENT_METHOD),
        preferred_language_label=labeller(PREFERRED_LANGUAGE))
