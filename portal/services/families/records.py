"""Families, their members and the cases they are linked to. They flush, never commit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    FAMILY_RELATIONS,
    RESIDENCE_ABROAD,
    Case,
    Family,
    FamilyCase,
    FamilyConflict,
    FamilyMember,
    FamilyMemberRelation,
    utcnow,
)
from ...models.case_records import CONTACT_CHANNELS
from ...refdata import cache as refdata_cache
from ..audit import Actor
from .common import (
    CONTACT_MAX,
    LABEL_MAX,
    NAME_MAX,
    NOT_A_CHOICE,
    TEXT_MAX,
    check_choice,
    check_text,
    enc,
    log,
    next_reference,
    raise_if,
    record,
)

LANGUAGES = ("ar", "en", "ku", "tr", "fr", "de")


def _family_values(data: dict) -> dict:
    errors: list = []
    values = {
        "label": check_text(data, "label", LABEL_MAX, errors, required=True),
        "residence_note": check_text(data, "residence_note", TEXT_MAX, errors),
        "safety_rules": check_text(data, "safety_rules", TEXT_MAX, errors),
        "residence_abroad": check_choice(data, "residence_abroad", RESIDENCE_ABROAD, errors, ""),
        "preferred_language": check_choice(data, "preferred_language", LANGUAGES, errors, "ar"),
        "preferred_channel": check_choice(data, "preferred_channel", CONTACT_CHANNELS, errors,
                                          "phone"),
    }
    governorate_id = data.get("governorate_id") or None
    if governorate_id is not None and governorate_id not in refdata_cache().governorates:
        errors.append(("governorate_id", NOT_A_CHOICE))
    if governorate_id and values["residence_abroad"]:
        errors.append(("governorate_id", _l("Give a governorate in Syria or a country abroad, "
                                            "not both.")))
    values["governorate_id"] = governorate_id
    raise_if(errors)
    return values


def _apply(family: Family, values: dict) -> None:
    family.label_enc = enc("families", "label_enc", values["label"])
    family.residence_note_enc = enc("families", "residence_note_enc", values["residence_note"])
    family.safety_rules_enc = enc("families", "safety_rules_enc", values["safety_rules"])
    for name in ("governorate_id", "residence_abroad", "preferred_language",
                 "preferred_channel"):
        setattr(family, name, values[name])


def create_family(data: dict, *, actor: Actor) -> Family:
    """A new family (FA-YYYY-NNNNNN). `data`: label, governorate_id or residence_abroad,
    residence_note, preferred_language, preferred_channel, safety_rules."""
    values = _family_values(data)
    family = Family(uid=next_reference("FA"), created_by_id=actor.user_id, version=1)
    _apply(family, values)
    db.session.add(family)
    db.session.flush()
    record("family_created", actor, family)
    log.info("Family %s created by user %s", family.id, actor.user_id)
    return family


def update_family(family: Family, data: dict, *, expected_version: int,
                  actor: Actor) -> Family:
    """Save edits made on version `expected_version`; FamilyConflict if it changed since."""
    if family.version != expected_version:
        raise FamilyConflict(family)
    values = _family_values(data)
    _apply(family, values)
    touch(family)
    db.session.flush()
    record("family_updated", actor, family)
    return family


def touch(family: Family) -> None:
    """Mark the family changed (its version goes up: concurrent editors are told)."""
    family.updated_at = utcnow()
    family.version = (family.version or 1) + 1


def record_view(family: Family, *, actor: Actor, form: str | None = None) -> None:
    """Audit the opening of a family record, or of one of its forms (`form`: the
    endpoint), a read of restricted data."""
    record("family_viewed", actor, family, **({"form": form} if form else {}))


# --- members ---------------------------------------------------------------------------
def _member_values(family: Family, data: dict) -> dict:
    errors: list = []
    values = {
        "name": check_text(data, "name", NAME_MAX, errors, required=True),
        "contact": check_text(data, "contact", CONTACT_MAX, errors),
        "contact_channel": check_choice(data, "contact_channel", CONTACT_CHANNELS, errors,
                                        "none"),
        "is_main_contact": bool(data.get("is_main_contact")),
    }
    linked = {link.case_id for link in family.case_links}
    relations = {}
    for case_id, relation in (data.get("relations") or {}).items():
        if not relation:
            continue
        if case_id not in linked or relation not in FAMILY_RELATIONS:
            errors.append(("relations", NOT_A_CHOICE))
            continue
        relations[case_id] = relation
    values["relations"] = relations
    raise_if(errors)
    return values


def _save_member(family: Family, member: FamilyMember, values: dict) -> None:
    member.name_enc = enc("family_members", "name_enc", values["name"])
    member.contact_enc = enc("family_members", "contact_enc", values["contact"])
    member.contact_channel = values["contact_channel"]
    member.is_main_contact = values["is_main_contact"]
    if member.is_main_contact:
        for other in family.members:
            if other is not member:
                other.is_main_contact = False
    member.relations = [FamilyMemberRelation(case_id=case_id, relation=relation)
                        for case_id, relation in sorted(values["relations"].items())]


def add_member(family: Family, data: dict, *, actor: Actor) -> FamilyMember:
    """A relative: name, contact (both encrypted), channel, main contact, and
    `relations` {case_id: relation} to the family's linked cases."""
    values = _member_values(family, data)
    member = FamilyMember()
    family.members.append(member)
    db.session.flush()
    _save_member(family, member, values)
    touch(family)
    db.session.flush()
    record("family_member_added", actor, family, member=member.id)
    return member


def update_member(family: Family, member: FamilyMember, data: dict, *,
                  actor: Actor, expected_version: int | None = None) -> FamilyMember:
    """Save edits of a member made on the family's version `expected_version`
    (FamilyConflict if the family changed since: a colleague's new contact detail is not
    silently overwritten by a stale form)."""
    if expected_version is not None and family.version != expected_version:
        raise FamilyConflict(family)
    values = _member_values(family, data)
    _save_member(family, member, values)
    touch(family)
    db.session.flush()
    record("family_member_changed", actor, family, member=member.id)
    return member


def remove_member(family: Family, member: FamilyMember, *, actor: Actor) -> None:
    member_id = member.id
    family.members.remove(member)
    touch(family)
    db.session.flush()
    record("family_member_removed", actor, family, member=member_id)


# --- cases -----------------------------------------------------------------------------
def link_case(family: Family, case: Case, *, actor: Actor) -> FamilyCase:
    """Link the family to a case (the caller loaded the case through the gate)."""
    if case.deleted_at is not None:
        raise_if([("reference", _l("This case was deleted."))])
    existing = next((lk for lk in family.case_links if lk.case_id == case.id), None)
    if existing is not None:
        return existing
    link = FamilyCase(case_id=case.id, linked_by_id=actor.user_id)
    family.case_links.append(link)
    touch(family)
    db.session.flush()
    record("family_case_linked", actor, family, case=case.id)
    return link


def unlink_case(family: Family, case: Case, *, actor: Actor) -> None:
    """Unlink a case; members' relations to it go too (a publish consent about the case then
    no longer counts: publish_consent_active() needs the link)."""
    link = next((lk for lk in family.case_links if lk.case_id == case.id), None)
    if link is None:
        return
    family.case_links.remove(link)
    for member in family.members:
        member.relations = [r for r in member.relations if r.case_id != case.id]
    touch(family)
    db.session.flush()
    record("family_case_unlinked", actor, family, case=case.id)
