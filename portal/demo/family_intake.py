"""Two fictional reports waiting in the intake queue, as if sent through the public form."""

from __future__ import annotations

from sqlalchemy import func, select

from ..models import IntakeSubmission
from ..services import family_intake
from ..services.audit import Actor

REPORTS = (
    ("report_missing", "ar", {
        "missing_name": "سامي الورّاق (اسم خيالي)", "relation": "أم",
        "missing_since": "2013", "last_place": "حاجز على طريق خيالي",
        "details": "أُخذ ابني من حاجز ولم نسمع عنه شيئاً منذ ذلك الحين. (نص خيالي للعرض)",
        "sender_name": "أم سامي (خيالي)", "contact": "+000 00 000 001 (fictional)",
        "contact_safety": "بعد الساعة الرابعة فقط، ولا تتركوا رسالة."}),
    ("new_information", "en", {
        "missing_name": "Fictional Karim Nassar", "earlier_reference": "R-DEMO-0001",
        "relation": "Brother", "details": "A released detainee says he saw my brother in a "
        "fictional facility in 2016. (Demonstration text.)", "sender_name": "",
        "contact": "", "contact_safety": ""}),
)


def load_demo_intake(orgs, users) -> None:
    """Once: nothing if the queue already holds a report."""
    if db_count():
        return
    actor = Actor(user_id=None, org_id=None, request_id="demo")
    for kind, locale, payload in REPORTS:
        family_intake.receive(kind, payload, locale, actor=actor)


def db_count() -> int:
    from ..extensions import db
    return db.session.scalar(select(func.count(IntakeSubmission.id))) or 0
