"""Forms of the sharing area. Only these fields are read: anything else posted (an
organisation id in another name, a role, a creator) is ignored (SECURITY.md A6)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...labels.sharing import GRANT_TIER, STATE
from ...models.sharing import PURPOSE_MAX
from ...services.sharing.grants import GrantRequest


def _int_or_zero(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # not a number at all: the view treats it as tampering
    return number if 0 <= number < 2**31 else -1


class GrantForm(FlaskForm):
    # Choices are set by the view; a value outside them is tampering (400, audited), which
    # the view checks before validation, so validate_choice is off here.
    organization = SelectField(_l("Organisation"), coerce=_int_or_zero, choices=[],
                               validate_choice=False)
    tier = SelectField(_l("Detail tier"), choices=list(GRANT_TIER.items()), default="summary",
                       validate_choice=False)
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(
        message=_l("Say what the organisation needs these cases for.")),
        Length(max=PURPOSE_MAX)],
        description=_l("Why the organisation needs these cases (shown in the access report)."))
    expires_on = DateField(_l("Access ends after"), validators=[DataRequired(
        message=_l("Give the date the access ends (for example 2026-12-31)."))],
        description=_l("The last day of access (the grant ends at midnight UTC)."))
    references = TextAreaField(_l("Cases"), validators=[Optional(), Length(max=120_000)],
                               description=_l("Case references, one per line (for example "
                                              "DO-2025-000042)."))
    filter_id = SelectField(_l("And/or a saved filter"), coerce=_int_or_zero, choices=[],
                            validate_choice=False,
                            description=_l("The filter is copied into the grant: new cases "
                                           "that match it are covered; later edits of your "
                                           "saved filter change nothing."))

    def reference_list(self) -> list[str]:
        text = (self.references.data or "").replace(",", "\n")
        return [line.strip().upper() for line in text.splitlines() if line.strip()]

    def expires_at(self) -> datetime | None:
        day = self.expires_on.data
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=timezone.utc)

    def grant_request(self) -> GrantRequest:
        return GrantRequest(organization_id=self.organization.data, tier=self.tier.data,
                            purpose=self.purpose.data or "", expires_at=self.expires_at(),
                            references=self.reference_list(),
                            filter_id=self.filter_id.data or None)


class GrantFilterForm(FlaskForm):
    """The filters of the grants list (a GET form)."""

    class Meta:
        csrf = False

    org = SelectField(_l("Organisation"), coerce=_int_or_zero, choices=[], default=0,
                      validate_choice=False)
    state = SelectField(_l("State"), choices=[("", _l("Any"))] + list(STATE.items()),
                        default="active")
    tier = SelectField(_l("Detail tier"), choices=[("", _l("Any"))] + list(GRANT_TIER.items()),
                       default="")
