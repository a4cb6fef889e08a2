"""The authorisation gate: who may reach which endpoint, and which objects they may see.

Every endpoint is classified in the policy table (portal/policy/*.yaml, one file per area),
and the before-request hook denies anything unclassified (policy.py). Visibility of cases,
events, submissions and packs is decided only in this package, one module
per question:

  policy.py       who may reach which endpoint; roles; who may manage which account
  coverage.py     which cases a partner organisation sees, at which tier (grants and consent)
  cases.py        which cases a user sees, the case loader, who sees a case and why
  redaction.py    what of a case a reader sees at their tier: redact()
  scopes.py       what a case list shows one user for one filter: ListScope
  events.py       which events a user sees and what they may do with one
  submissions.py  which partner submissions a user sees
  sync.py         what a partner system may hold: the partner API's snapshot of a subset
  families.py     who sees families (the office only) and the family consents in force

Imports inside the package point one way: policy and coverage import no other module of it;
cases, redaction, events and submissions build on them; scopes builds on cases; sync on
scopes. Callers
import from the package (`from portal.access import redact`), which re-exports every name
below.
"""

from .cases import (
                    Principal,
                    case_audience,
                    deleted_cases,
                    effective_tier,
                    effective_tiers,
                    get_case_or_404,
                    grants_covering,
                    partner_case_filter,
                    partner_tier,
                    principal_of,
                    visible_cases,
)
from .coverage import (
                    GRANTABLE,
                    SHARING_LEVELS,
                    TIER_RANK,
                    TIERS,
                    _coverage,
                    consent_allows,
                    effective_tiers_for_org,
                    grant_filter_predicate,
                    org_case_filter,
                    referral_allowed,
                    visible_cases_for_org,
)
from .events import (
                    MAX_ID,
                    EventAccess,
                    event_access,
                    get_event_or_404,
                    visible_events,
                    visible_events_for_org,
)
from .families import (
                    active_consent,
                    contact_allowed,
                    contact_consent_clause,
                    get_family_or_404,
                    may_see_families,
                    publish_consent_active,
                    referral_consent_active,
                    require_families_reader,
                    visible_families,
)
from .policy import (
                    ALL_ROLES,
                    ENROLMENT_ENDPOINTS,
                    OFFICE_ROLES,
                    PARTNER_ROLES,
                    ROLE_GROUPS,
                    Rule,
                    assignable_roles,
                    can_manage_user,
                    can_reach,
                    enforce_policy,
                    fully_signed_in,
                    init_app,
                    load_policy,
                    role_required_for,
)
from .redaction import case_consent, redact, redact_options
from .scopes import ListScope, list_scope, summary_names_match
from .submissions import get_submission_or_404, submission_case_visible, visible_submissions
from .sync import active_grants_of_org, sync_snapshot

__all__ = [
    # policy
    "ALL_ROLES", "ENROLMENT_ENDPOINTS", "OFFICE_ROLES", "PARTNER_ROLES", "ROLE_GROUPS", "Rule",
    "assignable_roles", "can_manage_user", "can_reach", "enforce_policy", "fully_signed_in",
    "init_app", "load_policy", "role_required_for",
    # coverage (_coverage: tests compare the forms of one organisation's coverage)
    "GRANTABLE", "SHARING_LEVELS", "TIER_RANK", "TIERS", "_coverage", "consent_allows",
    "effective_tiers_for_org", "grant_filter_predicate", "org_case_filter", "referral_allowed",
    "visible_cases_for_org",
    # cases
    "Principal", "case_audience", "deleted_cases", "effective_tier", "effective_tiers",
    "get_case_or_404", "grants_covering", "partner_case_filter", "partner_tier", "principal_of",
    "visible_cases",
    # redaction
    "case_consent", "redact", "redact_options",
    # scopes
    "ListScope", "list_scope", "summary_names_match",
    # events
    "MAX_ID", "EventAccess", "event_access", "get_event_or_404", "visible_events",
    "visible_events_for_org",
    # submissions
    "get_submission_or_404", "submission_case_visible", "visible_submissions",
    # sync
    "active_grants_of_org", "sync_snapshot",
    # families (issue 17)
    "active_consent", "contact_allowed", "contact_consent_clause", "get_family_or_404",
    "may_see_families", "publish_consent_active", "referral_consent_active",
    "require_families_reader", "visible_families",
]
