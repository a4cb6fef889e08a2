"""Domain verbs for what supports a case: timeline entries, sources with their consent
(identity and contact details encrypted at rest), and mechanism submissions."""

from __future__ import annotations

from ... import crypto
from ...extensions import db
from ...models import Case, Source, SourceConsentOrg, Submission, TimelineEntry
from .. import audit
from ..audit import Actor
from .register import CaseInvalid, refresh_derived, set_entry_date, touch
from .rules import check_date, check_entry

ENTRY_FIELDS = ("kind", "estimated", "place", "facility_id", "perpetrator_id", "unit",
                "source_id")
SOURCE_FIELDS = ("kind", "relation", "contact_channel", "interview_date", "interviewer",
                 "reliability", "consent_level", "identification_referral", "consent_date",
                 "consent_method")
SUBMISSION_FIELDS = ("body", "date", "reference", "answer")


def _changed(case: Case, actor: Actor, what: str, object_id: int, verb: str) -> None:
    touch(case, actor)
    db.session.flush()
    audit.record(f"case_{what}_{verb}", actor, object_type="case", object_id=case.uid,
                 detail={"case": case.id, what: object_id})


def _fill(rows: list, row, model: type, data: dict, fields: tuple[str, ...]):
    """(row, verb): `row`, or a new `model` appended to `rows`, with the `fields` in `data` set."""
    verb = "changed" if row else "added"
    if row is None:
        row = model()
        rows.append(row)
    for name in fields:
        if name in data:
            setattr(row, name, data[name])
    return row, verb


# --- timeline --------------------------------------------------------------------------
def save_entry(case: Case, data: dict, *, actor: Actor,
               entry: TimelineEntry | None = None) -> TimelineEntry:
    """Add a timeline entry to `case`, or change `entry`; the derived fields follow."""
    arrest = "" if data.get("kind") == "arrest" else case.arrest_date
    errors = check_entry(data, arrest=arrest, birth=case.birth_date)
    if data.get("source_id") and data["source_id"] not in {s.id for s in case.sources}:
        errors.append(("source_id", "unknown source"))
    if errors:
        raise CaseInvalid(errors)
    entry, verb = _fill(case.timeline, entry, TimelineEntry, data, ENTRY_FIELDS)
    set_entry_date(entry, check_date(data.get("date", ""), allow_range=True)[0])
    db.session.flush()
    refresh_derived(case)
    _changed(case, actor, "timeline", entry.id, verb)
    return entry


def delete_entry(case: Case, entry: TimelineEntry, *, actor: Actor) -> None:
    """Remove a timeline entry (the case's history of edits stays in the audit log)."""
    entry_id = entry.id
    case.timeline.remove(entry)
    db.session.flush()
    refresh_derived(case)
    _changed(case, actor, "timeline", entry_id, "removed")


# --- sources and consent -----------------------------------------------------------------
def save_source(case: Case, data: dict, *, actor: Actor, source: Source | None = None) -> Source:
    """Add or change a source; informant identity and contact details are encrypted.

    `data["informant"]`/`data["contact"]` of None keep the stored value; "" clears it.
    """
    errors = []
    for name in ("interview_date", "consent_date"):
        value, problems = check_date(data.get(name, ""))
        errors += [(name, p) for p in problems]
        data[name] = value
    if errors:
        raise CaseInvalid(errors)
    source, verb = _fill(case.sources, source, Source, data, SOURCE_FIELDS)
    for name, context in (("informant", b"informant"), ("contact", b"contact")):
        if data.get(name) is not None:
            value = data[name].strip()
            setattr(source, f"{name}_enc",
                    crypto.encrypt(value, context=context) if value else None)
    allowed = set(data.get("allowed_orgs") or []) if source.consent_level == "named_partners" \
        else set()
    refused = set(data.get("refused_orgs") or []) - allowed
    source.consent_orgs = ([SourceConsentOrg(organization_id=o, allowed=True) for o in allowed]
                           + [SourceConsentOrg(organization_id=o, allowed=False)
                              for o in refused])
    db.session.flush()
    _changed(case, actor, "source", source.id, verb)
    return source


def delete_source(case: Case, source: Source, *, actor: Actor) -> None:
    """Remove a source; timeline entries it supported keep their place, without a source."""
    source_id = source.id
    for entry in case.timeline:
        if entry.source_id == source_id:
            entry.source_id = None
    case.sources.remove(source)
    db.session.flush()
    _changed(case, actor, "source", source_id, "removed")


# --- submissions -------------------------------------------------------------------------
def save_submission(case: Case, data: dict, *, actor: Actor,
                    submission: Submission | None = None) -> Submission:
    """Record (or correct) a submission of the case to a mechanism."""
    value, problems = check_date(data.get("date", ""))
    if problems:
        raise CaseInvalid([("date", p) for p in problems])
    submission, verb = _fill(case.submissions, submission, Submission, data, SUBMISSION_FIELDS)
    submission.date = value
    db.session.flush()
    _changed(case, actor, "submission", submission.id, verb)
    return submission


def delete_submission(case: Case, submission: Submission, *, actor: Actor) -> None:
    """Remove a submission record."""
    submission_id = submission.id
    case.submissions.remove(submission)
    db.session.flush()
    _changed(case, actor, "submission", submission_id, "removed")
