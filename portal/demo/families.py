"""Fictional families for the demo (`flask demo load`), after the demo cases and events.

Four households linked to demo cases, with members and their relation to each case,
consents, visits and calls (two follow-ups overdue, one due this week), needs, support (a
cash grant requested by the staff account and approved by the administrator; in-kind items
delivered), and a psychosocial-support course of four sessions with enrolments and
attendance. No referral here: the referrals area adds one. Every name is invented."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Case, Family, utcnow
from ..services import families as svc
from ..services.audit import Actor
from ..services.events.lifecycle import EventData, create_event
from ..timezones import local_to_utc

HOUSEHOLDS = [
    # label, residence abroad, note, safety rules, members (name, contact, main, relation)
    ("أسرة المفقود الافتراضي هادي", "lebanon", "حي افتراضي، طرابلس",
     "هذا الرقم فقط؛ ليس قبل الظهر؛ لا تترك رسالة صوتية أبداً.",
     [("سميرة (اسم وهمي)", "+961 00 000 001", True, "mother"),
      ("باسل (اسم وهمي)", "", False, "brother")]),
    ("أسرة المختفي قسراً الافتراضي نادر", "turkey", "غازي عنتاب، حي وهمي",
     "التواصل عبر تطبيق المراسلة فقط.",
     [("ريم (اسم وهمي)", "@fictional_handle_1", True, "wife"),
      ("يوسف (اسم وهمي)", "", False, "son")]),
    ("Family of the fictional Karim", "", "Fictional village near the town",
     "Ask for the mother by her first name only.",
     [("Fictional Huda", "+963 00 000 002", True, "mother")]),
    ("أسرة المفقودة الافتراضية لمى", "europe", "مدينة أوروبية (وهمية)",
     "البريد الإلكتروني فقط؛ لا اتصالات هاتفية.",
     [("عمر (اسم وهمي)", "fictional.family@example.org", True, "father")]),
]


def load_demo_families(orgs, users) -> None:
    """Create the demo families once (nothing if any family exists or there are no cases)."""
    if db.session.scalar(select(func.count(Family.id))):
        return
    cases = db.session.scalars(select(Case).where(Case.deleted_at.is_(None))
                               .order_by(Case.reference).limit(len(HOUSEHOLDS) + 1)).all()
    if len(cases) < len(HOUSEHOLDS) + 1:
        return
    staff, admin = users["staff@office.example"], users["admin@office.example"]
    by_staff = Actor(user_id=staff.id, org_id=staff.organization_id, request_id="demo")
    by_admin = Actor(user_id=admin.id, org_id=admin.organization_id, request_id="demo")
    office = orgs["office"].id
    today = utcnow().date()
    families = []
    for index, (label, abroad, note, rules, members) in enumerate(HOUSEHOLDS):
        governorate = None if abroad else cases[index].governorate_id
        family = svc.create_family({
            "label": label, "residence_abroad": abroad, "governorate_id": governorate,
            "residence_note": note, "safety_rules": rules,
            "preferred_language": "en" if label.startswith("Family") else "ar",
            "preferred_channel": "email" if "@" in members[0][1] and "." in members[0][1]
            else "phone"}, actor=by_staff)
        linked = [cases[index]] + ([cases[-1]] if index == 0 else [])  # two cases: two missing
        for case in linked:
            svc.link_case(family, case, actor=by_staff)
        for name, contact, main, relation in members:
            svc.add_member(family, {"name": name, "contact": contact, "is_main_contact": main,
                                    "contact_channel": "phone" if contact.startswith("+")
                                    else ("email" if "." in contact else "messaging_app"),
                                    "relations": {c.id: relation for c in linked}},
                           actor=by_staff)
        svc.record_consent(family, {"kind": "contact", "method": "oral_witnessed",
                                    "given_on": today - timedelta(days=90)}, actor=by_staff)
        families.append(family)

    hadi, nader, karim, lama = families
    # Publishing consent for the first household's story (the public site needs staff
    # approval of the story too); a referral consent to Northbridge for the second.
    svc.record_consent(hadi, {"kind": "publish", "case_id": hadi.case_links[0].case_id,
                              "method": "written", "given_on": today - timedelta(days=60)},
                       actor=by_staff)
    svc.record_consent(nader, {"kind": "referral", "organization_id": orgs["northbridge"].id,
                               "method": "oral_recorded",
                               "given_on": today - timedelta(days=30)}, actor=by_staff)

    # Visits and calls: two overdue follow-ups (staff, admin), one due this week.
    for family, kind, days_ago, follow, actor_user in (
            (hadi, "visit", 40, -10, staff), (nader, "call", 20, -3, admin),
            (karim, "visit", 5, 4, staff), (lama, "message", 12, None, staff)):
        svc.log_contact(family, {
            "kind": kind, "happened_on": today - timedelta(days=days_ago),
            "staff_id": actor_user.id,
            "follow_up_on": None if follow is None else today + timedelta(days=follow),
            "note": "ملاحظة مقيّدة تجريبية: طلبت الأسرة معلومات عن مسار الاحتجاز."},
            actor=Actor(user_id=actor_user.id, org_id=actor_user.organization_id,
                        request_id="demo"))

    # Needs and support.
    rent = svc.add_need(hadi, {"category": "financial", "assessed_on": today - timedelta(
        days=40), "detail": "إيجار ثلاثة أشهر متأخر (تجريبي)."}, actor=by_staff)
    legal = svc.add_need(nader, {"category": "legal", "assessed_on": today - timedelta(
        days=20), "detail": "Needs advice on a death certificate (demo)."}, actor=by_staff)
    svc.add_need(karim, {"category": "information", "assessed_on": today - timedelta(days=5),
                         "detail": "Asks what is known of the last facility (demo)."},
                 actor=by_staff)
    cash = svc.request_support(hadi, {
        "category": "financial", "form": "cash", "amount": "300", "currency": "USD",
        "provider_org_id": office, "need_id": rent.id,
        "description": "منحة نقدية لمرة واحدة للإيجار (تجريبية)."}, actor=by_staff)
    svc.approve_support(hadi, cash, actor=by_admin)  # four eyes: another staff member
    for family, category, text in ((hadi, "medical", "Medicine for three months (demo)."),
                                   (karim, "education", "School kit for two children (demo).")):
        item = svc.request_support(family, {"category": category, "form": "in_kind",
                                            "provider_org_id": office, "description": text},
                                   actor=by_staff)
        svc.approve_support(family, item, actor=by_staff)
        svc.deliver_support(family, item, today - timedelta(days=3), actor=by_staff)
    svc.request_support(nader, {"category": "legal", "form": "service", "need_id": legal.id,
                                "provider_org_id": office,
                                "description": "Legal consultation (demo)."}, actor=by_staff)
    svc.request_support(karim, {"category": "financial", "form": "cash", "amount": "1500000",
                                "currency": "SYP", "provider_org_id": office,
                                "description": "Transport to the hearing (demo)."},
                        actor=by_staff)  # waiting for a second staff member's approval

    # A psychosocial-support course: two past sessions with attendance, two to come.
    series = svc.create_series({"title_ar": "دورة الدعم النفسي الاجتماعي للأمهات (تجريبية)",
                                "title_en": "Psychosocial-support course for mothers (demo)",
                                "sessions_planned": 4}, actor=by_staff)
    sessions = []
    for weeks in (-3, -2, 1, 2):
        day = today + timedelta(weeks=weeks)
        event = create_event(EventData(
            kind="psychosocial_support", timezone="Europe/Istanbul",
            starts_at=local_to_utc(day, time(11, 0), "Europe/Istanbul"),
            ends_at=local_to_utc(day, time(13, 0), "Europe/Istanbul"),
            organizer_org_id=office, title_en="Course for mothers, session (demo)",
            title_ar="دورة الأمهات، جلسة (تجريبية)", venue="Community room (fictional)",
            capacity=12, languages=["ar"]), actor=by_staff)
        db.session.flush()
        svc.add_session(series, event, actor=by_staff)
        sessions.append(event)
    enrolled = [svc.enrol_member(series, f.members[0], actor=by_staff)
                for f in (hadi, nader, karim)]
    for event, came in ((sessions[0], enrolled), (sessions[1], enrolled[:2])):
        svc.record_attendance(series, event, {e.id for e in came}, actor=by_staff)
    db.session.flush()

