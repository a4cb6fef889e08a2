"""Forms of the API token pages. Only these fields are read (SECURITY.md A6)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ...services.api.tokens import MAX_DAYS, NAME_MAX


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def scope_labels() -> dict:
    return {"cases:read": _l("Read the shared cases and grants"),
            "events:read": _l("Read the organisation's events"),
            "submissions:write": _l("Submit new cases and updates, and read their status")}


class TokenForm(FlaskForm):
    organization = SelectField(_l("Organisation"), coerce=int, choices=[])
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the token a name, e.g. the system that will use it.")),
        Length(max=NAME_MAX)],
        description=_l("Say which system uses it; the audit log shows this name."))
    scopes = ScopesField(_l("Permissions"), choices=[], validators=[
        DataRequired(message=_l("Choose at least one permission."))])
    days = IntegerField(_l("Valid for (days)"), default=90, validators=[
        NumberRange(min=1, max=MAX_DAYS, message=_l("A token expires within a year at most."))])

    def setup(self, organizations) -> "TokenForm":
        self.organization.choices = [(o.id, o.name_en) for o in organizations]
        self.scopes.choices = list(scope_labels().items())
        return self


class EmptyForm(FlaskForm):
    pass
