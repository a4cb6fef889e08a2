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
  4. `pack_events()`: the events area's upcoming joint events with the recipient, as the
     event dicts of CONTRACT.md.
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


def pack_events(recipient: Organization) -> list[dict]:
    """Upcoming joint events with the recipient (CONTRACT.md event dicts), soonest first.
    Raises PackDataUnavailable until the events area is wired."""
    # INTEGRATION: return events.upcoming_joint_events(recipient) as CONTRACT.md dicts.
    raise PackDataUnavailable("the events area is not wired into briefing packs yet")


def saved_filters(user: User) -> list[tuple[int, str]]:
    """(id, label) of the saved case filters `user` may apply; none until the cases area
    provides them."""
    # INTEGRATION: the cases area's saved filters visible to `user`.
    return []
