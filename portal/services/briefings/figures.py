"""The summary figures of a pack and the geometry of their SVG charts.

Small cells are suppressed: a count from 1 to 4 is printed as "<5" and drawn as a pale bar
of one fixed length, so that no family can be singled out from the statistics (DESIGN.md).
The charts are plain numbers here; the templates draw them as inline SVG (no script, no
markup built in Python, so nothing needs |safe).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from flask_babel import gettext as _

from ...labels.briefings import label
from ...labels.cases import STATUS
from .formatting import digits, number, year_of

SMALL_CELL = 5
TOP_CATEGORIES = 10
BAR_WIDTH = 240.0  # SVG user units of the longest bar


def shown(count: int, lang: str) -> str:
    """A count as printed in a pack: "<5" below the threshold (never for 0)."""
    if 0 < count < SMALL_CELL:
        return "<" + number(SMALL_CELL, lang)
    return number(count, lang)


def _bars(pairs: list[tuple[str, int]], lang: str) -> list[dict]:
    visible_max = max([max(n, SMALL_CELL) for _label, n in pairs] or [SMALL_CELL])
    rows = []
    for text, count in pairs:
        small = 0 < count < SMALL_CELL
        length = BAR_WIDTH * (SMALL_CELL if small else count) / visible_max
        rows.append({"label": text, "value": shown(count, lang), "small": small,
                     "width": round(max(length, 1.0), 1)})
    return rows


def _named(value: dict | None, lang: str) -> str:
    if not value:
        return _("Unknown")
    first, other = ("name_ar", "name_en") if lang == "ar" else ("name_en", "name_ar")
    return value.get(first) or value.get(other) or _("Unknown")


def _distribution(cases: Iterable[dict], key: Callable[[dict], str], lang: str,
                  order: list[str] | None = None) -> list[dict]:
    counts = Counter(key(case) for case in cases)
    if order is not None:
        pairs = [(k, counts[k]) for k in order if counts.get(k)]
    else:
        pairs = counts.most_common()
        if len(pairs) > TOP_CATEGORIES:
            rest = sum(n for _k, n in pairs[TOP_CATEGORIES - 1:])
            pairs = pairs[:TOP_CATEGORIES - 1] + [(_("All others"), rest)]
    return _bars(pairs, lang)


def _years(cases: list[dict], lang: str) -> dict:
    counts = Counter(year_of(case.get("arrest_month")) for case in cases)
    unknown = counts.pop(None, 0)
    if not counts:
        return {"columns": [], "unknown": shown(unknown, lang), "height": 0, "width": 0}
    first, last = min(counts), max(counts)
    peak = max(max(counts.values()), SMALL_CELL)
    step = 18.0
    columns = []
    for i, year in enumerate(range(first, last + 1)):
        count = counts.get(year, 0)
        small = 0 < count < SMALL_CELL
        height = 0.0 if count == 0 else 100.0 * (SMALL_CELL if small else count) / peak
        columns.append({"x": round(i * step + 2, 1), "height": round(height, 1),
                        "y": round(110 - height, 1), "small": small,
                        "year": digits(str(year), lang),
                        "value": shown(count, lang) if count else "",
                        "label_year": (year - first) % 5 == 0 or year == last})
    return {"columns": columns, "unknown": shown(unknown, lang) if unknown else "",
            "width": round(len(columns) * step + 4, 1), "height": 150}


def summary_figures(cases: list[dict], lang: str) -> dict:
    """Counts by status, perpetrator party and facility, and arrests per year."""
    return {
        "total": shown(len(cases), lang),
        "by_status": _distribution(cases, lambda c: label(STATUS, c.get("status")),
                                   lang, order=[str(v) for v in STATUS.values()]),
        "by_perpetrator": _distribution(cases, lambda c: _named(c.get("perpetrator"), lang),
                                        lang),
        "by_facility": _distribution(cases, lambda c: _named(c.get("facility"), lang), lang),
        "by_year": _years(cases, lang),
    }
