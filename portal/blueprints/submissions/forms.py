"""Forms of partner submissions and of the office's review. Field rules come from
services/sharing/submissions.py, so the form and the service refuse the same things."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ...labels import cases as case_labels
from ...labels import oversight as labels
from ...models.case_records import TIMELINE_KINDS
from ...models.cases import NAME_FIELDS, NOTE_MAX
from ...services.cases.rules import check_date
from ...services.sharing import submissions
from ..cases.forms import PersonFields, reference_choices

LONG = _l("Too long.")


def _attach(form: FlaskForm, errors) -> bool:
    """Put (field, message) pairs on the form's fields; False when there were any."""
    for name, message in errors:
        field = getattr(form, name, None) or getattr(form, "text")
        field.errors = [*field.errors, message]
    return not errors


class ProposeCaseForm(PersonFields):
    """A partner's intake form: the main fields of a case (no internal notes or tags)."""

    arrest_date = StringField(_l("Date of arrest"), description=_l(
        "2013, 2013-06, 2013-06-14 or a range 2013-06/2013-08"))
    arrest_estimated = BooleanField(_l("The date is estimated"))
    arrest_place = StringField(_l("Place of arrest"), validators=[Length(max=300, message=LONG)])
    arrest_perpetrator = SelectField(_l("Perpetrator party"), coerce=int)
    arrest_unit = StringField(_l("Unit"), validators=[Length(max=200, message=LONG)])
    arrest_facility = SelectField(_l("Taken to (facility)"), coerce=int)
    arrest_circumstances = TextAreaField(_l("Circumstances of arrest"),
                                         validators=[Length(max=NOTE_MAX, message=LONG)])
    text = TextAreaField(_l("What else the office should know"),
                         description=_l("Seen by the office only."),
                         validators=[Length(max=NOTE_MAX, message=LONG)])

    def setup(self, language: str) -> "ProposeCaseForm":
        self.setup_places(language)
        self.arrest_perpetrator.choices = reference_choices("perpetrators", language)
        self.arrest_facility.choices = reference_choices("facilities", language)
        return self

    def case(self) -> dict:
        data = {name: (getattr(self, name).data or "").strip() for name in (
            *NAME_FIELDS, "sex", "birth_date", "status", "arrest_circumstances")}
        data["birth_date"] = check_date(data["birth_date"])[0] or data["birth_date"]
        data["governorate_id"] = self.governorate_id.data or None
        data["district_id"] = self.district_id.data or None
        data["aliases"] = [a.strip() for a in (self.aliases.data or "").splitlines() if a.strip()]
        return data

    def arrest(self) -> dict:
        raw = (self.arrest_date.data or "").strip()
        return {"date": check_date(raw, allow_range=True)[0] or raw,
                "estimated": bool(self.arrest_estimated.data),
                "place": (self.arrest_place.data or "").strip(),
                "perpetrator_id": self.arrest_perpetrator.data or None,
                "unit": (self.arrest_unit.data or "").strip(),
                "facility_id": self.arrest_facility.data or None}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _attach(self, submissions.check_new_case(
            self.case(), self.arrest(), self.text.data or "")) and ok


class ProposeUpdateForm(FlaskForm):
    update_kind = SelectField(_l("What you learned"),
                              choices=case_labels.choices(labels.UPDATE_KIND))
    date = StringField(_l("When"), description=_l(
        "2019, 2019-05, 2019-05-14 or a range 2019-05/2019-08; leave empty if not known"))
    place = StringField(_l("Place"), validators=[Length(max=300, message=LONG)])
    facility_id = SelectField(_l("Facility"), coerce=int)
    text = TextAreaField(_l("What you know"), description=_l("Seen by the office only."),
                         validators=[Length(max=NOTE_MAX, message=LONG)])

    def setup(self, language: str) -> "ProposeUpdateForm":
        self.facility_id.choices = reference_choices("facilities", language)
        return self

    def data_dict(self) -> dict:
        return {"update_kind": self.update_kind.data, "date": (self.date.data or "").strip(),
                "place": (self.place.data or "").strip(),
                "facility_id": self.facility_id.data or None, "text": self.text.data or ""}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _attach(self, submissions.check_update(self.data_dict())) and ok


# The timeline kind an update is recorded as, by default (staff may choose another).
RECORD_DEFAULT = {"sighting": "sighting", "release": "release",
                  "identification": "identification", "death": "death", "other": ""}


class AcceptForm(FlaskForm):
    record_as = SelectField(_l("Record it as"), default="")

    def setup(self, update_kind: str) -> "AcceptForm":
        kinds = [k for k in TIMELINE_KINDS if k != "arrest"]
        self.record_as.choices = ([("", _l("— choose —"))]
                                  + [(k, case_labels.KIND[k]) for k in kinds]
                                  + list(labels.RECORD_AS.items()))
        if not self.is_submitted():
            self.record_as.data = RECORD_DEFAULT.get(update_kind, "")
        return self


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the organisation will read it)"),
                           validators=[Length(max=submissions.REASON_MAX, message=LONG)])
