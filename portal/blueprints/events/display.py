"""Showing events: times in the event's zone and the viewer's, and the month grid."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel import Locale
from babel.dates import format_date, get_day_names
from flask_babel import get_locale

from ... import timezones
from ...models import Event

# Babel's week data is per territory; the bare languages of the portal have none, so we
# name the territory whose customs the users of each language follow: Syria (the week
# starts on Saturday) for Arabic, the United Kingdom (Monday) for English.
CALENDAR_TERRITORY = {"ar": "SY", "en": "GB"}


def _lang() -> str:
    return get_locale().language


def calendar_locale(language: str | None = None) -> Locale:
    language = language or _lang()
    territory = CALENDAR_TERRITORY.get(language)
    return Locale.parse(f"{language}_{territory}" if territory else language)


def first_week_day(language: str | None = None) -> int:
    """0 = Monday … 6 = Sunday, as Babel's Locale.first_week_day."""
    return calendar_locale(language).first_week_day


def local_time(value: datetime, zone_name: str, with_date: bool = True) -> str:
    return timezones.format_local(value, zone_name, _lang(), with_date=with_date)


def local_iso(value: datetime, zone_name: str) -> str:
    """ISO 8601 with the zone's offset, e.g. 2026-03-26T10:00:00+02:00."""
    return timezones.to_local(value, zone_name).isoformat()


def zone_offset(value: datetime, zone_name: str) -> str:
    return timezones.gmt_offset(value, zone_name, _lang())


def same_local_day(start: datetime, end: datetime, zone_name: str) -> bool:
    return timezones.to_local(start, zone_name).date() == timezones.to_local(
        end, zone_name).date()


@dataclass
class Day:
    day: date
    in_month: bool
    events: list[Event] = field(default_factory=list)


def grid_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day shown on the month's grid."""
    weeks = calendar.Calendar(firstweekday=first_week_day()).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


def month_grid(year: int, month: int, events: list[Event], zone_for) -> list[list[Day]]:
    """Weeks of the month (starting on the locale's first day), each event on the local
    days it spans in the zone `zone_for(event)` returns."""
    cal = calendar.Calendar(firstweekday=first_week_day())
    weeks = [[Day(d, d.month == month) for d in week]
             for week in cal.monthdatescalendar(year, month)]
    by_day = {d.day: d for week in weeks for d in week}
    for event in events:
        zone_name = zone_for(event)
        start = timezones.to_local(event.starts_at, zone_name)
        end = timezones.to_local(event.ends_at, zone_name)
        last = end.date() if end.time() != datetime.min.time() else end.date() - timedelta(1)
        current = start.date()
        while current <= max(last, start.date()):
            if current in by_day:
                by_day[current].events.append(event)
            current += timedelta(days=1)
    return weeks


def weekday_names(width: str = "abbreviated") -> list[str]:
    names = get_day_names(width, locale=_lang())
    start = first_week_day()
    return [names[(start + i) % 7] for i in range(7)]


def month_title(year: int, month: int) -> str:
    return format_date(date(year, month, 1), "LLLL y", locale=_lang())


def register(app) -> None:
    from ...labels.events import register as register_labels
    register_labels(app)
    app.jinja_env.globals.update(local_time=local_time, local_iso=local_iso, zone_offset=zone_offset,
                                 same_local_day=same_local_day, weekday_names=weekday_names)
