"""Forms of the case register. Cross-field rules come from services/cases/rules.py, so that
forms and the import refuse the same things with the same messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ... import refdata
from ...labels import cases as labels
from ...labels.sharing import TIER
from ...models.cases import NAME_MAX, NOTE_MAX, TEXT_MAX
from ...services.cases.rules import check_case, check_date

LONG = _l("Too long.")


def _name(label):
    return StringField(label, validators=[Length(max=NAME_MAX, message=LONG)])


def reference_choices(table: str, language: str, blank=_l("— not known —")) -> list:
    rows = refdata.all_rows(table)
    if table == "facilities":
        rows = [r for r in rows if r["active"]]
    return [(0, blank)] + [(r["id"], refdata.label(r, language)) for r in rows]


class PersonFields(FlaskForm):
    """The names and person fields of a case, shared by the register's form and a partner's
    proposal (rendered by cases/_person_fields.html)."""

    first_name_ar = _name(_l("First name (Arabic)"))
    father_name_ar = _name(_l("Father's name (Arabic)"))
    family_name_ar = _name(_l("Family name (Arabic)"))
    mother_name_ar = _name(_l("Mother's name (Arabic)"))
    first_name_lat = _name(_l("First name (Latin)"))
    father_name_lat = _name(_l("Father's name (Latin)"))
    family_name_lat = _name(_l("Family name (Latin)"))
    mother_name_lat = _name(_l("Mother's name (Latin)"))
    aliases = TextAreaField(_l("Other names"), description=_l("One per line, in either script."))
    sex = SelectField(_l("Sex"), choices=labels.choices(labels.SEX))
    birth_date = StringField(_l("Birth date"), description=_l("1987, 1987-06 or 1987-06-14"))
    governorate_id = SelectField(_l("Governorate of origin"), coerce=int)
    district_id = SelectField(_l("District"), coerce=int)
    status = SelectField(_l("Current status"), choices=labels.choices(labels.STATUS))

    def setup_places(self, language: str) -> None:
        self.governorate_id.choices = reference_choices("governorates", language)
        self.district_id.choices = reference_choices("districts", language)


class CaseForm(PersonFields):
    public_narrative = TextAreaField(_l("Public narrative"),
                                     validators=[Length(max=TEXT_MAX, message=LONG)])
    arrest_circumstances = TextAreaField(_l("Circumstances of arrest"),
                                         validators=[Length(max=NOTE_MAX, message=LONG)])
    internal_notes = TextAreaField(_l("Internal notes (never shared)"),
                                   validators=[Length(max=TEXT_MAX, message=LONG)])
    tags = StringField(_l("Tags"), description=_l("Separated by commas."))
    version = HiddenField()

    def setup(self, language: str) -> "CaseForm":
        self.setup_places(language)
        return self

    def data_dict(self) -> dict:
        """The case fields as the services take them."""
        data = {name: (getattr(self, name).data or "").strip() for name in (
            "first_name_ar", "father_name_ar", "family_name_ar", "mother_name_ar",
            "first_name_lat", "father_name_lat", "family_name_lat", "mother_name_lat", "sex",
            "birth_date", "status", "public_narrative", "internal_notes",
            "arrest_circumstances")}
        data["birth_date"] = check_date(data["birth_date"])[0] or data["birth_date"]
        data["governorate_id"] = self.governorate_id.data or None
        data["district_id"] = self.district_id.data or None
        data["aliases"] = [a.strip() for a in (self.aliases.data or "").splitlines() if a.strip()]
        data["tags"] = [t.strip() for t in (self.tags.data or "").replace("،", ",").split(",")
                        if t.strip()]
        return data

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        data = self.data_dict()
        problems = check_case({**data, "arrest_date": self.arrest_for_rules()})
        if data["district_id"] and data["governorate_id"]:
            district = refdata.cache().districts.get(data["district_id"])
            if district and district["governorate_id"] != data["governorate_id"]:
                problems.append(("district_id", _l("This district is in another governorate.")))
        for name, message in problems:
            field = getattr(self, name, None) or getattr(self, f"arrest_{name}", None) \
                or self.first_name_ar
            field.errors = [*field.errors, message]
        return ok and not problems

    def arrest_for_rules(self) -> str:
        return ""


class NewCaseForm(CaseForm):
    arrest_date = StringField(_l("Date of arrest"),
                              description=_l("2013, 2013-06, 2013-06-14 or a range 2013-06/2013-08"))
    arrest_estimated = BooleanField(_l("The date is estimated"))
    arrest_place = StringField(_l("Place of arrest"), validators=[Length(max=300, message=LONG)])
    arrest_perpetrator = SelectField(_l("Perpetrator party"), coerce=int)
    arrest_unit = StringField(_l("Unit"), validators=[Length(max=200, message=LONG)])
    arrest_facility = SelectField(_l("Taken to (facility)"), coerce=int)
    confirmed = HiddenField(default="")

    def setup(self, language: str) -> "NewCaseForm":
        super().setup(language)
        self.arrest_perpetrator.choices = reference_choices("perpetrators", language)
        self.arrest_facility.choices = reference_choices("facilities", language)
        return self

    def arrest_for_rules(self) -> str:
        return (self.arrest_date.data or "").strip()

    def arrest(self) -> dict:
        return {"date": check_date(self.arrest_for_rules(), allow_range=True)[0],
                "estimated": self.arrest_estimated.data, "place": (self.arrest_place.data or "").strip(),
                "perpetrator_id": self.arrest_perpetrator.data or None,
                "unit": (self.arrest_unit.data or "").strip(), "facility_id": None}


class EntryForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=labels.choices(labels.KIND))
    date = StringField(_l("Date"), description=_l("2013, 2013-06, 2013-06-14 or a range "
                                                  "2013-06/2013-08"))
    estimated = BooleanField(_l("The date is estimated"))
    place = StringField(_l("Place"), validators=[Length(max=300, message=LONG)])
    facility_id = SelectField(_l("Facility"), coerce=int)
    perpetrator_id = SelectField(_l("Perpetrator party"), coerce=int)
    unit = StringField(_l("Unit"), validators=[Length(max=200, message=LONG)])
    source_id = SelectField(_l("Supported by the source"), coerce=int)


class SourceForm(FlaskForm):
    kind = SelectField(_l("Kind of source"), choices=labels.choices(labels.SOURCE_KIND))
    relation = StringField(_l("Relation to the person"), validators=[Length(max=100)],
                           description=_l("For example: mother, cellmate."))
    informant = StringField(_l("Informant's name (encrypted)"), validators=[Length(max=200)])
    contact = StringField(_l("Contact details (encrypted)"), validators=[Length(max=300)])
    contact_channel = SelectField(_l("How to reach them"), choices=labels.choices(labels.CHANNEL))
    interview_date = StringField(_l("Interview date"))
    interviewer = StringField(_l("Interviewer"), validators=[Length(max=200)])
    reliability = SelectField(_l("Reliability"), choices=labels.choices(labels.RELIABILITY))
    consent_level = SelectField(_l("Consent to share"), choices=labels.choices(labels.CONSENT))
    allowed_orgs = SelectMultipleField(_l("Organisations allowed (named partners)"), coerce=int)
    refused_orgs = SelectMultipleField(_l("Organisations refused"), coerce=int)
    identification_referral = BooleanField(_l("Referral for identification allowed"))
    consent_date = StringField(_l("Consent date"))
    consent_method = SelectField(_l("Consent recorded"),
                                 choices=labels.choices(labels.CONSENT_METHOD, blank=""))


class SubmissionForm(FlaskForm):
    body = SelectField(_l("Mechanism"), choices=labels.choices(labels.BODY))
    date = StringField(_l("Date"), validators=[DataRequired()])
    reference = StringField(_l("Their reference"), validators=[Length(max=100)])
    answer = TextAreaField(_l("Answer"), validators=[Length(max=NOTE_MAX, message=LONG)])


class FacilityForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_ar = StringField(_l("Name in Arabic"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=labels.choices(labels.FACILITY_KIND))
    authority_id = SelectField(_l("Controlling authority"), coerce=int)
    governorate_id = SelectField(_l("Governorate"), coerce=int)


class SavedFilterForm(FlaskForm):
    name = StringField(_l("Name of the filter"), validators=[DataRequired(), Length(max=100)])
    params = HiddenField()


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired()])
    encoding = SelectField(_l("Encoding of a CSV file"),
                           choices=[("utf-8", _l("UTF-8 (with or without BOM)")),
                                    ("windows-1256", _l("Windows-1256 (Arabic Excel)"))])


class ImportCommitForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])
    encoding = HiddenField(validators=[InputRequired()])


class MergeForm(FlaskForm):
    other = StringField(_l("Reference of the other case"), validators=[DataRequired(),
                                                                      Length(max=20)])
    confirm = BooleanField(_l("I checked that both cases are the same person"))
    version = IntegerField(validators=[Optional()])


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download that changes nothing

    tier = SelectField(_l("Detail"), choices=labels.choices(TIER), default="detailed")
