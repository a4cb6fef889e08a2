"""All models, re-exported so that Alembic and the services see one metadata."""

from .audit import AuditEvent, AuditHead
from .base import OrgKind, Role, utcnow
from .events import (ACTIVE, PUBLISHED, AgendaItem, Attendance, CalendarToken, Event,
                     EventChange, EventKind, EventOrganization, EventStatus, Material, Rsvp)
from .briefings import BriefingPack, PackStatus
from .organizations import Organization
from .outbox import OutboxMessage
from .sessions import UserSession
from .users import Invitation, LoginThrottle, RecoveryCode, User

__all__ = [
    "ACTIVE", "PUBLISHED", "AgendaItem", "Attendance", "CalendarToken", "Event", "EventChange",
    "EventKind", "EventOrganization", "EventStatus", "Material", "Rsvp", "BriefingPack", "PackStatus",
    "AuditEvent", "AuditHead", "Invitation", "LoginThrottle", "OrgKind", "Organization",
    "OutboxMessage", "RecoveryCode", "Role", "User", "UserSession", "utcnow",
]
