"""The partner search (P2) in-process, query by query, and what the garbage collector costs.

    python -m bench.partner_queries --db sqlite|postgres [--reps 3] [--gc none|freeze]

After bench.data (on a fresh copy of the run database), in the portal's environment, without
HTTP: the 100 P2 queries of bench.sample for partner 01, each through access.ListScope.page as
the list view calls it (candidates, ranking, the page's cases with their tiers), one at a
time, after one uncounted pass. Prints the mean and p95 per query, the slowest queries with
their SQL time, and the collector's passes by generation (gc.callbacks); with `--gc freeze`,
what is alive after the uncounted pass is frozen first, as gunicorn.conf.py does in a worker.
Also the CPU seconds a process takes to load the application (`import wsgi`), which a worker
pays again at each start without gunicorn's preload_app, and, on PostgreSQL, the partner
list's count (the total a worker then remembers) with JIT compilation on and off, and the
name match alone with the last word as a prefix and spelt out as whole terms. Writes
bench/results/partner-queries-<db>-<time>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

from .common import DATA, RESULTS, ROOT, VENV_BIN, git_sha, portal_env


def _app_load_cpu_s(database: str) -> float:
    code = ("import time; t = time.process_time(); import wsgi; "
            "print(time.process_time() - t)")
    out = subprocess.run([str(VENV_BIN / "python"), "-c", code], cwd=ROOT, check=True,
                         env=portal_env(database), text=True, capture_output=True)
    return round(float(out.stdout.strip().splitlines()[-1]), 2)


def _count_with_jit(user) -> dict[str, float]:
    """The partner list's total, counted as search.query.case_page counts it, with the
    server's JIT compilation on and off (median of 5 each, after one uncounted)."""
    from sqlalchemy import func, select, text

    from portal import access
    from portal.extensions import db
    from portal.models import Case
    from portal.search import filters as case_filters
    from portal.search.query import COUNT_CAP, apply_filters
    f, _ = case_filters.parse({})
    scope = access.list_scope(user, f)
    counted = (apply_filters(scope.count_from, scope.filter).with_only_columns(Case.id)
               .order_by(None).limit(COUNT_CAP + 1).subquery())
    stmt = select(func.count()).select_from(counted)
    out = {}
    for setting in ("on", "off"):
        times = []
        for n in range(6):
            db.session.execute(text(f"SET LOCAL jit = {setting}"))
            t0 = time.perf_counter()
            db.session.scalar(stmt)
            times.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
        out[f"jit_{setting}"] = round(statistics.median(times[1:]), 1)
    return out


