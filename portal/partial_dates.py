"""Partial dates: "1987", "2013-06" and "2013-06-14" are each first-class, never padded.

A partial date is stored as the string the way it was recorded. For filtering and ordering
each one also has a range of sortable integers (YYYYMMDD): "2013-06" covers 20130601 to
20130630. A date range ("2013-06/2014") is two partial dates joined by "/".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")  # 14/06/2013, the spreadsheet habit
_MY = re.compile(r"^(\d{1,2})[/.](\d{4})$")  # 06/2013
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
MIN_YEAR = 1900


class PartialDateError(ValueError):
    """Not a date; `code` tells the caller which translated message to show."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "format" | "invalid" | "year_range"


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def lo(self) -> int:
        """The first day it may mean, as YYYYMMDD."""
        return self.year * 10000 + (self.month or 1) * 100 + (self.day or 1)

    @property
    def hi(self) -> int:
        """The last day it may mean, as YYYYMMDD."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return self.year * 10000 + month * 100 + day

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)


def parse(text: str | dt.date | None) -> PartialDate | None:
    """Read "YYYY", "YYYY-MM", "YYYY-MM-DD" (also DD/MM/YYYY, MM/YYYY, Arabic-Indic digits)."""
    if text is None:
        return None
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return PartialDate(text.year, text.month, text.day)
    text = str(text).strip().translate(_DIGITS)
    if not text:
        return None
    if m := _ISO.match(text):
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    elif m := _DMY.match(text):
        year, month, day = int(m[3]), int(m[2]), int(m[1])
    elif m := _MY.match(text):
        year, month, day = int(m[2]), int(m[1]), None
    else:
        raise PartialDateError("format")
    if year < MIN_YEAR or year > 2200:
        raise PartialDateError("year_range")
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise PartialDateError("invalid") from None
    return PartialDate(year, month or None, day or None)


def parse_range(text: str | None) -> tuple[PartialDate | None, PartialDate | None]:
    """Read "A" or "A/B"; raise PartialDateError("order") when B ends before A starts."""
    if not text or not str(text).strip():
        return None, None
    start, _, end = str(text).partition("/")
    first, last = parse(start), parse(end) if end.strip() else None
    if first is None and last is not None:
        raise PartialDateError("format")
    if first and last and last.hi < first.lo:
        raise PartialDateError("order")
    return first, last


def normalise(text: str | dt.date | None) -> str:
    """The canonical stored string ("" for empty), raising PartialDateError on bad input."""
    value = parse(text)
    return str(value) if value else ""


def bounds(text: str | None) -> tuple[int | None, int | None]:
    """(lo, hi) as YYYYMMDD integers for a stored partial date or "A/B" range."""
    if not text:
        return None, None
    start, _, end = text.partition("/")
    first = parse(start)
    last = parse(end) if end else first
    return first.lo, last.hi


def is_future(value: PartialDate, today: dt.date | None = None) -> bool:
    """True when even the earliest day the date may mean is after `today`."""
    today = today or dt.date.today()
    return value.lo > today.year * 10000 + today.month * 100 + today.day


def year_of(text: str | None) -> int | None:
    return int(text[:4]) if text else None


def month_of(text: str | None) -> str | None:
    """"YYYY-MM" (or "YYYY" when only the year is known): the summary tier's arrest month."""
    return text[:7] if text else None


# Levantine month names (حزيران, not يونيو) are what Syrian families and records use.
_BABEL_LOCALES = {"ar": "ar_SY", "en": "en_GB"}


@lru_cache(maxsize=8192)  # pure; a list page formats the same few hundred dates again and again
def format_partial(text: str | None, language: str = "en") -> str:
    """Show a stored partial date (or "A/B" range) as recorded: "1987", "June 2013",
    "14 June 2013" (or "حزيران 2013"); never a padded day or month."""
    from babel.dates import format_date

    if not text:
        return ""
    locale = _BABEL_LOCALES.get(language, language)
    parts = []
    for piece in text.split("/"):
        value = parse(piece)
        if value.precision == "year":
            parts.append(str(value.year))
        elif value.precision == "month":
            parts.append(format_date(value.first_day(), "MMMM y", locale=locale))
        else:
            parts.append(format_date(value.first_day(), "d MMMM y", locale=locale))
    return " – ".join(parts)
