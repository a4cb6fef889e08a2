from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..account.forms import LOCALES


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Length(max=254),
        Email(message=_l("Enter an e-mail address such as name@example.org."),
              check_deliverability=False)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organization = SelectField(_l("Organisation"), coerce=int)
    role = SelectField(_l("Role"))
    locale = SelectField(_l("Language of the invitation"), choices=LOCALES)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))
