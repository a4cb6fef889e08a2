"""Database connection settings that SQLAlchemy does not make for us."""

from __future__ import annotations

import os
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError

BUSY_TIMEOUT_MS = 10_000
LOCK_POLL_SECONDS = 0.0005


def after_fork(app) -> None:
    """In a worker forked from a master that loaded `app` (gunicorn's post_fork hook): drop
    the pools inherited from the master without closing their connections, which are the
    master's (SQLAlchemy's recipe for pools and os.fork). The checkout listener below is the
    second line: it would still refuse an inherited connection, but only after the pool's
    pre-ping had used it."""
    from flask import Flask

    from .extensions import db
    if isinstance(app, Flask) and "sqlalchemy" in app.extensions:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)


@event.listens_for(Engine, "connect")
def _owner(_dbapi_connection, record) -> None:
    record.info["pid"] = os.getpid()


@event.listens_for(Engine, "checkout")
def _not_inherited(_dbapi_connection, record, proxy) -> None:
    """A pooled connection is only used by the process that opened it. gunicorn loads the
    application once and forks its workers from it (preload_app): a connection opened before
    a fork would otherwise be shared by two processes, each reading the other's answers.
    SQLAlchemy then opens a new one; the old one is left to its owner, not closed (SQLAlchemy's
    own recipe for pools and os.fork)."""
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise DisconnectionError("a pooled connection opened by another process")


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


def reads_only(view):
    """Mark a view that only reads: on SQLite its transaction starts DEFERRED and read-only
    (PRAGMA query_only), so it never waits for, nor holds, the write lock that every other
    transaction takes at BEGIN. Pages that write (audit entries) must not carry this mark: a
    write in such a view fails at once, in every test, not only under contention. The session
    row is still saved afterwards, in a transaction of its own (allow_writes())."""
    view.reads_only = True
    return view


def reads_only_from_here() -> None:
    """The rest of the request only reads, as in a view marked @reads_only: a streamed
    export, once its audit entry is committed, reads its chunks without SQLite's write lock
    (so a slow download never holds writers up); allow_writes() ends it."""
    from flask import g, has_request_context
    if has_request_context():
        g.db_writes = False
        g.db_reads_only = True


def _reading_only() -> bool:
    from flask import current_app, g, has_request_context, request
    if not has_request_context() or g.get("db_writes"):
        return False
    if g.get("db_reads_only"):
        return True
    rule = request.url_rule
    view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
    return getattr(view, "reads_only", False)


def allow_writes() -> None:
    """From here on the request may write (the session save, error handlers that audit):
    end a read-only view's transaction so that the next one takes the write lock."""
    from flask import g, has_request_context
    if not has_request_context():
        return
    if _reading_only():
        from .extensions import db
        session = db.session()
        if session.new or session.dirty or session.deleted:
            session.rollback()  # nothing may be written from a read-only transaction
        else:
            # End the read snapshot but keep what it loaded (the account, the case...): a
            # rollback would expire every object, and the write transaction that follows
            # (an audit entry) would load them again while it holds the write lock.
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
    g.db_writes = True


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn) -> None:
    """Take SQLite's write lock at BEGIN: nearly every request writes (audit, session), and a
    deferred transaction that reads first fails with SQLITE_BUSY when it later writes.

    While another worker holds the lock, poll every half millisecond (up to the same 10 s as
    busy_timeout) instead of leaving it to SQLite's busy handler, whose sleeps grow to 100 ms
    and let a waiting request sleep long after the lock was released, many times longer than
    a page takes (`python -m bench.run --db sqlite` measures it at 4 concurrent requests).
    """
    if conn.dialect.name != "sqlite":
        return
    # A read-only snapshot (backups) must not hold the write lock for minutes.
    if conn.get_execution_options().get("portal_snapshot"):
        conn.exec_driver_sql("BEGIN DEFERRED")
        return
    if _reading_only():  # a view marked @reads_only (see there)
        # Straight on the sqlite3 connection: these two run on every page that only reads,
        # and going through SQLAlchemy's statement machinery cost more than SQLite did.
        raw = conn.connection.driver_connection
        raw.execute("BEGIN DEFERRED")
        if not conn.info.get("query_only"):  # the pragma stays set on the connection
            raw.execute("PRAGMA query_only=1")
            conn.info["query_only"] = True
        return
    if conn.info.pop("query_only", False):
        conn.connection.driver_connection.execute("PRAGMA query_only=0")
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
