"""Event forms. Times are entered as a local date and time plus a named time zone."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ... import timezones
from ...labels.events import EVENT_KIND_LABELS, EVENT_LANGUAGES, RSVP_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LocalDateField(DateField):
    """A date with a translated message when it cannot be read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date such as 2026-03-26.")) from None


class LocalTimeField(TimeField):
    """A time (HH:MM, seconds tolerated) with a translated message."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%H:%M", "%H:%M:%S"])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a time such as 14:30.")) from None


def valid_zone(form, field):
    if not timezones.is_valid_zone(field.data):
        raise ValidationError(_l("This time zone does not exist. Choose one from the list, "
                                 "for example Asia/Beirut."))


class ZoneField(SelectField):
    """A time zone: the list offers the usual ones; any valid IANA name is accepted."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)


REQUIRED = _l("This field is required.")


class WhenForm(FlaskForm):
    """Start and end as wall times in a named zone; `validate` computes the UTC instants."""

    start_date = LocalDateField(_l("Start date"), validators=[InputRequired(REQUIRED)])
    start_time = LocalTimeField(_l("Start time"), validators=[InputRequired(REQUIRED)])
    end_date = LocalDateField(_l("End date"), validators=[Optional()],
                              description=_l("Leave empty for the same day."))
    end_time = LocalTimeField(_l("End time"), validators=[InputRequired(REQUIRED)])
    timezone = ZoneField(_l("Time zone"), validators=[InputRequired(REQUIRED), valid_zone])

    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        zone_name, end_date = self.timezone.data, self.end_date.data or self.start_date.data
        try:
            self.starts_at = timezones.local_to_utc(self.start_date.data, self.start_time.data,
                                                    zone_name)
        except timezones.NonexistentLocalTime:
            self.start_time.errors.append(_("This time does not exist in the chosen time "
                                            "zone: the clocks change that night."))
            return False
        try:
            self.ends_at = timezones.local_to_utc(end_date, self.end_time.data, zone_name)
        except timezones.NonexistentLocalTime:
            self.end_time.errors.append(_("This time does not exist in the chosen time "
                                          "zone: the clocks change that night."))
            return False
        return True

    def fill_when(self, starts_at: datetime, ends_at: datetime, zone_name: str) -> None:
        start = timezones.to_local(starts_at, zone_name)
        end = timezones.to_local(ends_at, zone_name)
        self.start_date.data, self.start_time.data = start.date(), start.time()
        self.end_date.data, self.end_time.data = end.date(), end.time()
        self.timezone.data = zone_name


class EventForm(WhenForm):
    kind = SelectField(_l("Kind of event"), choices=list(EVENT_KIND_LABELS.items()))
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    title_ar = StringField(_l("Title in Arabic"), validators=[Length(max=200)])
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Length(max=10000)])
    description_ar = TextAreaField(_l("Description in Arabic"),
                                   validators=[Length(max=10000)])
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    online_url = StringField(_l("Online link"), validators=[Length(max=500)],
                             description=_l("A web address starting with https://"))
    organizer = SelectField(_l("Organising organisation"), coerce=int)
    co_organizers = MultiCheckboxField(_l("Co-organising organisations"), coerce=int)
    invited = MultiCheckboxField(_l("Invited organisations"), coerce=int)
    capacity = IntegerField(_l("Capacity (seats)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l(
            "The capacity must be at least 1 seat, or left empty for no limit."))],
        description=_l("Leave empty for no limit."))
    languages = MultiCheckboxField(_l("Languages of the event"),
                                   choices=list(EVENT_LANGUAGES.items()))


class PostponeForm(WhenForm):
    reason = TextAreaField(_l("Reason (shown to the invited organisations)"),
                           validators=[Length(max=500)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the organisations concerned)"),
                           validators=[Length(max=500)])


class RsvpForm(FlaskForm):
    response = RadioField(_l("Your organisation's answer"), choices=list(RSVP_LABELS.items()),
                          validators=[InputRequired(_l("Choose yes, maybe or no."))])
    seats = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(
        min=0, max=500, message=_l("Give a number of seats between 1 and 500."))])


class AttendanceForm(FlaskForm):
    participants = IntegerField(_l("Number of participants"), validators=[
        InputRequired(REQUIRED),
        NumberRange(min=0, max=100000, message=_l("Give a number of participants."))])
    follow_up = SelectField(_l("Staff member who follows up"), coerce=int)
    attended = MultiCheckboxField(_l("Organisations that took part"), coerce=int)
    notes = TextAreaField(_l("Notes for the office (never shown to partners)"),
                          validators=[Length(max=5000)])


class AgendaForm(FlaskForm):
    day = LocalDateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    time = LocalTimeField(_l("Time"), validators=[InputRequired(REQUIRED)])
    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED), Length(max=200)])
    speaker = StringField(_l("Speaker"), validators=[Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED), Length(max=200)])
    url = StringField(_l("Link"), validators=[Length(max=500)],
                      description=_l("Either a web address starting with https://, or a file."))
    file = FileField(_l("File"))

    def validate_file(self, field):
        if not field.data and not (self.url.data or "").strip():
            raise ValidationError(_l("Give a link or choose a file."))
        if field.data and (self.url.data or "").strip():
            raise ValidationError(_l("Give a link or a file, not both."))


class TimezoneForm(FlaskForm):
    timezone = ZoneField(_l("Your time zone"))

    def validate_timezone(self, field):
        if field.data and not timezones.is_valid_zone(field.data):
            raise ValidationError(_l("This time zone does not exist. Choose one from the "
                                     "list, for example Asia/Beirut."))


class FilterForm(FlaskForm):
    """The filters of the list and the calendar (read from the query string)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()])
    org = SelectField(_l("Organisation"), validators=[Optional()])
