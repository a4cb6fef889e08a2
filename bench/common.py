"""Paths, the environment of the portal under test, and facts about the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"  # git-ignored: generated databases, keys, accounts, labelled sets
RESULTS = BENCH / "results"  # git-ignored: JSON results and server logs
VENV_BIN = Path(sys.executable).parent

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_CACHE_DB = os.environ.get("BENCH_PG_DB", "portal_bench")  # generated once, kept
PG_RUN_DB = PG_CACHE_DB + "_run"  # a fresh copy of the cache for every run


def cpu_count() -> int:
    return os.cpu_count() or 1


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def git_sha() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def portal_env(database: str, *, run: bool = True) -> dict[str, str]:
    """Environment for the portal under test (CLI and gunicorn) on `database`.

    The portal runs as in development mode WITHOUT demo mode: accounts sign in with a
    password and a real TOTP code; the session cookie is not marked Secure because the bench
    talks plain HTTP to 127.0.0.1. Production mode would only add start-up checks
    (check_production_config) that need HTTPS and Redis; the request path is the same.
    """
    home = DATA / database
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("PORTAL_")]:
        del env[key]  # nothing from the caller's shell leaks into the measured portal
    env.update({
        "PORTAL_ENV_NAME": "development",
        "PORTAL_DEMO_MODE": "0",
        "PORTAL_SESSION_COOKIE_SECURE": "0",
        "PORTAL_INSTANCE_PATH": str(home / "instance"),
        "PYTHONPATH": str(ROOT),
    })
    if database == "sqlite":
        name = "run.db" if run else "portal.db"
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{home / name}"
    else:
        env["PORTAL_DATABASE_URL"] = pg_url(PG_RUN_DB if run else PG_CACHE_DB)
    return env


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process (those still running)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out
