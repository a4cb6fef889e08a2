"""Database connection settings that SQLAlchemy does not make for us."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, full sync, foreign keys and secure delete on every SQLite connection (SD's set)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below open transactions, not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "secure_delete=ON", "busy_timeout=10000"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn) -> None:
    """Take SQLite's write lock at BEGIN: nearly every request writes (audit, session), and a
    deferred transaction that reads first fails with SQLITE_BUSY when it later writes."""
    if conn.dialect.name == "sqlite":
        # A read-only snapshot (backups) must not hold the write lock for minutes.
        snapshot = conn.get_execution_options().get("portal_snapshot")
        conn.exec_driver_sql("BEGIN DEFERRED" if snapshot else "BEGIN IMMEDIATE")
