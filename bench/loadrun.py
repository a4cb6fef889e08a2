"""Load and fault run: 50 simulated people on PostgreSQL, gunicorn (4 workers), Redis and an RQ
pack worker, then every acknowledged write checked against the database and the audit chain.

    python -m bench.loadrun [--users 50] [--duration 300] [--fault] [--backup-at 150]

Steps: a fresh database of its own (BENCH_LOAD_DB, default portal_load), migrated, 3,000
generated fictional cases, the accounts, grants and events of bench/load_setup.py; gunicorn
with 4 sync workers on 127.0.0.1 and `rq worker portal-packs`, both with the portal's
environment (Redis db BENCH_LOAD_REDIS_DB, default 3); locust headless with
bench/locustfile.py (loopback only; bounded in time and in requests), while a probe signed
in as a staff member requests the staff list every 0.5 s (10 s timeout) and classifies every
answer. A backup is taken through `flask backup create` while the load runs and restored into
an empty database, table by table compared with the manifest. With --fault, PostgreSQL is
restarted once (at 35 % of the run) and Redis is stopped for 30 s (at 60 %); the probe then
measures what people saw and how long the portal took to recover. Afterwards
bench/load_verify.py checks the acknowledged writes and `flask audit verify` runs.

Prints the figures and writes bench/results/load-<time>.json (and -fault-). Asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from .common import DATA, PG_ADMIN_URL, RESULTS, ROOT, VENV_BIN, git_sha, load_average, pg_url
from .server import Gunicorn
from .signin import Account, sign_in

DB = os.environ.get("BENCH_LOAD_DB", "portal_load")
REDIS_DB = int(os.environ.get("BENCH_LOAD_REDIS_DB", "3"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
HOME = DATA / "load"
CASES = 3000
WORKERS = 4
MAX_REQUESTS = 60_000  # locustfile stops the run past this many requests
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "", "main", "restart"]
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
               "--save", "", "--appendonly", "no"]
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/")
UNAVAILABLE_MARK = "Retry-After"


def env_for(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({
        "PORTAL_ENV_NAME": "development", "PORTAL_DEMO_MODE": "0",
        "PORTAL_SESSION_COOKIE_SECURE": "0",
        "PORTAL_INSTANCE_PATH": str(HOME / "instance"),
        "PORTAL_DATABASE_URL": pg_url(database),
        "PORTAL_REDIS_URL": REDIS_URL,
        # Every simulated person signs in from 127.0.0.1: the per-address sign-in limit
        # (20 a minute) is for people behind one address, not for a load client.
        "PORTAL_LOGIN_LIMIT_PER_ADDRESS": "5000 per minute",
        "PYTHONPATH": str(ROOT),
    })
    return env


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "portal", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=check)


def recreate_database(name: str) -> None:
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' "
                     "LC_COLLATE 'C.UTF-8' TEMPLATE template0")


def prepare(env: dict) -> dict:
    """A fresh database with the load data; returns load_setup's facts and timings."""
    started = time.monotonic()
    shutil.rmtree(HOME, ignore_errors=True)
    (HOME / "instance").mkdir(parents=True)
    recreate_database(DB)
    flask(env, "db", "upgrade")
    flask(env, "cases", "generate", "--count", str(CASES), "--seed", "19")
    flask(env, "cases", "reindex")
    with open(HOME / "setup.log", "w") as log:  # the console mail of the invitations
        subprocess.run([str(VENV_BIN / "python"), "-m", "bench.load_setup",
                        str(HOME / "setup.json")], cwd=ROOT, env=env, check=True, stdout=log,
                       stderr=subprocess.STDOUT)
    facts = json.loads((HOME / "setup.json").read_text())
    facts["prepare_s"] = round(time.monotonic() - started, 1)
    return facts


