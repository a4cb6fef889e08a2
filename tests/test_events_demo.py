"""The issue's 'done when', on the demo data: a two-day Beirut workshop with two partners, an
Arabic RSVP for three seats, both calendars through the feed, a postponement reaching the feed
and the outbox."""

from __future__ import annotations

import re

import icalendar
import pytest
from sqlalchemy import select

from portal.demo.accounts import DEMO_PASSWORD
from portal.models import Event, Organization, OutboxMessage

from .conftest import post_form, signed_in_csrf


@pytest.fixture
def demo(app, db, runner):
    app.config["DEMO_MODE"] = True
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return {o.name_en.split(" (")[0]: o for o in db.session.scalars(select(Organization))}


def _sign_in(client, email):
    response = post_form(client, "/auth/login", {"email": email, "password": DEMO_PASSWORD,
                                                 "code": ""})
    assert response.status_code == 302
    return client


def _feed(client, new_client):
    response = client.post("/events/settings/feed", data={"csrf_token": signed_in_csrf(client)},
                           follow_redirects=True)
    path = re.search(r'value="https?://portal\.test(/events/feed/[^"]+)"',
                     response.get_data(as_text=True)).group(1)
    return lambda: icalendar.Calendar.from_ical(new_client().get(path).data)


def test_demo_loads_the_four_fictional_events(demo, db):
    kinds = set(db.session.scalars(select(Event.kind)))
    assert kinds == {"workshop", "psychosocial_support", "coordination", "advocacy"}


def test_done_when_scenario(demo, db, new_client, clock):
    staff = _sign_in(new_client(), "staff@office.example")
    cedar, north = demo["Cedar Rights Lab"], demo["Northbridge Missing Persons Commission"]
    response = post_form(staff, "/events/new", {
        "kind": "workshop", "title_en": "Two-day workshop (scenario)",
        "title_ar": "ورشة يومين (سيناريو)", "start_date": "2026-04-20", "start_time": "09:30",
        "end_date": "2026-04-21", "end_time": "17:00", "timezone": "Asia/Beirut",
        "venue": "Fictional Conference Centre", "capacity": "30", "languages": ["ar", "en"],
        "organizer": str(demo["Documentation Office"].id),
        "invited": [str(cedar.id), str(north.id)]})
    assert response.status_code == 302
    event_path = response.headers["Location"]

    manager = _sign_in(new_client(), "manager@cedarlab.example")  # prefers Arabic
    page = manager.get(event_path).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "ورشة يومين (سيناريو)" in page
    assert post_form(manager, event_path + "/rsvp", {"response": "yes", "seats": "3"}
                     ).status_code == 302

    staff_feed, manager_feed = _feed(staff, new_client), _feed(manager, new_client)

    def entry(cal, title):
        return next(e for e in cal.events if str(e["SUMMARY"]) == title)
    first = entry(manager_feed(), "ورشة يومين (سيناريو)")  # in the manager's language
    assert first.decoded("dtstart").isoformat() == "2026-04-20T09:30:00+03:00"
    assert entry(staff_feed(), "ورشة يومين (سيناريو)")  # the demo staff account is Arabic too

    response = post_form(staff, event_path + "/postpone", {
        "start_date": "2026-05-11", "start_time": "09:30", "end_date": "2026-05-12",
        "end_time": "17:00", "timezone": "Asia/Beirut", "reason": "Fictional reason"})
    assert response.status_code == 302
    moved = entry(manager_feed(), "ورشة يومين (سيناريو)")
    assert moved.decoded("dtstart").isoformat() == "2026-05-11T09:30:00+03:00"
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert entry(staff_feed(), "ورشة يومين (سيناريو)").decoded("dtstart").day == 11
    db.session.expire_all()
    postponed = db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.body.like("%Fictional reason%"))).all()
    assert {"manager@cedarlab.example", "viewer@cedarlab.example",
            "manager@northbridge.example", "viewer@northbridge.example"} <= set(postponed)
    # The RSVP survived the postponement.
    assert "3" in manager.get(event_path).get_data(as_text=True).split("seats-confirmed")[1][:5]
