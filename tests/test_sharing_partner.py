"""What partners see on the case pages, exports and the JSON API: their subset at each case's
tier, with the register's search, filters, sorting and paging; criteria never reveal a field
above the tier. And the demo data's promise (issue 4, "done when")."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal import refdata
from portal.demo.accounts import DEMO_PASSWORD
from portal.models import Case, Organization, ShareGrant
from portal.services.cases import records as case_records

from .case_helpers import actor_of
from .conftest import post_form
from .sharing_helpers import consented_case, make_grant, shared


def test_partner_list_shows_each_case_at_its_tier(client, db, users, orgs, login):
    staff = users["staff"]
    detailed = consented_case(staff, shared(), arrest_circumstances="x",
                              first_name_lat="Rami", first_name_ar="رامي")
    summary = consented_case(staff, shared(), first_name_lat="Samer", first_name_ar="سامر")
    case_records.save_entry(detailed, {"kind": "arrest", "date": "2013-06-14"},
                            actor=actor_of(staff))
    case_records.save_entry(summary, {"kind": "arrest", "date": "2012-03-02"},
                            actor=actor_of(staff))
    make_grant(orgs["a"], "detailed", [detailed])
    make_grant(orgs["a"], "summary", [summary])
    db.session.commit()
    login(users["viewer_a"])
    page = client.get("/cases/").get_data(as_text=True)
    assert "2 cases match." in page
    assert "14 June 2013" in page and "March 2012" in page and "2 March 2012" not in page
    assert page.count("tier-detailed") == 1 and page.count("tier-summary") == 1
    api = client.get("/api/cases?sort=name").get_json()
    # sort=name: family name, then first name (both al-Halabi): Rami before Samer.
    assert [c["tier"] for c in api["cases"]] == ["detailed", "summary"]


def test_partner_search_pages_and_sorts_over_the_subset(client, db, users, orgs, login):
    staff = users["staff"]
    mine = [consented_case(staff, shared(), first_name_lat=f"Name{n}") for n in range(3)]
    consented_case(staff, shared())  # not shared
    make_grant(orgs["a"], "summary", mine)
    db.session.commit()
    login(users["viewer_a"])
    assert "3 cases match." in client.get("/cases/?q=al-Halabi").get_data(as_text=True)
    assert "1 case matches." in client.get(
        f"/cases/?reference={mine[1].reference}").get_data(as_text=True)
    listed = client.get("/api/cases?sort=reference").get_json()
    assert [c["reference"] for c in listed["cases"]] == sorted(
        (c.reference for c in mine), reverse=True)


def test_partner_criteria_never_reach_past_the_tier(client, db, users, orgs, login):
    """Tags are office data; the summary tier shows the last facility, not the timeline."""
    staff = users["staff"]
    facilities = [f["id"] for f in refdata.all_rows("facilities")[:2]]
    case = consented_case(staff, shared(), tags=["campaign-x"])
    case_records.save_entry(case, {"kind": "arrest", "date": "2013-06-14",
                                   "facility_id": facilities[0]}, actor=actor_of(staff))
    case_records.save_entry(case, {"kind": "transfer", "date": "2014", "facility_id":
                                   facilities[1]}, actor=actor_of(staff))
    grant = make_grant(orgs["a"], "summary", [case])
    db.session.commit()
    login(users["viewer_a"])

    def count(query: str) -> int:
        return client.get(f"/api/cases?{query}").get_json()["total"]
    assert count("tag=nothing-like-it") == 1  # the tag criterion is ignored for partners
    assert count(f"facility={facilities[1]}") == 1  # the last known facility: summary shows it
    assert count(f"facility={facilities[0]}") == 0  # earlier in the timeline: above summary
    assert count("arrest_from=2013-06-15") == 1  # by month: the summary tier shows the month
    grant.tier = "detailed"
    db.session.commit()
    assert count(f"facility={facilities[0]}") == 1
    assert count("arrest_from=2013-06-15") == 1


@pytest.mark.security
def test_a_name_query_never_confirms_a_parent_name_above_the_tier(client, db, users, orgs,
                                                                  login):
    """The summary tier shows the person's own names, not the father's: searching or
    exporting by the father's name finds the case only where the tier shows parents."""
    staff = users["staff"]
    low = consented_case(staff, shared(), first_name_ar="وسيم", father_name_ar="نزار",
                         family_name_ar="الدباغ", first_name_lat="Wasim",
                         father_name_lat="Nizar", family_name_lat="al-Dabbagh")
    high = consented_case(staff, shared(), first_name_ar="وسيم", father_name_ar="نزار",
                          family_name_ar="القصاب", first_name_lat="Wasim",
                          father_name_lat="Nizar", family_name_lat="al-Qassab")
    make_grant(orgs["a"], "summary", [low])
    make_grant(orgs["a"], "detailed", [high])
    db.session.commit()
    login(users["viewer_a"])

    def found(query: str) -> set[str]:
        listed = {c["reference"] for c in client.get(f"/api/cases?q={query}")
                  .get_json()["cases"]}
        page = client.get(f"/cases/?q={query}").get_data(as_text=True)
        assert {ref for ref in (low.reference, high.reference) if ref in page} == listed
        body = client.get(f"/cases/export.csv?q={query}").get_data(as_text=True)
        exported = {r["reference"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
        assert exported == listed, query
        return listed
    assert found("وسيم") == {low.reference, high.reference}  # own names: both
    assert found("Wasim al-Dabbagh") == {low.reference}
    for father in ("وسيم نزار", "Wasim Nizar", "نزار"):
        assert found(father) == {high.reference}, father  # only where parents are shown
    make_grant(orgs["a"], "detailed", [low])  # the tier rises: the father's name is shown
    db.session.commit()
    assert found("Wasim Nizar") == {low.reference, high.reference}


def test_partner_export_is_redacted_as_on_screen(client, db, users, orgs, login):
    staff = users["staff"]
    case = consented_case(staff, shared(), arrest_circumstances="CIRC-marker",
                          internal_notes="NOTE-marker")
    make_grant(orgs["a"], "summary", [case])
    db.session.commit()
    login(users["viewer_a"])
    body = client.get("/cases/export.csv?tier=office").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["reference"] for r in rows] == [case.reference]
    assert "arrest_circumstances" not in rows[0] and "internal_notes" not in rows[0]
    assert "CIRC-marker" not in body and "NOTE-marker" not in body


def test_api_needs_a_session_and_answers_json(client, db, users, orgs, login):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "detailed", [case])
    db.session.commit()
    anonymous = client.get("/api/cases")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == 401
    login(users["viewer_a"])
    got = client.get(f"/api/cases/{case.uid}")
    assert got.status_code == 200 and got.get_json()["tier"] == "detailed"
    missing = client.get("/api/cases/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.get_json()["error"] == 404
    assert client.get("/api/cases?status=unknown").status_code == 400


# --- the demo ------------------------------------------------------------------------------
@pytest.fixture
def demo(app, db, runner):
    app.config["DEMO_MODE"] = True
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return {o.name_en.split(" (")[0]: o for o in db.session.scalars(select(Organization))}


def _demo_client(new_client, email):
    c = new_client()
    response = post_form(c, "/auth/login", {"email": email, "password": DEMO_PASSWORD,
                                            "code": ""})
    assert response.status_code == 302
    return c


def _count(client) -> int:
    return client.get("/api/cases").get_json()["total"]


def test_demo_partners_see_their_subsets(demo, db, new_client):
    from portal import access
    north = demo["Northbridge Missing Persons Commission"]
    cedar, rights = demo["Cedar Rights Lab"], demo["Global Rights Watch Collective"]
    northbridge = _demo_client(new_client, "viewer@northbridge.example")
    cases = northbridge.get("/api/cases").get_json()["cases"]
    assert cases and {c["tier"] for c in cases} == {"detailed"}
    cedar_cases = _demo_client(new_client, "viewer@cedarlab.example").get("/api/cases").get_json()
    assert 0 < cedar_cases["total"] < len(cases)
    assert {c["tier"] for c in cedar_cases["cases"]} == {"summary"}
    assert _count(_demo_client(new_client, "viewer@globalrights.example")) == 0
    granted = db.session.scalars(select(ShareGrant).where(
        ShareGrant.organization_id == north.id)).one()
    named = {r.case_id for r in granted.case_rows}
    hidden = named - {c.id for c in db.session.scalars(access.visible_cases_for_org(north))}
    assert len(hidden) == 2  # one refusal of Northbridge, one office-only case
    consents = [access.case_consent(db.session.get(Case, i)) for i in hidden]
    assert any(north.id in c["refused_orgs"] for c in consents)
    assert any(c["level"] == "internal" for c in consents)
    assert rights.id and cedar.id


def test_demo_load_twice_adds_no_grant(demo, db, runner):
    before = db.session.scalars(select(ShareGrant.id)).all()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert db.session.scalars(select(ShareGrant.id)).all() == before


@pytest.mark.security
def test_access_ending_between_lookup_and_tier_is_a_404_never_the_office_view(
        client, db, users, orgs, login, monkeypatch):
    """A revocation landing between get_case_or_404 and effective_tier must not fall back to
    any other tier (the page once defaulted to "office" for admins' deleted cases)."""
    from portal.blueprints.api import routes as api_routes
    from portal.blueprints.cases import routes as case_routes
    case = consented_case(users["staff"], shared(), internal_notes="NOTE-7f3a")
    make_grant(orgs["a"], "detailed", [case])
    db.session.commit()
    login(users["viewer_a"])
    for module in (case_routes, api_routes):
        monkeypatch.setattr(module, "effective_tier", lambda user, c: None)
    for path in (f"/cases/{case.uid}", f"/cases/{case.uid}/json", f"/api/cases/{case.uid}"):
        response = client.get(path)
        assert response.status_code == 404 and "NOTE-7f3a" not in response.get_data(as_text=True)