class Supervised(threading.Thread):
    """The RQ worker, restarted when it exits (as systemd would; it exits when Redis goes)."""

    def __init__(self, cmd: list[str], env: dict, log_path: Path) -> None:
        super().__init__(daemon=True)
        self.cmd, self.env, self.restarts = cmd, env, 0
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "w")
        self.stopping = threading.Event()
        self.proc = self._spawn()
        self.start()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def run(self) -> None:
        while not self.stopping.wait(1):
            if self.proc.poll() is not None:
                self.restarts += 1
                time.sleep(1)
                self.proc = self._spawn()

    def stop(self) -> int:
        self.stopping.set()
        self.join()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self.restarts


class Probe(threading.Thread):
    """A staff member requesting the staff list every 0.5 s; every answer classified."""

    def __init__(self, base: str, cookie: str) -> None:
        super().__init__(daemon=True)
        self.base, self.cookie = base, cookie
        self.samples: list[dict] = []
        self.stopping = threading.Event()

    def one(self) -> dict:
        url = self.base.split("//", 1)[1]
        host, port = url.split(":")
        started = time.monotonic()
        sample = {"t": time.time()}
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("GET", "/cases/", headers={"Cookie": self.cookie,
                                                   "Accept-Language": "ar"})
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
            conn.close()
            sample.update(status=resp.status, traceback=bool(TRACEBACK.search(body)),
                          translated_503=resp.status == 503 and 'lang="ar"' in body
                          and resp.getheader(UNAVAILABLE_MARK) is not None)
        except (OSError, http.client.HTTPException) as exc:
            sample.update(status=0, error=type(exc).__name__)
        sample["ms"] = round(1000 * (time.monotonic() - started), 1)
        return sample

    def run(self) -> None:
        while not self.stopping.is_set():
            self.samples.append(self.one())
            self.stopping.wait(0.5)


def _run(cmd: list[str]) -> tuple[int, str]:
    done = subprocess.run(cmd, capture_output=True, text=True)  # noqa: S603 - fixed argv
    return done.returncode, (done.stdout + done.stderr).strip()[-300:]


def pg_restart() -> dict:
    cmd = list(PG_RESTART)
    cmd[2] = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.time()
    code, out = _run(cmd)
    return {"what": "postgres_restart", "started": started, "returned": time.time(),
            "exit": code, "output": out}


def redis_outage(seconds: float) -> dict:
    started = time.time()
    code, out = _run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"])
    time.sleep(seconds)
    code2, out2 = _run(REDIS_START)
    deadline = time.time() + 10
    while time.time() < deadline and _run(["redis-cli", "ping"])[1] != "PONG":
        time.sleep(0.2)
    return {"what": "redis_stop", "started": started, "returned": time.time(),
            "exit": [code, code2], "output": (out + " " + out2).strip()}


def backup_and_restore(env: dict, at: float, out: dict) -> None:
    """`flask backup create` during the load; restore into an empty database; compare."""
    time.sleep(at)
    path = HOME / "load.backup"
    started = time.monotonic()
    done = flask(env, "backup", "create", str(path), check=False)
    out["create_s"] = round(time.monotonic() - started, 1)
    out["create"] = (done.stdout + done.stderr).strip()[-400:]
    if done.returncode:
        out["mismatches"] = None
        return
    restore_db = DB + "_restore"
    recreate_database(restore_db)
    renv = dict(env, PORTAL_DATABASE_URL=pg_url(restore_db))
    flask(renv, "db", "upgrade")
    done = subprocess.run([str(VENV_BIN / "python"), "-m", "bench.load_verify", "restore",
                           str(path)], cwd=ROOT, env=renv, capture_output=True, text=True)
    try:
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        out["error"] = (done.stdout + done.stderr)[-600:]


