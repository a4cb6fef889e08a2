"""A fictional public-site world for tests (issue 18): cases with a canary in every field,
families with or without a consent to publish, stories, a published snapshot, a campaign
and a monthly report. All names are fictional."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.extensions import db
from portal.models import Facility, Family, FamilyCase, FamilyConsent, utcnow
from portal.services.public import publishing
from portal.services.public.figures import approve_snapshot, refresh_snapshot

from .case_helpers import actor_of, add_source, make_case

# Fields that never reach the public site, whatever the consent.
NEVER = ("father_name_ar", "father_name_lat", "mother_name_ar", "mother_name_lat", "aliases",
         "internal_notes", "public_narrative", "arrest_circumstances", "arrest_place",
         "arrest_unit", "facility", "informant", "contact", "interviewer")


@dataclass
class PublicWorld:
    canaries: dict = field(default_factory=dict)  # case tag → {field: canary}
    stories: dict = field(default_factory=dict)  # case tag → story
    cases: dict = field(default_factory=dict)
    consents: dict = field(default_factory=dict)
    campaign: object = None
    report: object = None
    snapshot: object = None

    def forbidden(self) -> list[str]:
        """Every canary that must not appear anywhere public."""
        out = []
        for tag, fields in self.canaries.items():
            allowed = ALLOWED.get(tag, ())
            out += [value for name, value in fields.items() if name not in allowed]
        return out

    def allowed(self) -> list[str]:
        return [self.canaries[tag][name] for tag, names in ALLOWED.items()
                for name in names]


# What each case's consent allows on its public profile: "pub" the four default fields,
# "limited" only the first name; every other case shows nothing.
ALLOWED = {"pub": ("first_name_ar", "first_name_lat", "family_name_ar", "family_name_lat"),
           "limited": ("first_name_ar", "first_name_lat")}
STORY_FIELDS = {"pub": ["first_name", "family_name", "governorate", "arrest_year"],
                "limited": ["first_name"], "withdrawn": ["first_name", "family_name"],
                "noconsent": ["first_name", "family_name"], "draft": ["first_name", "family_name"]}


def _canaries(tag: str) -> dict:
    up = tag.upper()
    return {name: f"ZQ{up}{name.replace('_', '').upper()}X" for name in (
        "first_name_ar", "first_name_lat", "family_name_ar", "family_name_lat", *NEVER)}


def _case(author, tag: str, facility):
    c = _canaries(tag)
    case = make_case(author, **{k: c[k] for k in (
        "first_name_ar", "first_name_lat", "family_name_ar", "family_name_lat",
        "father_name_ar", "father_name_lat", "mother_name_ar", "mother_name_lat",
        "internal_notes", "public_narrative", "arrest_circumstances")},
        aliases=[c["aliases"]], governorate_id=3,
        arrest={"date": "2013-04", "place": c["arrest_place"], "unit": c["arrest_unit"],
                "facility_id": facility.id, "perpetrator_id": 1})
    add_source(case, author, informant=c["informant"], contact=c["contact"],
               interviewer=c["interviewer"])
    return case, c


def _consent(case, author, *, withdrawn: bool = False):
    family = Family(uid=f"FA-2026-{case.id:06d}", created_by_id=author.id)
    db.session.add(family)
    db.session.flush()
    db.session.add(FamilyCase(family_id=family.id, case_id=case.id, linked_by_id=author.id))
    consent = FamilyConsent(family_id=family.id, kind="publish", case_id=case.id,
                            method="written", given_on=date(2026, 1, 5),
                            recorded_by_id=author.id)
    db.session.add(consent)
    db.session.flush()
    return consent


def build(author, approver, *, render_pdf=None, extra_cases: int = 0) -> PublicWorld:
    """Everything published the proper way: `author` writes and submits, `approver` approves."""
    world = PublicWorld()
    a, b = actor_of(author), actor_of(approver)
    facility = Facility(name_en="ZQFACILITYNAMEENX", name_ar="ZQFACILITYNAMEARX", kind="prison")
    db.session.add(facility)
    db.session.flush()
    for tag in ("pub", "limited", "withdrawn", "noconsent", "draft", "unpublished"):
        case, c = _case(author, tag, facility)
        c["facility"] = "ZQFACILITYNAMEENX"
        world.canaries[tag], world.cases[tag] = c, case
        if tag in ("pub", "limited", "withdrawn", "draft"):
            world.consents[tag] = _consent(case, author)
    for i in range(extra_cases):  # enough cases for figures above the threshold
        make_case(author, first_name_ar="سامر", first_name_lat="Samer", governorate_id=1 + i % 3,
                  status=("detained", "forcibly_disappeared")[i % 2],
                  arrest={"date": f"{2012 + i % 4}-05", "perpetrator_id": 1 + i % 2})
    db.session.flush()
    world.snapshot = refresh_snapshot(actor=a, actor_user=author)
    approve_snapshot(world.snapshot, actor=b)
    for tag, fields in STORY_FIELDS.items():
        story = publishing.save_story(None, world.cases[tag], {
            "fields": fields, "text_ar": f"نص وافقت عليه العائلة {tag}",
            "text_en": f"A text the family approved ({tag})."}, actor=a)
        world.stories[tag] = story
        if tag == "draft":
            continue
        publishing.submit(story, actor=a)
        if tag == "noconsent":
            # As if published under a consent that was never recorded: the gate must hide it.
            story.status, story.approved_by_id, story.approved_at = "published", b.user_id, utcnow()
            continue
        publishing.approve(story, actor=b)
    withdraw(world, "withdrawn", approver)
    ids = [s.id for s in world.stories.values()]
    world.campaign = publishing.save_page(None, "campaign", {
        "slug": "not-hostages", "title_ar": "#ليسوا_رهائن", "title_en": "#NotHostages",
        "summary_ar": "حملة من أجل الإفراج عن المعتقلين", "summary_en": "A campaign for their release",
        "body_ar": "أكثر من مئتي ألف شخص.\n\nنطالب بالإفراج عنهم.",
        "body_en": "More than 200,000 people.\n\nWe demand their release.",
        "charts": ["status"], "stories": [str(i) for i in ids]}, actor=a)
    world.report = publishing.save_page(None, "report", {
        "slug": "2026-11", "period": "2026-11", "title_ar": "التقرير الشهري: تشرين الثاني ٢٠٢٦",
        "title_en": "Monthly report: November 2026", "summary_ar": "أرقام الشهر",
        "summary_en": "The month in figures", "body_ar": "وثّق المكتب حالات جديدة هذا الشهر.",
        "body_en": "The office documented new cases this month.",
        "charts": ["status", "party", "governorate", "year"],
        "stories": [str(i) for i in ids]}, actor=a)
    for page in (world.campaign, world.report):
        publishing.submit(page, actor=a)
        publishing.approve(page, actor=b, render_pdf=render_pdf)
    db.session.flush()
    return world


def withdraw(world: PublicWorld, tag: str, by) -> None:
    consent = world.consents[tag]
    consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), by.id
    db.session.flush()


def public_urls(world: PublicWorld) -> list[str]:
    urls = []
    for lang in ("ar", "en"):
        urls += [f"/public/{lang}/", f"/public/{lang}/figures", f"/public/{lang}/reports/",
                 f"/public/{lang}/reports/2026-11", f"/public/{lang}/campaigns/not-hostages",
                 f"/public/{lang}/reports.atom", f"/public/og/{lang}/figures.png",
                 f"/public/og/{lang}/reports/2026-11.png"]
        urls += [f"/public/{lang}/figures?status={s}" for s in (
            "detained", "forcibly_disappeared", "missing", "released", "died_in_custody",
            "identified")]
        urls += [f"/public/{lang}/stories/{s.slug}" for s in world.stories.values()]
    return urls
