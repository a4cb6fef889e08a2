"""The public family form's submissions (issue 17): receive, read, dismiss, and turn into a
family and a case.

What a relative sends is kept only as one encrypted JSON payload (AES-GCM, its own context);
no IP address, no user agent, no session is kept with it. The reference shown to the sender is
random (8 characters of a 32-letter alphabet: about 10^12 values) and never opens anything
publicly. Every read of a payload and every decision is audited in the same transaction.
Services flush and never commit.
"""

from __future__ import annotations

import json
import logging
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import crypto
from ...extensions import db
from ...models import IntakeSubmission, utcnow
from ...models.families import ENC_CONTEXTS, INTAKE_KINDS
from .. import audit
from ..audit import Actor

log = logging.getLogger("portal.family_intake")

KINDS = INTAKE_KINDS
# The fields of the payload and their longest accepted length (characters).
LIMITS = {"missing_name": 200, "earlier_reference": 40, "relation": 80, "missing_since": 80,
          "last_place": 300, "details": 4000, "sender_name": 200, "contact": 200,
          "contact_safety": 500}
DISMISS_REASONS = {
    "spam": _l("Spam or abuse"),
    "duplicate": _l("Duplicate of another report"),
    "outside_mandate": _l("Outside the office's work"),
    "test": _l("A test"),
    "other": _l("Other reason"),
}
_CONTEXT = ENC_CONTEXTS[("family_intake", "payload_enc")]
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


class IntakeError(ValueError):
    """A decision the submission's state does not allow (already handled)."""


def new_reference() -> str:
    """R-XXXX-XXXX from a CSPRNG, not yet used."""
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        reference = f"R-{raw[:4]}-{raw[4:]}"
        if db.session.scalar(select(IntakeSubmission.id).where(
                IntakeSubmission.reference == reference)) is None:
            return reference


def receive(kind: str, payload: dict, locale: str, *, actor: Actor) -> IntakeSubmission:
    """Store a validated report, encrypted; the audit entry names only its reference."""
    if kind not in KINDS:
        raise ValueError("unknown kind")
    clean = {name: str(payload.get(name) or "") for name in LIMITS}
    submission = IntakeSubmission(
        reference=new_reference(), kind=kind, locale=locale if locale in ("ar", "en") else "ar",
        payload_enc=crypto.encrypt(json.dumps(clean, ensure_ascii=False), context=_CONTEXT),
        received_at=utcnow(), status="new")
    db.session.add(submission)
    db.session.flush()
    audit.record("intake_received", actor, object_type="intake",
                 object_id=submission.reference, detail={"kind": kind})
    log.info("Family report %s received", submission.reference)
    return submission


def payload_of(submission: IntakeSubmission) -> dict:
    """The decrypted fields (no audit: callers use read())."""
    return json.loads(crypto.decrypt(submission.payload_enc, context=_CONTEXT))


def read(submission: IntakeSubmission, *, actor: Actor) -> dict:
    """The submission's fields for a staff member, audited as a sensitive read."""
    audit.record("intake_read", actor, object_type="intake", object_id=submission.reference,
                 detail={"status": submission.status})
    return payload_of(submission)


def _handled(submission: IntakeSubmission, status: str, actor: Actor) -> None:
    if submission.status != "new":
        raise IntakeError("already handled")
    submission.status, submission.handled_at = status, utcnow()
    submission.handled_by_id = actor.user_id


def dismiss(submission: IntakeSubmission, reason: str, *, actor: Actor) -> None:
    if reason not in DISMISS_REASONS:
        raise ValueError("unknown reason")
    _handled(submission, "dismissed", actor)
    audit.record("intake_dismissed", actor, object_type="intake",
                 object_id=submission.reference, detail={"reason": reason})
    log.info("Family report %s dismissed (%s) by user %s", submission.reference, reason,
             actor.user_id)


def dismissal_reason(submission: IntakeSubmission) -> str | None:
    """The reason code of a dismissed submission, from its audit entry."""
    from ...models import AuditEvent
    if submission.status != "dismissed":
        return None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "intake_dismissed", AuditEvent.object_type == "intake",
        AuditEvent.object_id == submission.reference).order_by(AuditEvent.seq.desc()).limit(1))
    return json.loads(event.detail or "{}").get("reason") if event else None


def counts_by_status() -> dict[str, int]:
    rows = db.session.execute(select(IntakeSubmission.status, func.count())
                              .group_by(IntakeSubmission.status)).all()
    return {status: n for status, n in rows}


# --- from a report to a family and a case ----------------------------------------------------

class IntakeInvalid(ValueError):
    """Input refused while turning a report into records; `errors` holds (field, message)."""

    def __init__(self, errors: list):
        super().__init__("invalid intake decision")
        self.errors = errors


def _linked(submission: IntakeSubmission, family, case, actor: Actor, how: str) -> None:
    _handled(submission, "linked", actor)
    submission.family_id = family.id
    submission.case_id = case.id if case is not None else None
    audit.record("intake_linked", actor, object_type="intake", object_id=submission.reference,
                 detail={"family": family.uid, "case": case.uid if case is not None else "",
                         "how": how})


def create_family_and_case(submission: IntakeSubmission, *, case: dict, family: dict,
                           sender: dict | None, relation: str, actor: Actor):
    """A new case and a new family from a report, linked; the sender (when the office adds
    them) becomes the family's main contact with their relation to the case. All or nothing:
    the caller commits only when this returns."""
    from ..cases.register import NAME_FIELDS, CaseInvalid, create_case
    from ..families import FamilyInvalid, add_member, create_family, link_case
    if submission.status != "new":
        raise IntakeError("already handled")
    try:
        # The report's own text stays in the (encrypted) report; the case names only it.
        data = {**{name: "" for name in NAME_FIELDS}, "aliases": [], "tags": [],
                "internal_notes": f"Family report {submission.reference}", **case}
        new_case = create_case(data, actor=actor)
        new_family = create_family(family, actor=actor)
        link_case(new_family, new_case, actor=actor)
        if sender is not None:
            add_member(new_family, {**sender, "is_main_contact": True,
                                    "relations": {new_case.id: relation} if relation else {}},
                       actor=actor)
    except (CaseInvalid, FamilyInvalid) as exc:
        raise IntakeInvalid(exc.errors) from exc
    _linked(submission, new_family, new_case, actor, "created")
    log.info("Family report %s turned into family %s and case %s by user %s",
             submission.reference, new_family.id, new_case.id, actor.user_id)
    return new_family, new_case


def link_existing(submission: IntakeSubmission, family, case, *, actor: Actor) -> None:
    """Link a report to a family the office has (and to one of its cases, linking the case
    to the family if it was not yet)."""
    from ..families import FamilyInvalid, link_case
    if submission.status != "new":
        raise IntakeError("already handled")
    if case is not None:
        try:
            link_case(family, case, actor=actor)
        except FamilyInvalid as exc:
            raise IntakeInvalid(exc.errors) from exc
    _linked(submission, family, case, actor, "linked")
