"""The life of an event: schedule, propose → confirm/decline, edit, postpone, cancel, and the
notifications through the outbox (issue 5)."""

from __future__ import annotations

from datetime import datetime, timezone

import icalendar
from sqlalchemy import func, select

from portal.models import AuditEvent, Event, OutboxMessage

from .conftest import post_form, signed_in_csrf, table_counts
from .event_factories import form_data, make_event, rsvp

UTC = timezone.utc


def _outbox(db, recipient=None):
    db.session.expire_all()
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient)
    return db.session.scalars(stmt).all()


def _latest(db) -> Event:
    db.session.expire_all()
    return db.session.scalars(select(Event).order_by(Event.id.desc())).first()


def _actions(db, event_id) -> list[str]:
    return db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "event", AuditEvent.object_id == str(event_id))
        .order_by(AuditEvent.seq)).all()


def test_staff_can_schedule_an_event_and_invitees_are_told(client, db, users, orgs, login):
    login(users["staff"])
    response = post_form(client, "/events/new", form_data(
        organizer=str(orgs["office"].id), invited=[str(orgs["a"].id)]))
    assert response.status_code == 302
    event = _latest(db)
    assert event.status == "scheduled" and event.org_ids("invited") == {orgs["a"].id}
    recipients = {m.recipient for m in _outbox(db)}
    assert recipients == {"manager@a.test", "viewer@a.test"}  # active users of the invitee
    assert _actions(db, event.id) == ["event_created"]
    assert [c.action for c in event.changes] == ["created"]


def test_manager_can_propose_and_staff_confirm(client, new_client, db, users, orgs, login):
    manager = login(users["manager_a"])
    response = post_form(manager, "/events/propose", form_data(
        title_en="Joint proposal", invited=[str(orgs["b"].id)], organizer=str(orgs["b"].id)))
    assert response.status_code == 302
    event = _latest(db)
    # The proposing organisation organises it, whatever organiser the form claimed.
    assert event.status == "proposed" and event.organizer_org_id == orgs["a"].id
    assert event.proposed_by_org_id == orgs["a"].id
    assert {m.recipient for m in _outbox(db)} == {"admin@office.test", "staff@office.test"}
    assert manager.get(f"/events/{event.id}").status_code == 200

    viewer_b = login(users["viewer_b"], the_client=new_client())
    assert viewer_b.get(f"/events/{event.id}").status_code == 404  # not confirmed yet

    staff = login(users["staff"], the_client=new_client())
    assert "Confirm the proposal" in staff.get(f"/events/{event.id}").get_data(as_text=True)
    response = staff.post(f"/events/{event.id}/confirm",
                          data={"csrf_token": signed_in_csrf(staff)})
    assert response.status_code == 302
    assert _latest(db).status == "scheduled"
    assert viewer_b.get(f"/events/{event.id}").status_code == 200
    subjects = {m.recipient: m.subject for m in _outbox(db)}
    assert subjects["viewer@b.test"].startswith("Invitation:")
    assert subjects["manager@a.test"].startswith("Proposal confirmed:")
    assert _actions(db, event.id) == ["event_proposed", "event_confirmed"]


def test_staff_can_decline_a_proposal_with_a_reason(client, new_client, db, users, orgs, login):
    event = make_event(orgs["a"], status="proposed", proposed_by=orgs["a"], invited=[orgs["b"]])
    db.session.commit()
    login(users["staff"])
    response = post_form(client, f"/events/{event.id}/decline", {"reason": "Dates clash"})
    assert response.status_code == 302
    assert _latest(db).status == "declined"
    mails = _outbox(db)
    assert {m.recipient for m in mails} == {"manager@a.test", "viewer@a.test"}
    assert "Dates clash" in mails[0].body
    manager = login(users["manager_a"], the_client=new_client())
    assert "Dates clash" in manager.get(f"/events/{event.id}").get_data(as_text=True)
    viewer_b = login(users["viewer_b"], the_client=new_client())
    assert viewer_b.get(f"/events/{event.id}").status_code == 404


def test_staff_cannot_confirm_twice(client, db, users, orgs, login):
    event = make_event(orgs["a"], status="scheduled")
    db.session.commit()
    login(users["staff"])
    response = client.post(f"/events/{event.id}/confirm",
                           data={"csrf_token": signed_in_csrf(client)}, follow_redirects=True)
    assert "This cannot be done while the event is Scheduled" in response.get_data(as_text=True)
    assert _actions(db, event.id) == []


def test_partner_manager_cannot_confirm_their_own_proposal(client, db, users, orgs, login):
    event = make_event(orgs["a"], status="proposed", proposed_by=orgs["a"])
    db.session.commit()
    login(users["manager_a"])
    response = client.post(f"/events/{event.id}/confirm",
                           data={"csrf_token": signed_in_csrf(client)})
    assert response.status_code == 403
    assert _latest(db).status == "proposed"


