"""Incremental sync of an organisation's cases (issue 16): a change feed per organisation
and filter.

A feed remembers, for each case the organisation's partner systems were told about, the
state they were told (the case's version and the tier it was shown at) and a sequence
number. Reconciling compares that with what portal/access.py lets the organisation see now
(one query, access.sync_snapshot) and gives every difference the next sequence number:
a case newly visible or changed (an upsert) or one no longer visible (a tombstone: deleted,
grant revoked or expired, consent withdrawn, or out of the filter). A client reads the
entries after its cursor in sequence order.

Why a feed rather than `updated_at`: a new grant, a revocation or a consent withdrawal
changes what a partner may hold without touching the case, and a timestamp cursor misses
rows committed late. Exactly once: every page re-checks its entries against the gate; an
entry whose case changed since it was sequenced is not delivered there but moved to the end
of the feed with its new state, so a client reading on delivers each state once, and
another client past that point still sees the change. Writers of a feed take its row lock
first (FOR UPDATE; SQLite transactions are IMMEDIATE), so sequence numbers are committed in
order. Reconciling runs when a sync starts and when a client has caught up, not on every
page: a full sync of 20,000 cases reads the subset once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...access import redact, redact_options, sync_snapshot
from ...extensions import db
from ...models import Case, SyncEntry, SyncFeed, utcnow


def filter_key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def feed_for(org_id: int, params: dict) -> SyncFeed:
    """The organisation's feed for this filter (made on first use), locked for writing."""
    key = filter_key(params)
    stmt = select(SyncFeed).where(SyncFeed.organization_id == org_id,
                                  SyncFeed.filter_key == key).with_for_update()
    feed = db.session.scalar(stmt)
    if feed is None:
        try:
            with db.session.begin_nested():
                feed = SyncFeed(organization_id=org_id, filter_key=key,
                                filter_params=json.dumps(params, sort_keys=True), last_seq=0)
                db.session.add(feed)
        except IntegrityError:  # made meanwhile by another request
            feed = db.session.scalar(stmt)
    return feed


def feed_by_id(feed_id: int, org_id: int) -> SyncFeed | None:
    return db.session.scalar(select(SyncFeed).where(
        SyncFeed.id == feed_id, SyncFeed.organization_id == org_id).with_for_update())


def _fingerprint(version: int, tier: str) -> str:
    return f"{version}:{tier}"


def reconcile(feed: SyncFeed, principal, f) -> int:
    """Sequence every difference between the feed and what the organisation sees now;
    returns how many entries changed."""
    now = utcnow()
    current = sync_snapshot(principal, f)
    known = {row.case_id: row for row in db.session.execute(
        select(SyncEntry.id, SyncEntry.case_id, SyncEntry.fingerprint, SyncEntry.live)
        .where(SyncEntry.feed_id == feed.id))}
    seq = feed.last_seq
    inserts, updates = [], []
    for case_id in sorted(current):
        uid, version, tier = current[case_id]
        fp = _fingerprint(version, tier)
        row = known.get(case_id)
        if row is None:
            seq += 1
            inserts.append({"feed_id": feed.id, "case_id": case_id, "case_uid": uid,
                            "fingerprint": fp, "live": True, "seq": seq, "changed_at": now})
        elif not row.live or row.fingerprint != fp:
            seq += 1
            updates.append({"id": row.id, "fingerprint": fp, "live": True, "seq": seq,
                            "changed_at": now})
    for case_id, row in sorted(known.items()):
        if row.live and case_id not in current:
            seq += 1
            updates.append({"id": row.id, "fingerprint": "", "live": False, "seq": seq,
                            "changed_at": now})
    if inserts:
        db.session.execute(insert(SyncEntry), inserts)
    if updates:
        db.session.execute(update(SyncEntry), updates)
    feed.last_seq, feed.reconciled_at = seq, now
    db.session.flush()
    return len(inserts) + len(updates)


def seq_before(feed: SyncFeed, since: datetime) -> int:
    """The last sequence number recorded at or before `since` (updated_since)."""
    return db.session.scalar(select(SyncEntry.seq).where(
        SyncEntry.feed_id == feed.id, SyncEntry.changed_at <= since)
        .order_by(SyncEntry.seq.desc()).limit(1)) or 0


@dataclass
class Page:
    items: list[dict] = field(default_factory=list)
    cursor: int = 0  # the last sequence number examined
    has_more: bool = False
    moved: int = 0  # entries that changed since they were sequenced (delivered later)

    @property
    def upserts(self) -> list[dict]:
        return [item["case"] for item in self.items if not item["removed"]]


def read_page(feed: SyncFeed, principal, f, *, after: int, limit: int,
              dead_after: int = 0) -> Page:
    """Up to `limit` entries after sequence number `after`, each checked against the gate
    now (see the module note). Tombstones sequenced at or before `dead_after` are left out:
    a full sync started when the feed stood there, so its client holds none of them."""
    stmt = select(SyncEntry).where(SyncEntry.feed_id == feed.id, SyncEntry.seq > after)
    if dead_after:
        stmt = stmt.where(or_(SyncEntry.live.is_(True), SyncEntry.seq > dead_after))
    entries = list(db.session.scalars(stmt.order_by(SyncEntry.seq).limit(limit + 1)))
    page = Page(cursor=after, has_more=len(entries) > limit)
    entries = entries[:limit]
    if not entries:
        return page
    now_visible = sync_snapshot(principal, f, [e.case_id for e in entries])
    cases = {c.id: c for c in db.session.scalars(
        select(Case).where(Case.id.in_([e.case_id for e in entries if e.case_id in now_visible]))
        .options(*redact_options()))}
    seq = feed.last_seq
    for entry in entries:
        page.cursor = entry.seq
        state = now_visible.get(entry.case_id)
        case = cases.get(entry.case_id)
        fp = _fingerprint(state[1], state[2]) if state else ""
        if state and entry.live and entry.fingerprint == fp and case is not None \
                and case.version == state[1]:
            page.items.append({"uid": entry.case_uid, "removed": False, "seq": entry.seq,
                               "changed_at": entry.changed_at,
                               "case": redact(case, state[2])})
        elif not state and not entry.live:
            page.items.append({"uid": entry.case_uid, "removed": True, "seq": entry.seq,
                               "changed_at": entry.changed_at, "case": None})
        else:  # changed since it was sequenced: to the end of the feed, in its new state
            seq += 1
            entry.seq, entry.changed_at = seq, utcnow()
            entry.live, entry.fingerprint = bool(state), fp
            page.moved += 1
    if seq != feed.last_seq:
        feed.last_seq = seq
        page.has_more = True
    db.session.flush()
    return page
