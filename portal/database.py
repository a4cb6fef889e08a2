"""Database connection settings that SQLAlchemy does not make for us."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

BUSY_TIMEOUT_MS = 10_000
LOCK_POLL_SECONDS = 0.0005


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, full sync, foreign keys and secure delete on every SQLite connection (SD's set)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below open transactions, not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "secure_delete=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn) -> None:
    """Take SQLite's write lock at BEGIN: nearly every request writes (audit, session), and a
    deferred transaction that reads first fails with SQLITE_BUSY when it later writes.

    While another worker holds the lock, poll every half millisecond (up to the same 10 s as
    busy_timeout) instead of leaving it to SQLite's busy handler, whose sleeps grow to 100 ms
    and let a waiting request sleep long after the lock was released (bench/README.md:
    p95 of a 3 ms page was 150-600 ms at 4 concurrent requests).
    """
    if conn.dialect.name != "sqlite":
        return
    # A read-only snapshot (backups) must not hold the write lock for minutes.
    if conn.get_execution_options().get("portal_snapshot"):
        conn.exec_driver_sql("BEGIN DEFERRED")
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() >= deadline:
                    raise
            time.sleep(LOCK_POLL_SECONDS)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
