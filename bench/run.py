"""The case-register benchmark (BENCHMARKS.md B0–B9, B13; the partner subset P1–P3).

    python -m bench.run --db sqlite|postgres [--quick] [--only B2,B5] [--wait-quiet 30]

1. Data: the cached 250k-case database (bench.data; generated through the portal's CLI on
   first use, timings = B13), copied fresh for this run.
2. Search quality (B9) in-process, through the function the list view uses (bench.quality).
3. Three gunicorn masters with the portal's settings minus the access log, sync workers,
   2 x cores + 1: a raw WSGI callable (B0), Flask /hello (B1) and the portal (+ probe pages).
4. One load client (wrk) for every route, at concurrency 1, 4 and 2 x cores; per route and
   concurrency 2 s warm-up then ≥10 s measured, 3 repetitions interleaved across routes;
   medians; ratios to B0, B1 and B8 of the same run. Authenticated routes carry a session
   cookie from a real sign-in (form, CSRF token, TOTP).
5. A table with PASS/MISS per target, and JSON in bench/results/.
Asserts nothing; exits 0 whatever the figures (bench.compare fails on regressions).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

from . import data as bench_data
from .common import DATA, RESULTS, ROOT, VENV_BIN, cpu_count, git_sha, load_average, portal_env
from .load import require_wrk, run_wrk
from .routes import Route, build_routes
from .server import IDLE_LIMIT_S, Gunicorn
from .signin import Account, anonymous_session, fetch, first_byte_ms, sign_in
from .targets import REF_C, evaluate

QUIET_LOAD = 1.5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Case-register benchmark (B0–B9, B13, partner subset).")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 repetition, 0.5 s warm-up, 2 s per measurement")
    p.add_argument("--reps", type=int)
    p.add_argument("--duration", type=float, help="seconds measured per run (default 10)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per run (default 2)")
    p.add_argument("--levels", help="concurrency levels, e.g. 1,4 (default 1, 4, 2 x cores)")
    p.add_argument("--only", help="route ids to load, e.g. B2,B5 (B0 is always measured)")
    p.add_argument("--skip-quality", action="store_true", help="do not compute B9")
    p.add_argument("--quality-only", action="store_true", help="data + B9, no HTTP load")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="MINUTES",
                   help=f"wait up to MINUTES for a 1-minute load average < {QUIET_LOAD}")
    p.add_argument("--count", type=int, default=bench_data.COUNT)
    p.add_argument("--seed", type=int, default=bench_data.SEED)
    p.add_argument("--rebuild-data", action="store_true")
    p.add_argument("--sqlite-begin", choices=("immediate", "deferred"), default="immediate",
                   help="experiment: 'deferred' removes the portal's BEGIN IMMEDIATE (SQLite) "
                        "to measure what it costs; never a configuration to run")
    p.add_argument("--max-requests", type=int, default=300_000,
                   help="upper bound of requests per measured run")
    args = p.parse_args(argv)
    args.reps = args.reps or (1 if args.quick else 3)
    args.duration = args.duration or (2 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2)
    levels = args.levels.split(",") if args.levels else [1, 4, 2 * cpu_count()]
    args.levels = sorted({int(c) for c in levels})
    return args


def wait_quiet(minutes: float) -> list[float]:
    deadline = time.monotonic() + minutes * 60
    while True:
        load = load_average()
        if load[0] < QUIET_LOAD or time.monotonic() >= deadline:
            return load
        print(f"[load] {load[0]} ≥ {QUIET_LOAD}: waiting for a quieter machine", flush=True)
        time.sleep(30)


def helper(database: str, module: str, *args: str) -> dict:
    """Run a bench helper in the portal's environment on the run database; parse its JSON."""
    out = subprocess.run([str(VENV_BIN / "python"), "-m", module, *args], cwd=ROOT,
                         env=portal_env(database), text=True, capture_output=True)
    if out.returncode:
        raise RuntimeError(f"{module} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Sessions:
    """Session cookies per account, re-made when the portal no longer accepts one."""

    def __init__(self, base: str, accounts: dict[str, Account]):
        self.base, self.accounts, self.cookies = base, accounts, {}

    def cookie(self, who: str | None, check_path: str | None = None) -> str | None:
        if who is None:
            return None
        if who == "anon":
            self.cookies.setdefault("anon", anonymous_session(self.base))
            return self.cookies["anon"]
        if who not in self.cookies:
            self.cookies[who] = sign_in(self.base, self.accounts[who])
        if check_path:
            status, _ = fetch(self.base, check_path, self.cookies[who])
            if status != 200:  # ended (idle limit, worker restart is harmless): sign in again
                self.cookies[who] = sign_in(self.base, self.accounts[who])
        return self.cookies[who]


def check_route(base: str, route: Route, cookie: str | None) -> None:
    for path in route.paths[:3]:
        status, page = fetch(base, path, cookie)
        if status != 200 or (route.marker and route.marker not in page):
            raise RuntimeError(f"{route.id} {path}: status {status} or marker "
                               f"{route.marker!r} missing; the load would measure an error page")


def aggregate(samples: list[dict]) -> dict:
    med = {k: round(statistics.median(s[k] for s in samples), 3)
           for k in ("p50_ms", "p95_ms", "p99_ms", "rps")}
    cpu = [s["cpu_ms_per_req"] for s in samples if s.get("cpu_ms_per_req") is not None]
    return {"p50": med["p50_ms"], "p95": med["p95_ms"], "p99": med["p99_ms"],
            "rps": med["rps"], "cpu_ms_per_req": round(statistics.median(cpu), 2) if cpu else None,
            "requests": sum(s["requests"] for s in samples),
            "unexpected": sum(s["unexpected"] for s in samples),
            "errors": sum(s["errors"] for s in samples)}


def route_levels(args, route: Route) -> list[int]:
    return [c for c in args.levels if route.levels is None or c in route.levels]


def measure(args, routes: list[Route], servers: dict[str, Gunicorn], sessions: Sessions):
    samples: dict[tuple[str, int], list[dict]] = {}
    rss: dict[str, dict] = {}
    total = sum(len(route_levels(args, r)) for r in routes) * args.reps
    done = 0
    for rep in range(args.reps):
        if args.wait_quiet and rep:
            wait_quiet(args.wait_quiet)  # other people's test suites: let them finish first
        for route in routes:
            server = servers[route.server]
            cookie = sessions.cookie(route.who, route.paths[0] if route.who else None)
            for c in route_levels(args, route):
                if args.warmup:
                    run_wrk(server.base, route.paths, connections=c, seconds=args.warmup,
                            cookie=cookie, max_requests=args.max_requests, timeout_s=60)
                seconds = args.duration if args.quick else max(args.duration, route.min_seconds)
                before = server.cpu()
                s = run_wrk(server.base, route.paths, connections=c, seconds=seconds,
                            cookie=cookie, max_requests=args.max_requests, timeout_s=60)
                after = server.cpu()
                # Workers that restarted meanwhile are missed: a lower bound for fast routes.
                used = sum(t - before.get(pid, 0.0) for pid, t in after.items())
                samples.setdefault((route.id, c), []).append(
                    {**s.as_dict(), "load1": load_average()[0],
                     "cpu_ms_per_req": round(used * 1000 / s.requests, 2) if s.requests else None})
                done += 1
                print(f"[{done}/{total}] rep {rep + 1} {route.id:<4} c={c:<2} "
                      f"p50 {s.p50_ms:7.2f} ms  p95 {s.p95_ms:7.2f} ms  {s.rps:8.1f} req/s"
                      + (f"  UNEXPECTED {s.unexpected}" if s.unexpected else "")
                      + (f"  ERRORS {s.errors}" if s.errors else ""), flush=True)
            rss[route.id] = server.rss()
    return samples, rss


def first_bytes(routes: list[Route], servers: dict[str, Gunicorn], sessions) -> dict:
    """P3 is a streamed download: also time its first byte (when the download starts),
    beside the same measure of the trivial signed-in page B8, one client, 40 times each after
    2 uncounted (so the p95 is not simply the slowest of a few). After each request the
    client waits until the server's workers are idle: a closed download goes on until a
    write fails, and the next request must not be measured against that remainder."""
    by_id = {r.id: r for r in routes}
    if "P3" not in by_id or "B8" not in by_id:
        return {}
    out = {}
    for rid in ("B8", "P3"):
        route = by_id[rid]
        server = servers[route.server]
        waits: list[float] = []
        times = sorted(first_byte_ms(server.base, route.paths[0], sessions.cookie(route.who),
                                     settle=lambda: waits.append(server.wait_idle())))
        # A wait that reached wait_idle's limit: the workers were still busy (the web
        # workers' CPU only; the database's own processes are not sampled).
        busy = sum(w >= IDLE_LIMIT_S for w in waits)
        out[rid] = {"p50": round(statistics.median(times), 2),
                    "p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
                    "n": len(times), "settle_limit_reached": busy}
        print(f"[first byte] {rid} p50 {out[rid]['p50']} ms  p95 {out[rid]['p95']} ms"
              + (f"  WARNING: {busy} of {len(waits)} waits for idle workers reached "
                 f"{IDLE_LIMIT_S:g} s" if busy else ""), flush=True)
    return out


def _div(a: float, b: float | None, digits: int) -> float | None:
    return round(a / b, digits) if b else None


def _x(value: float | None, width: int) -> str:
    return f"{value:>{width}.2f}" if value is not None else f"{'-':>{width}}"


def build_rows(args, routes, samples, rss, meta) -> tuple[list[dict], dict]:
    rows, by_key = [], {}
    for route in routes:
        for c in route_levels(args, route):
            fig = aggregate(samples[(route.id, c)])
            by_key[(route.id, c)] = fig
    for route in routes:
        for c in route_levels(args, route):
            fig = by_key[(route.id, c)]
            raw = by_key[("B0", c)]
            hello, shell = by_key.get(("B1", c)), by_key.get(("B8", c))
            rows.append({
                "id": route.id, "route": route.label, "server": route.server,
                "concurrency": c, **fig,
                "ratio_to_raw": round(fig["p95"] / raw["p95"], 2) if raw["p95"] else None,
                "rps_ratio_to_raw": round(fig["rps"] / raw["rps"], 3) if raw["rps"] else None,
                # The revised references: the stack's floor (B1) and the empty page (B8).
                "ratio_to_b1": _div(fig["p95"], hello and hello["p95"], 2),
                "rps_ratio_to_b1": _div(fig["rps"], hello and hello["rps"], 3),
                "ratio_to_b8": _div(fig["p95"], shell and shell["p95"], 2),
                "rss_mb": rss[route.id]["max_worker_mb"],
                "git_sha": meta["git_sha"], "database": meta["database"],
                "reps": samples[(route.id, c)]})
    return rows, by_key


def print_table(rows: list[dict], checks, meta) -> None:
    print()
    print(f"== {meta['database']}  git {meta['git_sha']}  cores {meta['cpu_count']}  "
          f"load {meta['load_before']} → {meta['load_after']}  "
          f"{'QUICK ' if meta['quick'] else ''}median of {meta['reps']}")
    print(f"{'id':<4} {'route':<50} {'c':>2} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8} {'p95/raw':>8} {'rps/raw':>8} {'p95/B1':>7} {'p95/B8':>7} "
          f"{'rss MB':>7} {'cpu ms':>7}")
    for r in rows:
        flag = "  !" if r["unexpected"] or r["errors"] else ""
        print(f"{r['id']:<4} {r['route'][:50]:<50} {r['concurrency']:>2} {r['p50']:>8.2f} "
              f"{r['p95']:>8.2f} {r['p99']:>8.2f} {r['rps']:>8.1f} {r['ratio_to_raw']:>8.2f} "
              f"{r['rps_ratio_to_raw']:>8.3f} {_x(r.get('ratio_to_b1'), 7)} "
              f"{_x(r.get('ratio_to_b8'), 7)} {r['rss_mb']:>7.1f} "
              f"{r['cpu_ms_per_req'] if r['cpu_ms_per_req'] is not None else '-':>7}{flag}")
    print()
    print(f"Targets (ratios at c={REF_C}, medians, same run):")
    for ch in checks:
        d = ch.as_dict()
        value = "—" if d["value"] is None else f"{d['value']}{d['unit']}"
        print(f"  {d['result']:<4} {d['id']:<4} {d['what']:<50} {value:>10} "
              f"(target {d['op']} {d['limit']}{d['unit']})")


def _stop_on_sigterm() -> None:
    """SIGTERM (and SIGINT, ignored in background jobs) end the run through the finally
    blocks, so the gunicorn servers are stopped too."""
    import signal

    def stop(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def main(argv=None) -> int:
    args = parse_args(argv)
    _stop_on_sigterm()
    if not args.quality_only:
        require_wrk()
    facts = bench_data.ensure(args.db, args.count, args.seed, args.rebuild_data)
    copy_s = bench_data.fresh_copy(args.db)
    home = DATA / args.db
    accounts_file = json.loads((home / "accounts.json").read_text())
    accounts = {key: Account(**accounts_file["accounts"][email]) for key, email in
                (("staff", "staff@office.bench.test"), ("partner", "viewer@p01.bench.test"))
                if email in accounts_file["accounts"]}
    quality = None
    if not args.skip_quality:
        print("[B9] search quality on the labelled set …", flush=True)
        quality = helper(args.db, "bench.quality", str(home / "labelled.json"))
        print(f"[B9] {json.dumps(quality['by_kind'], ensure_ascii=False)}", flush=True)
    meta = {"database": args.db, "git_sha": git_sha(), "cpu_count": cpu_count(),
            "quick": args.quick, "reps": args.reps, "duration_s": args.duration,
            "warmup_s": args.warmup, "levels": args.levels,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "sqlite_begin": args.sqlite_begin if args.db == "sqlite" else None, "data": facts, "run_copy_s": copy_s}
    rows, checks_rows = [], {}
    if not args.quality_only:
        meta["load_waited"] = wait_quiet(args.wait_quiet) if args.wait_quiet else None
        sample = helper(args.db, "bench.sample", str(home / "labelled.json"))
        meta["grants"] = sample.get("partner", {}).get("facts")
        routes = build_routes(sample, partner="partner" in accounts)
        if args.only:
            wanted = {"B0"} | set(args.only.split(","))
            routes = [r for r in routes if r.id in wanted]
        env = portal_env(args.db)
        if args.sqlite_begin == "deferred":
            env["BENCH_SQLITE_BEGIN"] = "deferred"
        servers = {"raw": Gunicorn("raw", "bench.app_raw:app"),
                   "hello": Gunicorn("hello", "bench.app_hello:app", probe="/hello"),
                   "portal": Gunicorn(f"portal-{args.db}", "bench.app_portal:app", env=env,
                                      probe="/auth/login")}
        try:
            for s in servers.values():
                s.start()
            sessions = Sessions(servers["portal"].base, accounts)
            for route in routes:
                check_route(servers[route.server].base, route, sessions.cookie(route.who))
            meta["load_before"] = load_average()
            samples, rss = measure(args, routes, servers, sessions)
            meta["first_byte"] = first_bytes(routes, servers, sessions)
            meta["load_after"] = load_average()
        finally:
            for s in servers.values():
                s.stop()
        rows, checks_rows = build_rows(args, routes, samples, rss, meta)
    checks = evaluate(checks_rows, quality, facts, meta.get("first_byte"))
    meta.setdefault("load_before", load_average())
    meta.setdefault("load_after", load_average())
    if rows:
        print_table(rows, checks, meta)
    else:
        for ch in checks:
            print(ch.as_dict())
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    result = {**meta, "rows": rows, "targets": [c.as_dict() for c in checks],
              "quality": quality}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    for name in (f"{args.db}-{stamp}{'-quick' if args.quick else ''}.json",
                 f"{args.db}-latest{'-quick' if args.quick else ''}.json"):
        (RESULTS / name).write_text(text)
    print(f"\nJSON: {RESULTS / f'{args.db}-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
