"""Shared column helpers for the models."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            # Always UTC on the way out too: a PostgreSQL session in another time zone must
            # not change what the audit chain hashes.
            value = (value.replace(tzinfo=timezone.utc) if value.tzinfo is None
                     else value.astimezone(timezone.utc))
        return value


class Role(str, enum.Enum):
    admin = "admin"
    staff = "staff"
    partner_manager = "partner_manager"
    partner_viewer = "partner_viewer"

    @property
    def is_office(self) -> bool:
        return self in (Role.admin, Role.staff)


class OrgKind(str, enum.Enum):
    office = "office"
    international = "international"
    local = "local"
