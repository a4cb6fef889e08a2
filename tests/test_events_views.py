"""The list and the month calendar: filters, both languages, the locale's first week day."""

from __future__ import annotations

from datetime import datetime, timezone

from babel.dates import get_day_names

from .event_factories import make_event

UTC = timezone.utc


def _first_header(page: str) -> str:
    head = page.split('<thead><tr><th scope="col">', 1)[1]
    return head.removeprefix('<span class="wd-long">').split("<", 1)[0]


def test_arabic_calendar_mirrors_and_starts_on_saturday(client, db, users, orgs, login):
    users["viewer_a"].preferred_locale = "ar"
    make_event(orgs["office"], invited=[orgs["a"]], title_ar="ورشة تجريبية",
               starts_at=datetime(2026, 4, 14, 7, 0, tzinfo=UTC))
    db.session.commit()
    login(users["viewer_a"])
    page = client.get("/events/calendar?month=2026-04").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert _first_header(page) == get_day_names("abbreviated", locale="ar")[5]  # Saturday
    assert "ورشة تجريبية" in page and "أبريل" in page


def test_english_calendar_starts_on_monday(client, db, users, orgs, login):
    make_event(orgs["office"], invited=[orgs["a"]], title="Fictional April workshop",
               starts_at=datetime(2026, 4, 14, 7, 0, tzinfo=UTC))
    db.session.commit()
    login(users["viewer_a"])
    page = client.get("/events/calendar?month=2026-04").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert _first_header(page) == "Mon"
    assert "April 2026" in page and "Fictional April workshop" in page
    # The event sits on its local day: 14 April (10:00 in Beirut).
    cell = page.split('datetime="2026-04-14"', 1)[1].split("</td>", 1)[0]
    assert "Fictional April workshop" in cell


def test_two_day_event_appears_on_both_days(client, db, users, orgs, login):
    make_event(orgs["office"], title="Two days", hours=30,
               starts_at=datetime(2026, 4, 14, 7, 0, tzinfo=UTC))
    db.session.commit()
    login(users["staff"])
    page = client.get("/events/calendar?month=2026-04").get_data(as_text=True)
    for day in ("2026-04-14", "2026-04-15"):
        assert "Two days" in page.split(f'datetime="{day}"', 1)[1].split("</td>", 1)[0]
    assert "Two days" not in page.split('datetime="2026-04-16"', 1)[1].split("</td>", 1)[0]


def test_list_and_calendar_filter_by_kind_and_organisation(client, db, users, orgs, login):
    make_event(orgs["office"], kind="advocacy", title="Advocacy day", invited=[orgs["a"]])
    make_event(orgs["office"], kind="training", title="Training day", invited=[orgs["b"]])
    db.session.commit()
    login(users["staff"])
    page = client.get("/events/?kind=advocacy").get_data(as_text=True)
    assert "Advocacy day" in page and "Training day" not in page
    page = client.get(f"/events/calendar?month=2026-04&org={orgs['b'].id}").get_data(
        as_text=True)
    assert "Training day" in page and "Advocacy day" not in page
    # Unknown filter values are ignored, never an error.
    for query in ("?kind=%27%20OR%201=1--", "?org=abc", "?org=987654", "?page=-3"):
        assert client.get("/events/" + query).status_code == 200, query
    assert client.get("/events/calendar?month=2026-13").status_code == 200


def test_partner_filter_offers_only_organisations_it_can_see(client, db, users, orgs, login):
    make_event(orgs["office"], title="Only B", invited=[orgs["b"]])
    db.session.commit()
    login(users["viewer_a"])
    page = client.get("/events/").get_data(as_text=True)
    assert f'<option value="{orgs["b"].id}">' not in page


def test_past_events_are_listed_separately(client, db, users, orgs, login):
    make_event(orgs["office"], title="Long ago", starts_at=datetime(2026, 1, 5, 7, 0,
                                                                     tzinfo=UTC))
    make_event(orgs["office"], title="Soon")
    db.session.commit()
    login(users["staff"])
    upcoming = client.get("/events/").get_data(as_text=True)
    past = client.get("/events/?when=past").get_data(as_text=True)
    assert "Soon" in upcoming and "Long ago" not in upcoming
    assert "Long ago" in past and "Soon" not in past


def test_user_can_choose_a_time_zone(client, db, users, login):
    from .conftest import post_form
    login(users["viewer_a"])
    assert post_form(client, "/events/settings", {"timezone": "Europe/Berlin"}).status_code == 302
    db.session.expire_all()
    assert users["viewer_a"].timezone == "Europe/Berlin"
    response = post_form(client, "/events/settings", {"timezone": "Europe/Nowhere"})
    assert response.status_code == 422
    assert "This time zone does not exist" in response.get_data(as_text=True)
    db.session.expire_all()
    assert users["viewer_a"].timezone == "Europe/Berlin"
