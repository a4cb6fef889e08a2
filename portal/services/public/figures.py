"""The figures of a public snapshot: counted from the register by a staff member, suppressed
(suppression.py), and stored as they will be published. A hidden count is stored as null:
its value never leaves this module."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ...access import visible_cases
from ...extensions import db
from ...models import Governorate, PerpetratorParty, PublicSnapshot, utcnow
from ...models.cases import STATUSES
from .. import audit
from .suppression import suppress

log = logging.getLogger("portal.public")

THRESHOLD = 5
FIRST_YEAR = 2011  # the uprising; earlier arrests are one category
DIMENSIONS = ("party", "governorate", "year")
UNKNOWN, BEFORE = "unknown", "before"


class PublishRefused(Exception):
    """A publishing step that the rules refuse; `code` names it for a translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _categories(year: int) -> dict[str, list[dict]]:
    parties = db.session.scalars(select(PerpetratorParty).order_by(PerpetratorParty.id)).all()
    governorates = db.session.scalars(select(Governorate).order_by(Governorate.id)).all()
    return {
        "status": [{"key": s} for s in STATUSES],
        "party": [{"key": str(p.id), "name_ar": p.name_ar, "name_en": p.name_en}
                  for p in parties] + [{"key": UNKNOWN}],
        "governorate": [{"key": str(g.id), "name_ar": g.name_ar, "name_en": g.name_en}
                        for g in governorates] + [{"key": UNKNOWN}],
        "year": [{"key": BEFORE}] + [{"key": str(y)} for y in range(FIRST_YEAR, year + 1)]
                + [{"key": UNKNOWN}],
    }


def _year_key(lo: int | None, last: int) -> str:
    year = (lo or 0) // 10000
    if not year:
        return UNKNOWN
    if year < FIRST_YEAR:
        return BEFORE
    return str(min(year, last))


def count_register(actor_user) -> tuple[Counter, int]:
    """Counts per (status, party, governorate, year) of the cases the office sees."""
    base = visible_cases(actor_user).subquery()
    stmt = (select(base.c.status, base.c.perpetrator_id, base.c.governorate_id,
                   base.c.arrest_lo, func.count())
            .group_by(base.c.status, base.c.perpetrator_id, base.c.governorate_id,
                      base.c.arrest_lo))
    last = utcnow().year
    counts: Counter = Counter()
    for status, party, gov, lo, n in db.session.execute(stmt):
        counts[(status, str(party) if party else UNKNOWN, str(gov) if gov else UNKNOWN,
                _year_key(lo, last))] += n
    return counts, last


def figure_lines(counts: Counter, categories: dict[str, list[dict]]) -> tuple[dict, list]:
    """Every figure that may be published, by key, and the lines that tie them together
    (cells and their total): the input of suppress(), and of the tests' differencing check."""
    keys = {dim: [c["key"] for c in categories[dim]] for dim in ("status", *DIMENSIONS)}
    index = {"party": 1, "governorate": 2, "year": 3}
    sums: Counter = Counter()
    for k, n in counts.items():  # one pass: every margin and every cell
        sums[("total",)] += n
        sums[("status", k[0])] += n
        for dim in DIMENSIONS:
            sums[(dim, k[index[dim]])] += n
            sums[(dim, k[index[dim]], k[0])] += n
    figure: dict = {("total",): sums[("total",)]}
    for s in keys["status"]:
        figure[("status", s)] = sums[("status", s)]
    for dim in DIMENSIONS:
        for d in keys[dim]:
            figure[(dim, d)] = sums[(dim, d)]
            for s in keys["status"]:
                figure[(dim, d, s)] = sums[(dim, d, s)]
    lines = [([("status", s) for s in keys["status"]], ("total",))]
    for dim in DIMENSIONS:
        lines.append(([(dim, d) for d in keys[dim]], ("total",)))
        for s in keys["status"]:  # a chart filtered by status, against the status count
            lines.append(([(dim, d, s) for d in keys[dim]], ("status", s)))
        for d in keys[dim]:  # one category across statuses, against the unfiltered chart
            lines.append(([(dim, d, s) for s in keys["status"]], (dim, d)))
    return figure, lines


