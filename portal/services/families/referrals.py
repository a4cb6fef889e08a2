"""Referrals of a family's need to a partner organisation (issue 17).

Staff refer a need to a partner only while the family has an ACTIVE referral consent naming
that organisation. The referral is a snapshot made for the partner, and the only thing of
the family a partner ever reads (portal/access/referrals.py): the main contact's first name,
the need's category, a summary staff write for the partner, and the contact channel and
detail the family agreed to, every text encrypted at rest. The partner accepts or declines
(with a reason), then reports the outcome; staff may withdraw a referral. A withdrawal of the
family's consent withdraws that organisation's open referrals at once (consent.py's
withdraw_open_referrals, a hook of withdraw_consent), and the gate hides them from the
partner on the next request even before that.

Every function flushes and never commits; each change and each read is audited in the same
transaction. Audit entries and log lines carry ids only, never a name or a contact detail.
"""

from __future__ import annotations

import logging

from flask import has_request_context, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access.families import active_consent
from ...extensions import db
from ...models import Need, Organization, Referral, Role, User, utcnow
from ...models.case_records import CONTACT_CHANNELS
from .. import audit
from ..audit import Actor
from ..mail import queue_mail
from .common import FamilyInvalid, dec, enc, next_reference

log = logging.getLogger("portal.referrals")

SUMMARY_MAX = 2000
CONTACT_MAX = 200
REASON_MAX = 2000
OUTCOME_MAX = 4000
# The channels a referral may name: "none" would leave the partner no way to reach the family.
REFERRAL_CHANNELS = tuple(c for c in CONTACT_CHANNELS if c != "none")
# Channels that need a detail (a number, an address, a handle); the others may carry a note.
DETAIL_CHANNELS = ("phone", "messaging_app", "email")
OPEN_STATUSES = ("sent", "accepted")
# Words that open a kunya or a title: the first name is then the first two words
# ("Umm Khaled", "أبو أحمد"), so the partner knows how the family is addressed.
KUNYA = {"umm", "um", "om", "abu", "abou", "abo", "أم", "ام", "أبو", "ابو"}

MESSAGES = {
    "organization": _l("Choose a partner organisation from the list."),
    "need": _l("Choose one of the family's open needs."),
    "archived": _l("This family's record is archived: restore it before referring a need."),
    "main_contact": _l("The family has no main contact with a name: add one first (the "
                       "referral carries the main contact's first name)."),
    "summary": _l("Write what the organisation needs to know about the need."),
    "channel": _l("Choose how the organisation may contact the family."),
    "contact": _l("Give the contact detail the family agreed to share with this "
                  "organisation."),
    "reason": _l("Give the reason, so that the office understands the decision."),
    "outcome": _l("Describe the outcome for the family."),
    "answered": _l("This referral was already answered."),
    "not_accepted": _l("Only an accepted referral can be completed with an outcome."),
    "closed": _l("This referral is already closed."),
    "consent_gone": _l("The family withdrew its consent to this referral."),
}


class ReferralInvalid(FamilyInvalid):
    """Input or a step refused; `errors` holds (field, message) pairs naming the fields."""


def _too_long(limit: int):
    return _l("Too long: at most %(limit)s characters.", limit=limit)


def _language() -> str:
    """The language a message is shown in (English outside a request: CLI, tests)."""
    locale = get_locale() if has_request_context() else None
    return locale.language if locale is not None else "en"


def _enc(text: str, column: str) -> bytes | None:
    return enc("family_referrals", column, text)


def _member_name(member) -> str:
    return dec("family_members", "name_enc", member.name_enc)


def _member_contact(member) -> str:
    return dec("family_members", "contact_enc", member.contact_enc)


def first_name(full_name: str) -> str:
    """The first name of a full name: its first word, or two for a kunya ("Umm Khaled")."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) > 1 and words[0].casefold().rstrip("-") in KUNYA:
        return f"{words[0]} {words[1]}"
    return words[0]


def main_contact(family):
    """The family's main contact (the first one marked so), or None."""
    return next((m for m in family.members if m.is_main_contact), None)


def form_defaults(family) -> dict:
    """What the staff form starts from: the main contact's channel and contact detail."""
    member = main_contact(family)
    if member is None:
        return {"contact_channel": family.preferred_channel or "phone", "contact": ""}
    return {"contact_channel": member.contact_channel or family.preferred_channel or "phone",
            "contact": _member_contact(member)}


