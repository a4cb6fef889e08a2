"""Forms of referrals: the office's referral of a need, the partner's answers. Field rules
come from services/families/referrals.py, so the form and the service refuse the same things."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ...labels.cases import CHANNEL
from ...services.families import referrals

LONG = _l("Too long.")


def attach(form: FlaskForm, errors) -> bool:
    """Put (field, message) pairs on the form's fields (or the first one); False if any."""
    for name, message in errors:
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            field = next(f for f in form if f.name != "csrf_token")
        field.errors = [*field.errors, message]
    return not errors


class ReferralForm(FlaskForm):
    organization_id = SelectField(_l("Refer to (partner organisation)"), coerce=int,
                                  description=_l("Only organisations the family agreed to be "
                                                 "referred to can receive the referral."))
    need_id = SelectField(_l("Need"), coerce=int)
    summary = TextAreaField(
        _l("What the organisation may read about the need"),
        description=_l("The organisation reads only this summary, the main contact's first "
                       "name, the need's category and the contact below: never the family's "
                       "record or its cases. Write nothing the family did not agree to share."),
        validators=[Length(max=referrals.SUMMARY_MAX, message=LONG)])
    contact_channel = SelectField(_l("Contact channel the family agreed to"))
    contact = StringField(_l("Contact detail the family agreed to"),
                          validators=[Length(max=referrals.CONTACT_MAX, message=LONG)])

    def setup(self, organizations: list, needs: list) -> "ReferralForm":
        """`organizations` and `needs`: (id, label) pairs."""
        self.organization_id.choices = [(0, _l("— choose —")), *organizations]
        self.need_id.choices = [(0, _l("— choose —")), *needs]
        self.contact_channel.choices = [(c, CHANNEL[c]) for c in referrals.REFERRAL_CHANNELS]
        return self

    def data_dict(self) -> dict:
        return {"organization_id": self.organization_id.data or None,
                "need_id": self.need_id.data or None, "summary": self.summary.data or "",
                "contact_channel": self.contact_channel.data or "",
                "contact": self.contact.data or ""}


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why your organisation cannot take it on (the office reads it)"),
                           validators=[Length(max=referrals.REASON_MAX, message=LONG)])


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome"), description=_l("What your organisation did and what came of it. The "
                                      "office reads it; write no more about the family than "
                                      "the office needs."),
        validators=[Length(max=referrals.OUTCOME_MAX, message=LONG)])
