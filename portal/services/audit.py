"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone

from flask import current_app
from sqlalchemy import select

from ..database import allow_writes
from ..extensions import db
from ..models import AuditEvent, AuditHead, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: built from the request by the views, or a system actor for the CLI."""

    user_id: int | None
    org_id: int | None
    session_hash: str = ""
    request_id: str = ""

    @classmethod
    def system(cls) -> "Actor":
        return cls(user_id=None, org_id=None, request_id="cli")


# Functions called with each event just appended, in the same transaction (the alerts of
# services/oversight/alerts.py watch reads and refusals here). A listener may write, never
# commit.
LISTENERS: list[Callable[[AuditEvent, "Actor"], None]] = []


def _canonical(event: AuditEvent) -> bytes:
    fields = [event.seq, event.ts.astimezone(timezone.utc).isoformat(timespec="microseconds"), event.actor_id,
              event.actor_org_id, event.session_hash, event.action, event.object_type,
              event.object_id, event.outcome, event.request_id, event.detail]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def _mac(prev_hash: str, event: AuditEvent, key_hex: str) -> str:
    return hmac.new(bytes.fromhex(key_hex), prev_hash.encode() + _canonical(event),
                    hashlib.sha256).hexdigest()


def record(action: str, actor: Actor | None, *, object_type: str = "", object_id: object = "",
           outcome: str = "success", detail: dict | None = None) -> AuditEvent:
    """Append one audit event to the current transaction (no entry, no action).

    The head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are IMMEDIATE),
    so concurrent writers extend the chain one after the other.
    """
    allow_writes()  # in a read-only view (database.reads_only): write in a transaction of its own
    actor = actor or Actor.system()
    head = db.session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash="0" * 64)
        db.session.add(head)
    ts = utcnow()
    event = AuditEvent(
        seq=head.last_seq + 1, ts=ts, actor_id=actor.user_id, actor_org_id=actor.org_id,
        session_hash=actor.session_hash, action=action, object_type=object_type,
        object_id=str(object_id or ""), outcome=outcome, request_id=actor.request_id,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "",
        prev_hash=head.last_hash)
    event.row_hmac = _mac(head.last_hash, event, current_app.config["AUDIT_KEY"])
    head.last_seq, head.last_hash = event.seq, event.row_hmac
    db.session.add(event)
    db.session.flush()
    for listener in LISTENERS:
        listener(event, actor)
    return event


@dataclass
class ChainReport:
    rows: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None and not self.problem


def verify_chain(anchor: tuple[int, str] | None = None) -> ChainReport:
    """Recompute the chain; report the first row that was edited, removed or re-ordered.

    `anchor` is a (seq, hash) pair exported earlier to another place; it detects the
    removal of the newest rows together with a rewritten head row.
    """
    key = current_app.config["AUDIT_KEY"]
    prev, expected_seq, rows, anchored = "0" * 64, 1, 0, None
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    for event in db.session.scalars(stmt):
        rows += 1
        if event.seq != expected_seq:
            return ChainReport(rows, expected_seq, "missing row")
        if event.prev_hash != prev or not hmac.compare_digest(event.row_hmac,
                                                              _mac(prev, event, key)):
            return ChainReport(rows, event.seq, "altered row")
        prev, expected_seq = event.row_hmac, expected_seq + 1
        if anchor and event.seq == anchor[0]:
            anchored = prev
    head = db.session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head and (head.last_seq != last_seq or head.last_hash != prev):
        return ChainReport(rows, last_seq + 1, "head does not match the last row")
    if anchor and anchor[0] > last_seq:
        return ChainReport(rows, last_seq + 1, "rows up to the anchor are gone")
    if anchor and anchor[0] and anchored != anchor[1]:
        return ChainReport(rows, anchor[0], "the anchored row was rewritten")
    return ChainReport(rows, None, "")


def chain_head() -> tuple[int, str]:
    head = db.session.get(AuditHead, 1)
    return (head.last_seq, head.last_hash) if head else (0, "0" * 64)
