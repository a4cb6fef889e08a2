"""Answers to invitations: seats against capacity, the waiting list, closed events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from portal.models import Event, OutboxMessage, Rsvp, User
from portal.services.audit import Actor
from portal.services.events.errors import EventError
from portal.services.events.rsvp import respond, seat_summary

from . import factories
from .conftest import post_form, table_counts
from .event_factories import form_data, make_event, rsvp

UTC = timezone.utc


def _answers(db, event_id):
    db.session.expire_all()
    return {r.organization_id: r for r in db.session.scalars(
        select(Rsvp).where(Rsvp.event_id == event_id))}


def _user(db, email):
    return db.session.scalar(select(User).where(User.email == email))


def test_manager_can_rsvp_for_seats(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"]], capacity=10)
    db.session.commit()
    login(users["manager_a"])
    response = post_form(client, f"/events/{event.id}/rsvp", {"response": "yes", "seats": "3"})
    assert response.status_code == 302
    answer = _answers(db, event.id)[orgs["a"].id]
    assert (answer.response, answer.seats, answer.waitlist_position) == ("yes", 3, None)
    assert answer.user_id == users["manager_a"].id
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'class="seats-confirmed">3<' in page and 'class="seats-free">7<' in page


def test_rsvp_beyond_capacity_goes_to_the_waiting_list_and_is_promoted(
        client, new_client, db, users, orgs, login):
    extra = factories.make_org("Org C")
    factories.make_user("manager@c.test", extra, "partner_manager")
    event = make_event(orgs["office"], invited=[orgs["a"], orgs["b"], extra], capacity=5)
    db.session.commit()
    login(users["manager_a"])
    assert post_form(client, f"/events/{event.id}/rsvp",
                     {"response": "yes", "seats": "4"}).status_code == 302
    viewer_b = login(users["viewer_b"], the_client=new_client())
    response = post_form(viewer_b, f"/events/{event.id}/rsvp",
                         {"response": "yes", "seats": "2"}, follow_redirects=True)
    assert "number 1 on the waiting list" in response.get_data(as_text=True)
    manager_c = login(_user(db, "manager@c.test"), the_client=new_client())
    assert post_form(manager_c, f"/events/{event.id}/rsvp",
                     {"response": "yes", "seats": "1"}).status_code == 302
    answers = _answers(db, event.id)
    # One seat is free, but C joined after B: first come, first served.
    assert answers[orgs["b"].id].waitlist_position == 1
    assert answers[extra.id].waitlist_position == 2
    summary = seat_summary(db.session.get(Event, event.id))
    assert (summary.confirmed, summary.waiting, summary.free) == (4, 3, 1)

    # A declines: B then C get seats, in order, and are told through the outbox.
    assert post_form(client, f"/events/{event.id}/rsvp",
                     {"response": "no", "seats": "0"}).status_code == 302
    answers = _answers(db, event.id)
    assert answers[orgs["b"].id].waitlist_position is None
    assert answers[extra.id].waitlist_position is None
    assert seat_summary(db.session.get(Event, event.id)).confirmed == 3
    seats_mail = db.session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.subject.like("Seats confirmed:%"))).all()
    assert set(seats_mail) == {"viewer@b.test", "manager@c.test"}


def test_raising_capacity_promotes_the_waiting_list(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"], orgs["b"]], capacity=4)
    rsvp(event, orgs["a"], seats=4)
    rsvp(event, orgs["b"], seats=3, position=1)
    db.session.commit()
    login(users["staff"])
    response = post_form(client, f"/events/{event.id}/edit", form_data(
        organizer=str(orgs["office"].id), invited=[str(orgs["a"].id), str(orgs["b"].id)],
        capacity="8"))
    assert response.status_code == 302
    assert _answers(db, event.id)[orgs["b"].id].waitlist_position is None


def test_confirmed_org_asking_for_more_than_free_keeps_its_seats(client, db, users, orgs,
                                                                 login):
    event = make_event(orgs["office"], invited=[orgs["a"]], capacity=5)
    db.session.commit()
    login(users["manager_a"])
    post_form(client, f"/events/{event.id}/rsvp", {"response": "yes", "seats": "3"})
    response = post_form(client, f"/events/{event.id}/rsvp", {"response": "yes", "seats": "9"})
    assert response.status_code == 422
    assert "Only 5 seats in total are free for your organisation" in response.get_data(
        as_text=True)
    assert _answers(db, event.id)[orgs["a"].id].seats == 3


def test_rsvp_to_cancelled_or_past_event_is_refused(client, db, users, orgs, login):
    cancelled = make_event(orgs["office"], invited=[orgs["a"]], status="cancelled")
    past = make_event(orgs["office"], invited=[orgs["a"]],
                      starts_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    db.session.commit()
    login(users["manager_a"])
    before = table_counts(db)
    response = post_form(client, f"/events/{cancelled.id}/rsvp", {"response": "yes",
                                                                  "seats": "1"})
    assert response.status_code == 422
    assert "Answers are closed" in response.get_data(as_text=True)
    response = post_form(client, f"/events/{past.id}/rsvp", {"response": "yes", "seats": "1"})
    assert response.status_code == 422
    assert "already started" in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_rsvp_needs_a_seat_count_for_yes(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"]])
    db.session.commit()
    login(users["manager_a"])
    before = table_counts(db)
    for data in ({"response": "yes", "seats": "0"}, {"response": "yes", "seats": "501"},
                 {"response": "perhaps", "seats": "1"}, {"seats": "2"}):
        assert post_form(client, f"/events/{event.id}/rsvp", data).status_code == 422, data
    assert table_counts(db) == before


def test_partner_not_invited_cannot_rsvp(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"]])
    db.session.commit()
    login(users["viewer_b"])
    response = post_form(client, f"/events/{event.id}/rsvp", {"response": "yes", "seats": "1"},
                         page="/account/")
    assert response.status_code == 404
    assert _answers(db, event.id) == {}


def test_service_refuses_rsvp_to_a_proposal(db, users, orgs):
    event = make_event(orgs["a"], status="proposed", proposed_by=orgs["a"],
                       starts_at=datetime.now(UTC) + timedelta(days=3))
    actor = Actor(users["manager_a"].id, orgs["a"].id)
    try:
        respond(event, orgs["a"].id, "yes", 1, actor=actor)
    except EventError as exc:
        assert exc.code == "rsvp_closed"
    else:
        raise AssertionError("an RSVP to a proposal was accepted")


def test_uninviting_an_organisation_frees_its_seats(client, db, users, orgs, login):
    event = make_event(orgs["office"], invited=[orgs["a"], orgs["b"]], capacity=4)
    rsvp(event, orgs["a"], seats=4)
    rsvp(event, orgs["b"], seats=2, position=1)
    db.session.commit()
    login(users["staff"])
    response = post_form(client, f"/events/{event.id}/edit", form_data(
        organizer=str(orgs["office"].id), invited=[str(orgs["b"].id)], capacity="4"))
    assert response.status_code == 302
    answers = _answers(db, event.id)
    assert set(answers) == {orgs["b"].id} and answers[orgs["b"].id].waitlist_position is None
