"""The targets of issue 19 (BENCHMARKS.md's revised references), evaluated on one run's figures.

Page targets are ratios to the stack's own floor, Flask `/hello` (B1), and to the portal's
signed-in empty page (B8), both measured in the same run: p95 at the reference concurrency
c=4, each the median of the repetitions. They replace the ratios to raw WSGI (B0) of
BENCHMARKS.md §3 and issue 4, which no Flask page can reach; B1's own ratios to B0 are kept,
as are the absolute p95 anchors of §3, search quality (B9) and the bulk import (B13).
`evaluate_result` re-evaluates a saved run with these targets (bench.report, bench.compare).
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
    raw, hello, shell = _fig(rows, "B0"), _fig(rows, "B1"), _fig(rows, "B8")
    checks: list[Check] = []

    def ratio(rid, ref, limit, what):
        if _fig(rows, rid):
            checks.append(Check(rid, what, _ratio(_fig(rows, rid), ref), limit, "<="))

    def abs_p95(rid, limit, what, op="<="):
        if (fig := _fig(rows, rid)):
            checks.append(Check(rid, what, round(fig["p95"], 1), limit, op, "ms"))

    if hello:
        checks.append(Check("B1", "Flask /hello req/s vs raw WSGI (B0)",
                            round(hello["rps"] / raw["rps"], 2) if raw and raw["rps"] else None,
                            0.75, ">="))
        checks.append(Check("B1", "Flask /hello p95 vs raw WSGI (B0)", _ratio(hello, raw), 1.5,
                            "<="))
    if shell:
        checks.append(Check("B8", "signed-in empty page p95 vs Flask /hello (B1)",
                            _ratio(shell, hello), 2.0, "<="))
    for rid, what in (("B2", "case list page 1"), ("B3", "case list page 200"),
                      ("B4", "filtered list"), ("B5", "Arabic name search"),
                      ("B6", "cross-script search")):
        ratio(rid, shell, 2.0, f"{what} p95 vs signed-in empty page (B8)")
    if _fig(rows, "B3") and _fig(rows, "B2"):
        checks.append(Check("B3", "page 200 p95 vs page 1 (B2) p95",
                            _ratio(_fig(rows, "B3"), _fig(rows, "B2")), 1.25, "<="))
    ratio("B7", shell, 2.5, "case page with its audit write p95 vs B8")
    ratio("P1", shell, 2.5, "partner list (20k subset) p95 vs B8")
    ratio("P2", shell, 2.5, "partner search (20k subset) p95 vs B8")
    if first_byte and "P3" in first_byte and "B8" in first_byte:
        checks.append(Check("P3", "partner export (20k) first byte p95 vs B8's, c=1",
                            _ratio(first_byte["P3"], first_byte["B8"]), 1.5, "<="))
    # BENCHMARKS.md §3's absolute anchors (milliseconds follow the machine: read the ratios).
    abs_p95("B2", 50, "case list page 1 p95")
    abs_p95("B5", 50, "Arabic name search p95")
    abs_p95("B6", 100, "cross-script search p95", "<")
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


def evaluate_result(result: dict) -> list[Check]:
    """The checks above on a saved bench.run result (its rows hold the same medians)."""
    rows = {(r["id"], r["concurrency"]): r for r in result.get("rows", [])}
    return evaluate(rows, result.get("quality"), result.get("data"), result.get("first_byte"))


def with_reference_ratios(result: dict) -> dict:
    """Fill in a saved run's ratios to B1 and B8 where it has none (runs saved before
    bench.run wrote them): the same medians divided the same way."""
    rows = {(r["id"], r["concurrency"]): r for r in result.get("rows", [])}
    for (rid, c), row in rows.items():
        hello, shell = rows.get(("B1", c)), rows.get(("B8", c))
        if "ratio_to_b1" not in row:
            row["ratio_to_b1"] = round(row["p95"] / hello["p95"], 2) if hello else None
            row["rps_ratio_to_b1"] = round(row["rps"] / hello["rps"], 3) if hello else None
        if "ratio_to_b8" not in row:
            row["ratio_to_b8"] = round(row["p95"] / shell["p95"], 2) if shell else None
    return result
