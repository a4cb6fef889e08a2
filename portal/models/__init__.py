"""All models, re-exported so that Alembic and the services see one metadata."""

from .audit import AuditEvent, AuditHead
from .base import OrgKind, Role, utcnow
from .briefings import BriefingPack, PackStatus
from .organizations import Organization
from .outbox import OutboxMessage
from .sessions import UserSession
from .users import Invitation, LoginThrottle, RecoveryCode, User

__all__ = [
    "AuditEvent", "AuditHead", "BriefingPack", "PackStatus", "Invitation", "LoginThrottle", "OrgKind", "Organization",
    "OutboxMessage", "RecoveryCode", "Role", "User", "UserSession", "utcnow",
]
