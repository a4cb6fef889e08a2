"""Who sees which event, in every view and in the calendar feed (SECURITY.md A1-A4, T3, T20)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from portal.access import load_policy
from portal.models import CalendarToken, Material

from .conftest import post_form, signed_in_csrf
from .event_factories import make_event

pytestmark = pytest.mark.security
UTC = timezone.utc
APRIL = datetime(2026, 4, 14, 7, 0, tzinfo=UTC)


@pytest.fixture
def world(db, orgs, app, tmp_path):
    """Events in April 2026, each titled with a canary naming who may see it."""
    o, a, b = orgs["office"], orgs["a"], orgs["b"]
    day = timedelta(days=1)
    events = {
        "invites_a": make_event(o, invited=[a], title="CANARY-invites-a", starts_at=APRIL),
        "invites_b": make_event(o, invited=[b], title="CANARY-invites-b", starts_at=APRIL + day),
        "b_organises": make_event(b, title="CANARY-b-organises", starts_at=APRIL + 2 * day),
        "a_coorganises": make_event(b, co=[a], title="CANARY-a-coorganises",
                                    starts_at=APRIL + 3 * day),
        "a_proposes": make_event(a, status="proposed", proposed_by=a, invited=[b],
                                 title="CANARY-a-proposes", starts_at=APRIL + 4 * day),
        "b_proposes": make_event(b, status="proposed", proposed_by=b, invited=[a],
                                 title="CANARY-b-proposes", starts_at=APRIL + 5 * day),
        "office_only": make_event(o, title="CANARY-office-only", starts_at=APRIL + 6 * day),
        "cancelled_a": make_event(o, invited=[a], status="cancelled",
                                  title="CANARY-cancelled-a", starts_at=APRIL + 7 * day),
    }
    folder = tmp_path / "instance" / "event-materials"
    folder.mkdir(parents=True, exist_ok=True)
    for key, event in events.items():
        (folder / f"m{event.id:030d}x").write_bytes(b"%PDF-1.4 fictional")
        db.session.add(Material(event_id=event.id, title=f"Material {key}",
                                stored_name=f"m{event.id:030d}x", extension="pdf", size=18))
    db.session.commit()
    return events


SEES = {
    "viewer_a": {"invites_a", "a_coorganises", "a_proposes", "cancelled_a"},
    "manager_a": {"invites_a", "a_coorganises", "a_proposes", "cancelled_a"},
    "viewer_b": {"invites_b", "b_organises", "a_coorganises", "b_proposes"},
}
ALL = {"invites_a", "invites_b", "b_organises", "a_coorganises", "a_proposes", "b_proposes",
       "office_only", "cancelled_a"}


def _canaries(text: str) -> set[str]:
    return {m.replace("-", "_") for m in re.findall(r"CANARY-([a-z-]+?)(?=[^a-z-]|$)", text)}


def _keys(names):
    return {n.replace("-", "_") for n in names}


@pytest.mark.parametrize("who", ["viewer_a", "manager_a", "viewer_b", "staff"])
def test_a4_each_principal_sees_exactly_its_events_in_every_view(who, client, db, users, login,
                                                                 world, orgs, security_report):
    login(users[who])
    expected = SEES.get(who, ALL)
    listed = client.get("/events/").get_data(as_text=True)
    assert _canaries(listed) == _keys(expected)
    month = client.get("/events/calendar?month=2026-04").get_data(as_text=True)
    assert _canaries(month) == _keys(expected)
    for org in orgs.values():  # a filter never widens what is visible
        filtered = client.get(f"/events/?org={org.id}").get_data(as_text=True)
        assert _canaries(filtered) <= _keys(expected)
    for key, event in world.items():
        status = 200 if key in expected else 404
        assert client.get(f"/events/{event.id}").status_code == status, key
        assert client.get(f"/events/{event.id}/event.ics").status_code == status, key
        material = event.materials[0]
        download = client.get(f"/events/{event.id}/materials/{material.id}")
        assert download.status_code == status, key
    security_report.setdefault("A4_events", {})[who] = {"events": len(world),
                                                        "visible": len(expected)}


def _neutral(html: str) -> str:
    """The page without its per-request CSRF tokens and the language switch's return path."""
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    return re.sub(r'name="next" value="[^"]+"', "", html)


def test_a3_invisible_and_nonexistent_events_look_the_same(client, db, users, login, world):
    login(users["viewer_a"])
    hidden = world["invites_b"]
    other_material = hidden.materials[0]
    own = world["invites_a"]
    urls = [(f"/events/{hidden.id}", "/events/987654"),
            (f"/events/{hidden.id}/event.ics", "/events/987654/event.ics"),
            (f"/events/{hidden.id}/rsvp", "/events/987654/rsvp"),
            (f"/events/{hidden.id}/materials/{other_material.id}",
             "/events/987654/materials/1"),
            # Another event's material through an event the user can see.
            (f"/events/{own.id}/materials/{other_material.id}",
             f"/events/{own.id}/materials/987654")]
    for hidden_url, missing_url in urls:
        a, b = client.get(hidden_url), client.get(missing_url)
        assert a.status_code == b.status_code == 404, hidden_url
        assert _neutral(a.get_data(as_text=True)) == _neutral(b.get_data(as_text=True))
    for bad in (f"/events/{own.id}/materials/{'9' * 30}", "/events/abc", "/events/-1", "/events/%00", "/events/" + "9" * 40,
                "/events/../admin"):
        assert client.get(bad).status_code == 404, bad


