"""The data step: 250,000 generated cases with timelines, accounts, and B13 timings.

The cases are made by the portal's own generator (`flask --app portal cases generate`), on a
database migrated with `flask db upgrade`, into a dedicated SQLite file (bench/data/sqlite/
portal.db) or a dedicated PostgreSQL database (portal_bench, UTF-8 with C.UTF-8 ctype and
collation). The result is cached with a manifest: it is rebuilt only when the count, the
seed, the migrations, the generator, the search keys or the bench accounts change. Every run
then works on a fresh copy (run.db / portal_bench_run), so audit entries and sessions written
by one run never slow the next.

    python -m bench.data --db sqlite|postgres [--count 250000] [--seed 42] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from .common import DATA, PG_ADMIN_URL, PG_CACHE_DB, PG_RUN_DB, ROOT, VENV_BIN, pg_url, portal_env

COUNT = 250_000
SEED = 42
# Everything whose change makes a cached database stale.
# What decides the generated data (not how it is queried: search/query.py and ranking.py
# change no stored row, so editing them does not rebuild the data).
FINGERPRINT_GLOBS = ("migrations/versions/*.py", "portal/services/cases/generate.py",
                     "portal/services/cases/labelled_set.py",
                     "portal/services/cases/name_variants.py", "portal/data/names.py",
                     "portal/search/__init__.py", "portal/search/normalise.py",
                     "portal/search/filters.py", "portal/models/*.py", "bench/accounts.py")


def sharing_exists() -> bool:
    """The sharing area (issue 4) is merged: partner grants can be made."""
    return (ROOT / "portal" / "services" / "sharing" / "grants.py").exists()


def fingerprint(count: int, seed: int) -> str:
    digest = hashlib.sha256(f"{count}:{seed}".encode())
    for pattern in FINGERPRINT_GLOBS + (("bench/grants.py", "portal/services/sharing/grants.py")
                                        if sharing_exists() else ()):
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _flask(env: dict, *args: str) -> tuple[float, str]:
    """Run a portal CLI command; return (seconds, output)."""
    started = time.monotonic()
    out = subprocess.run([str(VENV_BIN / "flask"), "--app", "portal", *args], cwd=ROOT,
                         env=env, text=True, capture_output=True)
    seconds = time.monotonic() - started
    if out.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return round(seconds, 2), (out.stdout + out.stderr).strip()


def _python(env: dict, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    out = subprocess.run([str(VENV_BIN / "python"), *args], cwd=ROOT, env=env, text=True,
                         capture_output=True)
    if out.returncode:
        raise RuntimeError(f"python {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return round(time.monotonic() - started, 2), (out.stdout + out.stderr).strip()


def _pg_admin(*statements: str, dbname: str | None = None) -> None:
    import psycopg
    url = pg_url(dbname) if dbname else PG_ADMIN_URL
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _pg_exists(name: str) -> bool:
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
            is not None


def _pg_create(name: str, template: str = "template0") -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
              f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' "
              f"LC_COLLATE 'C.UTF-8' TEMPLATE {template}"
              if template == "template0" else
              f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def build(database: str, count: int, seed: int) -> dict:
    """Generate the cached database from nothing; return the B13 timings."""
    home = DATA / database
    if home.exists():
        shutil.rmtree(home)  # keys, accounts and labelled set belong to one generation
    (home / "instance").mkdir(parents=True)
    env = portal_env(database, run=False)
    facts: dict = {"count": count, "seed": seed}
    if database == "postgres":
        _pg_create(PG_CACHE_DB)
    facts["migrate_s"], _ = _flask(env, "db", "upgrade")
    labelled = home / "labelled.json"
    facts["generate_s"], facts["generate_output"] = _flask(
        env, "cases", "generate", "--count", str(count), "--seed", str(seed),
        "--labelled", str(labelled))
    facts["reindex_s"], facts["reindex_output"] = _flask(env, "cases", "reindex")
    facts["accounts_s"], _ = _python(env, "-m", "bench.accounts", str(home / "accounts.json"))
    if sharing_exists():
        facts["grants_s"], facts["grants_output"] = _python(
            env, "-m", "bench.grants", str(home / "accounts.json"))
    facts["analyze_s"] = _analyze(database, home)
    facts["import_and_reindex_s"] = round(facts["generate_s"] + facts["reindex_s"], 2)
    facts["size_mb"] = _size_mb(database, home)
    facts["fingerprint"] = fingerprint(count, seed)
    (home / "manifest.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False))
    return facts


def _analyze(database: str, home: Path) -> float:
    """Planner statistics as an operator would have them after a bulk load (timed apart).

    PostgreSQL: VACUUM ANALYZE (autovacuum would do the same within minutes). SQLite: nothing
    is added: the portal does not run ANALYZE, so the bench does not either, and the WAL is
    checkpointed so the cached file stands alone.
    """
    started = time.monotonic()
    if database == "postgres":
        _pg_admin("VACUUM ANALYZE", dbname=PG_CACHE_DB)
    else:
        with sqlite3.connect(home / "portal.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return round(time.monotonic() - started, 2)


def _size_mb(database: str, home: Path) -> float:
    if database == "sqlite":
        return round((home / "portal.db").stat().st_size / 2**20, 1)
    import psycopg
    with psycopg.connect(pg_url(PG_CACHE_DB)) as conn:
        return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
                     / 2**20, 1)


def ensure(database: str, count: int = COUNT, seed: int = SEED, rebuild: bool = False) -> dict:
    """The cached database for this configuration (built if missing or stale)."""
    home = DATA / database
    manifest = home / "manifest.json"
    fresh = (not rebuild and manifest.exists()
             and json.loads(manifest.read_text()).get("fingerprint") == fingerprint(count, seed))
    if fresh and database == "sqlite":
        fresh = (home / "portal.db").exists()
    if fresh and database == "postgres":
        fresh = _pg_exists(PG_CACHE_DB)
    if fresh:
        facts = json.loads(manifest.read_text())
        facts["cached"] = True
        return facts
    print(f"[data] generating {count:,} cases on {database} (seed {seed}); this takes minutes",
          flush=True)
    facts = build(database, count, seed)
    facts["cached"] = False
    return facts


def fresh_copy(database: str) -> float:
    """Copy the cached database to the run database; return the seconds it took."""
    started = time.monotonic()
    home = DATA / database
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{home / 'run.db'}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(home / "portal.db", home / "run.db")
    else:
        _pg_create(PG_RUN_DB, template=PG_CACHE_DB)  # a file copy: statistics included
    return round(time.monotonic() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    facts = ensure(args.db, args.count, args.seed, args.rebuild)
    print(json.dumps(facts, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