def partner_choices() -> list[Organization]:
    """The organisations a need may be referred to: active partner organisations."""
    return list(db.session.scalars(select(Organization).where(
        Organization.kind != "office", Organization.active).order_by(Organization.name_en)))


def consented_org_ids(family) -> set[int]:
    """Organisations the family has an active referral consent for (read now)."""
    return {c.organization_id for c in family.consents
            if c.kind == "referral" and c.withdrawn_at is None and c.organization_id}


# --- creating ------------------------------------------------------------------------------
def check_referral(family, data: dict) -> tuple[list, dict]:
    """Errors of a new referral of `family`, and what it would be made of."""
    errors: list[tuple[str, object]] = []
    made: dict = {}
    if family.archived_at is not None:
        errors.append(("need_id", MESSAGES["archived"]))
    org = db.session.get(Organization, data.get("organization_id") or 0) \
        if isinstance(data.get("organization_id"), int) else None
    if org is None or org.kind == "office" or not org.active:
        errors.append(("organization_id", MESSAGES["organization"]))
    else:
        consent = active_consent(family.id, "referral", organization_id=org.id)
        if consent is None:
            errors.append(("organization_id", _l(
                "The family has not agreed to be referred to %(org)s: record their referral "
                "consent for this organisation first, or choose another organisation.",
                org=org.name(_language()))))
        made.update(organization=org, consent=consent)
    need = db.session.get(Need, data.get("need_id") or 0) \
        if isinstance(data.get("need_id"), int) else None
    if need is None or need.family_id != family.id or need.status != "open":
        errors.append(("need_id", MESSAGES["need"]))
    made["need"] = need
    member = main_contact(family)
    name = first_name(_member_name(member)) if member is not None else ""
    if not name:
        errors.append(("need_id", MESSAGES["main_contact"]))
    made["first_name"] = name[:80]
    summary = (data.get("summary") or "").strip()
    if not summary:
        errors.append(("summary", MESSAGES["summary"]))
    elif len(summary) > SUMMARY_MAX:
        errors.append(("summary", _too_long(SUMMARY_MAX)))
    channel = data.get("contact_channel") or ""
    if channel not in REFERRAL_CHANNELS:
        errors.append(("contact_channel", MESSAGES["channel"]))
    contact = (data.get("contact") or "").strip()
    if channel in DETAIL_CHANNELS and not contact:
        errors.append(("contact", MESSAGES["contact"]))
    elif len(contact) > CONTACT_MAX:
        errors.append(("contact", _too_long(CONTACT_MAX)))
    made.update(summary=summary, contact_channel=channel, contact=contact)
    return errors, made


def create_referral(family, data: dict, *, actor: Actor) -> Referral:
    """Refer one of `family`'s open needs to a partner organisation named by an active
    referral consent. `data`: organization_id, need_id, summary, contact_channel, contact."""
    errors, made = check_referral(family, data)
    if errors:
        raise ReferralInvalid(errors)
    referral = Referral(
        uid=next_reference("RF"), family_id=family.id, need_id=made["need"].id,
        organization_id=made["organization"].id, consent_id=made["consent"].id,
        first_name_enc=_enc(made["first_name"], "first_name_enc"),
        category=made["need"].category, summary_enc=_enc(made["summary"], "summary_enc"),
        contact_channel=made["contact_channel"],
        contact_enc=_enc(made["contact"], "contact_enc"), status="sent",
        created_by_id=actor.user_id, created_at=utcnow())
    db.session.add(referral)
    db.session.flush()
    audit.record("referral_created", actor, object_type="referral", object_id=referral.uid,
                 detail={"family": family.id, "org": referral.organization_id,
                         "need": referral.need_id, "category": referral.category})
    _tell_partner(referral, actor)
    log.info("Referral %s made to organisation %s by %s", referral.uid,
             referral.organization_id, actor.user_id)
    return referral


def _tell_partner(referral: Referral, actor: Actor) -> int:
    """A mail to the organisation's active accounts: a referral is waiting (no detail of it:
    mail leaves the portal)."""
    users = db.session.scalars(select(User).where(
        User.organization_id == referral.organization_id, User.active,
        User.role.in_((Role.partner_manager.value, Role.partner_viewer.value)))
        .order_by(User.id)).all()
    try:
        link = url_for("referrals.index", _external=True)
    except RuntimeError:
        link = "/referrals/"
    for user in users:
        with force_locale(user.preferred_locale or "en"):
            queue_mail(user.email, _("A referral is waiting for your organisation"),
                       _("The documentation office referred a family's need to your "
                         "organisation. Sign in to read it and answer: %(link)s", link=link))
    return len(users)