def test_a2_event_routes_with_a_real_event_per_role(client, new_client, db, users, login, world):
    """With an event invited to A: the role gate gives 403, object scope 404, else 200."""
    event = world["invites_a"]
    pages = ["", "/event.ics", "/rsvp", "/edit", "/postpone", "/cancel", "/decline",
             "/attendance", "/agenda/new", "/materials/new"]
    expected = {
        "viewer_a": [200, 200, 200, 403, 403, 403, 403, 403, 403, 403],
        "manager_a": [200, 200, 200, 403, 403, 403, 403, 403, 403, 403],
        "viewer_b": [404, 404, 404, 403, 403, 403, 403, 403, 403, 403],
        "staff": [200, 200, 403, 200, 200, 200, 200, 200, 200, 200],
    }
    for who, statuses in expected.items():
        c = login(users[who], the_client=new_client())
        got = [c.get(f"/events/{event.id}{page}").status_code for page in pages]
        assert got == statuses, who


def test_a2_co_organising_manager_can_contribute_but_not_manage(client, new_client, db, users,
                                                                login, world):
    event = world["a_coorganises"]
    login(users["manager_a"])
    assert client.get(f"/events/{event.id}/agenda/new").status_code == 200
    assert client.get(f"/events/{event.id}/materials/new").status_code == 200
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    viewer = login(users["viewer_a"], the_client=new_client())
    assert viewer.get(f"/events/{event.id}/materials/new").status_code == 403


def test_a1_every_events_endpoint_is_classified(app):
    policy = load_policy()
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("events.")}
    assert len(endpoints) == 22
    assert endpoints <= set(policy)
    assert {e for e in endpoints if policy[e].public} == {"events.feed"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("events.") and "event_id" in rule.arguments:
            assert policy[rule.endpoint].object == "event", rule.endpoint


# --- the personal calendar feed --------------------------------------------------------------

def _issue_feed(client) -> str:
    response = client.post("/events/settings/feed", data={"csrf_token": signed_in_csrf(client)},
                           follow_redirects=True)
    match = re.search(r'value="(https?://[^"]+/events/feed/[^"]+\.ics)"', response.get_data(
        as_text=True))
    assert match, "the new feed address is shown"
    return match.group(1).split("portal.test", 1)[1]


def test_feed_lists_only_the_owners_visible_events(client, new_client, db, users, login, world):
    login(users["viewer_a"])
    path = _issue_feed(client)
    # Shown once: the next visit of the settings page no longer has it.
    assert path not in client.get("/events/settings").get_data(as_text=True)
    calendar_program = new_client()  # no cookie, no sign-in
    response = calendar_program.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.data)
    summaries = {str(e["SUMMARY"]): str(e["STATUS"]) for e in cal.events}
    # Published events only: the proposal stays in the portal.
    assert set(summaries) == {"CANARY-invites-a", "CANARY-a-coorganises", "CANARY-cancelled-a"}
    assert summaries["CANARY-cancelled-a"] == "CANCELLED"
    assert summaries["CANARY-invites-a"] == "CONFIRMED"
    start = cal.events[0].decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Beirut" and start.astimezone(UTC) == APRIL
    assert b"Fictional Hall" in response.data and b"DESCRIPTION" in response.data
    assert b"1 Example" not in response.data


def test_feed_token_is_stored_hashed_and_bad_or_revoked_tokens_are_404(
        client, new_client, db, users, login, world):
    login(users["viewer_a"])
    path = _issue_feed(client)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    row = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id ==
                                                        users["viewer_a"].id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in str(
        row.__dict__)
    outsider = new_client()
    assert outsider.get(path).status_code == 200
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert outsider.get(path.replace(token, altered)).status_code == 404
    assert outsider.get("/events/feed/" + "x" * 200 + ".ics").status_code == 404
    # A new address ends the old one.
    newer = _issue_feed(client)
    assert outsider.get(path).status_code == 404 and outsider.get(newer).status_code == 200
    # Switching it off ends it.
    client.post("/events/settings/feed/revoke", data={"csrf_token": signed_in_csrf(client)})
    assert outsider.get(newer).status_code == 404
    assert "You have no calendar address" in client.get("/events/settings").get_data(
        as_text=True)


def test_feed_of_a_deactivated_account_is_404(client, new_client, db, users, login, world):
    login(users["viewer_a"])
    path = _issue_feed(client)
    users["viewer_a"].active = False
    db.session.commit()
    assert new_client().get(path).status_code == 404


def test_cancellation_reaches_the_feed(client, new_client, db, users, login, world):
    viewer = login(users["viewer_a"], the_client=new_client())
    path = _issue_feed(viewer)
    staff = login(users["staff"], the_client=new_client())
    event = world["invites_a"]
    assert post_form(staff, f"/events/{event.id}/cancel", {"reason": ""}).status_code == 302
    cal = icalendar.Calendar.from_ical(new_client().get(path).data)
    entry = next(e for e in cal.events if str(e["SUMMARY"]) == "CANARY-invites-a")
    assert str(entry["STATUS"]) == "CANCELLED" and int(entry["SEQUENCE"]) == 1
