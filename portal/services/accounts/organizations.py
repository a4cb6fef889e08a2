"""Organisations: create, edit, activate and deactivate."""

from __future__ import annotations

from ...extensions import db
from ...models import Organization
from .. import audit
from ..audit import Actor
from .users import switch_active

FIELDS = ("name_en", "name_ar", "kind", "country")


def create_organization(data: dict, *, actor: Actor) -> Organization:
    """Add an organisation from validated form data."""
    org = Organization(**{k: data[k] for k in FIELDS}, active=True)
    db.session.add(org)
    db.session.flush()
    audit.record("org_created", actor, object_type="organization", object_id=org.id)
    return org


def update_organization(org: Organization, data: dict, *, actor: Actor) -> None:
    changed = sorted(k for k in FIELDS if getattr(org, k) != data[k])
    for key in changed:
        setattr(org, key, data[key])
    audit.record("org_updated", actor, object_type="organization", object_id=org.id,
                 detail={"fields": changed})


def set_organization_active(org: Organization, active: bool, *, actor: Actor) -> None:
    """(De)activate; a deactivated organisation's sessions end at once."""
    switch_active(org, active, actor=actor, object_type="organization",
                  actions=("org_activated", "org_deactivated"))
