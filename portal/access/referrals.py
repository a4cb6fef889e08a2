"""Which referrals of families' needs a user sees, and what of one they read.

A referral is the only piece of a family that ever reaches a partner. A partner account
(manager or viewer) sees a referral only when all of these hold, checked in the query on
every request (never cached):
- it is addressed to the account's own organisation;
- it is not withdrawn;
- the family's referral consent it was made under is still active and names that same
  organisation (so a withdrawal of consent hides the referral at once, even before the
  referral's own status follows).
Anything else is the same 404 as a referral that does not exist. What a partner reads of
one is `referral_view()`: the referral's own fields (the main contact's first name, the
need's category, the summary staff wrote, the agreed contact channel and detail) and the
answers, never the family, its members, its cases or its other needs.

The office sees every referral; the family record itself is gated by access/families.py.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, and_, select

from .. import crypto
from ..extensions import db

# A referral's public id: RF-YYYY-NNNNNN.
UID_LENGTH = 14
# Statuses in which a partner still needs the family's contact detail.
CONTACT_STATUSES = ("sent", "accepted", "completed")


def _models():
    from ..models.families import FamilyConsent, Referral
    return FamilyConsent, Referral


def partner_referral_filter(organization_id: int | None):
    """The condition a referral meets to be shown to an account of `organization_id`."""
    FamilyConsent, Referral = _models()
    if organization_id is None:
        return Referral.id.is_(None)  # fail closed: no organisation, no referral
    consent_active = select(FamilyConsent.id).where(
        FamilyConsent.id == Referral.consent_id,
        FamilyConsent.family_id == Referral.family_id,
        FamilyConsent.kind == "referral",
        FamilyConsent.organization_id == Referral.organization_id,
        FamilyConsent.withdrawn_at.is_(None)).exists()
    return and_(Referral.organization_id == organization_id,
                Referral.status != "withdrawn", consent_active)


def visible_referrals(user) -> Select:
    """The referrals `user` may see, as a Select to refine (order, paging): the office
    all, a partner account its own organisation's (see the module note), nobody else any."""
    _FamilyConsent, Referral = _models()
    stmt = select(Referral)
    if user.is_office:
        return stmt
    return stmt.where(partner_referral_filter(user.organization_id))


def get_referral_or_404(uid: str, user):
    """A referral by its public id that `user` may see; the same 404 for one that does not
    exist, another organisation's, a withdrawn one and one whose consent was withdrawn."""
    _FamilyConsent, Referral = _models()
    if not isinstance(uid, str) or len(uid) != UID_LENGTH or not uid.startswith("RF-"):
        abort(404)
    return db.one_or_404(visible_referrals(user).where(Referral.uid == uid))


def _clear(blob: bytes | None, column: str) -> str:
    from ..models.families import ENC_CONTEXTS
    if not blob:
        return ""
    return crypto.decrypt(blob, context=ENC_CONTEXTS[("family_referrals", column)])


def referral_view(referral, user) -> dict:
    """What `user` reads of a referral they may see: an allow-list of its own fields.

    A partner gets the snapshot made for it and the answers; the contact detail only while
    it may still act on the referral (not once it declined). The office also gets the
    family's id for the link back to the family record (its own gate decides the rest).
    """
    view = {
        "uid": referral.uid, "status": referral.status, "category": referral.category,
        "first_name": _clear(referral.first_name_enc, "first_name_enc"),
        "summary": _clear(referral.summary_enc, "summary_enc"),
        "contact_channel": referral.contact_channel,
        "contact": (_clear(referral.contact_enc, "contact_enc")
                    if referral.status in CONTACT_STATUSES or user.is_office else ""),
        "decline_reason": referral.decline_reason or "",
        "outcome": _clear(referral.outcome_enc, "outcome_enc"),
        "created_at": referral.created_at, "answered_at": referral.answered_at,
        "outcome_at": referral.outcome_at,
        "organization_id": referral.organization_id,
    }
    if user.is_office:
        view["family_id"] = referral.family_id
        view["consent_active"] = referral.consent is not None and \
            referral.consent.withdrawn_at is None
    return view


def referral_row(referral) -> dict:
    """A line of a referrals list: no decrypted field but the first name and category."""
    return {"uid": referral.uid, "status": referral.status, "category": referral.category,
            "first_name": _clear(referral.first_name_enc, "first_name_enc"),
            "organization_id": referral.organization_id, "created_at": referral.created_at,
            "answered_at": referral.answered_at, "outcome_at": referral.outcome_at}

