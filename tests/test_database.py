"""SQLite transactions take the write lock at BEGIN and wait for it by polling (portal/database.py)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal import database

from .conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")


def _hold_lock(engine, locked: threading.Event, release: threading.Event):
    with engine.connect() as conn:
        conn.begin()
        locked.set()
        release.wait(10)
        conn.rollback()


@contextmanager
def lock_held_elsewhere(engine):
    """Another connection holds SQLite's write lock for the duration of the block."""
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(engine, locked, release))
    holder.start()
    locked.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join(10)


def test_second_writer_waits_for_the_lock_then_proceeds(app, db):
    engine = db.engine
    locked, release, began = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []
    holder = threading.Thread(target=_hold_lock, args=(engine, locked, release))
    holder.start()
    locked.wait(5)

    def second():
        with engine.connect() as conn:
            conn.begin()
            order.append("second began")
            began.set()
            conn.rollback()

    waiter = threading.Thread(target=second)
    waiter.start()
    assert not began.wait(0.3), "BEGIN IMMEDIATE must wait while another writer holds the lock"
    order.append("first released")
    release.set()
    waiter.join(10)
    holder.join(10)
    assert order == ["first released", "second began"]


def test_writer_gives_up_after_the_busy_limit_and_keeps_its_busy_timeout(app, db, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    engine = db.engine
    with lock_held_elsewhere(engine), engine.connect() as conn:
        with pytest.raises(OperationalError, match="locked"):
            conn.begin()
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    with engine.connect() as conn:  # the lock is free again: a transaction starts at once
        conn.begin()
        assert conn.execute(text("SELECT 1")).scalar() == 1
        conn.rollback()


def test_the_case_list_reads_while_another_writer_holds_the_lock(
        app, db, client, users, login, monkeypatch):
    """/cases/ is marked @reads_only: its transaction starts DEFERRED and read-only, so a
    long write elsewhere (an import) does not hold up searches (pages that write wait for
    it, see above)."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    login(users["staff"])
    assert client.get("/cases/").status_code == 200  # the session gets its CSRF token
    with lock_held_elsewhere(db.engine):
        listed = client.get("/cases/?q=Mohammad")
        assert listed.status_code == 200 and "case" in listed.get_data(as_text=True)
    assert client.get("/cases/new").status_code == 200


def test_a_read_only_transaction_refuses_writes(app, db):
    """What @reads_only sets: a write inside such a transaction fails at once."""
    from portal.models import Organization
    with app.test_request_context("/cases/"):
        from flask.globals import request_ctx
        request_ctx.match_request()
        db.session.rollback()
        assert db.session.scalar(text("PRAGMA query_only")) == 1
        db.session.add(Organization(name_en="Fictional", name_ar="وهمية", kind="ngo"))
        with pytest.raises(OperationalError, match="readonly"):
            db.session.flush()
        db.session.rollback()
        database.allow_writes()
        assert db.session.scalar(text("PRAGMA query_only")) == 0
        db.session.rollback()
