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

from sqlalchemy import text

from portal import database

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_gunicorn_workers_freeze_what_outlives_their_start():
    """gunicorn.conf.py: after a worker has loaded the app, and again after its first
    GC_FREEZE_AFTER requests, the objects alive are frozen out of the collector's full
    passes; garbage in cycles is collected first, not frozen with them."""
    conf = runpy.run_path(str(CONF))
    worker = SimpleNamespace(nr=0)

    class Node:
        pass

    gc.unfreeze()
    try:
        conf["post_worker_init"](worker)
        at_start = gc.get_freeze_count()
        assert at_start > 0
        kept = [[n] for n in range(500)]  # made by the first requests (caches)
        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        for worker.nr in range(1, conf["GC_FREEZE_AFTER"]):
            conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() == at_start
        worker.nr = conf["GC_FREEZE_AFTER"]
        conf["post_request"](worker, None, {}, None)
        assert gc.get_freeze_count() >= at_start + len(kept)
        assert gone() is None
    finally:
        gc.unfreeze()


def test_a_connection_opened_before_a_fork_is_not_used_after_it(app, db, monkeypatch):
    """gunicorn forks its workers from a master that loaded the application (preload_app):
    a pooled connection the master opened must not serve a worker, or two processes would
    read each other's answers on one socket. After a fork the pool opens a new connection,
    which works, and leaves the inherited one to its owner, open."""
    with db.engine.connect() as conn:
        inherited = conn.connection.dbapi_connection
        assert conn.scalar(text("SELECT 1")) == 1
    parent = os.getpid()
    monkeypatch.setattr(database.os, "getpid", lambda: parent + 1)  # in the forked worker
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection is not inherited
        assert conn.scalar(text("SELECT 2")) == 2
    monkeypatch.undo()
    with _cursor(inherited) as cur:
        cur.execute("SELECT 3")
        assert cur.fetchone()[0] == 3  # not closed under its owner
    inherited.close()


@contextmanager
def _cursor(connection):
    cur = connection.cursor()
    try:
        yield cur
    finally:
        cur.close()


def test_gunicorn_loads_the_application_once_and_freezes_it_before_each_fork():
    conf = runpy.run_path(str(CONF))
    assert conf["preload_app"] is True
    gc.unfreeze()
    try:
        conf["pre_fork"](SimpleNamespace(), SimpleNamespace(nr=0))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