def summarise_probe(samples: list[dict], faults: list[dict]) -> dict:
    bad = [s for s in samples if s.get("traceback") or s["ms"] >= 10_000 or
           (s["status"] not in (200, 503)) or (s["status"] == 503 and not s["translated_503"])]
    result = {"requests": len(samples), "ok": sum(s["status"] == 200 for s in samples),
              "translated_503": sum(bool(s.get("translated_503")) for s in samples),
              "tracebacks": sum(bool(s.get("traceback")) for s in samples),
              "over_10s": sum(s["ms"] >= 10_000 for s in samples),
              "other": [{k: s.get(k) for k in ("status", "ms", "error")} for s in bad][:20],
              "max_ms": max((s["ms"] for s in samples), default=None), "faults": []}
    for fault in faults:
        during = [s for s in samples if fault["started"] <= s["t"] <= fault["returned"]]
        after = [s for s in samples if s["t"] > fault["returned"]]
        first_ok = next((s for s in after if s["status"] == 200), None)
        result["faults"].append({
            "what": fault["what"], "seconds": round(fault["returned"] - fault["started"], 1),
            "exit": fault["exit"], "probe_during": len(during),
            "statuses_during": sorted({s["status"] for s in during}),
            "max_ms_during": max((s["ms"] for s in during), default=None),
            "recovered_after_s": round(first_ok["t"] - fault["returned"], 2)
            if first_ok else None})
    return result


