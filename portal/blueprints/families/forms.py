"""Forms of the families area. They carry the CSRF token and render the fields; the rules
(lengths, dates, choices, four eyes) are the services' (services/families), whose errors name
the field, so a form and a direct call refuse the same things with the same messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ...labels import families as labels
from ...labels.cases import CHANNEL, CONSENT_METHOD

DATE = {"type": "date", "placeholder": "YYYY-MM-DD"}


def _select(label, table=None, **kw):
    return SelectField(label, choices=labels.choices(table) if table else [],
                       validate_choice=False, **kw)


class FamilyForm(FlaskForm):
    label = StringField(_l("Household label"),
                        description=_l("How the office refers to the family, e.g. "
                                       "\"Family of the missing Hadi\". Encrypted."))
    governorate_id = _select(_l("Governorate (in Syria)"))
    residence_abroad = _select(_l("Or displaced abroad"), labels.RESIDENCE_ABROAD)
    residence_note = TextAreaField(_l("Where they live now"),
                                   description=_l("Town or area. Encrypted."))
    preferred_language = _select(_l("Preferred language"), labels.PREFERRED_LANGUAGE)
    preferred_channel = _select(_l("Preferred channel"), CHANNEL)
    safety_rules = TextAreaField(
        _l("Safety rules for contacting them"),
        description=_l("For example: only this number; not before noon; never leave a "
                       "message. Encrypted."))
    version = HiddenField()


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("Encrypted."))
    is_main_contact = BooleanField(_l("Main contact of the family"))
    contact = StringField(_l("Contact details"),
                          description=_l("Phone, e-mail or handle. Encrypted; never in "
                                         "logs, exports or packs."))
    contact_channel = _select(_l("Channel"), CHANNEL)
    version = HiddenField()


class LinkCaseForm(FlaskForm):
    reference = StringField(_l("Case reference"), render_kw={"placeholder": "DO-2026-000001"})


class ConsentForm(FlaskForm):
    kind = _select(_l("Consent to"), labels.CONSENT_KIND)
    organization_id = _select(_l("Organisation (for a referral)"))
    case_id = _select(_l("Case (for publishing a story)"))
    method = _select(_l("How consent was given"), CONSENT_METHOD)
    given_on = StringField(_l("Given on"), render_kw=DATE)
    note = TextAreaField(_l("Note"), description=_l("Encrypted."))


class ContactForm(FlaskForm):
    kind = _select(_l("Kind"), labels.CONTACT_KIND)
    happened_on = StringField(_l("Date"), render_kw=DATE)
    staff_id = _select(_l("Staff member"))
    note = TextAreaField(_l("Restricted note"),
                         description=_l("Office only. Encrypted."))
    follow_up_on = StringField(_l("Next follow-up"), render_kw=DATE,
                               description=_l("Leave empty if none is planned."))


class NeedForm(FlaskForm):
    category = _select(_l("Need"), labels.NEED_CATEGORY)
    member_id = _select(_l("Family member"))
    assessed_on = StringField(_l("Assessed on"), render_kw=DATE)
    detail = TextAreaField(_l("Detail"), description=_l("Encrypted."))


class NeedStatusForm(FlaskForm):
    status = _select(_l("Status"), labels.NEED_STATUS)


class SupportForm(FlaskForm):
    category = _select(_l("Need"), labels.NEED_CATEGORY)
    form = _select(_l("Form of support"), labels.SUPPORT_FORM)
    amount = StringField(_l("Amount (cash only)"), render_kw={"inputmode": "decimal"})
    currency = _select(_l("Currency (cash only)"))
    provider_org_id = _select(_l("Given by"))
    need_id = _select(_l("For the assessed need"))
    description = TextAreaField(_l("Description"), description=_l("Encrypted."))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class DeliverForm(FlaskForm):
    delivered_on = StringField(_l("Delivered on"), render_kw=DATE)


class EnrolForm(FlaskForm):
    series_id = _select(_l("Psychosocial-support series"))
    member_id = _select(_l("Family member"))


class SeriesForm(FlaskForm):
    title_ar = StringField(_l("Title (Arabic)"))
    title_en = StringField(_l("Title (English)"))
    sessions_planned = StringField(_l("Number of sessions"), render_kw={"inputmode": "numeric"})


class SessionForm(FlaskForm):
    event_id = _select(_l("Psychosocial-support session (event)"))
