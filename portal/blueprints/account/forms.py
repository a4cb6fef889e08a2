from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms_common import password_field_validators

LOCALES = [("ar", "العربية"), ("en", "English")]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    preferred_locale = SelectField(_l("Language"), choices=LOCALES)


class ReauthForm(FlaskForm):
    """Both factors again, for sensitive changes."""
    password = PasswordField(_l("Current password"), validators=[DataRequired()])
    code = StringField(_l("Authentication code"), validators=[DataRequired(), Length(max=20)])


class ChangePasswordForm(ReauthForm):
    new_password = PasswordField(_l("New password"), validators=password_field_validators())
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords are not the same."))])


class ConfirmCodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=20)])


class EndSessionForm(FlaskForm):
    session_id = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
