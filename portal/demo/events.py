"""Fictional demonstration events. Every organisation, person and place is invented
or generic; dates are relative to the day the demo is loaded."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Event, Organization, User, utcnow
from ..services.audit import Actor
from ..services.events.content import add_agenda_item, add_link
from ..services.events.lifecycle import EventData, create_event
from ..timezones import local_to_utc


def _day(weeks: int, weekday: int) -> date:
    """The `weekday` (0 = Monday) of the week `weeks` from now."""
    today = utcnow().date()
    return today + timedelta(weeks=weeks, days=(weekday - today.weekday()) % 7)


def _when(day: date, start: str, end: str, zone: str, days: int = 0):
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return (local_to_utc(day, time(h1, m1), zone),
            local_to_utc(day + timedelta(days=days), time(h2, m2), zone))


def load_demo_events(orgs: dict[str, Organization], users: dict[str, User]) -> None:
    """A Beirut workshop, a support session, an online coordination meeting, an advocacy day."""
    if db.session.scalar(select(Event.id).where(Event.title_en.like("%(demo)"))):
        return  # loaded already
    staff = users["staff@office.example"]
    actor = Actor(user_id=staff.id, org_id=staff.organization_id, request_id="demo")
    office = orgs["office"].id

    start, end = _when(_day(3, 1), "09:30", "17:00", "Asia/Beirut", days=1)
    workshop = create_event(EventData(
        kind="workshop", starts_at=start, ends_at=end, timezone="Asia/Beirut",
        organizer_org_id=office, title_en="Documenting enforced disappearance (demo)",
        title_ar="توثيق الإخفاء القسري (تجريبي)",
        description_en="Two days on interviewing families and recording custody timelines.",
        description_ar="يومان حول مقابلة العائلات وتسجيل مسارات الاحتجاز.",
        venue="Fictional Conference Centre", address="Hamra, Beirut", capacity=30,
        languages=["ar", "en"], invited_ids=[orgs["northbridge"].id, orgs["cedarlab"].id]),
        actor=actor)
    db.session.flush()
    add_agenda_item(workshop, start, "Welcome and introductions", "Office team", "",
                    actor=actor)
    add_agenda_item(workshop, start + timedelta(hours=2), "Custody timelines in practice",
                    "Fictional trainer", "Bring an anonymised example.", actor=actor)
    add_link(workshop, "Reading list", "https://example.org/reading-list", actor=actor)

    start, end = _when(_day(2, 5), "11:00", "13:00", "Europe/Istanbul")
    create_event(EventData(
        kind="psychosocial_support", starts_at=start, ends_at=end, timezone="Europe/Istanbul",
        organizer_org_id=office, title_en="Support session for families (demo)",
        title_ar="جلسة دعم نفسي اجتماعي للعائلات (تجريبية)",
        venue="Community room (fictional)", capacity=15, languages=["ar"],
        co_organizer_ids=[orgs["orontes"].id]), actor=actor)

    start, end = _when(_day(1, 3), "14:00", "15:30", "Europe/Zurich")
    create_event(EventData(
        kind="coordination", starts_at=start, ends_at=end, timezone="Europe/Zurich",
        organizer_org_id=office, title_en="Quarterly coordination call (demo)",
        title_ar="اجتماع التنسيق الفصلي (تجريبي)",
        online_url="https://meet.example.org/coordination-demo", languages=["ar", "en"],
        invited_ids=[orgs["northbridge"].id, orgs["globalrights"].id]), actor=actor)

    start, end = _when(_day(6, 4), "18:00", "20:00", "Europe/Berlin")
    create_event(EventData(
        kind="advocacy", starts_at=start, ends_at=end, timezone="Europe/Berlin",
        organizer_org_id=orgs["globalrights"].id,
        title_en="Evening of testimony: where are they? (demo)",
        title_ar="أمسية شهادات: أين هم؟ (تجريبية)", venue="Fictional Hall, Berlin",
        capacity=120, languages=["ar", "en", "de"], co_organizer_ids=[office],
        invited_ids=[orgs["cedarlab"].id, orgs["orontes"].id]), actor=actor)
