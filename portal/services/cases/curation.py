"""Small verbs of the register's upkeep: saved filters and the facility gazetteer."""

from __future__ import annotations

import json

from sqlalchemy import select

from ... import refdata
from ...extensions import db
from ...models import Facility, SavedFilter
from .. import audit
from ..audit import Actor


class FilterNameTaken(ValueError):
    """The owner already has a saved filter with this name."""


def save_filter(owner_id: int, name: str, params: dict, *, actor: Actor) -> SavedFilter:
    """Save the register's current filters under `name` (the sharing area grants by them)."""
    name = " ".join(name.split())
    if db.session.scalar(select(SavedFilter.id).where(SavedFilter.owner_id == owner_id,
                                                       SavedFilter.name == name)):
        raise FilterNameTaken(name)
    saved = SavedFilter(owner_id=owner_id, name=name,
                        params=json.dumps(params, ensure_ascii=False, sort_keys=True))
    db.session.add(saved)
    db.session.flush()
    audit.record("saved_filter_created", actor, object_type="saved_filter", object_id=saved.uid,
                 detail={"filter": saved.id, "params": len(params)})
    return saved


def delete_filter(saved: SavedFilter, *, actor: Actor) -> None:
    """Remove a saved filter."""
    audit.record("saved_filter_deleted", actor, object_type="saved_filter", object_id=saved.uid,
                 detail={"filter": saved.id})
    db.session.delete(saved)
    db.session.flush()


def add_facility(data: dict, *, actor: Actor) -> Facility:
    """Add a place of detention to the gazetteer."""
    facility = Facility(name_en=data["name_en"].strip(), name_ar=data["name_ar"].strip(),
                        kind=data["kind"], authority_id=data.get("authority_id"),
                        governorate_id=data.get("governorate_id"), created_by_id=actor.user_id)
    db.session.add(facility)
    db.session.flush()
    refdata.invalidate()
    audit.record("facility_created", actor, object_type="facility", object_id=facility.id)
    return facility