# --- reading -------------------------------------------------------------------------------
def record_read(referral: Referral, *, actor: Actor) -> None:
    """Opening a referral is a sensitive read (the access report shows it)."""
    audit.record("referral_read", actor, object_type="referral", object_id=referral.uid,
                 detail={"org": referral.organization_id, "status": referral.status})


# --- the partner's answers -----------------------------------------------------------------
def _consent_still_active(referral: Referral) -> None:
    consent = referral.consent
    if consent is None or consent.withdrawn_at is not None:
        raise ReferralInvalid([("answer", MESSAGES["consent_gone"])])


def accept(referral: Referral, *, actor: Actor) -> Referral:
    """The partner takes the referral on."""
    _consent_still_active(referral)
    if referral.status != "sent":
        raise ReferralInvalid([("answer", MESSAGES["answered"])])
    referral.status, referral.answered_by_id, referral.answered_at = \
        "accepted", actor.user_id, utcnow()
    return _answered(referral, "accepted", actor)


def decline(referral: Referral, reason: str, *, actor: Actor) -> Referral:
    """The partner cannot take the referral on, and says why (the office reads it)."""
    _consent_still_active(referral)
    if referral.status != "sent":
        raise ReferralInvalid([("answer", MESSAGES["answered"])])
    reason = (reason or "").strip()
    if not reason:
        raise ReferralInvalid([("reason", MESSAGES["reason"])])
    if len(reason) > REASON_MAX:
        raise ReferralInvalid([("reason", _too_long(REASON_MAX))])
    referral.status, referral.decline_reason = "declined", reason
    referral.answered_by_id, referral.answered_at = actor.user_id, utcnow()
    return _answered(referral, "declined", actor)


def report_outcome(referral: Referral, outcome: str, *, actor: Actor) -> Referral:
    """The partner reports what came of an accepted referral; the referral is completed."""
    _consent_still_active(referral)
    if referral.status != "accepted":
        raise ReferralInvalid([("answer", MESSAGES["not_accepted"])])
    outcome = (outcome or "").strip()
    if not outcome:
        raise ReferralInvalid([("outcome", MESSAGES["outcome"])])
    if len(outcome) > OUTCOME_MAX:
        raise ReferralInvalid([("outcome", _too_long(OUTCOME_MAX))])
    referral.status, referral.outcome_enc = "completed", _enc(outcome, "outcome_enc")
    referral.outcome_at = utcnow()
    db.session.flush()
    audit.record("referral_outcome", actor, object_type="referral", object_id=referral.uid,
                 detail={"org": referral.organization_id, "status": "completed"})
    _tell_office(referral)
    log.info("Referral %s completed by %s", referral.uid, actor.user_id)
    return referral


def _answered(referral: Referral, answer: str, actor: Actor) -> Referral:
    db.session.flush()
    audit.record("referral_answered", actor, object_type="referral", object_id=referral.uid,
                 detail={"org": referral.organization_id, "answer": answer})
    _tell_office(referral)
    log.info("Referral %s %s by %s", referral.uid, answer, actor.user_id)
    return referral


def _tell_office(referral: Referral) -> None:
    """A mail to the staff member who made the referral: the partner answered or reported
    (the referral's uid and a link only; the answer is read in the portal)."""
    author = db.session.get(User, referral.created_by_id) if referral.created_by_id else None
    if author is None or not author.active or not author.is_office:
        return
    try:
        link = url_for("referrals.detail", uid=referral.uid, _external=True)
    except RuntimeError:
        link = f"/referrals/{referral.uid}"
    with force_locale(author.preferred_locale or "en"):
        queue_mail(author.email, _("A partner answered referral %(uid)s", uid=referral.uid),
                   _("The partner organisation answered the referral %(uid)s or reported its "
                     "outcome. Read it in the portal: %(link)s", uid=referral.uid, link=link))


# --- withdrawal ----------------------------------------------------------------------------
def withdraw(referral: Referral, *, actor: Actor, why: str = "staff") -> Referral:
    """Staff withdraw an open referral: the partner no longer sees it."""
    if referral.status not in OPEN_STATUSES:
        raise ReferralInvalid([("withdraw", MESSAGES["closed"])])
    referral.status = "withdrawn"
    db.session.flush()
    audit.record("referral_withdrawn", actor, object_type="referral", object_id=referral.uid,
                 detail={"org": referral.organization_id, "why": why})
    log.info("Referral %s withdrawn (%s) by %s", referral.uid, why, actor.user_id)
    return referral

