from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms_common import password_field_validators


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    # No length limit here: an over-long password must fail like any wrong one (B7).
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    code = StringField(_l("Authentication code"), validators=[Length(max=20)],
                       description=_l("The 6-digit code from your authenticator app, or a "
                                      "recovery code."))


class ActivationForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=password_field_validators())
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=20)])
