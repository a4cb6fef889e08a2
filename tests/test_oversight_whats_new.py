"""What's new since the previous sign-in (issue 4): cases in the partner's subset newly
shared, created, or whose status or custody timeline changed, shown at the partner's tier;
nothing from outside the subset, nothing for office-only changes."""

from __future__ import annotations

import re

from portal.services.cases import records as case_records
from portal.services.cases.register import update_case

from .case_helpers import BASE, actor_of
from .oversight_helpers import grant, shareable_case


def _rows(html: str) -> dict[str, str]:
    """{reference: the row's text} of the what's-new table."""
    body = html.split("<tbody>")[-1]
    out = {}
    for row in body.split("<tr>")[1:]:
        ref = re.search(r"DO-\d{4}-\d{6}", row)
        if ref:
            out[ref.group(0)] = row
    return out


def test_partner_sees_what_is_new_since_previous_sign_in(client, new_client, users, orgs,
                                                         login, db, clock):
    staff, a = users["staff"], orgs["a"]
    x, y, w, u, v = (shareable_case(staff, first_name_lat=f"Fictional{n}",
                                    arrest={"date": "2013-05"}) for n in "xywuv")
    db.session.commit()
    grant(staff, a, [x, w])
    grant(staff, a, [y], tier="summary")
    first = login(users["viewer_a"], the_client=new_client())
    page = first.get("/updates/").get_data(as_text=True)
    assert "This is your first sign-in" in page

    clock.shift(120)
    actor = actor_of(staff)
    case_records.save_entry(x, {"kind": "sighting", "date": "2019", "place": "Fictional"},
                            actor=actor)
    case_records.save_entry(y, {"kind": "release", "date": "2020-02"}, actor=actor)
    case_records.save_entry(u, {"kind": "release", "date": "2020-02"}, actor=actor)
    update_case(w, {**BASE, "first_name_lat": "Fictionalw",
                    "internal_notes": "An office-only fictional note."},
                expected_version=w.version, actor=actor)  # not something partners see
    z = shareable_case(staff, first_name_lat="FictionalZ")
    db.session.commit()
    grant(staff, a, [z, v])

    login(users["viewer_a"])
    r = client.get("/updates/")
    assert r.status_code == 200
    rows = _rows(r.get_data(as_text=True))
    assert set(rows) == {x.reference, y.reference, z.reference, v.reference}
    assert "Custody timeline updated" in rows[x.reference]
    assert "Status changed" in rows[y.reference]
    assert "Custody timeline updated" not in rows[y.reference]  # summary tier: no timeline
    assert "New case" in rows[z.reference]
    assert "Newly shared with your organisation" in rows[v.reference]
    assert w.reference not in r.get_data(as_text=True)
    assert u.reference not in r.get_data(as_text=True)


def test_timeline_change_below_the_detailed_tier_reads_as_updated(client, new_client, users,
                                                                   orgs, login, db, clock):
    staff = users["staff"]
    case = shareable_case(staff, arrest={"date": "2013-05"})
    db.session.commit()
    grant(staff, orgs["a"], [case], tier="summary")
    login(users["viewer_a"], the_client=new_client())
    clock.shift(120)
    case_records.save_entry(case, {"kind": "transfer", "date": "2015"},
                            actor=actor_of(staff))
    db.session.commit()
    login(users["viewer_a"])
    row = _rows(client.get("/updates/").get_data(as_text=True))[case.reference]
    assert "Updated" in row and "Custody timeline" not in row


def test_other_organisation_sees_nothing_of_it(client, new_client, users, orgs, login, db,
                                               clock):
    staff = users["staff"]
    case = shareable_case(staff)
    db.session.commit()
    login(users["viewer_b"], the_client=new_client())
    clock.shift(120)
    grant(staff, orgs["a"], [case])
    case_records.save_entry(case, {"kind": "sighting", "date": "2019"}, actor=actor_of(staff))
    db.session.commit()
    login(users["viewer_b"])
    html = client.get("/updates/").get_data(as_text=True)
    assert case.reference not in html and "Nothing new since your previous sign-in." in html


def test_office_cannot_open_the_partner_page(client, users, login):
    login(users["staff"])
    assert client.get("/updates/").status_code == 403
