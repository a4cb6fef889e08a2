from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...labels.accounts import ORG_KIND_LABELS


class OrganizationForm(FlaskForm):
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_ar = StringField(_l("Name in Arabic"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, v) for k, v in ORG_KIND_LABELS.items()])
    country = StringField(_l("Country code"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, for example LB or CH."))],
        description=_l("Two-letter ISO code, for example LB, CH or DE."))
