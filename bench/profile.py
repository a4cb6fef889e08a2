"""Where a page's time goes: SQL statements (count, time, plan) and a Python profile.

    python -m bench.profile --db sqlite|postgres [--as staff|partner] [-n 20] [--first-byte]
                            PATH [PATH ...]

The application is the bench's (bench/app_portal.py), so the B8 probe /_bench/signed-in can
be profiled too.

Runs in-process on the bench's run database through the real request pipeline (Flask test
client, signed in through the form with CSRF and TOTP, server-side session, policy gate,
audit), after one warm-up request per path. Prints, per path: mean wall time, the SQL
statements of one request with their time, the query plan of the slowest, and the
pyinstrument profile (wall clock) of N requests.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import time

from .common import DATA, portal_env


def _signed_in_client(app, account: dict):
    import pyotp
    for attempt in range(3):
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                        page).group(1))
        resp = client.post("/auth/login", data={
            "csrf_token": token, "email": account["email"], "password": account["password"],
            "code": pyotp.TOTP(account["totp_secret"]).now()},
            headers={"Referer": "https://localhost/auth/login"})  # the test client speaks https
        if resp.status_code == 302:
            return client
        time.sleep(30.5 - time.time() % 30)  # this code was used already: wait for the next
    raise SystemExit(f"sign-in failed ({resp.status_code})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--as", dest="who", choices=("staff", "partner"), default="staff")
    p.add_argument("-n", type=int, default=20)
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--cprofile", type=int, default=0, metavar="LINES",
                   help="also print cProfile's call counts: the LINES functions with the "
                        "most own time over -n requests")
    p.add_argument("--first-byte", action="store_true",
                   help="read only the first chunk of each answer, then close it (a streamed "
                        "export as a client that goes away after the download starts)")
    p.add_argument("paths", nargs="+")
    args = p.parse_args()
    os.environ.update({k: v for k, v in portal_env(args.db).items() if k.startswith("PORTAL_")})

    from sqlalchemy import event

    from portal.extensions import db

    accounts = json.loads((DATA / args.db / "accounts.json").read_text())["accounts"]
    email = "staff@office.bench.test" if args.who == "staff" else "viewer@p01.bench.test"
    from .app_portal import app  # create_app() plus the B8 probe pages (/_bench/...)
    statements: list[tuple[float, str, object]] = []

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["t0"].pop()
        statements.append(((time.perf_counter() - started) * 1000, statement, parameters))

    client = _signed_in_client(app, accounts[email])

    def get(path: str):
        """One request, its answer read (or only its first chunk) and closed, as a server
        would: a streamed answer left open keeps its request's context."""
        resp = client.get(path, buffered=False)
        body = iter(resp.response)
        if args.first_byte:
            next(body, None)
        else:
            for _ in body:
                pass
        resp.close()
        return resp

    for path in args.paths:
        resp = get(path)  # warm-up (templates compiled, caches filled)
        statements.clear()
        started = time.perf_counter()
        resp = get(path)
        one = (time.perf_counter() - started) * 1000
        print(f"\n=== {path}  status {resp.status_code}  one request {one:.1f} ms, "
              f"{len(statements)} SQL statements, {sum(s[0] for s in statements):.1f} ms in SQL")
        for ms, sql, params in statements:
            print(f"  {ms:7.2f} ms  {' '.join(sql.split())[:160]}")
        slowest = max(statements, key=lambda s: s[0], default=None)
        if slowest and slowest[1].lstrip().upper().startswith("SELECT"):
            with app.app_context():
                explain = "EXPLAIN QUERY PLAN " if args.db == "sqlite" else "EXPLAIN ANALYZE "
                params = slowest[2]
                if isinstance(params, (list, tuple)) and args.db == "postgres":
                    params = tuple(params)
                with db.engine.connect() as conn:
                    rows = conn.exec_driver_sql(explain + slowest[1], params).fetchall()
                print("  plan of the slowest:")
                for row in rows:
                    print("    " + " | ".join(str(c) for c in row))
        times, cpu = [], []
        for _ in range(args.n):
            started, cpu0 = time.perf_counter(), time.process_time()
            get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu0) * 1000)
        times.sort()
        cpu.sort()
        print(f"  {args.n} requests without profiler: wall median {times[len(times) // 2]:.1f} "
              f"ms (min {times[0]:.1f}); CPU of this process median {cpu[len(cpu) // 2]:.1f} ms")
        if args.cprofile:
            import cProfile
            import pstats
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.n):
                get(path)
            prof.disable()
            stats = pstats.Stats(prof)
            print(f"  cProfile over {args.n} requests: {stats.total_calls} calls "
                  f"({stats.total_calls // args.n} a request)")
            stats.sort_stats("tottime").print_stats(args.cprofile)
        if args.no_profile:
            continue
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for _ in range(args.n):
            get(path)
        profiler.stop()
        print(f"  mean over {args.n}: {(time.perf_counter() - started) * 1000 / args.n:.1f} ms")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
