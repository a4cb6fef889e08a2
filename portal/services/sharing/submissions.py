"""Partner submissions: a partner_manager proposes a new case or an update to a
case shared with their organisation; the office accepts (merging it into the register with
the partner organisation recorded as a source) or declines with a reason.

A partner's input is checked for its own form only (dates well formed and not in the
future, lengths, vocabularies), never against the case's other fields: "dated before the
arrest" would tell a summary-tier partner the arrest date. The register's own rules apply
when staff accept, and a refusal then is shown to staff, with nothing saved.
"""

from __future__ import annotations

import json
import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import refdata
from ...extensions import db
from ...models import Case, PartnerSubmission, User, utcnow
from ...models.case_records import PLACE_MAX, TIMELINE_KINDS
from ...models.cases import NOTE_MAX, TEXT_MAX
from ...models.oversight import UPDATE_KINDS
from .. import audit
from ..audit import Actor
from ..cases import records as case_records
from ..cases.register import CaseInvalid, create_case, touch
from ..cases.rules import check_case, check_date, check_entry
from ..mail import queue_mail

log = logging.getLogger("portal.submissions")

REASON_MAX = 2000
MESSAGES = {
    "kind": _l("Choose what the information is about."),
    "facility": _l("Choose a facility from the list."),
    "empty": _l("Give a date, a place or a description."),
    "text": _l("Describe what you know."),
    "reason": _l("Give the reason, so that the organisation understands the decision."),
    "record_as": _l("Choose how to record it in the case."),
    "deleted": _l("The case was deleted: restore it first, or decline the submission."),
    "notes_full": _l("The case's internal notes are full: shorten them first."),
    "decided": _l("This submission was already decided."),
    "district": _l("This district is in another governorate."),
}


class SubmissionInvalid(ValueError):
    """Input refused; `errors` holds (field, message) pairs naming the form's fields."""

    def __init__(self, errors: list):
        super().__init__("invalid submission")
        self.errors = errors


# --- checks --------------------------------------------------------------------------
def check_new_case(case: dict, arrest: dict, text: str) -> list[tuple[str, object]]:
    """Errors of a proposed new case: the register's own field rules, arrest included."""
    errors = check_case({**case, "arrest_date": arrest.get("date", "")})
    birth = check_date(case.get("birth_date", ""))[0]  # a bad one is reported above
    errors += [(f"arrest_{f}", m) for f, m in check_entry({**arrest, "kind": "arrest"},
                                                          birth=birth)
               if f != "date"]  # the arrest date itself is checked by check_case
    if case.get("district_id") and case.get("governorate_id"):
        district = refdata.cache().districts.get(case["district_id"])
        if district and district["governorate_id"] != case["governorate_id"]:
            errors.append(("district_id", MESSAGES["district"]))
    if arrest.get("facility_id") and refdata.facility(arrest["facility_id"]) is None:
        errors.append(("arrest_facility", MESSAGES["facility"]))
    if len(text or "") > NOTE_MAX:
        errors.append(("text", _l("Too long: at most %(limit)s characters.", limit=NOTE_MAX)))
    return errors


def check_update(data: dict) -> list[tuple[str, object]]:
    """Errors of a proposed update, from its own fields only (see the module note)."""
    errors: list[tuple[str, object]] = []
    if data.get("update_kind") not in UPDATE_KINDS:
        errors.append(("update_kind", MESSAGES["kind"]))
    date, problems = check_date(data.get("date", ""), allow_range=True)
    errors += [("date", p) for p in problems]
    if len(data.get("place") or "") > PLACE_MAX:
        errors.append(("place", _l("Too long: at most %(limit)s characters.", limit=PLACE_MAX)))
    if data.get("facility_id") and refdata.facility(data["facility_id"]) is None:
        errors.append(("facility_id", MESSAGES["facility"]))
    text = data.get("text") or ""
    if len(text) > NOTE_MAX:
        errors.append(("text", _l("Too long: at most %(limit)s characters.", limit=NOTE_MAX)))
    if data.get("update_kind") == "other" and not text.strip():
        errors.append(("text", MESSAGES["text"]))
    elif not (date or data.get("place") or data.get("facility_id") or text.strip()):
        errors.append(("text", MESSAGES["empty"]))
    return errors


# --- proposing -----------------------------------------------------------------------
def propose_case(case: dict, arrest: dict, text: str, *, user: User,
                 actor: Actor) -> PartnerSubmission:
    """A partner's proposal of a new case, waiting for the office's review."""
    errors = check_new_case(case, arrest, text)
    if errors:
        raise SubmissionInvalid(errors)
    sub = PartnerSubmission(kind="new_case", organization_id=user.organization_id,
                            submitted_by_id=user.id, text=(text or "").strip(),
                            data=json.dumps({"case": case, "arrest": arrest}, ensure_ascii=False))
    return _created(sub, actor)


def propose_update(case: Case, data: dict, *, user: User, actor: Actor) -> PartnerSubmission:
    """A partner's proposed update (sighting, release, ...) to a case they can see."""
    errors = check_update(data)
    if errors:
        raise SubmissionInvalid(errors)
    sub = PartnerSubmission(kind="update", organization_id=user.organization_id,
                            submitted_by_id=user.id, case_id=case.id,
                            update_kind=data["update_kind"],
                            date=check_date(data.get("date", ""), allow_range=True)[0],
                            place=(data.get("place") or "").strip(),
                            facility_id=data.get("facility_id") or None,
                            text=(data.get("text") or "").strip())
    return _created(sub, actor)


