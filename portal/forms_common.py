"""Form pieces shared by several blueprints."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, ValidationError

from . import passwords


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST-only buttons."""


class PasswordPolicy:
    """Length 12–128 and not on the common-password list; no composition rules."""

    def __call__(self, form, field):
        problem = passwords.policy_problem(field.data or "")
        if problem in ("short", "long"):  # after Unicode normalisation (NFC)
            raise ValidationError(_l("Use between 12 and 128 characters."))
        if problem == "common":
            raise ValidationError(_l("This password is too common. Choose a longer phrase "
                                     "that others would not guess."))


def password_field_validators():
    return [DataRequired(),
            Length(min=12, max=128, message=_l("Use between 12 and 128 characters.")),
            PasswordPolicy()]
