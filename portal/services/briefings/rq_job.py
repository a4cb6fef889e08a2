"""The RQ job of a briefing pack, run by `rq worker portal-packs` in its own process.

It builds an app from the environment, as wsgi.py does. jobs.dispatch enqueues it by its
dotted path and the portal never imports this module, so the app factory and the code it
loads do not import each other.
"""

from __future__ import annotations

from ...extensions import db
from ..audit import Actor
from .jobs import run_pack


def run_rq_job(pack_id: int, actor: tuple) -> None:
    """The RQ job: build an app from the environment and generate the pack."""
    from ... import create_app
    app = create_app()
    with app.app_context():
        try:
            run_pack(pack_id, Actor(*actor))
        finally:
            db.session.remove()
