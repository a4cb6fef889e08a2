"""The labelled search-quality set written next to generated cases (BENCHMARKS.md B9):
query → expected case reference, for Arabic orthographic variants, Latin transliterations
(including queries for cases recorded only in Arabic) and typos. Entries for a محمد/محمود
pair name the other case under "confusable": it must not be in the top 3."""

from __future__ import annotations

import json
import random
from collections import Counter

from ...data.names import FAMILY, FEMALE, MALE
from .name_variants import arabic_query_variant, typo

SHARES = {"arabic_variant": 0.4, "latin_transliteration": 0.4, "typo": 0.2}


def _names(p, script: str, rng: random.Random, avoid: bool = True) -> list[str]:
    firsts = FEMALE if p.female else MALE
    entries = (firsts[p.first], MALE[p.father], FAMILY[p.family])
    if script == "ar":
        return [e[0] for e in entries]
    return [rng.choice(e[1]) for e in entries]


def write_labelled_set(path: str, people: list, *, seed: int, size: int = 500) -> int:
    """Write `size` labelled queries (JSON) for people whose full name is unique."""
    # Reproducible test queries.
    rng = random.Random(seed * 7919 + 1)  # nosec B311
    combos = Counter((p.female, p.first, p.father, p.family) for p in people)
    unique = [p for p in people if combos[(p.female, p.first, p.father, p.family)] == 1]
    twins = {p.twin_of: p.reference for p in people if p.twin_of}
    twins.update({p.reference: p.twin_of for p in people if p.twin_of})
    paired = [p for p in unique if p.reference in twins]
    rest = [p for p in unique if p.reference not in twins]
    rng.shuffle(rest)
    chosen = (paired + rest)[:size]
    rng.shuffle(chosen)
    entries = []
    counts = {kind: int(size * share) for kind, share in SHARES.items()}
    counts["arabic_variant"] += size - sum(counts.values())
    kinds = [k for k, n in counts.items() for _ in range(n)]
    for p, kind in zip(chosen, kinds):
        if kind == "arabic_variant":
            query, script = arabic_query_variant(_names(p, "ar", rng), rng), "ar"
        elif kind == "latin_transliteration":
            query, script = " ".join(_names(p, "lat", rng)), "lat"
        else:
            script = "ar" if rng.random() < 0.3 else "lat"
            words = _names(p, script, rng)
            i = rng.choice((1, 2))
            words[i] = typo(words[i], rng)
            query = " ".join(words)
        entry = {"query": query, "expected": p.reference, "kind": kind, "script": script,
                 "recorded_in_latin": p.latin}
        if p.reference in twins:
            entry["confusable"] = [twins[p.reference]]
        entries.append(entry)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"seed": seed, "queries": entries}, fh, ensure_ascii=False, indent=1)
    return len(entries)
