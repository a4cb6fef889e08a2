"""Background generation of large packs: a worker thread on the embedded default, or the RQ
queue "portal-packs" when PORTAL_REDIS_URL is set (`make worker` starts its worker).

The job runner owns its transaction like a CLI command: it commits the progress as the pack
advances, and the outcome at the end. The rendering itself happens in the sandbox process
either way, so the web process only waits on a pipe.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple

from flask import Flask, current_app

from ...extensions import db
from ...models import BriefingPack, PackStatus
from ..audit import Actor
from .packs import expire_packs, generate_pack

log = logging.getLogger("portal.briefings")
QUEUE = "portal-packs"
RQ_JOB = "portal.services.briefings.rq_job.run_rq_job"  # imported by the worker only

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_futures: list[Future] = []


def _committing_progress(pack: BriefingPack):
    last = {"value": -1}

    def report(percent: int) -> None:
        if percent != last["value"]:
            last["value"] = pack.progress = percent
            db.session.commit()
    return report


def run_pack(pack_id: int, actor: Actor) -> None:
    """Generate one queued pack in the current app context, committing as it goes."""
    pack = db.session.get(BriefingPack, pack_id)
    if pack is None or pack.status != PackStatus.queued.value:
        return
    try:
        generate_pack(pack, actor=actor, progress=_committing_progress(pack))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("briefing pack %s failed unexpectedly", pack_id)
        pack = db.session.get(BriefingPack, pack_id)
        if pack is not None and pack.is_active:
            pack.status, pack.error = PackStatus.failed.value, "internal"
            db.session.commit()
    expire_packs()  # opportunistic clean-up while we are here
    db.session.commit()


def _run_in_thread(app: Flask, pack_id: int, actor: Actor) -> None:
    with app.app_context():
        try:
            run_pack(pack_id, actor)
        finally:
            db.session.remove()


def dispatch(pack: BriefingPack, actor: Actor) -> Future | None:
    """Start generating a committed, queued pack in the background."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue
        timeout = int(app.config["PACK_WALL_SECONDS"]) + 120
        seconds = float(app.config["REDIS_TIMEOUT_SECONDS"])
        try:
            Queue(QUEUE, connection=Redis.from_url(
                redis_url, socket_connect_timeout=seconds, socket_timeout=seconds)).enqueue(
                RQ_JOB, pack.id, astuple(actor), job_timeout=timeout,
                result_ttl=0, failure_ttl=86400)
            return None
        except (RedisError, OSError) as exc:
            # The queue is unreachable (Redis restarting): make the pack here rather than
            # leave it queued where no worker will ever see it.
            log.warning("pack queue unreachable (%s): pack %s is made in this process",
                        type(exc).__name__, pack.id)
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=int(app.config["PACK_RENDER_WORKERS"]),
                                           thread_name_prefix="briefing-pack")
        future = _executor.submit(_run_in_thread, app, pack.id, actor)
        _futures[:] = [f for f in _futures if not f.done()] + [future]
    return future


def wait_for_background(timeout: float = 120) -> None:
    """Wait for the packs started in this process (tests, CLI)."""
    for future in list(_futures):
        future.result(timeout=timeout)
