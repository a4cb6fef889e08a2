"""Where a pack's case and event data come from: the ONE integration point with access.py.

A pack is built from the redaction dictionary of CONTRACT.md and nothing else: for every case
the recipient organisation may see, `access.redact(case, access.effective_tier(...))`. The
renderer never sees an ORM object, and this module is the only part of the briefings area
that talks to the case register or the events area.

INTEGRATION (once the case register and sharing land; see the report on issue 6):
  1. `_recipient_principal()` gives access.py an organisation-level principal (a partner
     viewer of the recipient organisation with no personal grants). If access.py grows an
     org-level API (e.g. `visible_cases_for_org(org)`), call that instead.
  2. `pack_cases()`: replace the `raise PackDataUnavailable` with the block marked
     INTEGRATION below (visible_cases → selection → effective_tier → redact).
  3. `saved_filters()`: list the saved filters of the cases area the user may apply.
  4. `pack_events()`: wired to access.visible_events (done).
Until then both raise PackDataUnavailable and a pack fails with a clear message; the tests
replace these functions with fictional dicts that follow CONTRACT.md exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models import Organization, User


class PackDataUnavailable(RuntimeError):
    """The case register or the events area is not wired into the briefings area yet."""


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


@dataclass(frozen=True)
class _RecipientPrincipal:
    """The recipient organisation as access.py's `user` argument: a partner viewer of that
    organisation, so the pack shows exactly what the organisation's own screens show."""

    organization: Organization
    role: str = "partner_viewer"
    is_office: bool = False
    is_authenticated: bool = True

    @property
    def organization_id(self) -> int:
        return self.organization.id


def _recipient_principal(org: Organization) -> _RecipientPrincipal:
    return _RecipientPrincipal(organization=org)


def pack_cases(recipient: Organization, selection: Selection) -> list[dict]:
    """The redacted case dicts (CONTRACT.md) the recipient may see, within `selection`,
    ordered by reference. Raises PackDataUnavailable until the case register is wired."""
    from ... import access
    if not hasattr(access, "redact"):
        raise PackDataUnavailable("the case register is not available yet")
    # INTEGRATION (sketch, to be completed at merge with the cases and sharing areas):
    #   principal = _recipient_principal(recipient)
    #   stmt = access.visible_cases(principal)
    #   if selection.mode == "references":
    #       stmt = stmt.where(Case.reference.in_(selection.references))
    #   elif selection.mode == "filter":
    #       stmt = apply_saved_filter(stmt, selection.filter_id)   # from the cases area
    #   out = []
    #   for case in db.session.scalars(stmt.order_by(Case.reference)):
    #       tier = access.effective_tier(principal, case)
    #       if tier is not None:
    #           out.append(access.redact(case, tier))
    #   return out
    raise PackDataUnavailable("the case register is not wired into briefing packs yet")


def count_cases(recipient: Organization, selection: Selection) -> int:
    """How many cases a pack would hold (decides foreground or background generation)."""
    # INTEGRATION: a COUNT over the same visible_cases() query is cheaper than this.
    return len(pack_cases(recipient, selection))


def pack_events(recipient: Organization, *, limit: int = 20) -> list[dict]:
    """Upcoming joint events with the recipient (CONTRACT.md event dicts), soonest first:
    exactly the published events the organisation's own accounts see (access.visible_events),
    never proposals or the office's internal ones."""
    from sqlalchemy import select

    from ... import access
    from ...extensions import db
    from ...models import PUBLISHED, Event, utcnow
    stmt = (access.visible_events(_recipient_principal(recipient))
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
    """(id, label) of the saved case filters `user` may apply; none until the cases area
    provides them."""
    # INTEGRATION: the cases area's saved filters visible to `user`.
    return []
