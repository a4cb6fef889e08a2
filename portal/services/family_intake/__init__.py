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
