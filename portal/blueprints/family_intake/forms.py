"""The public report form and the queue's small forms.

Every check names the field in its message. Free text is kept as text: control characters and
HTML markup are refused (a relative never needs them; what is stored is then plain text in
every later view, export and pack, and it is escaped everywhere all the same)."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ...services.family_intake import DISMISS_REASONS, KINDS, LIMITS

# Bidi embeddings, overrides and isolates: they reorder what staff would read (E6).
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")


def _name(field) -> str:
    return str(field.label.text)


class CleanText:
    """Length, no control characters, no markup; `multiline` allows line breaks and tabs."""

    def __init__(self, limit: int, *, required: bool = False, multiline: bool = False):
        self.limit, self.required, self.multiline = limit, required, multiline

    def __call__(self, form, field) -> None:
        value = (field.data or "").replace("\r\n", "\n").strip()
        field.data = value
        if not value:
            if self.required:
                raise ValidationError(_l("%(field)s: this field is required.", field=_name(field)))
            return
        if len(value) > self.limit:
            raise ValidationError(_l("%(field)s: at most %(limit)s characters (this one has "
                                     "%(count)s).", field=_name(field), limit=self.limit,
                                     count=len(value)))
        allowed = "\n\t" if self.multiline else ""
        if any((unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in _BIDI_CONTROLS
               for ch in value):
            raise ValidationError(_l("%(field)s: contains control characters. Please type the "
                                     "text again without them.", field=_name(field)))
        if _MARKUP.search(value):
            raise ValidationError(_l("%(field)s: web page code (text between < and >) is not "
                                     "accepted. Please write plain text.", field=_name(field)))


class ReportForm(FlaskForm):
    """What a relative sends. Only `kind`, the missing person's name and the account are
    required: everything else is whatever they can safely give."""

    kind = RadioField(_l("What do you want to do?"), validate_choice=False,
                      default="report_missing", choices=[
        ("report_missing", _l("Report a person who is missing, detained or disappeared")),
        ("new_information", _l("Send new information about a person already reported"))])
    missing_name = StringField(_l("Full name of the missing person"),
                               validators=[CleanText(LIMITS["missing_name"], required=True)])
    earlier_reference = StringField(
        _l("Earlier reference number, if you have one"),
        validators=[CleanText(LIMITS["earlier_reference"])])
    relation = StringField(_l("Your relation to this person"),
                           validators=[CleanText(LIMITS["relation"])])
    missing_since = StringField(_l("Since when (date or year, even approximate)"),
                                validators=[CleanText(LIMITS["missing_since"])])
    last_place = StringField(_l("Where were they last seen or taken?"),
                             validators=[CleanText(LIMITS["last_place"])])
    details = TextAreaField(_l("What happened, or what is new"),
                            validators=[CleanText(LIMITS["details"], required=True,
                                                  multiline=True)])
    sender_name = StringField(_l("Your name (optional)"),
                              validators=[CleanText(LIMITS["sender_name"])])
    contact = StringField(_l("How can the office reach you safely? (optional)"),
                          validators=[CleanText(LIMITS["contact"])])
    contact_safety = TextAreaField(
        _l("When and how is it safe to contact you? (optional)"),
        validators=[CleanText(LIMITS["contact_safety"], multiline=True)])
    consent = BooleanField(_l("I agree that the office keeps this information to document "
                              "the case, and contacts me only in the way I described."))
    # A honeypot: hidden from people by the stylesheet (no script), filled in by bots.
    website = StringField(_l("Leave this field empty"))

    def validate_kind(self, field) -> None:
        if field.data not in KINDS:
            raise ValidationError(_l("%(field)s: please choose one of the two options.",
                                     field=_name(field)))

    def validate_consent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("%(field)s: please tick this box to send the report.",
                                     field=_l("Agreement")))

    def validate_website(self, field) -> None:
        if (field.data or "").strip():
            raise ValidationError(_l("%(field)s: this field must stay empty.",
                                     field=_name(field)))

    def payload(self) -> dict:
        return {name: getattr(self, name).data or "" for name in LIMITS}


class DismissForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[("", "")] + list(DISMISS_REASONS.items()),
                         validate_choice=False)

    def validate_reason(self, field) -> None:
        if field.data not in DISMISS_REASONS:
            raise ValidationError(_l("%(field)s: please choose a reason.", field=_name(field)))


def _choices(table: dict, blank: str | None = None):
    from ...labels.cases import choices
    return choices(table, blank)


class CreateFromReportForm(FlaskForm):
    """A new case and family from a report: the names as the register writes them, the
    family's label, and whether the sender joins the family as its main contact."""

    first_name_ar = StringField(_l("First name (Arabic)"))
    family_name_ar = StringField(_l("Family name (Arabic)"))
    first_name_lat = StringField(_l("First name (Latin)"))
    family_name_lat = StringField(_l("Family name (Latin)"))
    status = SelectField(_l("Status"), validate_choice=False)
    label = StringField(_l("Household label"))
    add_sender = BooleanField(_l("Add the sender as the family's main contact"), default=True)
    relation = SelectField(_l("Sender's relation to the missing person"), validate_choice=False)
    contact_channel = SelectField(_l("Contact channel"), validate_choice=False)

    def setup(self) -> "CreateFromReportForm":
        from ...labels.cases import CHANNEL, STATUS
        from ...labels.families import RELATION
        self.status.choices = _choices(STATUS)
        self.relation.choices = _choices(RELATION, "—")
        self.contact_channel.choices = _choices(CHANNEL)
        return self

    def case_data(self) -> dict:
        return {"first_name_ar": self.first_name_ar.data or "",
                "family_name_ar": self.family_name_ar.data or "",
                "first_name_lat": self.first_name_lat.data or "",
                "family_name_lat": self.family_name_lat.data or "",
                "status": self.status.data or "missing", "sex": "unknown"}

    def family_data(self) -> dict:
        return {"label": self.label.data or ""}


class LinkReportForm(FlaskForm):
    family_uid = StringField(_l("Family reference (FA-…)"))
    case_reference = StringField(_l("Case reference (DO-…), optional"))
