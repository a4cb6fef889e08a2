"""Pieces shared by the views of several blueprints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..extensions import db


@dataclass
class Outcome:
    """What a `commit_or_report` block came to: `ok` once its work is committed."""

    ok: bool = False


@contextmanager
def commit_or_report(error: type[Exception] | tuple[type[Exception], ...],
                     report: Callable[[Exception], object]) -> Iterator[Outcome]:
    """Commit what the block did; on `error`, roll back and hand the exception to `report`.

    The view's one commit: a refused service call leaves nothing half-written behind it.
    """
    outcome = Outcome()
    try:
        yield outcome
    except error as exc:
        db.session.rollback()
        report(exc)
        return
    db.session.commit()
    outcome.ok = True

