"""Forms of the briefings area."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...labels.briefings import DEFAULT_SECTIONS, LANGUAGE_LABELS, SECTION_LABELS

REFERENCE = re.compile(r"^[A-Z]{2,5}-\d{4}-\d{6}$")
MAX_REFERENCES = 2000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GeneratePackForm(FlaskForm):
    recipient = SelectField(_l("Recipient organisation"), coerce=int,
                            validators=[DataRequired()])
    language = RadioField(_l("Language of the pack"),
                          choices=[(k, v) for k, v in LANGUAGE_LABELS.items()], default="ar")
    mode = RadioField(_l("Cases"), default="all", choices=[
        ("all", _l("All cases the recipient may see")),
        ("filter", _l("A saved filter, within what the recipient may see")),
        ("references", _l("Only the references listed below"))])
    filter_id = SelectField(_l("Saved filter"), coerce=int, choices=[], validate_choice=False)
    references = TextAreaField(_l("References"), validators=[Optional(), Length(max=40_000)],
                               description=_l("One case reference per line, for example "
                                              "DO-2025-000042."))
    sections = MultiCheckboxField(_l("Sections"), default=list(DEFAULT_SECTIONS),
                                  choices=[(k, v) for k, v in SECTION_LABELS.items()])
    covering_note = TextAreaField(_l("Covering note"), validators=[Optional(), Length(max=4000)],
                                  description=_l("Printed on the cover. Optional."))

    def validate_sections(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one section."))

    def validate_filter_id(self, field) -> None:
        if self.mode.data == "filter" and field.data not in {v for v, _l in field.choices}:
            raise ValidationError(_l("Choose one of your saved filters."))

    def validate_references(self, field) -> None:
        if self.mode.data != "references":
            return
        lines = [line.strip().upper() for line in (field.data or "").splitlines()]
        refs = [line for line in lines if line]
        if not refs:
            raise ValidationError(_l("List at least one case reference."))
        if len(refs) > MAX_REFERENCES:
            raise ValidationError(_l("At most %(n)s references per pack.", n=MAX_REFERENCES))
        for number, line in enumerate(lines, 1):
            if line and not REFERENCE.match(line):
                raise ValidationError(_l("Line %(line)s is not a case reference "
                                         "(for example DO-2025-000042).", line=number))

    def reference_list(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in (self.references.data or "").splitlines():
            if line.strip():
                seen[line.strip().upper()] = None
        return list(seen)


class VerifyForm(FlaskForm):
    document_id = StringField(_l("Document id"), validators=[DataRequired(), Length(max=40)],
                              description=_l("As printed at the top of every page, for example "
                                             "K7Q3-9XW2-M4TD-8HJN."))
