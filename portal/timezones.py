"""Named time zones (IANA, through zoneinfo and the tzdata package) and local wall times."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l

# The zones the office and its partners work in, offered first in every form. Any other
# valid IANA name is accepted too (an event may have been planned elsewhere).
COMMON_ZONES = (
    ("Asia/Beirut", _l("Beirut")),
    ("Asia/Damascus", _l("Damascus")),
    ("Europe/Istanbul", _l("Istanbul, Gaziantep")),
    ("Asia/Amman", _l("Amman")),
    ("Asia/Baghdad", _l("Baghdad, Erbil")),
    ("Africa/Cairo", _l("Cairo")),
    ("Europe/Zurich", _l("Geneva")),
    ("Europe/Berlin", _l("Berlin")),
    ("Europe/Paris", _l("Paris")),
    ("Europe/Brussels", _l("Brussels")),
    ("Europe/Amsterdam", _l("The Hague")),
    ("Europe/Stockholm", _l("Stockholm")),
    ("Europe/London", _l("London")),
    ("America/New_York", _l("New York")),
    ("UTC", _l("UTC")),
)


class NonexistentLocalTime(ValueError):
    """The wall time falls in a daylight-saving gap (the clocks jump over it)."""


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_zone(name: str | None) -> bool:
    return bool(name) and name in _available()


def zone(name: str) -> ZoneInfo:
    """The zone called `name` (which must be valid), UTC as a safe default."""
    return ZoneInfo(name) if is_valid_zone(name) else ZoneInfo("UTC")


def zone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(IANA name, label) pairs for a select, with `current` added if it is not listed."""
    choices = [(name, f"{label} ({name})") for name, label in COMMON_ZONES]
    if current and is_valid_zone(current) and current not in dict(COMMON_ZONES):
        choices.append((current, current))
    return choices


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of wall time `day` `at` in `zone_name`.

    Raises NonexistentLocalTime inside a spring-forward gap. In the repeated hour of an
    autumn change the first occurrence (fold=0) is taken.
    """
    tz = ZoneInfo(zone_name)
    local = datetime.combine(day, at.replace(tzinfo=None, second=0, microsecond=0)).replace(
        tzinfo=tz)
    in_utc = local.astimezone(timezone.utc)
    if in_utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(zone_name)
    return in_utc


def to_local(value: datetime, zone_name: str) -> datetime:
    """`value` (aware) seen in `zone_name`."""
    return value.astimezone(zone(zone_name))


def format_local(value: datetime, zone_name: str, locale: str, *, with_date: bool = True) -> str:
    """`value` as a date and time in `zone_name`, written the way `locale` writes them."""
    from babel import Locale
    from babel.dates import format_skeleton, format_time

    tz = zone(zone_name)
    at = format_time(value, "short", tzinfo=tz, locale=locale)
    if not with_date:
        return at
    day = format_skeleton("yMMMEd", value, tzinfo=tz, locale=locale)
    # The locale's own pattern joins date and time ("{1}, {0}"; "{1}، {0}" in Arabic).
    return Locale.parse(locale).datetime_formats["medium"].format(at, day)


def gmt_offset(value: datetime, zone_name: str, locale: str) -> str:
    """'GMT+03:00' (localised) for `value` in `zone_name`."""
    from babel.dates import get_timezone_gmt
    return get_timezone_gmt(value.astimezone(zone(zone_name)), width="long", locale=locale)
