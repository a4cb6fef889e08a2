"""The portal under test: ``create_app()`` plus two bench-only probe pages for B8.

``/_bench/open`` is public and ``/_bench/signed-in`` needs a signed-in account of any role;
both render the same small template on the portal's base layout. Requested with an
anonymous session and with a signed-in session respectively, their difference is what
authentication costs on every page: the session row, the account's active check, the user
load, the policy gate and the signed-in layout (navigation). Both are marked @reads_only, like
the portal's pages that only read. The probes exist only in this
bench application: they are classified by adding two rules to the policy table in memory,
and the portal's policy files are not changed.
"""

import os
from pathlib import Path

from flask import Blueprint, render_template

from portal import access, create_app
from portal.database import reads_only

app = create_app()
probe = Blueprint("benchprobe", __name__, url_prefix="/_bench",
                  template_folder=str(Path(__file__).parent / "templates"))


# Marked @reads_only like the portal's pages that only read (the case list and searches,
# the home page): an empty page takes no write lock on SQLite, so B8 is the shell those
# pages pay (session, account, gate, layout), not a write transaction around it.
@probe.get("/open")
@reads_only
def open_page():
    return render_template("bench_probe.html")


@probe.get("/signed-in")
@reads_only
def signed_in_page():
    return render_template("bench_probe.html")


app.register_blueprint(probe)
_rules = access.load_policy()  # cached: the gate reads this same mapping
_rules["benchprobe.open_page"] = access.Rule(endpoint="benchprobe.open_page", public=True)
_rules["benchprobe.signed_in_page"] = access.Rule(endpoint="benchprobe.signed_in_page",
                                                  roles=access.ALL_ROLES)


def _sqlite_deferred_experiment() -> None:
    """BENCH_SQLITE_BEGIN=deferred: a measurement experiment only, never the default. SQLite
    transactions start deferred (no write lock at BEGIN), to measure what the portal's
    BEGIN IMMEDIATE costs under concurrency. A request that reads and then writes can then
    fail with SQLITE_BUSY: not a configuration to run."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from portal import database
    event.remove(Engine, "begin", database._sqlite_begin_immediate)


if os.environ.get("BENCH_SQLITE_BEGIN") == "deferred":
    _sqlite_deferred_experiment()
