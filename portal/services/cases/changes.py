"""The log of changes partners are told about ("what's new since your last sign-in").

A session listener notes, before each flush, the cases whose status changed and those whose
custody timeline gained, lost or changed an entry, whichever service made the change
(editing, the timeline, merges, accepted partner submissions). New cases need no entry:
their creation time says it. Bulk inserts through Core (the generator, the import) create
new cases only.
"""

from __future__ import annotations

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, inspect

from ...models import Case, CaseChange, TimelineEntry, utcnow


def _status_changed(case: Case) -> bool:
    history = inspect(case).attrs.status.history
    return bool(history.added) and bool(history.deleted) and \
        history.added[0] != history.deleted[0]


def _changes(session) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    new = session.new
    for obj in session.dirty:
        if isinstance(obj, Case) and obj.id is not None:
            if _status_changed(obj):
                found.add((obj.id, "status"))
            timeline = inspect(obj).attrs.timeline.history
            if timeline.added or timeline.deleted:
                found.add((obj.id, "timeline"))
        elif isinstance(obj, TimelineEntry) and obj.case_id is not None \
                and session.is_modified(obj, include_collections=False):
            found.add((obj.case_id, "timeline"))
    for obj in new:
        if isinstance(obj, TimelineEntry):
            case = obj.case
            case_id = case.id if case is not None and case not in new else (
                obj.case_id if case is None else None)
            if case_id is not None:
                found.add((case_id, "timeline"))
    for obj in session.deleted:
        if isinstance(obj, TimelineEntry) and obj.case_id is not None:
            found.add((obj.case_id, "timeline"))
    return found


def _before_flush(session, flush_context, instances) -> None:
    now = utcnow()
    for case_id, kind in sorted(_changes(session)):
        session.add(CaseChange(case_id=case_id, kind=kind, at=now))


def init_app(app) -> None:
    if not event.contains(FlaskSession, "before_flush", _before_flush):
        event.listen(FlaskSession, "before_flush", _before_flush)
