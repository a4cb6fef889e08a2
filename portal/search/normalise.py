"""Name normalisation for search and duplicate detection (ARABIC-SEARCH.md §1 and §2).

Three keys are made from a name, all by this module, in Python, for SQLite and PostgreSQL
alike, and stored in columns of `cases` that the application maintains:

- the Arabic key: Lucene-style normalisation (NFKC, no bidi controls, tashkeel or tatweel;
  أ إ آ ٱ → ا, ى → ي, ة → ه; ؤ → و, ئ → ي and a lone ء dropped), the article ال dropped and
  عبد joined to the name that follows. محمّد and مُحَمَّد become محمد; محمود stays محمود.
- the Latin key, for ranking Latin spellings against each other: ASCII-folded (anyascii),
  digraphs mapped (kh, sh, th, dh, gh), and every run of vowels one "a", so Mohammad, Muhammad
  and Mohamed are "mahamad" while Mahmoud is "mahmad".
- the skeleton, shared by both scripts, for candidate generation: consonant classes only
  (Arabic letter by letter, Latin after the digraphs), so محمد, Mohammad and Muhammad are all
  "mhmd". It is coarse on purpose (محمود is "mhmd" too): candidates are ranked afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_MARKS = re.compile("[\u064b-\u0652\u0670\u06d6-\u06ed\u0640]")  # tashkeel, dagger alef, tatweel
_ARABIC_CHARS = re.compile("[\u0600-\u06ff]")
_SEPARATORS = re.compile(r"[\s\-_.,;:/\\|()\[\]{}\"“”«»،؛]+")
_APOSTROPHES = re.compile("['`’‘ʿʾ´]")

_ARABIC_MAP = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
    "ی": "ي", "ک": "ك", "ۀ": "ه",  # Persian letter forms that keyboards produce
    **{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)},
})
_ARABIC_AGGRESSIVE = str.maketrans({"ؤ": "و", "ئ": "ي", "ء": None})

# Arabic letter → skeleton consonant class ("" = not part of the skeleton).
_ARABIC_SKELETON = {
    "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "j", "ح": "h", "ه": "h", "خ": "x",
    "د": "d", "ذ": "d", "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "س": "s", "ش": "s", "ص": "s",
    "غ": "g", "گ": "g", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "و": "w", "ي": "y", "ا": "", "ع": "", "ء": "", "ئ": "", "ؤ": "",
}
_LATIN_DIGRAPHS = (("x", "ks"), ("sch", "s"), ("kh", "X"), ("sh", "S"), ("ch", "S"), ("th", "T"),
                   ("dh", "D"), ("gh", "G"), ("ph", "f"), ("ck", "k"), ("dj", "j"), ("ou", "u"),
                   ("oo", "u"), ("ee", "i"))
_LATIN_SINGLE = str.maketrans({"q": "k", "c": "k", "p": "b", "v": "f"})
_SKELETON_CLASS = str.maketrans({"S": "s", "T": "t", "D": "d", "G": "g", "X": "x"})
_ARTICLES = frozenset({"al", "el", "ul", "il", "as", "ash", "ad", "adh", "an", "ar", "at",
                       "ath", "az", "es", "ed", "en", "er", "et", "ez"})
_ABD = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdu", "abde", "abdl"})
_ABD_ASSIMILATED = re.compile(r"^abd[aeiou]?([b-df-hj-km-np-tv-z])\1")


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_CHARS.search(text or ""))


def clean(text: str) -> str:
    """NFKC, without bidi controls, zero-width characters, tashkeel or tatweel."""
    text = unicodedata.normalize("NFKC", text or "")
    return _MARKS.sub("", _INVISIBLE.sub("", text))


def normalise_arabic(text: str, *, aggressive: bool = False) -> str:
    """The ARABIC-SEARCH.md table, steps 1–9 (step 8 only when `aggressive`)."""
    text = clean(text).translate(_ARABIC_MAP)
    if aggressive:
        text = text.replace("ؤو", "و").replace("ئي", "ي").translate(_ARABIC_AGGRESSIVE)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]


@lru_cache(maxsize=50_000)
def arabic_tokens(text: str) -> tuple[str, ...]:
    """Arabic name tokens: normalised (aggressive), article dropped, عبد joined forward."""
    out: list[str] = []
    raw = _tokens(normalise_arabic(text, aggressive=True).casefold())
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok in ("عبد", "ابو") and i + 1 < len(raw):
            out.append(tok + raw[i + 1])
            i += 2
            continue
        if tok.startswith("ال") and len(tok) > 3:
            tok = tok[2:]
        if tok != "ال":
            out.append(tok)
        i += 1
    return tuple(out)


@lru_cache(maxsize=50_000)
def latin_tokens(text: str) -> tuple[str, ...]:
    """Latin name tokens: ASCII-folded, lower case, articles dropped, Abd joined forward."""
    # Apostrophes (hamza, ain) stay inside a word for now: Wa'il is two syllables, not "ai".
    folded = _APOSTROPHES.sub("'", anyascii(clean(text))).lower()
    raw = [t.strip("'") for t in _tokens(folded) if t.replace("'", "").isalnum()]
    raw = [t for t in raw if t]
    out: list[str] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok in _ABD and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in _ARTICLES and i + 2 < len(raw):
                out.append("abdl" + raw[i + 2])
                i += 3
                continue
            out.append("abd" + ("l" if tok != "abd" else "") + nxt)
            i += 2
            continue
        if tok in ("abu", "abou", "abo") and i + 1 < len(raw):
            out.append("abu" + raw[i + 1])
            i += 2
            continue
        if tok not in _ARTICLES:
            out.append(_latin_word(tok))
        i += 1
    return tuple(out)


_NOT_ARTICLE = frozenset({"alawi", "alaya", "aliaa", "alyaa", "alaaa", "albert", "alice",
                          "aline", "alina", "alisa", "alexander", "alaeddin", "alaeddine",
                          "alaaddin"})


def _latin_word(tok: str) -> str:
    """One Latin word: the article written together dropped (Alhalabi, Alali, Elomar; not
    Ali, Alaa, Elias or Elham), Abd-compounds spelt one way."""
    if (len(tok) >= 6 and tok[:2] == "el") or (len(tok) >= 5 and tok[:2] == "al"
                                                and tok not in _NOT_ARTICLE):
        tok = tok[2:]
    if tok.startswith("abd") and len(tok) >= 6:
        rest = re.sub(r"^[aeiou]{0,2}l(?=[a-z]{3})", "", tok[3:])  # Abdul-, Abdel-, Abdal-
        rest = re.sub(r"^[aeiou]?([b-df-hj-np-tv-z])\1", r"\1", rest)  # Abdur-rahman
        tok = "abdl" + rest
    return tok


def _collapse(text: str) -> str:
    return re.sub(r"(.)\1+", r"\1", text)


@lru_cache(maxsize=50_000)
def latin_key(token: str) -> str:
    """Fine key of one Latin token: digraphs mapped, each vowel run one "a"."""
    t = re.sub(r"(?<=[^aeiouy])y$", "i", token)  # Ramy / Rami
    for a, b in _LATIN_DIGRAPHS:
        t = t.replace(a, b)
    t = t.translate(_LATIN_SINGLE)
    # A written long i (Hussein, Hussain, Saeed) keeps its y, so that Hussein ≠ Hassan.
    t = re.sub(r"(?<=[a-zA-Z])(i|ei|ai|ie)(?=[^aeiouy]|$)", lambda m: "ay" if m[1] != "i"
               else "i", t).replace("'", "")
    t = re.sub(r"[aeiou]+", "a", t)
    t = _collapse(t)
    if len(t) > 2 and t.endswith("ah"):
        t = t[:-1]  # Fatimah / Fatima
    # A vowel next to w or y is written or not (Sweid / Suwayd, Youssef / Yusuf); a vowel
    # between two other consonants is kept (Muhammad "mahamad" ≠ Mahmud "mahmad").
    loose = re.sub(r"a(?=[wy])|(?<=[wy])a", "", t)
    return loose if len(loose) >= 2 else t


def _finish_skeleton(letters: str) -> str:
    letters = _collapse(letters)
    if len(letters) > 1 and letters.endswith("h"):
        letters = letters[:-1]  # ة/ه and a final -h/-eh are written or not
    return letters


@lru_cache(maxsize=50_000)
def skeleton_of_latin(token: str) -> str:
    """Consonant skeleton of one Latin token (w/y count only at the start)."""
    t = _ABD_ASSIMILATED.sub(r"abdl\1", token.replace("'", ""))
    for a, b in _LATIN_DIGRAPHS[:11]:
        t = t.replace(a, b)
    t = t.translate(_LATIN_SINGLE).translate(_SKELETON_CLASS)
    out = [ch for i, ch in enumerate(t)
           if ch in "bdfghjklmnrstxz" or (i == 0 and ch in "wy")]
    return _finish_skeleton("".join(out))


@lru_cache(maxsize=50_000)
def skeleton_of_arabic(token: str) -> str:
    """Consonant skeleton of one normalised Arabic token (و/ي count only at the start)."""
    out = []
    for i, ch in enumerate(token):
        cls = _ARABIC_SKELETON.get(ch, "")
        if cls in ("w", "y") and i != 0:
            continue
        out.append(cls)
    return _finish_skeleton("".join(out))


_TWO_SPELLINGS = {"ث": "س", "ذ": "ز", "ظ": "د"}  # Othman/Osman, Muadh/Muaz, Dhafer/Zafer


@lru_cache(maxsize=50_000)
def skeleton_variants_of_arabic(token: str) -> tuple[str, ...]:
    """The skeleton, plus the one a Latin spelling gives when ث, ذ or ظ is written the
    other way (for the index: a query has one skeleton, a case keeps both)."""
    keys = [skeleton_of_arabic(token)]
    if any(ch in token for ch in _TWO_SPELLINGS):
        keys.append(skeleton_of_arabic("".join(_TWO_SPELLINGS.get(c, c) for c in token)))
    return tuple(dict.fromkeys(k for k in keys if k))


def skeleton_tokens(text: str, *, variants: bool = False) -> tuple[str, ...]:
    """Skeleton tokens of a name in either script (or both mixed)."""
    if not text:
        return ()
    if variants:
        keys = [k for t in arabic_tokens(text) if has_arabic(t)
                for k in skeleton_variants_of_arabic(t)]
    else:
        keys = [skeleton_of_arabic(t) for t in arabic_tokens(text) if has_arabic(t)]
    keys += [skeleton_of_latin(t) for t in latin_tokens(_ARABIC_CHARS.sub(" ", text))]
    return tuple(k for k in keys if k)


def latin_keys(text: str) -> tuple[str, ...]:
    return tuple(latin_key(t) for t in latin_tokens(text or ""))


def arabic_key(text: str) -> str:
    """The Arabic key of a whole name, as one space-separated string."""
    return " ".join(arabic_tokens(text or ""))
