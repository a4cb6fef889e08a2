"""Pack templates → HTML and CSS strings, in the pack's language (not the user's).

The HTML template is autoescaped like every page of the portal. pack.css is a Jinja template
too, but it never receives case or user data: only the document id, the language and the
translated page label, each passed through `css_string`, which hex-escapes everything that
is not a plain letter or digit.
"""

from __future__ import annotations

import re

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from .context import PackInfo, pack_context

_PLAIN = re.compile(r"[A-Za-z0-9 ]")
_PAGE, _PAGES = "\x01", "\x02"
COUNTER_STYLE = {"ar": "arabic-indic", "en": "decimal"}


def css_string(text: str) -> str:
    """`text` as a double-quoted CSS string; every other character is a 6-digit hex escape."""
    return '"' + "".join(ch if _PLAIN.match(ch) else f"\\{ord(ch):06X}" for ch in str(text)) + '"'


def _counters(text: str, style: str) -> str:
    tokens = []
    for part in re.split(f"({_PAGE}|{_PAGES})", text):
        if part == _PAGE:
            tokens.append(f"counter(page, {style})")
        elif part == _PAGES:
            tokens.append(f"counter(pages, {style})")
        elif part:
            tokens.append(css_string(part))
    return " ".join(tokens)


def _css_context(pack: dict) -> dict:
    lang = pack["lang"]
    style = COUNTER_STYLE[lang]
    rtl = pack["dir"] == "rtl"
    return {
        "lang": lang, "rtl": rtl, "counter_style": style,
        "start": "right" if rtl else "left", "end": "left" if rtl else "right",
        "page_label": _counters(_("Page %(page)s of %(pages)s", page=_PAGE, pages=_PAGES),
                                style),
        "document_label": css_string(_("Document %(id)s", id=pack["document_id"])),
    }


def render_pack(info: PackInfo, cases: list[dict], events: list[dict] | None,
                contacts: list[dict], families: dict | None = None) -> tuple[str, str]:
    """The HTML and CSS of a pack, built and translated in the pack's language."""
    with force_locale(info.language):
        pack = pack_context(info, cases, events, contacts, families)
        html = render_template("briefings/pdf/pack.html", pack=pack)
        css = render_template("briefings/pdf/pack.css", **_css_context(pack))
    return html, css


def pack_title(language: str) -> str:
    """The neutral title written into the PDF metadata."""
    with force_locale(language):
        return _("Briefing pack")
