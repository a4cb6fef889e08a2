"""The targets of BENCHMARKS.md §3 and issues 3/4, evaluated on one run's figures.

Ratios are taken at the reference concurrency c=4 (BENCHMARKS.md: "p95 ≤4× B0 p95 at c=4"),
medians of the repetitions, against B0 measured in the same run. The revised references at
the top of BENCHMARKS.md (page targets as ratios to B1 and B8) are not evaluated here.
"""

from __future__ import annotations

from dataclasses import dataclass

REF_C = 4


@dataclass
class Check:
    id: str
    what: str
    value: float | None
    limit: float
    op: str  # "<=", "<", ">=", "=="
    unit: str = "x"

    @property
    def ok(self) -> bool | None:
        if self.value is None:
            return None
        return {"<=": self.value <= self.limit, "<": self.value < self.limit,
                ">=": self.value >= self.limit, "==": self.value == self.limit}[self.op]

    def as_dict(self) -> dict:
        return {"id": self.id, "what": self.what, "value": self.value, "limit": self.limit,
                "op": self.op, "unit": self.unit,
                "result": {True: "PASS", False: "MISS", None: "n/a"}[self.ok]}


def _fig(rows: dict, rid: str, c: int = REF_C) -> dict | None:
    return rows.get((rid, c))


def _ratio(a: dict | None, b: dict | None, key: str = "p95") -> float | None:
    if not a or not b or not b[key]:
        return None
    return round(a[key] / b[key], 2)


def evaluate(rows: dict, quality: dict | None, data: dict | None,
             first_byte: dict | None = None) -> list[Check]:
    """rows: {(route_id, concurrency): aggregated figures}."""
    raw = _fig(rows, "B0")
    checks: list[Check] = []

    def p95_ratio(rid, limit, what):
        checks.append(Check(rid, what, _ratio(_fig(rows, rid), raw), limit, "<="))

    def abs_p95(rid, limit, what, op="<="):
        fig = _fig(rows, rid)
        checks.append(Check(rid, what, round(fig["p95"], 1) if fig else None, limit, op, "ms"))

    def rps_ratio(rid, limit, what):
        fig = _fig(rows, rid)
        value = round(fig["rps"] / raw["rps"], 2) if fig and raw and raw["rps"] else None
        checks.append(Check(rid, what, value, limit, ">="))

    rps_ratio("B1", 0.75, "Flask /hello req/s vs raw")
    p95_ratio("B1", 1.5, "Flask /hello p95 vs raw")
    p95_ratio("B2", 4.0, "case list page 1 p95 vs raw")
    rps_ratio("B2", 0.25, "case list page 1 req/s vs raw")
    abs_p95("B2", 50, "case list page 1 p95")
    checks.append(Check("B3", "page 200 p95 vs page 1 p95",
                        _ratio(_fig(rows, "B3"), _fig(rows, "B2")), 1.25, "<="))
    p95_ratio("B4", 5.0, "filtered list p95 vs raw")
    p95_ratio("B5", 3.0, "Arabic name search p95 vs raw")
    abs_p95("B5", 50, "Arabic name search p95")
    p95_ratio("B6", 6.0, "cross-script search p95 vs raw")
    abs_p95("B6", 100, "cross-script search p95", "<")
    p95_ratio("B7", 3.0, "case page with timeline p95 vs raw")
    checks.append(Check("B8", "signed-in probe p95 vs the same page anonymous",
                        _ratio(_fig(rows, "B8"), _fig(rows, "B8o")), 1.3, "<="))
    for rid, what in (("P1", "partner list (20k subset) p95 vs raw"),
                      ("P2", "partner search (20k subset) p95 vs raw")):
        if _fig(rows, rid):
            p95_ratio(rid, 5.0, what)
    # Issue 4 asks for "p95 within 5x the trivial route measured in the same run": the
    # portal's own trivial route is B8, the signed-in probe page (same sign-in, session,
    # policy gate and layout, no data), so these ratios are the cost of the partner subset.
    for rid, what in (("P1", "partner list (20k subset) p95 vs trivial signed-in page B8"),
                      ("P2", "partner search (20k subset) p95 vs trivial signed-in page B8")):
        if _fig(rows, rid) and _fig(rows, "B8"):
            checks.append(Check(rid, what, _ratio(_fig(rows, rid), _fig(rows, "B8")), 5.0,
                                "<="))
    if first_byte and "P3" in first_byte and "B8" in first_byte:
        checks.append(Check("P3", "partner export (20k) first byte p95 vs B8, c=1",
                            _ratio(first_byte["P3"], first_byte["B8"]), 5.0, "<="))
    if _fig(rows, "P3", 1):  # measured with one client only
        checks.append(Check("P3", "partner export (20k subset) whole download p95 vs raw, c=1",
                            _ratio(_fig(rows, "P3", 1), _fig(rows, "B0", 1)), 5.0, "<="))
    if quality:
        q = quality.get("by_kind", {})
        checks.append(Check("B9", "recall@10 Arabic orthographic variants",
                            q.get("arabic_variant", {}).get("recall_at_10"), 0.95, ">=", ""))
        checks.append(Check("B9", "recall@10 Latin transliterations",
                            q.get("latin_transliteration", {}).get("recall_at_10"), 0.90, ">=",
                            ""))
        checks.append(Check("B9", "precision@10 (all queries)",
                            quality.get("all", {}).get("precision_at_10"), 0.80, ">=", ""))
        checks.append(Check("B9", "محمد↔محمود confusions in the top 3",
                            quality.get("confusions_top3"), 0, "==", ""))
    if data:
        checks.append(Check("B13", "bulk import + reindex of 250k cases",
                            data.get("import_and_reindex_s"), 150, "<=", "s"))
        checks.append(Check("B13", "search index (FTS) rebuild", data.get("reindex_s"), 30,
                            "<=", "s"))
    return checks