def test_postpone_keeps_the_old_date_and_notifies_in_each_language(client, db, users, orgs,
                                                                    login):
    users["viewer_a"].preferred_locale = "ar"
    db.session.commit()
    event = make_event(orgs["office"], invited=[orgs["a"]],
                       starts_at=datetime(2026, 4, 20, 7, 0, tzinfo=UTC))
    db.session.commit()
    login(users["staff"])
    response = post_form(client, f"/events/{event.id}/postpone", {
        "start_date": "2026-05-04", "start_time": "10:00", "end_date": "2026-05-04",
        "end_time": "13:00", "timezone": "Asia/Beirut", "reason": "Fictional strike"})
    assert response.status_code == 302
    event = _latest(db)
    assert event.status == "postponed" and event.sequence == 1
    change = event.changes[-1]
    assert (change.action, change.old_starts_at) == ("postponed",
                                                     datetime(2026, 4, 20, 7, 0, tzinfo=UTC))
    english = _outbox(db, "manager@a.test")[0]
    arabic = _outbox(db, "viewer@a.test")[0]
    assert english.subject.startswith("Postponed:")
    assert "Fictional strike" in english.body and "Before:" in english.body
    # Dates are written the recipient's way (the Arabic catalogue is completed at merge).
    assert "May 2026" in english.body or "May 4, 2026" in english.body
    assert "مايو" in arabic.body and "May" not in arabic.body
    assert "Fictional Hall" not in english.body  # no venue or description in mail
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'datetime="2026-04-20T10:00:00+03:00"' in page  # the old date, in the history
    assert "Fictional strike" in page


def test_postpone_to_the_same_dates_is_refused(client, db, users, orgs, login):
    event = make_event(orgs["office"], starts_at=datetime(2026, 4, 20, 7, 0, tzinfo=UTC))
    db.session.commit()
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/events/{event.id}/postpone", {
        "start_date": "2026-04-20", "start_time": "10:00", "end_date": "2026-04-20",
        "end_time": "13:00", "timezone": "Asia/Beirut"})
    assert response.status_code == 422
    assert "Choose dates different from the current ones" in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_cancelled_event_is_marked_cancelled_everywhere(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"]])
    db.session.commit()
    login(users["staff"])
    response = post_form(client, f"/events/{event.id}/cancel", {"reason": "Security"})
    assert response.status_code == 302
    event = _latest(db)
    assert event.status == "cancelled"
    assert {m.subject.split(":")[0] for m in _outbox(db)} == {"Cancelled"}
    cal = icalendar.Calendar.from_ical(client.get(f"/events/{event.id}/event.ics").data)
    assert cal.events[0]["STATUS"] == "CANCELLED"
    assert "This event was cancelled." in client.get(f"/events/{event.id}").get_data(
        as_text=True)
    # Nothing more can be done with it.
    assert post_form(client, f"/events/{event.id}/postpone", {
        "start_date": "2026-05-04", "start_time": "10:00", "end_time": "13:00",
        "timezone": "Asia/Beirut"}).status_code == 422


def test_edit_notifies_and_records_a_time_change(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"]])
    db.session.commit()
    login(users["staff"])
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2026-04-20"' in page and 'value="10:00"' in page
    response = post_form(client, f"/events/{event.id}/edit", form_data(
        organizer=str(orgs["office"].id), invited=[str(orgs["a"].id), str(orgs["b"].id)],
        start_time="11:00"))
    assert response.status_code == 302
    event = _latest(db)
    assert event.changes[-1].action == "rescheduled"
    subjects = {m.recipient: m.subject for m in _outbox(db)}
    assert subjects["manager@a.test"].startswith("Changed:")
    assert subjects["viewer@b.test"].startswith("Invitation:")  # newly invited


def test_staff_cannot_set_capacity_below_confirmed_seats(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"], orgs["b"]], capacity=20)
    rsvp(event, orgs["a"], seats=6)
    rsvp(event, orgs["b"], seats=5)
    db.session.commit()
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/events/{event.id}/edit", form_data(
        organizer=str(orgs["office"].id), invited=[str(orgs["a"].id), str(orgs["b"].id)],
        capacity="10"))
    assert response.status_code == 422
    assert "cannot be lower than the 11 seats already confirmed" in response.get_data(
        as_text=True)
    assert table_counts(db) == before
    assert _latest(db).capacity == 20


def test_bad_event_input_is_refused_with_field_messages(client, db, users, orgs, login):
    login(users["staff"])
    before = table_counts(db)
    cases = [
        ({"end_time": "09:00"}, "The end must come after the start."),
        ({"online_url": "javascript:alert(1)"}, "starting with https:// or http://"),
        ({"online_url": "ftp://files.example/x"}, "starting with https:// or http://"),
        ({"online_url": "https://user:pw@meet.example/x"}, "starting with https:// or http://"),
        ({"venue": "", "online_url": ""}, "Give a venue or an online link."),
        ({"title_en": "", "title_ar": ""}, "Give the event a title"),
        ({"capacity": "0"}, "at least 1 seat"),
        ({"start_date": "26/03/2026"}, "Enter a date such as 2026-03-26."),
        ({"kind": "party"}, "Not a valid choice"),
    ]
    for fields, message in cases:
        response = post_form(client, "/events/new", form_data(
            organizer=str(orgs["office"].id), **fields))
        body = response.get_data(as_text=True)
        assert response.status_code == 422, fields
        assert message in body, (fields, message)
        assert "Not saved" in body
    assert table_counts(db) == before


def test_overlapping_event_of_the_same_organisation_is_flagged(client, db, users, orgs, login):
    make_event(orgs["office"], title="Existing", starts_at=datetime(2026, 4, 20, 6, 0,
                                                                     tzinfo=UTC))
    make_event(orgs["b"], title="Another organisation",
               starts_at=datetime(2026, 4, 20, 6, 0, tzinfo=UTC))
    db.session.commit()
    login(users["staff"])
    response = post_form(client, "/events/new", form_data(organizer=str(orgs["office"].id)),
                         follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "overlaps with 1 other event of the same organisation" in body
    assert "Existing" in body and "Another organisation" not in body


def test_propose_is_only_for_partner_managers(client, db, users, orgs, login):
    login(users["viewer_a"])
    assert client.get("/events/propose").status_code == 403
    assert client.get("/events/new").status_code == 403
    assert db.session.scalar(select(func.count(Event.id))) == 0
