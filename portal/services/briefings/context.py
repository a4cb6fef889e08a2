"""The primitives-only context of a pack template, built by allow-list from CONTRACT.md dicts.

Only the keys listed here, and only those of the case's tier, ever reach a template: a key
the redaction dictionary should not have carried (internal notes, interviewer, sources,
contact details) is simply never read. Packs are documents carried out of the office, so
they stop at the "identification" tier even when built from an office-tier dictionary.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

from ...labels.briefings import LANGUAGE_LABELS, SECTION_LABELS, label
from ...labels.cases import KIND, SEX, SOURCE_KIND, STATUS
from ...labels.events import EVENT_STATUS_LABELS
from ...labels.sharing import TIER
from .figures import summary_figures
from .formatting import digits, event_time, number, partial_date, today

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
TIERS = ("summary", "detailed", "identification", "office")
PACK_MAX_TIER = "identification"
# Case sheets per HTML document of a pack (pack.html): small documents lay out faster.
SHEETS_PER_PART = 25


class ContractViolation(ValueError):
    """A case dict that does not follow CONTRACT.md (unknown tier, missing key)."""


@dataclass(frozen=True)
class PackInfo:
    """What the cover and the running header say about the pack."""

    document_id: str
    language: str  # "ar" | "en"
    recipient_ar: str
    recipient_en: str
    created_at: datetime
    sections: tuple[str, ...]
    covering_note: str = ""


def _rank(tier: str) -> int:
    return TIERS.index(tier)


def _tier(case: dict) -> str:
    tier = case.get("tier")
    if tier not in TIERS:
        raise ContractViolation("a case dict without a known tier")
    return TIERS[min(_rank(tier), _rank(PACK_MAX_TIER))]


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Code points the bundled fonts can draw (any other would print as a .notdef box)."""
    from fontTools.ttLib import TTFont
    points: set[int] = set()
    for name in ("NotoSans-Regular.ttf", "NotoNaskhArabic-Regular.ttf"):
        points |= set(TTFont(FONTS_DIR / name, lazy=True).getBestCmap())
    return frozenset(points)


def printable(text: str) -> str:
    """`text` with control characters dropped and characters no bundled font has (emoji,
    CJK, full-width forms) shown as U+FFFD, so a pack never prints .notdef boxes (B14) and
    its text still extracts correctly."""
    if text.isascii() and text.isprintable():
        return text
    covered = _covered()
    return "".join(ch if ord(ch) in covered else ("\ufffd" if ch.isprintable() else
                                                  (ch if ch in "\n\t" else ""))
                   for ch in text)


