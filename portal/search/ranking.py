"""Ranking name-search candidates with rapidfuzz.

A query token is "exact" for a candidate when its key equals one of the candidate's keys in
the same script (Arabic key or Latin key; a prefix for the last token, as typed), or, for a
candidate without names in the query's script, when cross_match() accepts the Latin
spelling for the Arabic name (same consonants, compatible long vowels). Candidates are ordered by (exact tokens, mean similarity). When some candidate
matches every token exactly (or all but one), candidates matching fewer are left out: near
misses such as محمود for محمد are shown only when nothing matches better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .normalise import (
    arabic_tokens,
    has_arabic,
    latin_key,
    latin_tokens,
    skeleton_of_arabic,
    skeleton_of_latin,
)

_LATIN_CONS = (("x", "ks"), ("sch", "S"), ("kh", "X"), ("sh", "S"), ("ch", "S"),
               ("th", "t"), ("dh", "d"), ("gh", "g"), ("ph", "f"), ("ck", "k"), ("dj", "j"),
               ("q", "k"), ("c", "k"), ("p", "b"), ("v", "f"))
_LONG_U, _LONG_I = ("ou", "oo", "uu", "w"), ("ee", "ei", "ai", "ay", "ey", "ie", "ii", "y")
# ث, ذ and ظ are spelt two ways (Othman/Osman, Muadh/Muaz, Dhafer/Zafer): see _SAME_SOUND.
_SAME_SOUND = {"θ": ("t", "s"), "ð": ("d", "z"), "ẓ": ("z", "d")}
_AR_CLASS = {**{ch: cls for ch, cls in (("ب", "b"), ("ت", "t"), ("ث", "θ"), ("ط", "t"),
                                        ("ج", "j"), ("ح", "h"), ("ه", "h"), ("خ", "x"),
                                        ("د", "d"), ("ذ", "ð"), ("ض", "d"), ("ر", "r"),
                                        ("ز", "z"), ("ظ", "ẓ"), ("س", "s"), ("ش", "$"),
                                        ("ص", "s"), ("غ", "g"), ("ف", "f"), ("ق", "k"),
                                        ("ك", "k"), ("ل", "l"), ("م", "m"), ("ن", "n"))}}


def _finish(shape: list[list[str]]) -> tuple[tuple[str, str], ...]:
    if len(shape) > 1 and shape[-1][0] == "h" and shape[-1][1] in ("", "a"):
        shape = shape[:-1]  # ة/ه and a final -h are written or not
    return tuple((c, v) for c, v in shape)


@lru_cache(maxsize=50_000)
def latin_shape(token: str) -> tuple[tuple[str, str], ...]:
    """Consonants of a Latin token, each with the vowel written after it: "u"/"i"/"a" when
    ambiguous (short or long), "U"/"I" when the spelling marks a long vowel (ou, ee, ei,
    a w or y after a vowel, a final i or y). w and y before a vowel are consonants."""
    t = token.lower()
    for a, b in _LATIN_CONS:
        t = t.replace(a, b)
    t = re.sub(r"(?<=[^aeiou])[ie](?=a)", "y", t)  # Ziad, Riad: a consonant y
    t = t.replace("X", "x").replace("S", "$").replace("yy", "y").replace("ww", "w")
    shape: list[list[str]] = []
    i = 0
    while i < len(t):
        ch = t[i]
        consonant = ch not in "aeiouwy" or (ch in "wy" and (
            i == 0 or t[i + 1:i + 2] in tuple("aeiou")))
        if consonant and (ch.isalpha() or ch == "$"):
            if not (shape and shape[-1][0] == ch and shape[-1][1] == ""):
                shape.append([ch, ""])
            i += 1
            continue
        run = ch
        while i + 1 < len(t) and t[i + 1] in "aeiouwy" and not (
                t[i + 1] in "wy" and t[i + 2:i + 3] in tuple("aeiou")):
            i += 1
            run += t[i]
        if shape and ch.isalpha():
            if any(m in run for m in _LONG_U):
                cls = "U"
            elif any(m in run for m in _LONG_I) or (i == len(t) - 1 and run[-1] == "i"):
                cls = "I"
            else:
                # a single e is usually a short vowel (Samer سامر, not Samir سمير)
                vowels = run.replace("w", "").replace("y", "")
                cls = "a" if len(vowels) > 1 else "u" if run[0] in "ou" else (
                    "i" if run[0] == "i" else "e" if run[0] == "e" else "a")
            shape[-1][1] = cls
        i += 1
    return _finish(shape)


@lru_cache(maxsize=50_000)
def arabic_shape(token: str, medial_consonants: bool = False,
                 hamza_seats: bool = False) -> tuple[tuple[str, str], ...]:
    """Consonants of a normalised Arabic token, each with the long vowel written after it
    ("w" for و, "y" for ي, "A" for alef, "" for none).

    و/ي count as consonants at the start or before a vowel letter; with `medial_consonants`
    everywhere (سيد may be Sayyed); with `hamza_seats` a و/ي right after alef is left out
    (it was a hamza seat: ثائر, وائل became ثاير, وايل in the search key).
    """
    shape: list[list[str]] = []
    for i, ch in enumerate(token):
        nxt, prev = token[i + 1:i + 2], token[i - 1:i]
        if ch in "وي" and hamza_seats and prev == "ا":
            continue
        if ch in "وي" and (i == 0 or nxt in ("ا", "و", "ي")
                           or (medial_consonants and shape and i < len(token) - 1)):
            shape.append(["w" if ch == "و" else "y", ""])
        elif ch in "وي" and not shape:
            continue  # a long vowel after an initial alef or ain (عيسى, ايمن)
        elif ch in "وي":
            shape[-1][1] = "w" if ch == "و" else ("Y" if i == len(token) - 1 else "y")
        elif ch == "ا" and shape and shape[-1][1] == "":
            shape[-1][1] = "A"  # a long a: Latin may write it or not, never as ou or ee
        elif ch in _AR_CLASS:
            cls = _AR_CLASS[ch]
            if not (shape and shape[-1][0] == cls and shape[-1][1] == ""):
                shape.append([cls, ""])
    return _finish([[c, "" if v == "A" and n == len(shape) - 1 else v]
                    for n, (c, v) in enumerate(shape)])


@lru_cache(maxsize=100_000)
def cross_match(latin: str, arabic: str) -> bool:
    """Whether a Latin token can be a spelling of an Arabic one: the same consonants, a
    long vowel in Arabic spelt with a matching vowel, and no long vowel in the Latin
    spelling that Arabic does not write (Mahmoud ≠ محمد, Muhammad ≠ محمود)."""
    lat = latin_shape(latin)
    return any(_aligned(lat, arabic_shape(arabic, medial, seats))
               for medial, seats in ((False, False), (True, False), (False, True)))


def _aligned(lat, ar) -> bool:
    if len(lat) != len(ar):
        return False
    # A lone u/o before the last consonant is read as long (Mahmud محمود, Mansur منصور, not
    # محمد); with another u/o in the word it may be short (Yusuf يوسف, Yunus يونس).
    u_count = sum(1 for _c, v in lat if v in ("u", "U"))
    if len(lat) >= 2 and lat[-2][1] == "u" and u_count == 1 and ar[-2][1] != "w":
        return False
    for (lc, lv), (ac, av) in zip(lat, ar):
        if lc != ac and lc not in _SAME_SOUND.get(ac, ()):
            return False
        if av == "w" and lv not in ("u", "U"):
            return False
        if av == "y" and lv not in ("i", "I"):
            return False
        if av in ("", "A") and lv in ("U", "I"):
            return False
    return True


@dataclass(frozen=True)
class QueryToken:
    script: str  # "ar" | "lat"
    key: str  # Arabic key, or Latin fine key
    raw: str  # the normalised token (for cross-script shapes)
    skeleton: str
    last: bool


def query_tokens(q: str) -> list[QueryToken]:
    """The tokens of a typed name query, in order, each with its keys (runs of one script
    are normalised together, so that "عبد الله" and "Abdel Rahman" stay one name)."""
    runs: list[tuple[str, list[str]]] = []
    for part in (q or "").split():
        script = "ar" if has_arabic(part) else "lat"
        if runs and runs[-1][0] == script:
            runs[-1][1].append(part)
        else:
            runs.append((script, [part]))
    raw: list[tuple[str, str]] = []
    for script, parts in runs:
        text = " ".join(parts)
        raw += [(script, t) for t in (arabic_tokens(text) if script == "ar"
                                      else latin_tokens(text))]
    tokens = []
    for i, (script, tok) in enumerate(raw):
        last = i == len(raw) - 1
        if script == "ar":
            tokens.append(QueryToken("ar", tok, tok, skeleton_of_arabic(tok), last))
        else:
            tokens.append(QueryToken("lat", latin_key(tok), tok, skeleton_of_latin(tok), last))
    return [t for t in tokens if t.skeleton or t.key]


def _same_script(token: QueryToken, keys: list[str], used: set[int]) -> tuple[int, float]:
    """(index of the best unused candidate token or -1 if none is exact, similarity)."""
    best, best_i = 0.0, -1
    for i, key in enumerate(keys):
        if i in used:
            continue
        if key == token.key or (token.last and len(token.key) >= 2 and key.startswith(token.key)):
            return i, 100.0
        sim = fuzz.ratio(token.key, key)
        if sim > best:
            best, best_i = sim, i
    return -1 - max(best_i, 0) if best_i >= 0 else -1, best


def _cross_script(token: QueryToken, raws: list[str], used: set[int]) -> tuple[int, float]:
    best = 0.0
    for i, other in enumerate(raws):
        if i in used:
            continue
        latin, arabic = (token.raw, other) if token.script == "lat" else (other, token.raw)
        if cross_match(latin, arabic):
            return i, 98.0
        ours = token.skeleton
        theirs = (skeleton_of_arabic(other) if token.script == "lat"
                  else skeleton_of_latin(other))
        best = max(best, fuzz.ratio(ours, theirs) * 0.9)
    return -1, best


def score(tokens: list[QueryToken], search_ar: str, search_lat: str) -> tuple[int, float]:
    """(number of exactly matched query tokens, mean similarity 0–100) for one candidate."""
    return _score(tokens, search_ar, search_lat)[:2]


def _score(tokens: list[QueryToken], search_ar: str, search_lat: str
           ) -> tuple[int, float, int]:
    """(exactly matched query tokens, mean similarity 0–100, of them matched in place).

    Each candidate token answers at most one query token (محمد محمد ≠ محمد). For a case with
    names in both scripts, a spelling the other script supports (Uthman for عثمان) raises the
    similarity but does not count as exact: Mahmud could be محمد as well as محمود.
    A token matched at the same position (first name to first name) adds a small bonus.
    """
    ar = search_ar.split()
    lat_raw = search_lat.split()
    lat = [latin_key(t) for t in lat_raw]
    used_ar: set[int] = set()
    used_lat: set[int] = set()
    exact_count, in_place, total = 0, 0, 0.0
    for position, token in enumerate(tokens):
        same, used = (ar, used_ar) if token.script == "ar" else (lat, used_lat)
        other, other_used = (lat_raw, used_lat) if token.script == "ar" else (ar, used_ar)
        if same:
            index, sim = _same_script(token, same, used)
            if index < 0 and other:
                sim = max(sim, _cross_script(token, other, set())[1])
        else:
            used = other_used
            index, sim = _cross_script(token, other, other_used)
        if index >= 0:
            used.add(index)
            exact_count += 1
            in_place += index == position
            total += 1.0 if index == position else 0.0
        total += sim
    return exact_count, total / max(len(tokens), 1), in_place


def all_exact(tokens: list[QueryToken], search_ar: str, search_lat: str) -> bool:
    """Cheap check: does every query token have an exact counterpart (ignoring positions)?"""
    ar = search_ar.split()
    lat = [latin_key(t) for t in search_lat.split()]
    for token in tokens:
        same = ar if token.script == "ar" else lat
        if same:
            if token.key in same or (token.last and len(token.key) >= 2
                                     and any(k.startswith(token.key) for k in same)):
                continue
            return False
        other = search_lat.split() if token.script == "ar" else ar
        pairs = ((token.raw, o) if token.script == "lat" else (o, token.raw) for o in other)
        if not any(cross_match(a, b) for a, b in pairs):
            return False
    return True


FULL_SCORE_LIMIT = 300


def rank(tokens: list[QueryToken], rows) -> list[int]:
    """Order candidate rows (id, search_ar, search_lat) best first; see the module note."""
    rows = list(rows)
    exact = [r for r in rows if all_exact(tokens, r[1] or "", r[2] or "")]
    if exact:  # the usual case: score only the candidates that can be shown
        exact.sort(key=lambda r: r[0], reverse=True)
        rows, rest = exact[:FULL_SCORE_LIMIT], [r[0] for r in exact[FULL_SCORE_LIMIT:]]
    else:
        rest = []
    scored = [(_score(tokens, ar or "", lat or ""), row_id) for row_id, ar, lat in rows]
    if not scored:
        return []
    scored.sort(key=lambda item: (item[0][0], item[0][1], item[1]), reverse=True)
    best = scored[0][0][0]
    if best == len(tokens) or (best >= 2 and best == len(tokens) - 1):
        # Someone matches every token, or all but one (a typo): leave out candidates that
        # match fewer, so a near miss (محمود for محمد) is never ranked next to them.
        scored = [item for item in scored if item[0][0] == best]
        if best == len(tokens) >= 3 and any(item[0][2] == best for item in scored):
            # A full name typed in order (first, father, family) that some case has in that
            # order: the same names in another order are other people (جمال محمد موسى is
            # Jamal son of Muhammad, not Muhammad son of Jamal).
            scored = [item for item in scored if item[0][2] == best]
    else:
        floor = 60.0  # below this a candidate shares too little with the query
        scored = [item for item in scored if item[0][1] >= floor]
    return [row_id for _score, row_id in scored] + rest
