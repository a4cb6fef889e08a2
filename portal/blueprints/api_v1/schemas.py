"""The schemas of the partner API v1 (pydantic v2): they validate the requests, shape the
responses and are the OpenAPI document's components (openapi.py), so the three never drift.

The case schema mirrors access.redact(): keys above a tier are absent (not null); a key a
tier holds is always present."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ...models.api_tokens import API_SCOPES
from ...models.cases import NAME_MAX, NOTE_MAX, SEXES, STATUSES
from ...models.oversight import SUBMISSION_STATES, UPDATE_KINDS

Status = Literal[STATUSES]  # type: ignore[valid-type]
Tier = Literal["summary", "detailed", "identification"]
Scope = Literal[API_SCOPES]  # type: ignore[valid-type]
Uid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
Text = Annotated[str, StringConstraints(max_length=NOTE_MAX)]
Name = Annotated[str, StringConstraints(max_length=NAME_MAX)]
PartialDate = Annotated[str, StringConstraints(max_length=21)]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefItem(Out):
    """A reference-data item (governorate, district, perpetrator party)."""
    code: str
    name_ar: str
    name_en: str


class FacilityRef(Out):
    id: int
    name_ar: str
    name_en: str


class Names(Out):
    first_ar: str
    family_ar: str
    first_lat: str
    family_lat: str


class Parents(Out):
    father_ar: str
    father_lat: str
    mother_ar: str
    mother_lat: str


class TimelineEntry(Out):
    kind: str
    date: str
    estimated: bool
    place: str
    facility: FacilityRef | None
    perpetrator: RefItem | None
    unit: str
    source_kind: str


class MechanismSubmission(Out):
    body: str
    date: str
    reference: str
    answer: str


class Informant(Out):
    relation: str
    contact_channel: str


class Case(Out):
    """A case at the organisation's effective tier: `summary` keys always; `detailed` adds
    parents, dates, district, circumstances, timeline and mechanism submissions;
    `identification` adds informants (relation and contact channel only)."""
    uid: str
    reference: str
    tier: Tier
    names: Names
    aliases: list[str]
    sex: Literal[SEXES]  # type: ignore[valid-type]
    birth_year: int | None
    governorate: RefItem | None
    arrest_month: str | None
    perpetrator: RefItem | None
    facility: FacilityRef | None
    status: Status
    public_narrative: str
    parents: Parents | None = Field(default=None, description="detailed tier and above")
    birth_date: str | None = Field(default=None, description="detailed tier and above")
    district: RefItem | None = Field(default=None, description="detailed tier and above")
    arrest_date: str | None = Field(default=None, description="detailed tier and above")
    arrest_circumstances: str | None = Field(default=None,
                                             description="detailed tier and above")
    timeline: list[TimelineEntry] | None = Field(default=None,
                                                 description="detailed tier and above")
    submissions: list[MechanismSubmission] | None = Field(
        default=None, description="detailed tier and above")
    informants: list[Informant] | None = Field(default=None,
                                               description="identification tier only")


class SyncItem(Out):
    """One change: the case as it is now, or a tombstone (`removed`: the organisation may no
    longer hold it: deleted, no longer shared, consent withdrawn or out of the filter)."""
    uid: str
    removed: bool
    seq: int = Field(description="position in the organisation's change feed")
    changed_at: datetime
    case: Case | None


class CasePage(Out):
    items: list[SyncItem]
    next_cursor: str = Field(description="pass as `cursor` for the next page; keep the last "
                                         "page's to sync incrementally later")
    has_more: bool


class Event(Out):
    uid: str
    kind: str
    status: str
    title_en: str
    title_ar: str
    description_en: str
    description_ar: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    address: str
    online_url: str
    languages: list[str]
    capacity: int | None
    organizer: str
    role: Literal["organizer", "co_organizer", "invited", "proposer"]
    updated_at: datetime


class EventPage(Out):
    items: list[Event]
    next_cursor: str | None
    has_more: bool


class Grant(Out):
    id: int
    tier: Tier
    purpose: str
    granted_at: datetime
    expires_at: datetime
    explicit_cases: int = Field(description="cases the grant names one by one")
    by_filter: bool = Field(description="the grant also selects cases by a saved filter")


class GrantList(Out):
    items: list[Grant]


class Submission(Out):
    uid: str
    kind: Literal["new_case", "update"]
    status: Literal[SUBMISSION_STATES]  # type: ignore[valid-type]
    created_at: datetime
    decided_at: datetime | None
    decline_reason: str
    case_uid: str | None = Field(description="the case an update is about, while shared")
    result_case_uid: str | None = Field(description="the case created or updated, while "
                                                    "shared with the organisation")


# --- requests ------------------------------------------------------------------------------

class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProposedCase(In):
    first_name_ar: Name = ""
    father_name_ar: Name = ""
    family_name_ar: Name = ""
    mother_name_ar: Name = ""
    first_name_lat: Name = ""
    father_name_lat: Name = ""
    family_name_lat: Name = ""
    mother_name_lat: Name = ""
    aliases: list[Name] = Field(default_factory=list, max_length=20)
    sex: Literal[SEXES] = "unknown"  # type: ignore[valid-type]
    birth_date: PartialDate = ""
    status: Status = "missing"
    governorate: Annotated[str, StringConstraints(max_length=20)] = Field(
        default="", description="governorate code")
    district: Annotated[str, StringConstraints(max_length=20)] = Field(
        default="", description="district code")
    arrest_circumstances: Text = ""


class ProposedArrest(In):
    date: PartialDate = ""
    estimated: bool = False
    place: Annotated[str, StringConstraints(max_length=300)] = ""
    facility_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    perpetrator: Annotated[str, StringConstraints(max_length=20)] = Field(
        default="", description="perpetrator party code")
    unit: Annotated[str, StringConstraints(max_length=200)] = ""


class NewCaseSubmission(In):
    kind: Literal["new_case"]
    case: ProposedCase
    arrest: ProposedArrest = Field(default_factory=ProposedArrest)
    text: Text = ""


class UpdateSubmission(In):
    kind: Literal["update"]
    case_uid: Uid
    update_kind: Literal[UPDATE_KINDS]  # type: ignore[valid-type]
    date: PartialDate = ""
    place: Annotated[str, StringConstraints(max_length=300)] = ""
    facility_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    text: Text = ""


class SubmissionRequest(BaseModel):
    """A new case or an update to a case shared with the organisation."""
    model_config = ConfigDict(extra="forbid")
    submission: Annotated[NewCaseSubmission | UpdateSubmission, Field(discriminator="kind")]


class CaseQuery(In):
    """The list page's filters (no name search) and the sync's position."""
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    updated_since: datetime | None = Field(
        default=None, description="changes recorded after this instant (RFC 3339)")
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    reference: Annotated[str, StringConstraints(max_length=20)] = ""
    status: Status | Literal[""] = ""
    governorate: Annotated[str, StringConstraints(max_length=20)] = ""
    perpetrator: Annotated[str, StringConstraints(max_length=20)] = ""
    facility: Annotated[str, StringConstraints(max_length=10, pattern=r"^[0-9]*$")] = ""
    arrest_from: PartialDate = ""
    arrest_to: PartialDate = ""


class PageQuery(In):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class FieldError(Out):
    field: str
    message: str


class Problem(Out):
    """RFC 9457 problem details."""
    type: str
    title: str
    status: int
    code: str = Field(description="stable machine-readable code")
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class TokenInfo(Out):
    name: str
    organization: str
    scopes: list[Scope]
    expires_at: datetime