def text_dir(text: str) -> str:
    """"rtl" or "ltr" from the first strong character (WeasyPrint ignores dir="auto")."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return ""


def _s(value) -> str:
    return "" if value is None else printable(str(value))


def _named(value: dict | None, lang: str) -> str:
    if not isinstance(value, dict):
        return ""
    first, other = ("name_ar", "name_en") if lang == "ar" else ("name_en", "name_ar")
    return _s(value.get(first) or value.get(other))


def _join(*parts) -> str:
    return " ".join(_s(p).strip() for p in parts if _s(p).strip())


def _timeline_entry(entry: dict, lang: str) -> dict:
    return {"kind": label(KIND, entry.get("kind")),
            "date": partial_date(entry.get("date"), lang),
            "estimated": bool(entry.get("estimated")), "place": _s(entry.get("place")),
            "facility": _named(entry.get("facility"), lang),
            "perpetrator": _named(entry.get("perpetrator"), lang), "unit": _s(entry.get("unit")),
            "source": label(SOURCE_KIND, entry.get("source_kind"))}


def case_context(case: dict, position: int, lang: str) -> dict:
    """One case as the templates see it: the fields of its tier, formatted, nothing else."""
    tier = _tier(case)
    names = case.get("names") or {}
    out = {
        "anchor": f"case-{position}", "reference": _s(case.get("reference")),
        "tier": tier, "tier_label": label(TIER, tier),
        "name_ar": _join(names.get("first_ar"), names.get("family_ar")),
        "name_lat": _join(names.get("first_lat"), names.get("family_lat")),
        "aliases": [_s(a) for a in case.get("aliases") or []],
        "sex": label(SEX, case.get("sex") or "unknown"),
        "birth_year": digits(_s(case.get("birth_year")), lang),
        "governorate": _named(case.get("governorate"), lang),
        "arrest_month": partial_date(case.get("arrest_month"), lang),
        "perpetrator": _named(case.get("perpetrator"), lang),
        "facility": _named(case.get("facility"), lang),
        "status": label(STATUS, case.get("status")),
        "status_key": case.get("status") if case.get("status") in STATUS else "other",
        "narrative": _s(case.get("public_narrative")),
    }
    out["narrative_dir"] = text_dir(out["narrative"])
    if _rank(tier) >= _rank("detailed"):
        parents = case.get("parents") or {}
        out.update({
            "father_ar": _s(parents.get("father_ar")), "father_lat": _s(parents.get("father_lat")),
            "mother_ar": _s(parents.get("mother_ar")), "mother_lat": _s(parents.get("mother_lat")),
            "birth_date": partial_date(case.get("birth_date"), lang),
            "district": _named(case.get("district"), lang),
            "arrest_date": partial_date(case.get("arrest_date"), lang),
            "circumstances": _s(case.get("arrest_circumstances")),
            "circumstances_dir": text_dir(_s(case.get("arrest_circumstances"))),
            "timeline": [_timeline_entry(e, lang) for e in case.get("timeline") or []],
            "submissions": [{"body": _s(s.get("body")), "date": partial_date(s.get("date"), lang),
                             "reference": _s(s.get("reference")), "answer": _s(s.get("answer"))}
                            for s in case.get("submissions") or []],
        })
    if _rank(tier) >= _rank("identification"):
        out["informants"] = [{"relation": _s(i.get("relation")),
                              "channel": _s(i.get("contact_channel"))}
                             for i in case.get("informants") or []]
    return out


def event_context(event: dict, lang: str) -> dict:
    title_first, title_other = ("title_ar", "title_en") if lang == "ar" else ("title_en",
                                                                              "title_ar")
    return {"title": _s(event.get(title_first) or event.get(title_other)),
            "when": event_time(_s(event.get("starts_at")), _s(event.get("ends_at")),
                               _s(event.get("timezone")) or "UTC", lang),
            "timezone": _s(event.get("timezone")), "venue": _s(event.get("venue")),
            "online": bool(event.get("online")),
            "organiser": _named(event.get("organiser"), lang),
            "status": label(EVENT_STATUS_LABELS, event.get("status")),
            "cancelled": event.get("status") == "cancelled"}


def _contacts(contacts: list[dict], lang: str) -> list[dict]:
    key = "label_ar" if lang == "ar" else "label_en"
    return [{"label": _s(c.get(key) or c.get("label_en")), "value": _s(c.get("value"))}
            for c in contacts]


def pack_context(info: PackInfo, cases: list[dict], events: list[dict] | None,
                 contacts: list[dict], families: dict | None = None) -> dict:
    """Everything pack.html and pack.css need, as plain strings, numbers, lists and dicts."""
    lang = info.language
    recipient = (info.recipient_ar if lang == "ar" else info.recipient_en) or \
        info.recipient_en or info.recipient_ar
    sections = [s for s in SECTION_LABELS if s in info.sections]
    if events is None and "events" in sections:
        sections.remove("events")
    if families is None and "families" in sections:
        sections.remove("families")  # aggregates built by services/family_reports, or nothing
    return {
        "lang": lang, "dir": "rtl" if lang == "ar" else "ltr",
        "title": _("Briefing pack"), "document_id": info.document_id,
        "recipient": _s(recipient), "date": today(lang, info.created_at),
        "language_label": label(LANGUAGE_LABELS, lang),
        "covering_note": _s(info.covering_note),
        "covering_note_dir": text_dir(_s(info.covering_note)),
        "case_count": number(len(cases), lang),
        "sections": sections,
        "sheets_per_part": SHEETS_PER_PART,
        "toc": [{"anchor": f"sec-{s}", "label": label(SECTION_LABELS, s)} for s in sections],
        "figures": summary_figures(cases, lang) if "summary" in sections else None,
        "cases": [case_context(case, i, lang) for i, case in enumerate(cases, 1)],
        "events": [event_context(e, lang) for e in events or []],
        "contacts": _contacts(contacts, lang),
        "families": families,
    }
