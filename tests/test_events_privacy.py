"""Psychosocial-support sessions concern families of the disappeared: participants are a count
and the office staff member who follows up, never names shown to partners (issue 5)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.models import Attendance

from . import factories
from .conftest import post_form, table_counts
from .event_factories import make_event

pytestmark = pytest.mark.security
UTC = timezone.utc
CANARY_NOTE = "CANARY-family-Hadad-follow-up-by-phone"


@pytest.fixture
def session_event(db, orgs):
    """A support session that took place on 2026-03-05 (before the test clock's now)."""
    event = make_event(orgs["office"], kind="psychosocial_support", invited=[orgs["a"]],
                       title="Fictional support session",
                       starts_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    follower = factories.make_user("followup@office.test", orgs["office"], "staff",
                                   name="Fictional Follow-up Person")
    db.session.commit()
    return event, follower


def test_staff_records_a_support_session_by_count_and_follow_up(client, new_client, db, users,
                                                                orgs, login, session_event):
    event, follower = session_event
    login(users["staff"])
    form = client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "Never write the names of participants here" in form
    assert "name=\"names\"" not in form and "name=\"participant" in form
    response = post_form(client, f"/events/{event.id}/attendance", {
        "participants": "3", "follow_up": str(follower.id), "notes": CANARY_NOTE,
        "attended": [str(orgs["a"].id)]})
    assert response.status_code == 302
    row = db.session.scalar(select(Attendance))
    assert (row.participants, row.follow_up_user_id) == (3, follower.id)
    staff_page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Fictional Follow-up Person" in staff_page and CANARY_NOTE in staff_page

    for who in ("viewer_a", "manager_a"):
        partner = login(users[who], the_client=new_client())
        page = partner.get(f"/events/{event.id}").get_data(as_text=True)
        assert "Participants: fewer than 5" in page
        assert "Fictional Follow-up Person" not in page and CANARY_NOTE not in page
        assert CANARY_NOTE.encode() not in partner.get(f"/events/{event.id}/event.ics").data
        assert partner.get(f"/events/{event.id}/attendance").status_code == 403


def test_support_session_needs_a_follow_up_staff_member(client, db, users, login,
                                                        session_event):
    event, _follower = session_event
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/events/{event.id}/attendance",
                         {"participants": "7", "follow_up": "0"})
    assert response.status_code == 422
    assert "Choose the staff member who follows up" in response.get_data(as_text=True)
    partner_manager = users["manager_a"]
    response = post_form(client, f"/events/{event.id}/attendance",
                         {"participants": "7", "follow_up": str(partner_manager.id)})
    assert response.status_code == 422
    assert table_counts(db) == before


def test_larger_support_sessions_show_the_count_to_partners(client, new_client, db, users,
                                                            login, session_event):
    event, follower = session_event
    login(users["staff"])
    post_form(client, f"/events/{event.id}/attendance",
              {"participants": "12", "follow_up": str(follower.id)})
    partner = login(users["viewer_a"], the_client=new_client())
    assert "Participants: 12" in partner.get(f"/events/{event.id}").get_data(as_text=True)


def test_attendance_cannot_be_recorded_before_the_event(client, db, users, orgs, login):
    event = make_event(orgs["office"], kind="workshop",
                       starts_at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
    db.session.commit()
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/events/{event.id}/attendance",
                         {"participants": "10", "follow_up": "0"})
    assert response.status_code == 422
    assert "once the event has started" in response.get_data(as_text=True)
    assert table_counts(db) == before
