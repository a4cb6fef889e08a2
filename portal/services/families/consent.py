"""A family's consents: recorded, and withdrawn with immediate effect.

A withdrawal stops, from the next request on: new outgoing contact (no active contact
consent), the family's place in the follow-up queue, referrals to that organisation (open
referrals made under the consent are withdrawn), and publication of the case's story.
Other areas extend what a withdrawal does by appending to WITHDRAWAL_HOOKS.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import CONSENT_KINDS, Family, FamilyConsent, Organization, Referral, utcnow
from ...models.case_records import CONSENT_METHODS
from ..audit import Actor
from .common import NOTE_MAX, REQUIRED, check_choice, check_text, enc, parse_date, raise_if, record
from .records import touch

OPEN_REFERRAL_STATUSES = ("sent", "accepted")

# Called with (consent, actor) after a consent was withdrawn, in the same transaction. A hook
# may write and flush, never commit (the referrals area appends its own: e.g. telling the
# partner). withdraw_open_referrals below is the first.
WITHDRAWAL_HOOKS: list[Callable[[FamilyConsent, Actor], None]] = []


def record_consent(family: Family, data: dict, *, actor: Actor) -> FamilyConsent:
    """Record a consent: `kind` (contact, referral, publish), `organization_id` (referral:
    the named organisation), `case_id` (publish: whose story, a case linked to the family),
    `method`, `given_on`, `note`."""
    errors: list = []
    kind = check_choice(data, "kind", CONSENT_KINDS, errors)
    method = check_choice(data, "method", CONSENT_METHODS, errors)
    given_on = parse_date(data.get("given_on"), "given_on", errors, required=True,
                          allow_future=False)
    note = check_text(data, "note", NOTE_MAX, errors)
    org_id = data.get("organization_id") or None
    case_id = data.get("case_id") or None
    if kind == "referral":
        if org_id is None:
            errors.append(("organization_id", REQUIRED))
        else:
            org = db.session.get(Organization, org_id)
            # A referral goes to an active partner: not the office itself, not a partner
            # whose access was ended.
            if org is None or not org.active or org.is_office:
                errors.append(("organization_id", _l("Not a valid choice.")))
    else:
        org_id = None
    if kind == "publish":
        if case_id is None:
            errors.append(("case_id", REQUIRED))
        elif case_id not in {lk.case_id for lk in family.case_links}:
            errors.append(("case_id", _l("Choose one of the family's cases.")))
    else:
        case_id = None
    raise_if(errors)
    consent = FamilyConsent(kind=kind, organization_id=org_id, case_id=case_id, method=method,
                            given_on=given_on, recorded_by_id=actor.user_id,
                            note_enc=enc("family_consents", "note_enc", note))
    family.consents.append(consent)
    touch(family)
    db.session.flush()
    record("family_consent_recorded", actor, family, consent=consent.id, kind=kind,
           organization=org_id, case=case_id)
    return consent


def withdraw_consent(consent: FamilyConsent, *, actor: Actor) -> FamilyConsent:
    """Withdraw a consent now; every hook runs in the same transaction."""
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor.user_id
    touch(consent.family)
    db.session.flush()
    record("family_consent_withdrawn", actor, consent.family, consent=consent.id,
           kind=consent.kind, organization=consent.organization_id, case=consent.case_id)
    for hook in WITHDRAWAL_HOOKS:
        hook(consent, actor)
    return consent


def withdraw_open_referrals(consent: FamilyConsent, actor: Actor) -> list[Referral]:
    """A referral consent withdrawn: the open referrals of that family to that organisation
    (made under this consent or another of the same family and organisation that is no
    longer active) become "withdrawn"."""
    if consent.kind != "referral":
        return []
    still_active = db.session.scalars(select(FamilyConsent.id).where(
        FamilyConsent.family_id == consent.family_id, FamilyConsent.kind == "referral",
        FamilyConsent.organization_id == consent.organization_id,
        FamilyConsent.withdrawn_at.is_(None))).all()
    stmt = select(Referral).where(Referral.family_id == consent.family_id,
                                  Referral.status.in_(OPEN_REFERRAL_STATUSES))
    if still_active:
        stmt = stmt.where(Referral.consent_id == consent.id)
    else:
        stmt = stmt.where(Referral.organization_id == consent.organization_id)
    referrals = db.session.scalars(stmt).all()
    for referral in referrals:
        referral.status = "withdrawn"
    if referrals:
        db.session.flush()
        record("family_referrals_withdrawn", actor, consent.family,
               consent=consent.id, referrals=[r.id for r in referrals])
    return referrals


WITHDRAWAL_HOOKS.append(withdraw_open_referrals)
