"""Where a pack's case and event data come from: the ONE integration point with access.py.

A pack is built from the redaction dictionary of CONTRACT.md and nothing else: for every case
the recipient organisation may see, `access.redact(case, tier)` with the tier from
`access.effective_tiers_for_org()`. Visibility is the organisation-level API of the gate
(`access.visible_cases_for_org`, `access.visible_events_for_org`), so a pack shows exactly
what the organisation's own accounts see on screen. The renderer never sees an ORM object,
and this module is the only part of the briefings area that talks to the case register or
the events area.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from ...extensions import db
from ...models import Case, Organization, SavedFilter, User


class PackDataUnavailable(RuntimeError):
    """The pack's case data cannot be built (for example its saved filter is gone)."""


@dataclass(frozen=True)
class Selection:
    """Which of the recipient's visible cases go into the pack."""

    mode: str = "all"  # "all" | "filter" | "references"
    filter_id: int | None = None
    references: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: dict) -> "Selection":
        return cls(mode=data.get("mode", "all"), filter_id=data.get("filter_id"),
                   references=tuple(data.get("references") or ()))

    def to_dict(self) -> dict:
        return {"mode": self.mode, "filter_id": self.filter_id,
                "references": list(self.references)}


def _selected(recipient: Organization, selection: Selection) -> Select:
    """The recipient's visible cases within `selection`, as a query (access decides)."""
    from ... import access
    from ...search import filters as case_filters
    from ...search.query import apply_filters
    stmt = access.visible_cases_for_org(recipient)
    if selection.mode == "references":
        stmt = stmt.where(Case.reference.in_(list(selection.references) or [""]))
    elif selection.mode == "filter":
        saved = db.session.get(SavedFilter, selection.filter_id or 0)
        if saved is None:
            raise PackDataUnavailable("the saved filter of this pack is gone")
        f, errors = case_filters.parse(json.loads(saved.params or "{}"))
        if errors:
            raise PackDataUnavailable("the saved filter of this pack is no longer valid")
        stmt = apply_filters(stmt, f, with_name=True)
    return stmt


def pack_cases(recipient: Organization, selection: Selection) -> list[dict]:
    """The redacted case dicts (CONTRACT.md) the recipient may see, within `selection`,
    ordered by reference, each at the organisation's effective tier."""
    from ... import access
    stmt = _selected(recipient, selection)
    tiers = access.effective_tiers_for_org(
        recipient, stmt.with_only_columns(Case.id).order_by(None))
    cases = db.session.scalars(stmt.order_by(Case.reference)
                               .options(*access.redact_options())).all()
    return [access.redact(case, tiers[case.id]) for case in cases if case.id in tiers]


def count_cases(recipient: Organization, selection: Selection) -> int:
    """How many cases a pack would hold (decides foreground or background generation)."""
    ids = _selected(recipient, selection).with_only_columns(Case.id).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


def pack_events(recipient: Organization, *, limit: int = 20) -> list[dict]:
    """Upcoming joint events with the recipient (CONTRACT.md event dicts), soonest first:
    exactly the published events the organisation's own accounts see (access.visible_events),
    never proposals or the office's internal ones."""
    from ... import access
    from ...models import PUBLISHED, Event, utcnow
    stmt = (access.visible_events_for_org(recipient)
            .where(Event.status.in_(PUBLISHED), Event.ends_at >= utcnow())
            .order_by(Event.starts_at).limit(limit))
    return [_event_dict(event) for event in db.session.scalars(stmt)]


def _event_dict(event) -> dict:
    return {"title_ar": event.title_ar or event.title_en, "title_en": event.title_en or event.title_ar,
            "kind": event.kind, "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(), "timezone": event.timezone,
            "venue": event.venue if not event.online_url else "", "online": bool(event.online_url),
            "organiser": {"name_ar": event.organizer.name_ar, "name_en": event.organizer.name_en},
            "status": event.status}


def saved_filters(user: User) -> list[tuple[int, str]]:
    """(id, label) of the saved case filters `user` may apply: staff their own and those
    shared with the office; partners none (saved filters belong to the office)."""
    if not user.is_office:
        return []
    from ..sharing.grants import usable_filters
    return [(f.id, f.name) for f in db.session.scalars(usable_filters(user.id))]