def _prefix_lookup(queries: list[str]) -> dict[str, float]:
    """PostgreSQL: the name match alone (the strict stage's tsquery over all cases, counted)
    with the last word as a prefix and spelt out as whole terms (search.query._spelled_out),
    mean ms per query over `queries`, after one uncounted pass of each."""
    from sqlalchemy import text

    from portal.extensions import db
    from portal.search.query import _spelled_out, _strict, _tsquery
    from portal.search.ranking import query_tokens
    count = text("SELECT count(*) FROM cases WHERE search_tsv @@ to_tsquery('simple', :q)")
    forms = {"prefix_ms": [], "spelt_out_ms": []}
    for q in queries:
        groups = _strict(query_tokens(q))
        for key, tsq in (("prefix_ms", _tsquery(groups)),
                         ("spelt_out_ms", _tsquery(_spelled_out(groups)))):
            db.session.scalar(count, {"q": tsq})
            t0 = time.perf_counter()
            db.session.scalar(count, {"q": tsq})
            forms[key].append((time.perf_counter() - t0) * 1000)
    db.session.rollback()
    return {key: round(statistics.fmean(v), 2) for key, v in forms.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--gc", choices=("none", "freeze"), default="none")
    args = p.parse_args()
    os.environ.update({k: v for k, v in portal_env(args.db).items() if k.startswith("PORTAL_")})

    from sqlalchemy import event, select

    from portal import access, create_app
    from portal.extensions import db
    from portal.models import User
    from portal.search import filters as case_filters

    from . import data as bench_data
    from .sample import collect

    bench_data.fresh_copy(args.db)
    queries = collect(str(DATA / args.db / "labelled.json")).get("partner", {}).get("queries")
    if not queries:
        raise SystemExit("no partner grants in the bench data (run bench.data first)")
    app = create_app()
    sql_ms: list[float] = []
    passes: list[tuple[int, float]] = []
    started_at: list[float] = []

    def on_gc(phase, info):
        if phase == "start":
            started_at[:] = [time.perf_counter()]
        elif started_at:
            passes.append((info["generation"], (time.perf_counter() - started_at[0]) * 1000))

    with app.test_request_context("/"):
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, *_args):
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, *_args):
            sql_ms.append((time.perf_counter() - conn.info["t0"]) * 1000)

        user = db.session.scalar(select(User).where(User.email == "viewer@p01.bench.test"))

        def one(q: str) -> tuple[float, float]:
            sql_ms.clear()
            t0 = time.perf_counter()
            f, _ = case_filters.parse({"q": q})
            access.list_scope(user, f).page(1, 50)
            db.session.rollback()
            return (time.perf_counter() - t0) * 1000, sum(sql_ms)

        for q in queries:  # uncounted: caches filled, as in a worker after its first requests
            one(q)
        if args.gc == "freeze":
            gc.collect()
            gc.freeze()
        gc.callbacks.append(on_gc)
        runs = [(q, *one(q)) for _ in range(args.reps) for q in queries]
        gc.callbacks.remove(on_gc)
        gc.unfreeze()
        jit = _count_with_jit(user) if args.db == "postgres" else {}
        lookup = _prefix_lookup(queries) if args.db == "postgres" else {}

    walls = sorted(r[1] for r in runs)
    slowest: dict[str, tuple[float, float]] = {}
    for q, wall, sql in runs:
        if wall > slowest.get(q, (0.0, 0.0))[0]:
            slowest[q] = (wall, sql)
    by_gen = {g: [ms for gen, ms in passes if gen == g] for g in (0, 1, 2)}
    out = {
        "db": args.db, "git_sha": git_sha(), "gc": args.gc, "queries": len(queries),
        "reps": args.reps, "mean_ms": round(statistics.fmean(walls), 1),
        "p95_ms": round(walls[int(0.95 * (len(walls) - 1))], 1),
        "max_ms": round(walls[-1], 1),
        "slowest": [{"query": q, "wall_ms": round(w, 1), "sql_ms": round(s, 1)}
                    for q, (w, s) in sorted(slowest.items(), key=lambda kv: -kv[1][0])[:10]],
        "gc_passes": {str(g): {"n": len(v), "total_ms": round(sum(v), 1),
                               "max_ms": round(max(v, default=0.0), 1)}
                      for g, v in by_gen.items()},
        "app_load_cpu_s": _app_load_cpu_s(args.db),
        "list_count_ms": jit,
        "name_index_ms": lookup,
    }
    print(f"{out['queries']} partner queries x {args.reps} ({args.db}, gc {args.gc}): "
          f"mean {out['mean_ms']} ms, p95 {out['p95_ms']} ms, max {out['max_ms']} ms")
    for row in out["slowest"]:
        print(f"  {row['wall_ms']:7.1f} ms (SQL {row['sql_ms']:6.1f})  {row['query']}")
    for g, v in out["gc_passes"].items():
        print(f"  gc generation {g}: {v['n']} passes, {v['total_ms']} ms, longest {v['max_ms']} ms")
    print(f"  loading the application: {out['app_load_cpu_s']} s of CPU")
    if lookup:
        print(f"  the name match alone (all cases, counted), mean per query: "
              f"{lookup['prefix_ms']} ms with the last "
              f"word as a prefix, {lookup['spelt_out_ms']} ms spelt out as whole terms")
    if jit:
        print(f"  the partner list's count: {jit['jit_on']} ms with JIT, {jit['jit_off']} ms "
              "without (median of 5)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"partner-queries-{args.db}-{stamp}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(f"JSON: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