def _created(sub: PartnerSubmission, actor: Actor) -> PartnerSubmission:
    db.session.add(sub)
    db.session.flush()
    audit.record("submission_created", actor, object_type="submission", object_id=sub.uid,
                 detail={"kind": sub.kind, "org": sub.organization_id, "case": sub.case_id})
    log.info("Submission %r proposed by %r", sub, actor.user_id)
    return sub


# --- the office's decision ---------------------------------------------------------------
def payload(sub: PartnerSubmission) -> dict:
    return json.loads(sub.data or "{}")


def accept_case(sub: PartnerSubmission, *, actor: Actor) -> Case:
    """Create the proposed case; the partner organisation becomes its (first) source."""
    _pending(sub)
    data = payload(sub)
    case_data = {**data["case"], "internal_notes": _note(sub), "public_narrative": "",
                 "tags": []}
    try:
        case = create_case(case_data, actor=actor, arrest=data.get("arrest"))
    except CaseInvalid as exc:
        raise SubmissionInvalid([("accept", m) for _f, m in exc.errors]) from exc
    source = _partner_source(case, sub, actor)
    for entry in case.timeline:
        entry.source_id = entry.source_id or source.id
    return _decide(sub, "accepted", actor, case=case)


def accept_update(sub: PartnerSubmission, record_as: str, *, actor: Actor) -> Case:
    """Merge an update: a timeline entry of kind `record_as` (the status follows from the
    timeline) or, with "note", the text only; the description joins the internal notes."""
    _pending(sub)
    case = sub.case
    if record_as not in (*TIMELINE_KINDS, "note") or record_as == "arrest":
        raise SubmissionInvalid([("record_as", MESSAGES["record_as"])])
    if case is None or case.deleted_at is not None:
        raise SubmissionInvalid([("accept", MESSAGES["deleted"])])
    _append_note(case, sub, actor)
    source = _partner_source(case, sub, actor)
    if record_as != "note":
        entry = {"kind": record_as, "date": sub.date, "estimated": False, "place": sub.place,
                 "facility_id": sub.facility_id, "perpetrator_id": None, "unit": "",
                 "source_id": source.id}
        try:
            case_records.save_entry(case, entry, actor=actor)
        except CaseInvalid as exc:
            raise SubmissionInvalid([("accept", m) for _f, m in exc.errors]) from exc
    return _decide(sub, "accepted", actor, case=case)


def decline(sub: PartnerSubmission, reason: str, *, actor: Actor) -> None:
    """Decline with a reason the organisation will read."""
    _pending(sub)
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionInvalid([("reason", MESSAGES["reason"])])
    if len(reason) > REASON_MAX:
        raise SubmissionInvalid([("reason", _l("Too long: at most %(limit)s characters.",
                                               limit=REASON_MAX))])
    sub.decline_reason = reason
    _decide(sub, "declined", actor)


def _pending(sub: PartnerSubmission) -> None:
    if not sub.is_pending:
        raise SubmissionInvalid([("accept", MESSAGES["decided"])])


def _note(sub: PartnerSubmission) -> str:
    # A neutral header (no words to translate): the date and the organisation's names.
    org = sub.organization
    header = f"[{sub.created_at.date().isoformat()} · {org.name_en} / {org.name_ar}]"
    return f"{header}\n{sub.text}" if sub.text else ""


def _append_note(case: Case, sub: PartnerSubmission, actor: Actor) -> None:
    note = _note(sub)
    if not note:
        return
    combined = f"{case.internal_notes}\n\n{note}" if case.internal_notes else note
    if len(combined) > TEXT_MAX:
        raise SubmissionInvalid([("accept", MESSAGES["notes_full"])])
    case.internal_notes = combined
    touch(case, actor)


def _partner_source(case: Case, sub: PartnerSubmission, actor: Actor):
    """The partner organisation as a source of the case. Its consent repeats the case's
    current consent, so a partner's report never widens or narrows who sees the case."""
    from ...access import case_consent

    consent = case_consent(case)
    data = {"kind": "partner", "relation": "", "informant": sub.organization.name_en,
            "contact": None, "contact_channel": "none",
            "interview_date": sub.created_at.date().isoformat(), "interviewer": "",
            "reliability": "unknown", "consent_level": consent["level"],
            "identification_referral": False, "consent_date": "", "consent_method": "",
            "allowed_orgs": consent["allowed_orgs"], "refused_orgs": consent["refused_orgs"]}
    return case_records.save_source(case, data, actor=actor)


def _decide(sub: PartnerSubmission, status: str, actor: Actor, *,
            case: Case | None = None) -> Case | None:
    sub.status, sub.decided_at, sub.decided_by_id = status, utcnow(), actor.user_id
    sub.result_case_id = case.id if case is not None else None
    db.session.flush()
    audit.record(f"submission_{status}", actor, object_type="submission", object_id=sub.uid,
                 detail={"case": sub.result_case_id, "org": sub.organization_id})
    _tell_submitter(sub)
    return case


def _tell_submitter(sub: PartnerSubmission) -> None:
    """A short message to the person who submitted, in their language; no case content."""
    user = sub.submitted_by
    if user is None or not user.active:
        return
    with force_locale(user.preferred_locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = (_("The office accepted a submission of your organisation. Sign in to the "
                  "partner portal to see the outcome.") if sub.status == "accepted" else
                _("The office declined a submission of your organisation and gave a reason. "
                  "Sign in to the partner portal to read it."))
        queue_mail(user.email, _("A submission was reviewed"), body)
