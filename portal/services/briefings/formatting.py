"""Numbers, partial dates and event times as a pack prints them, per language.

Arabic packs use Arabic-Indic digits throughout (as their page numbers do, B14); identifiers
such as case references keep their Latin digits, since people copy them into other systems.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask_babel import gettext as _

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def digits(text: str, lang: str) -> str:
    """`text` with ASCII digits shown as the pack's language writes them."""
    return text.translate(_ARABIC_INDIC) if lang == "ar" else text


def number(value: int, lang: str) -> str:
    if lang == "ar":  # Babel gives the Arabic separators; the digits are ours to convert
        return digits(format_decimal(value, locale="ar", numbering_system="arab"), "ar")
    return format_decimal(value, locale="en")


def partial_date(value: str | None, lang: str) -> str:
    """"1987" / "1987-06" / "1987-06-14" / "A/B" as words; unparseable values as given."""
    if not value:
        return ""
    if "/" in value:
        start, _sep, end = value.partition("/")
        return _("%(start)s – %(end)s", start=partial_date(start, lang),
                 end=partial_date(end, lang))
    match = _PARTIAL.match(value.strip())
    if not match:
        return value
    year, month, day = match.groups()
    try:
        if day:
            text = format_date(date(int(year), int(month), int(day)), "d MMMM y", locale=lang)
        elif month:
            text = format_date(date(int(year), int(month), 1), "MMMM y", locale=lang)
        else:
            text = year
    except ValueError:
        return value
    return digits(text, lang)


def year_of(value: str | None) -> int | None:
    match = _PARTIAL.match(value or "") if value else None
    return int(match.group(1)) if match else None


def event_time(starts_at: str, ends_at: str, zone: str, lang: str) -> str:
    """An event's start and end in its own time zone, e.g. "12 March 2026, 09:00–15:00"."""
    try:
        tz = ZoneInfo(zone)
        start = datetime.fromisoformat(starts_at).astimezone(tz)
        end = datetime.fromisoformat(ends_at).astimezone(tz) if ends_at else None
    except (ValueError, KeyError, TypeError):
        return starts_at
    text = format_datetime(start, "d MMMM y, HH:mm", locale=lang)
    if end is not None:
        pattern = "HH:mm" if end.date() == start.date() else "d MMMM y, HH:mm"
        text = _("%(start)s – %(end)s", start=text,
                 end=format_datetime(end, pattern, locale=lang))
    return digits(text, lang)


def today(lang: str, when: datetime) -> str:
    return digits(format_date(when.date(), "d MMMM y", locale=lang), lang)
