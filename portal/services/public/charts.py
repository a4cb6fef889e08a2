"""The public charts: rows of label, number as text and bar length, from a snapshot's
(already suppressed) figures, and the Open Graph image drawn from them.

Templates draw each bar as a small inline SVG beside its label and its number, so the
numbers are text (screen readers, journalists quoting them) and the layout mirrors with the
page's direction. Nothing here reads the database.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...labels.cases import STATUS

BAR = 200.0  # SVG user units of the longest bar
TITLES = {"status": _l("Cases by current status"),
          "party": _l("Cases by holding party"),
          "governorate": _l("Cases by governorate of origin"),
          "year": _l("Cases by year of arrest")}
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def number(value: int, lang: str) -> str:
    if lang == "ar":
        text = format_decimal(value, locale="ar", numbering_system="arab")
        return text.translate(_ARABIC_INDIC)
    return format_decimal(value, locale="en")


def _label(dim: str, row: dict, lang: str) -> str:
    key = row["key"]
    if key == "unknown":
        return _("Unknown")
    if dim == "status":
        return str(STATUS.get(key, key))
    if dim == "year":
        if key == "before":
            return _("Before %(year)s", year="2011".translate(_ARABIC_INDIC) if lang == "ar"
                     else "2011")
        return key.translate(_ARABIC_INDIC) if lang == "ar" else key
    return row.get("name_ar" if lang == "ar" else "name_en") or row.get("name_en") or key


def value_text(row: dict, threshold: int, lang: str) -> str:
    if row.get("count") is not None:
        return number(row["count"], lang)
    if row.get("hidden") == "withheld":
        return _("not shown, to protect a small number")
    return _("fewer than %(n)s", n=number(threshold, lang))


def chart(figures: dict, dim: str, lang: str, status: str | None = None) -> dict:
    """One chart of a snapshot: title and rows (label, value text, bar width, hidden)."""
    threshold = figures.get("threshold", 5)
    source = (figures.get("by_status", {}).get(status, {}) if status
              else figures.get("charts", {})).get(dim, [])
    peak = max([r["count"] for r in source if r.get("count") is not None] + [threshold])
    rows = []
    for row in source:
        hidden = row.get("count") is None
        length = BAR * (threshold if hidden else row["count"]) / peak
        rows.append({"label": _label(dim, row, lang),
                     "value": value_text(row, threshold, lang), "hidden": hidden,
                     "width": round(max(length, 1.0) if (hidden or row["count"]) else 0, 1)})
    return {"key": dim, "title": str(TITLES[dim]), "rows": rows}


def total_text(figures: dict, lang: str) -> str:
    if figures.get("total") is None:
        return _("fewer than %(n)s", n=number(figures.get("threshold", 5), lang))
    return number(figures["total"], lang)


# --- the Open Graph image -------------------------------------------------------------------
# A PNG, because the services that draw link previews (messaging apps, social networks) do
# not accept SVG for og:image. It has no text at all: the title travels in og:title, so no
# font or Arabic shaping is needed, and the image can carry nothing but bar lengths of the
# published (suppressed) figures. Written with zlib alone: no imaging library.

WIDTH, HEIGHT = 1200, 630
_BG, _INK, _PALE, _BAND = (250, 247, 242), (53, 96, 143), (185, 200, 216), (138, 28, 28)


def _png(rows: list[bytearray]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


@lru_cache(maxsize=32)
def og_image(bars: tuple[tuple[float, bool], ...], rtl: bool) -> bytes:
    """A 1200×630 card: a band in the office's colour and one bar per figure (length
    0..1, pale when hidden), mirrored for Arabic."""
    rows = [bytearray(bytes(_BG) * WIDTH) for _ in range(HEIGHT)]

    def fill(x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        if rtl:
            x0, x1 = WIDTH - x1, WIDTH - x0
        for y in range(max(y0, 0), min(y1, HEIGHT)):
            rows[y][3 * x0:3 * x1] = bytes(colour) * (x1 - x0)
    fill(0, 0, WIDTH, 36, _BAND)
    count = max(len(bars), 1)
    slot = (HEIGHT - 120) // count
    for i, (length, hidden) in enumerate(bars):
        y = 80 + i * slot
        fill(80, y, 80 + int(1040 * max(0.0, min(length, 1.0))), y + int(slot * 0.7),
             _PALE if hidden else _INK)
    return _png(rows)


def og_bars(figures: dict | None) -> tuple[tuple[float, bool], ...]:
    """The bars of the status chart, as lengths from 0 to 1."""
    if not figures:
        return ()
    rows = figures.get("charts", {}).get("status", [])
    threshold = figures.get("threshold", 5)
    peak = max([r["count"] for r in rows if r.get("count") is not None] + [threshold])
    return tuple(((threshold if r.get("count") is None else r["count"]) / peak,
                  r.get("count") is None) for r in rows)
