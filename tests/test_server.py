"""The server's process model: gunicorn's settings (gunicorn.conf.py) and what the portal does
so that forked workers are safe (portal/database.py)."""

from __future__ import annotations

import gc
import os
import runpy
import weakref
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from sqlalchemy import text

from portal import database

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
HOOKS = ("pre_fork", "post_fork", "post_worker_init", "post_request")


def _settings() -> dict:
    return runpy.run_path(str(CONF))


class _Node:
    pass


def _garbage_cycle() -> weakref.ref:
    node = _Node()
    node.me = node
    return weakref.ref(node)


def test_gunicorn_takes_the_settings_and_hooks():
    """gunicorn checks each hook's arguments when it reads the file: a wrong signature would
    stop the server at start, not a test that calls the hook itself."""
    conf, cfg = _settings(), Config()
    for name in ("preload_app", *HOOKS):
        cfg.set(name, conf[name])
    assert cfg.preload_app is True


def test_the_master_collects_then_freezes_before_each_fork():
    conf = _settings()
    gc.unfreeze()
    try:
        gone = _garbage_cycle()
        conf["pre_fork"](SimpleNamespace(), SimpleNamespace(nr=0))
        assert gc.get_freeze_count() > 0
        assert gone() is None  # collected, not frozen
    finally:
        gc.unfreeze()


def test_workers_freeze_what_outlives_their_first_requests():
    """After GC_FREEZE_AFTER requests, and not before, the objects a worker's first requests
    left (caches) are frozen out of the collector's full passes; garbage in cycles is
    collected first."""
    conf = _settings()
    worker = SimpleNamespace(nr=0)
    gc.unfreeze()
    try:
        conf["post_worker_init"](worker)
        at_start = gc.get_freeze_count()
        kept = [[n] for n in range(500)]  # made by the first requests
        gone = _garbage_cycle()
        for worker.nr in range(1, conf["GC_FREEZE_AFTER"]):
            conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() == at_start
        worker.nr = conf["GC_FREEZE_AFTER"]
        conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() >= at_start + len(kept)
        assert gone() is None
    finally:
        gc.unfreeze()


def test_a_forked_worker_drops_the_masters_connections_unused(app, db):
    """post_fork: the pool the worker inherited is replaced before any request, so neither
    the pool's pre-ping nor a query ever writes to the master's socket; the master's
    connection stays open for the master."""
    with db.engine.connect() as conn:
        masters = conn.connection.dbapi_connection
    pinged = []
    dialect = db.engine.dialect
    original_ping = dialect.do_ping
    dialect.do_ping = lambda connection: pinged.append(connection) or original_ping(connection)
    try:
        server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
        _settings()["post_fork"](server, SimpleNamespace(nr=0))
        with db.engine.connect() as conn:
            assert conn.connection.dbapi_connection is not masters
            assert conn.scalar(text("SELECT 2")) == 2
    finally:
        dialect.do_ping = original_ping
    assert masters not in pinged
    with _cursor(masters) as cur:
        cur.execute("SELECT 3")
        assert cur.fetchone()[0] == 3
    masters.close()


def test_a_connection_opened_by_another_process_is_refused_at_checkout(app, db, monkeypatch):
    """The second line behind post_fork: a pooled connection whose opener is another process
    is never handed out; the pool opens a new one, which works, and leaves the other open."""
    with db.engine.connect() as conn:
        inherited = conn.connection.dbapi_connection
    parent = os.getpid()
    monkeypatch.setattr(database.os, "getpid", lambda: parent + 1)  # as in a forked child
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection is not inherited
        assert conn.scalar(text("SELECT 2")) == 2
    monkeypatch.undo()
    with _cursor(inherited) as cur:
        cur.execute("SELECT 3")
        assert cur.fetchone()[0] == 3
    inherited.close()


@contextmanager
def _cursor(connection):
    cur = connection.cursor()
    try:
        yield cur
    finally:
        cur.close()