def read_locust(prefix: Path) -> dict:
    rows = {}
    with open(f"{prefix}_stats.csv") as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = {
                "method": row["Type"], "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": float(row["50%"] or 0), "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0), "rps": round(float(row["Requests/s"]), 2)}
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv") as fh:
            failures = [dict(r) for r in csv.DictReader(fh)][:30]
    return {"pages": rows, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--fault", action="store_true", help="restart PostgreSQL, stop Redis")
    parser.add_argument("--redis-outage", type=float, default=30)
    parser.add_argument("--backup-at", type=float, default=None,
                        help="seconds into the load (default: 45 %% of it)")
    parser.add_argument("--skip-prepare", action="store_true",
                        help="reuse the database of the previous run")
    args = parser.parse_args()
    env = env_for(DB)
    started_at = datetime.now(timezone.utc)
    load_before = load_average()
    facts = json.loads((HOME / "setup.json").read_text()) if args.skip_prepare \
        else prepare(env)
    print(f"data ready: {CASES} cases, {len(facts['accounts'])} accounts "
          f"({facts.get('prepare_s', 'reused')} s)", flush=True)
    for path in (HOME / "acks.jsonl", HOME / "locust_stats.csv"):
        path.unlink(missing_ok=True)
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True)
    server = Gunicorn("load", "wsgi:app", env=dict(env, BENCH_WORKERS=str(WORKERS)),
                      probe="/auth/login").start()
    rq = Supervised([str(VENV_BIN / "rq"), "worker", "--url", REDIS_URL, "portal-packs"],
                    env, RESULTS / "logs" / "rq-load.log")
    results: dict = {"started": started_at.isoformat(timespec="seconds"), "git_sha": git_sha(),
                     "fault": args.fault, "users": args.users, "duration_s": args.duration,
                     "workers": WORKERS, "cases": CASES, "database": "postgres",
                     "load_before": load_before}
    try:
        staff = facts["probe"]
        probe = Probe(server.base, sign_in(server.base, Account(
            staff["email"], staff["password"], staff["totp_secret"], "staff")))
        prefix = HOME / "locust"
        locust_env = dict(env, LOAD_SETUP=str(HOME / "setup.json"),
                          LOAD_ACKS=str(HOME / "acks.jsonl"),
                          LOAD_MAX_REQUESTS=str(MAX_REQUESTS))
        locust = subprocess.Popen(
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "-u", str(args.users), "-r", "1", "-t", f"{args.duration}s",
             "--host", server.base, "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "15", "--exit-code-on-error", "0"],
            cwd=ROOT, env=locust_env, stdout=open(HOME / "locust.log", "w"),
            stderr=subprocess.STDOUT)
        probe.start()
        backup: dict = {}
        at = args.backup_at if args.backup_at is not None else 0.45 * args.duration
        backup_thread = threading.Thread(target=backup_and_restore, args=(env, at, backup))
        backup_thread.start()
        faults = []
        if args.fault:
            time.sleep(0.35 * args.duration)
            print("fault: restarting PostgreSQL", flush=True)
            faults.append(pg_restart())
            time.sleep(max(0.0, 0.25 * args.duration - (faults[-1]["returned"] -
                                                         faults[-1]["started"])))
            print(f"fault: stopping Redis for {args.redis_outage:.0f} s", flush=True)
            faults.append(redis_outage(args.redis_outage))
        locust.wait(timeout=args.duration + 120)
        probe.stopping.set()
        probe.join()
        backup_thread.join(timeout=600)
        results["locust"] = read_locust(prefix)
        results["probe"] = summarise_probe(probe.samples, faults)
        results["backup"] = backup
        results["faults"] = faults
    finally:
        deadline = time.monotonic() + 120  # let the queued packs finish before stopping
        while time.monotonic() < deadline and _queued_packs() > 0:
            time.sleep(2)
        results["rq_worker_restarts"] = rq.stop()
        results["server_rss_mb"] = server.rss()
        server.stop()
    done = subprocess.run([str(VENV_BIN / "python"), "-m", "bench.load_verify", "acks",
                           str(HOME / "acks.jsonl")], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    try:
        results["writes"] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        results["writes"] = {"error": (done.stdout + done.stderr)[-800:]}
    audit = flask(env, "audit", "verify", check=False)
    results["audit_verify"] = {"exit": audit.returncode,
                               "output": (audit.stdout + audit.stderr).strip()[-300:]}
    results["load_after"] = load_average()
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"load-{'fault-' if args.fault else ''}{started_at:%Y%m%dT%H%M%SZ}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"written bench/results/{name}")


def _queued_packs() -> int:
    done = subprocess.run(["redis-cli", "-n", str(REDIS_DB), "llen", "rq:queue:portal-packs"],
                          capture_output=True, text=True)
    try:
        return int(done.stdout.strip() or 0)
    except ValueError:
        return 0


def report(r: dict) -> None:
    pages = r.get("locust", {}).get("pages", {})
    total = pages.get("Aggregated", {})
    print(f"\nload: {r['users']} users, {r['duration_s']} s, {r['workers']} workers, "
          f"PostgreSQL, fault={r['fault']}, commit {r['git_sha']}")
    print(f"throughput {total.get('rps')} req/s, {total.get('requests')} requests, "
          f"{total.get('failures')} errors")
    print(f"{'page':34} {'n':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7}")
    for name, row in sorted(pages.items()):
        print(f"{name[:34]:34} {row['requests']:6} {row['failures']:4} {row['p50']:7.0f} "
              f"{row['p95']:7.0f} {row['p99']:7.0f}")
    w = r.get("writes", {})
    print(f"acknowledged writes: {w.get('acknowledged')} | lost {w.get('lost')} | "
          f"duplicated {w.get('duplicated')} | by kind {w.get('by_kind')}")
    print(f"audit verify: exit {r['audit_verify']['exit']}: {r['audit_verify']['output']}")
    b = r.get("backup", {})
    print(f"backup during load: {b.get('create_s')} s, restore {b.get('restore_s')} s, "
          f"tables {b.get('tables')}, rows {b.get('rows')}, mismatches {b.get('mismatches')}")
    p = r.get("probe", {})
    print(f"probe: {p.get('requests')} requests, {p.get('ok')} ok, {p.get('translated_503')} "
          f"translated 503, {p.get('tracebacks')} tracebacks, {p.get('over_10s')} over 10 s, "
          f"max {p.get('max_ms')} ms, other {p.get('other')}")
    for f in p.get("faults", []):
        print(f"fault {f['what']}: {f['seconds']} s, statuses during {f['statuses_during']}, "
              f"max {f['max_ms_during']} ms, recovered {f['recovered_after_s']} s after")


if __name__ == "__main__":
    main()
