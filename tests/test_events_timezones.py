"""Time zones: wall times in a named zone survive a daylight-saving change (issue 5)."""

from __future__ import annotations

from datetime import datetime, timezone

import icalendar
from sqlalchemy import func, select

from portal.models import Event

from .conftest import post_form, table_counts
from .event_factories import form_data

UTC = timezone.utc


def _create(client, orgs, **fields):
    data = form_data(organizer=str(orgs["office"].id), invited=[str(orgs["a"].id)], **fields)
    return post_form(client, "/events/new", data)


def _event(db, title):
    db.session.expire_all()
    return db.session.scalar(select(Event).where(Event.title_en == title))


def test_staff_can_schedule_10_beirut_on_both_sides_of_the_dst_change(client, db, users, orgs,
                                                                      login):
    """Beirut moves from UTC+2 to UTC+3 on 2026-03-29: 10:00 local is 08:00 UTC before and
    07:00 UTC after, on the page and in the .ics file."""
    login(users["staff"])
    for day, title in (("2026-03-26", "Before the change"), ("2026-04-02", "After the change")):
        response = _create(client, orgs, title_en=title, start_date=day, end_date=day,
                           start_time="10:00", end_time="12:00")
        assert response.status_code == 302, response.get_data(as_text=True)
    before, after = _event(db, "Before the change"), _event(db, "After the change")
    assert before.starts_at == datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
    assert after.starts_at == datetime(2026, 4, 2, 7, 0, tzinfo=UTC)
    assert before.timezone == after.timezone == "Asia/Beirut"

    for event, local, utc_hour in ((before, "2026-03-26T10:00:00+02:00", "8:00"),
                                   (after, "2026-04-02T10:00:00+03:00", "7:00")):
        page = client.get(f"/events/{event.id}").get_data(as_text=True)
        assert f'datetime="{local}"' in page
        event_line = page.split('class="when-event"')[1].split("</dd>")[0]
        assert "10:00" in event_line and "12:00" in event_line
        utc_line = page.split('class="when-utc"')[1].split("</dd>")[0]
        assert f"{utc_hour}\u202fAM" in utc_line or f"{utc_hour} AM" in utc_line

        response = client.get(f"/events/{event.id}/event.ics")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(response.data)
        vevent = cal.events[0]
        start = vevent.decoded("dtstart")
        assert (start.hour, start.minute) == (10, 0)
        assert str(start.tzinfo) == "Asia/Beirut"
        assert start.astimezone(UTC) == event.starts_at
        assert "Asia/Beirut" in [tz["TZID"] for tz in cal.walk("VTIMEZONE")]


def test_viewer_sees_times_in_their_own_zone(client, db, users, orgs, login):
    users["staff"].timezone = "America/New_York"
    db.session.commit()
    login(users["staff"])
    _create(client, orgs, title_en="Seen from New York", start_date="2026-04-02",
            end_date="2026-04-02")
    event = _event(db, "Seen from New York")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    viewer_line = page.split('class="when-viewer"')[1].split("</dd>")[0]
    # 10:00 in Beirut (UTC+3) is 03:00 in New York (UTC-4, daylight time since 8 March).
    assert 'datetime="2026-04-02T03:00:00-04:00"' in viewer_line
    assert "America/New_York" in page


def test_staff_cannot_use_a_time_that_does_not_exist(client, db, users, orgs, login):
    """00:30 on 2026-03-29 does not exist in Beirut (the clocks jump from 00:00 to 01:00)."""
    login(users["staff"])
    before = table_counts(db)
    response = _create(client, orgs, start_date="2026-03-29", end_date="2026-03-29",
                       start_time="00:30", end_time="03:00")
    assert response.status_code == 422
    assert "does not exist in the chosen time zone" in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_staff_cannot_use_an_unknown_time_zone(client, db, users, orgs, login):
    login(users["staff"])
    before = table_counts(db)
    response = _create(client, orgs, timezone="Mars/Olympus_Mons")
    assert response.status_code == 422
    assert "This time zone does not exist" in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_unknown_time_zone_message_is_translated(client, db, users, orgs, login):
    users["staff"].preferred_locale = "ar"
    db.session.commit()
    login(users["staff"])
    response = _create(client, orgs, timezone="Europe/Atlantis")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in body
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_any_valid_iana_zone_is_accepted(client, db, users, orgs, login):
    login(users["staff"])
    response = _create(client, orgs, title_en="In Erbil", timezone="Asia/Baghdad")
    assert response.status_code == 302
    assert _event(db, "In Erbil").starts_at == datetime(2026, 4, 20, 7, 0, tzinfo=UTC)


def test_postponing_across_dst_keeps_wall_times_and_history(client, db, users, orgs, login):
    login(users["staff"])
    _create(client, orgs, title_en="Moving", start_date="2026-03-26", end_date="2026-03-26",
            start_time="10:00", end_time="13:00")
    event = _event(db, "Moving")
    assert post_form(client, f"/events/{event.id}/agenda/new", {
        "day": "2026-03-26", "time": "11:00", "title": "Opening"}).status_code == 302
    response = post_form(client, f"/events/{event.id}/postpone", {
        "start_date": "2026-04-02", "start_time": "10:00", "end_date": "2026-04-02",
        "end_time": "13:00", "timezone": "Asia/Beirut", "reason": "Venue unavailable"})
    assert response.status_code == 302
    event = _event(db, "Moving")
    assert event.status == "postponed"
    assert event.starts_at == datetime(2026, 4, 2, 7, 0, tzinfo=UTC)
    assert event.agenda[0].starts_at == datetime(2026, 4, 2, 8, 0, tzinfo=UTC)  # 11:00 local
    postponed = [c for c in event.changes if c.action == "postponed"][0]
    assert postponed.old_starts_at == datetime(2026, 3, 26, 8, 0, tzinfo=UTC)
    assert postponed.new_starts_at == event.starts_at
