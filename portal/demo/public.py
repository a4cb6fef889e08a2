"""Fictional public-site data for the demo (`flask demo load`, issue 18): a published figures
snapshot, the story of the fictional case whose family consented to publish it (families demo), the #NotHostages campaign page and last
month's visual report (with its PDFs). Staff prepare, the admin approves (two people)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import Case, Family, FamilyCase, FamilyConsent, PublicSnapshot, utcnow
from ..services.audit import Actor
from ..services.cases.register import create_case
from ..services.public import publishing
from ..services.public.figures import PublishRefused, approve_snapshot, refresh_snapshot

log = logging.getLogger("portal.demo")

# An invented person, used only when the families demo has not recorded a consent to publish
# (it normally has: the fictional Hadi's family consented for one of its cases).
STORY_CASE = {"first_name_ar": "هادي", "father_name_ar": "سليم", "family_name_ar": "الورّاق",
              "first_name_lat": "Hadi", "father_name_lat": "Salim", "family_name_lat": "al-Warraq",
              "mother_name_ar": "نجوى", "mother_name_lat": "Najwa", "sex": "male",
              "birth_date": "1990", "status": "forcibly_disappeared", "governorate_id": 2,
              "aliases": [], "tags": ["NotHostages"],
              "internal_notes": "Demo: fictional person for the public site's story."}
STORY_AR = ("كان طالب هندسة يحب الرسم. خرج من البيت ذات صباح ولم يعد. "
            "تقول عائلته: «ننتظره كل يوم، ونريد أن نعرف أين هو».\n\n"
            "(قصة متخيَّلة لأغراض العرض التوضيحي.)")
STORY_EN = ("An engineering student who loved to draw, who left home one morning and never came "
            "back. The family says: \"We wait every day, and we want to know where "
            "they are.\"\n\n(A fictional story for the demonstration.)")


def _consented_case(author: Actor, staff):
    """The case whose family consented to publish its story (the families demo), or a new
    fictional case with its family and consent."""
    consent = db.session.scalar(select(FamilyConsent).where(
        FamilyConsent.kind == "publish", FamilyConsent.withdrawn_at.is_(None))
        .order_by(FamilyConsent.id).limit(1))
    if consent is not None and consent.case_id:
        return db.session.get(Case, consent.case_id)
    case = create_case(dict(STORY_CASE), actor=author,
                       arrest={"date": "2014-06", "perpetrator_id": 1})
    family = Family(uid="FA-2026-900001", governorate_id=2, created_by_id=staff.id)
    db.session.add(family)
    db.session.flush()
    db.session.add(FamilyCase(family_id=family.id, case_id=case.id, linked_by_id=staff.id))
    db.session.add(FamilyConsent(family_id=family.id, kind="publish", case_id=case.id,
                                 method="written", given_on=date(2026, 10, 1),
                                 recorded_by_id=staff.id))
    db.session.flush()
    return case


def _previous_month() -> str:
    today = utcnow().date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def load_demo_public(orgs, users) -> None:
    """Publish the demo's public site once (skipped when a snapshot exists)."""
    if db.session.scalar(select(func.count(PublicSnapshot.id))):
        return
    staff, admin = users["staff@office.example"], users["admin@office.example"]
    author = Actor(user_id=staff.id, org_id=staff.organization_id, request_id="demo")
    approver = Actor(user_id=admin.id, org_id=admin.organization_id, request_id="demo")
    case = _consented_case(author, staff)
    snapshot = refresh_snapshot(actor=author, actor_user=staff)
    approve_snapshot(snapshot, actor=approver)
    story = publishing.save_story(None, case, {
        "fields": ["first_name", "family_name", "governorate", "arrest_year"],
        "text_ar": STORY_AR, "text_en": STORY_EN}, actor=author)
    publishing.submit(story, actor=author)
    publishing.approve(story, actor=approver)
    period = _previous_month()
    campaign = publishing.save_page(None, "campaign", {
        "slug": "not-hostages", "title_ar": "#ليسوا_رهائن", "title_en": "#NotHostages",
        "summary_ar": "أكثر من مئتي ألف شخص ما زالوا محتجزين أو مختفين في سوريا. نطالب بالإفراج "
                      "عنهم وبكشف مصير المختفين.",
        "summary_en": "More than 200,000 people are still detained or missing in Syria. We "
                      "demand their release and the truth about the disappeared.",
        "body_ar": "المعتقلون ليسوا أوراق تفاوض. لكل واحد منهم اسم وعائلة تنتظر.\n\n"
                   "ننضمّ إلى عائلات المعتقلين والمختفين في المطالبة بالإفراج الفوري عن جميع "
                   "المحتجزين تعسفياً، وبالكشف عن مصير المختفين قسرياً وأماكن وجودهم.",
        "body_en": "Detainees are not bargaining chips. Each of them has a name and a family "
                   "that waits.\n\nWe join the families of the detained and disappeared in "
                   "demanding the immediate release of everyone held arbitrarily, and the truth "
                   "about the fate and whereabouts of the forcibly disappeared.",
        "charts": ["status", "party"], "stories": [str(story.id)]}, actor=author)
    report = publishing.save_page(None, "report", {
        "slug": period, "period": period,
        "title_ar": f"التقرير الشهري {period}", "title_en": f"Monthly report {period}",
        "summary_ar": "أرقام المكتب لهذا الشهر، وقصة واحدة نشرتها العائلة.",
        "summary_en": "The office's figures this month, and one story a family chose to share.",
        "body_ar": "يعرض هذا التقرير الحالات الموثقة حسب الحالة الراهنة والجهة المحتجِزة "
                   "والمحافظة وسنة الاعتقال. الأعداد الصغيرة تظهر بعبارة «أقل من ٥».",
        "body_en": "This report shows the documented cases by current status, holding party, "
                   "governorate and year of arrest. Small numbers are shown as \"fewer than 5\".",
        "charts": ["status", "party", "governorate", "year"],
        "stories": [str(story.id)]}, actor=author)
    from ..services.public.pdf import render_report_pdf
    for page in (campaign, report):
        publishing.submit(page, actor=author)
        try:
            publishing.approve(page, actor=approver, render_pdf=render_report_pdf)
        except PublishRefused:  # no render sandbox here: published without its PDF
            log.warning("demo report %s published without a PDF", page.slug)
            publishing.approve(page, actor=approver)
    db.session.flush()
