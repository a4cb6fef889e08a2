"""Arabic/Latin name search: normalisation keys (normalise.py), candidate generation and
ranking (ranking.py) and the case query builder (query.py)."""

from __future__ import annotations

from .normalise import (
    arabic_key,
    arabic_tokens,
    has_arabic,
    latin_keys,
    latin_tokens,
    normalise_arabic,
    skeleton_tokens,
)

__all__ = ["arabic_key", "arabic_tokens", "case_search_keys", "has_arabic", "latin_keys",
           "latin_tokens", "normalise_arabic", "skeleton_tokens"]


def case_search_keys(*, first_ar="", father_ar="", family_ar="", first_lat="",
                     father_lat="", family_lat="", aliases: list[str] | None = None) -> dict:
    """The search columns of a case (search_ar, search_lat, search_sk, name_key, sort_name)."""
    aliases = aliases or []
    ar_text = " ".join([first_ar, father_ar, family_ar] + [a for a in aliases if has_arabic(a)])
    lat_text = " ".join([first_lat, father_lat, family_lat]
                        + [a for a in aliases if not has_arabic(a)])
    skeleton = dict.fromkeys(skeleton_tokens(ar_text, variants=True) + skeleton_tokens(lat_text))
    first = skeleton_tokens(first_ar) or skeleton_tokens(first_lat)
    family = skeleton_tokens(family_ar) or skeleton_tokens(family_lat)
    sort_name = " ".join(latin_tokens(f"{family_lat} {first_lat}")) or " ".join(
        arabic_tokens(f"{family_ar} {first_ar}"))
    return {
        "search_ar": " ".join(arabic_tokens(ar_text)),
        "search_lat": " ".join(latin_tokens(lat_text)),
        "search_sk": " ".join(skeleton),
        "name_key": " ".join(first[:1] + family[-1:])[:120],
        "sort_name": sort_name[:200],
    }