def build_figures(counts: Counter, categories: dict[str, list[dict]],
                  threshold: int = THRESHOLD) -> dict:
    """The suppressed figures of `counts` (keys: status, party, governorate, year)."""
    keys = {dim: [c["key"] for c in categories[dim]] for dim in ("status", *DIMENSIONS)}
    figure, lines = figure_lines(counts, categories)
    hidden = suppress(figure, lines, threshold)

    def shown(key) -> int | None:
        return None if key in hidden else figure[key]

    def cell(cat: dict, key) -> dict:
        # A hidden count is null; "small" (below the threshold) or "withheld" (hidden so
        # that a small one cannot be worked out) is all that is said about it.
        if key in hidden:
            return {**cat, "count": None,
                    "hidden": "small" if figure[key] < threshold else "withheld"}
        return {**cat, "count": figure[key]}

    def chart(dim: str, status: str | None = None) -> list[dict]:
        return [cell(cat, (dim, cat["key"]) if status is None else (dim, cat["key"], status))
                for cat in categories[dim]]
    return {
        "threshold": threshold, "total": shown(("total",)),
        "charts": {"status": [cell(c, ("status", c["key"])) for c in categories["status"]],
                   **{dim: chart(dim) for dim in DIMENSIONS}},
        "by_status": {s: {dim: chart(dim, s) for dim in DIMENSIONS} for s in keys["status"]},
    }


def refresh_snapshot(*, actor, actor_user, threshold: int = THRESHOLD) -> PublicSnapshot:
    """Count the register now into a pending snapshot (published once a second person
    approves it). Earlier pending snapshots are discarded."""
    counts, last = count_register(actor_user)
    figures = build_figures(counts, _categories(last), threshold)
    for old in db.session.scalars(select(PublicSnapshot)
                                  .where(PublicSnapshot.status == "pending")):
        old.status = "discarded"
    snapshot = PublicSnapshot(status="pending", threshold=threshold,
                              figures_json=json.dumps(figures, ensure_ascii=False,
                                                      sort_keys=True),
                              created_by_id=actor.user_id, created_at=utcnow())
    db.session.add(snapshot)
    db.session.flush()
    audit.record("public_snapshot_created", actor, object_type="public_snapshot",
                 object_id=snapshot.id)
    log.info("Public snapshot %s computed by user %s", snapshot.id, actor.user_id)
    return snapshot


def approve_snapshot(snapshot: PublicSnapshot, *, actor) -> None:
    """Publish a pending snapshot: only a second staff member may."""
    if snapshot.status != "pending":
        raise PublishRefused("not_pending")
    if snapshot.created_by_id == actor.user_id:
        raise PublishRefused("same_person")
    # Published snapshots stay readable side by side (each report keeps its own): two close
    # together would give away, by subtraction, the few cases counted in between.
    days = current_app.config.get("PUBLIC_SNAPSHOT_MIN_DAYS", 28)
    latest = db.session.scalar(select(func.max(PublicSnapshot.approved_at))
                               .where(PublicSnapshot.status == "published"))
    if days and latest is not None and utcnow() - latest < timedelta(days=days):
        raise PublishRefused("too_soon")
    snapshot.status, snapshot.approved_by_id = "published", actor.user_id
    snapshot.approved_at = utcnow()
    audit.record("public_snapshot_published", actor, object_type="public_snapshot",
                 object_id=snapshot.id)
    log.info("Public snapshot %s approved by user %s", snapshot.id, actor.user_id)


__all__ = ["THRESHOLD", "PublishRefused", "approve_snapshot", "build_figures",
           "count_register", "refresh_snapshot"]
