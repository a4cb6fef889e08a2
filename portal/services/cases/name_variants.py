"""Spelling variants of Arabic and Latin names, as they occur in real records: the
generator writes stored names and labelled search queries with them."""

from __future__ import annotations

import random

HAMZA_ALEF = {"أ": "ا", "إ": "ا", "آ": "ا"}
FATHA, DAMMA, KASRA, SHADDA, SUKUN, TATWEEL = "\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0640"


def drop_hamza(word: str) -> str:
    return "".join(HAMZA_ALEF.get(ch, ch) for ch in word)


def add_tashkeel(word: str, rng: random.Random) -> str:
    """Vocalise some letters (as a careful typist or a printed form would)."""
    out = []
    for i, ch in enumerate(word):
        out.append(ch)
        if "\u0621" <= ch <= "\u064a" and ch not in "اوي" and rng.random() < 0.5:
            out.append(rng.choice((FATHA, DAMMA, KASRA, SUKUN)))
        if i == 2 and rng.random() < 0.3:
            out.append(SHADDA)
    return "".join(out)


def add_tatweel(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + TATWEEL * rng.randint(1, 3) + word[i:]


def swap_final(word: str) -> str:
    """ة ↔ ه and ى ↔ ي at the end of a word."""
    table = {"ة": "ه", "ه": "ة", "ى": "ي", "ي": "ى"}
    return word[:-1] + table[word[-1]] if word and word[-1] in table else word


def stored_arabic(name: str, rng: random.Random) -> str:
    """How a name may have been typed into the register (mostly as written)."""
    roll = rng.random()
    if roll < 0.12:
        return drop_hamza(name)
    if roll < 0.20:
        return swap_final(name)
    if roll < 0.24:
        return add_tashkeel(name, rng)
    if roll < 0.26:
        return add_tatweel(name, rng)
    return name


def arabic_query_variant(words: list[str], rng: random.Random) -> str:
    """A query that differs in writing but not in normalised form (hamza, tashkeel, ...)."""
    out = []
    for word in words:
        ops = [drop_hamza, swap_final, lambda w: add_tashkeel(w, rng),
               lambda w: add_tatweel(w, rng)]
        changed = word
        for op in rng.sample(ops, k=2):
            changed = op(changed)
        if changed.startswith("ال") and rng.random() < 0.3:
            changed = changed[2:]  # the family name typed without its article
        out.append(changed)
    return " ".join(out)


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip inside a word (never its first letter)."""
    letters = [c for c in word]
    if len(letters) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(letters) - 1)
    kind = rng.choice(("delete", "swap", "double"))
    if kind == "delete":
        del letters[i]
    elif kind == "swap":
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    else:
        letters.insert(i, letters[i])
    return "".join(letters)
