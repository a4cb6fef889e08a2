"""B9: search quality on the generator's labelled set, in-process, through the function the
list view calls (portal.search.query.case_page over access.visible_cases for a staff
account, filters parsed by portal.search.filters.parse exactly as from the query string).

    python -m bench.quality LABELLED.json   (in the portal's environment; prints JSON)

Per query: the rank of the expected case among the first 10 results. recall@10 = share of
queries whose expected case is in the top 10. precision@10 = relevant results among the
results shown in the top 10 (at most 10), averaged over queries; a result is relevant when
it is the expected case or a case with the same full Arabic name after normalisation (a
namesake the query cannot tell apart). A confusion is a labelled محمد/محمود twin (same
father and family, the other first name) ranked in the top 3.
"""

from __future__ import annotations

import json
import statistics
import sys
import time


def evaluate(labelled_path: str) -> dict:
    from sqlalchemy import select

    from portal import create_app
    from portal.access import visible_cases
    from portal.extensions import db
    from portal.models import Case, User
    from portal.search import arabic_key
    from portal.search import filters as case_filters
    from portal.search.query import case_page

    queries = json.load(open(labelled_path, encoding="utf-8"))["queries"]
    app = create_app()
    per_kind: dict[str, list[dict]] = {}
    confusions = 0
    misses: list[dict] = []
    with app.test_request_context("/cases/"):
        staff = db.session.scalar(select(User).where(User.email == "staff@office.bench.test"))
        expected_cases = {c.reference: c for c in db.session.scalars(
            select(Case).where(Case.reference.in_([q["expected"] for q in queries])))}

        def full_key(case) -> str:
            return arabic_key(f"{case.first_name_ar} {case.father_name_ar} {case.family_name_ar}")

        for q in queries:
            f, errors = case_filters.parse({"q": q["query"]})
            started = time.perf_counter()
            page = case_page(visible_cases(staff), f, page=1, per_page=50)
            ms = (time.perf_counter() - started) * 1000
            top = page.items[:10]
            refs = [c.reference for c in top]
            expected = expected_cases.get(q["expected"])
            key = full_key(expected) if expected else None
            relevant = [c.reference == q["expected"] or (key and full_key(c) == key)
                        for c in top]
            rank = refs.index(q["expected"]) + 1 if q["expected"] in refs else None
            confused = bool(set(q.get("confusable", [])) & set(refs[:3]))
            confusions += confused
            per_kind.setdefault(q["kind"], []).append({
                "hit": rank is not None, "rank": rank, "ms": ms, "confused": confused,
                "precision": sum(relevant) / len(top) if top else 0.0, "returned": page.total})
            if rank is None and len(misses) < 30:
                misses.append({"query": q["query"], "expected": q["expected"], "kind": q["kind"],
                               "top3": refs[:3], "total": page.total})
            db.session.rollback()

    def summary(items: list[dict]) -> dict:
        return {"queries": len(items),
                "recall_at_10": round(sum(i["hit"] for i in items) / len(items), 3),
                "precision_at_10": round(statistics.mean(i["precision"] for i in items), 3),
                "mrr": round(statistics.mean(1 / i["rank"] if i["rank"] else 0 for i in items), 3),
                "median_results": statistics.median(i["returned"] for i in items),
                "ms_p50": round(statistics.median(i["ms"] for i in items), 2),
                "ms_max": round(max(i["ms"] for i in items), 2)}

    every = [i for items in per_kind.values() for i in items]
    return {"by_kind": {k: summary(v) for k, v in sorted(per_kind.items())},
            "all": summary(every), "confusions_top3": confusions,
            "confusable_queries": sum(1 for q in queries if q.get("confusable")),
            "misses": misses}


if __name__ == "__main__":
    print(json.dumps(evaluate(sys.argv[1]), ensure_ascii=False))
