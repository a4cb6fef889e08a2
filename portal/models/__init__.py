"""All models, re-exported so that Alembic and the services see one metadata."""

from .api_tokens import API_SCOPES, ApiToken, SyncEntry, SyncFeed
from .audit import AuditEvent, AuditHead
from .base import OrgKind, Role, utcnow
from .briefings import BriefingPack, PackStatus
from .case_records import Source, SourceConsentOrg, Submission, TimelineEntry
from .cases import Case, CaseConflict, CaseTag, NotDuplicate, ReferenceCounter, SavedFilter
from .events import (
                     ACTIVE,
                     PUBLISHED,
                     AgendaItem,
                     Attendance,
                     CalendarToken,
                     Event,
                     EventChange,
                     EventKind,
                     EventOrganization,
                     EventStatus,
                     Material,
                     Rsvp,
)
from .families import (
                       CONSENT_KINDS,
                       CONTACT_KINDS,
                       CURRENCIES,
                       FAMILY_RELATIONS,
                       INTAKE_KINDS,
                       INTAKE_STATUSES,
                       NEED_CATEGORIES,
                       REFERRAL_STATUSES,
                       RESIDENCE_ABROAD,
                       SUPPORT_FORMS,
                       SUPPORT_STATUSES,
                       ContactEntry,
                       Family,
                       FamilyCase,
                       FamilyConflict,
                       FamilyConsent,
                       FamilyMember,
                       FamilyMemberRelation,
                       FamilyReferenceCounter,
                       IntakeSubmission,
                       Need,
                       PssAttendance,
                       PssEnrolment,
                       PssSeries,
                       Referral,
                       SupportItem,
)
from .organizations import Organization
from .outbox import OutboxMessage
from .oversight import CaseChange, Notice, PartnerSubmission
from .reference import District, Facility, Governorate, PerpetratorParty
from .sessions import UserSession
from .sharing import GRANT_TIERS, GrantCase, RegisterEpoch, ShareGrant
from .users import Invitation, LoginThrottle, RecoveryCode, User

__all__ = [
    "API_SCOPES", "ApiToken", "SyncEntry", "SyncFeed",
    "ACTIVE", "PUBLISHED", "AgendaItem", "Attendance", "CalendarToken", "Event", "EventChange",
    "EventKind", "EventOrganization", "EventStatus", "Material", "Rsvp", "BriefingPack", "PackStatus",
    "AuditEvent", "AuditHead", "Case", "CaseConflict", "CaseTag", "District", "Facility",
    "Governorate", "Invitation", "LoginThrottle", "NotDuplicate", "OrgKind", "Organization",
    "OutboxMessage", "PerpetratorParty", "CaseChange", "Notice", "PartnerSubmission",
    "RecoveryCode", "ReferenceCounter", "RegisterEpoch", "Role", "SavedFilter", "GRANT_TIERS",
    "GrantCase", "ShareGrant", "Source", "SourceConsentOrg", "Submission", "TimelineEntry", "User",
    "UserSession", "utcnow",
    # families (issue 17)
    "CONSENT_KINDS", "CONTACT_KINDS", "CURRENCIES", "FAMILY_RELATIONS", "INTAKE_KINDS",
    "INTAKE_STATUSES", "NEED_CATEGORIES", "REFERRAL_STATUSES", "RESIDENCE_ABROAD",
    "SUPPORT_FORMS", "SUPPORT_STATUSES", "ContactEntry", "Family", "FamilyCase",
    "FamilyConflict", "FamilyConsent", "FamilyMember", "FamilyMemberRelation",
    "FamilyReferenceCounter", "IntakeSubmission", "Need", "PssAttendance", "PssEnrolment",
    "PssSeries", "Referral", "SupportItem",
]
from .public import PublicPage, PublicSnapshot, PublicStory  # noqa: E402  (issue 18)

__all__ += ["PublicPage", "PublicSnapshot", "PublicStory"]
