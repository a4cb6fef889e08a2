"""The fictional data the browser journeys need, made through the app's services the way
tests/factories.py does, before the server starts. Every name here is invented.

Each run of a journey (a language and a screen: en/ar × desktop/phone) has its own accounts
and its own people, so runs never see each other's cases and no TOTP step is used twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.services.accounts import invitations
from portal.services.audit import Actor

from .. import factories
from ..case_helpers import add_source, make_case
from ..sharing_helpers import make_grant

RUNS = ("en-desktop", "ar-desktop", "en-phone", "ar-phone")


@dataclass
class Person:
    """A fictional person a run documents: names in both scripts, and how the partner
    types the name in the other script (a different Latin spelling, or the Arabic)."""
    first_ar: str
    father_ar: str
    family_ar: str
    first_lat: str
    father_lat: str
    family_lat: str
    typed_by_partner: str


# A near-identical person is already in the register for each run (same names, one letter
# of the Latin family name differs): journey 2 must be warned about it.
PEOPLE = {
    "en-desktop": Person("خالد", "سمير", "القباني", "Khaled", "Samir", "al-Qabbani",
                         typed_by_partner="خالد القباني"),
    "ar-desktop": Person("ياسر", "نبيل", "الدرويش", "Yasser", "Nabil", "al-Darwish",
                         typed_by_partner="Yaser Darwish"),
    "en-phone": Person("وليد", "عماد", "الشامي", "Walid", "Imad", "al-Shami",
                       typed_by_partner="وليد الشامي"),
    "ar-phone": Person("مازن", "جمال", "الحموي", "Mazen", "Jamal", "al-Hamwi",
                       typed_by_partner="Mazin Hamwi"),
}


@dataclass
class Run:
    name: str
    lang: str
    phone: bool
    person: Person
    staff: str = ""
    viewer: str = ""
    manager: str = ""
    invite_link: str = ""
    invitee: str = ""
    partner_en: str = ""
    partner_ar: str = ""
    other_manager: str = ""  # a manager of a second partner organisation (journey 4)
    other_en: str = ""
    other_ar: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    base_url: str
    runs: dict[str, Run]
    secrets: dict[str, str]  # email -> TOTP key of the accounts made with one


def _invite_link(email: str) -> str:
    body = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())).first()
    match = re.search(r"https?://\S+/auth/activate/\S+", body or "")
    assert match, f"no activation link mailed to {email}"
    return match.group(0)


def build(base_url: str) -> World:
    office = factories.make_org("Documentation Office", "office", country="SY",
                                name_ar="مكتب التوثيق")
    partner = factories.make_org("Cedar Rights Lab", "local", country="LB",
                                 name_ar="مختبر الأرز للحقوق")
    other = factories.make_org("Orontes Families Network", "local", country="SY",
                               name_ar="شبكة عائلات العاصي")
    admin = factories.make_user("admin@office.test", office, "admin", name="Rana Office")
    actor = Actor(user_id=admin.id, org_id=office.id, request_id="browser-setup")
    runs = {}
    for name in RUNS:
        lang, screen = name.split("-")
        tag = name.replace("-", "")
        run = Run(name, lang, screen == "phone", PEOPLE[name],
                  partner_en=partner.name_en, partner_ar=partner.name_ar,
                  other_en=other.name_en, other_ar=other.name_ar)
        staff = factories.make_user(f"staff.{tag}@office.test", office, "staff",
                                    name="Lina Staff" if lang == "en" else "لينا الموظفة",
                                    preferred_locale=lang)
        run.staff = staff.email
        run.viewer = factories.make_user(f"viewer.{tag}@cedar.test", partner, "partner_viewer",
                                         name="Omar Viewer" if lang == "en" else "عمر المطلع",
                                         preferred_locale=lang).email
        run.manager = factories.make_user(f"manager.{tag}@cedar.test", partner,
                                          "partner_manager",
                                          name="Hala Manager" if lang == "en" else "هالة المديرة",
                                          preferred_locale=lang).email
        run.other_manager = factories.make_user(
            f"manager.{tag}@orontes.test", other, "partner_manager",
            name="Fadi Orontes" if lang == "en" else "فادي العاصي", preferred_locale=lang).email
        run.invitee = f"new.{tag}@cedar.test"
        invitations.invite_user(partner, email=run.invitee,
                             name="Sami Newcomer" if lang == "en" else "سامي الجديد",
                             role="partner_viewer", locale=lang,
                             link_template=base_url + "/auth/activate/TOKEN", actor=actor)
        run.invite_link = _invite_link(run.invitee)
        p = run.person
        twin = make_case(staff, first_name_ar=p.first_ar, father_name_ar=p.father_ar,
                         family_name_ar=p.family_ar, first_name_lat=p.first_lat,
                         father_name_lat=p.father_lat, family_name_lat=p.family_lat + "i",
                         mother_name_ar="", mother_name_lat="", birth_date="1984")
        add_source(twin, staff)
        runs[name] = run
    # Journey 5's briefing pack holds at least this case, shared with the partner.
    briefed = make_case(staff, first_name_ar="نور", father_name_ar="حسان", family_name_ar="العطار",
                        first_name_lat="Nour", father_name_lat="Hassan",
                        family_name_lat="al-Attar", birth_date="1979")
    add_source(briefed, staff)
    make_grant(partner, "detailed", [briefed], by=admin)
    db.session.flush()
    from .public_world import publish_public_site  # the public site's pages (issue 18)
    publish_public_site(office, admin)
    return World(base_url=base_url, runs=runs, secrets=dict(factories.SECRETS))
