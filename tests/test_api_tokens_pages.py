"""The API token pages (issue 16): who may create and revoke, shown once, the reference."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import ApiToken

from .api_helpers import bearer
from .conftest import post_form, signed_in_csrf

pytestmark = pytest.mark.security


def test_partner_manager_creates_a_token_shown_once(client, db, login, users, orgs):
    login(users["manager_a"])
    r = post_form(client, "/api-access/new", {"name": "Fictional case system",
                                              "scopes": ["cases:read"], "days": "30",
                                              "organization": str(orgs["b"].id)})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    text = html.split('<bdi dir="ltr">')[1].split("</bdi>")[0]
    assert text.startswith("ppt_")
    row = db.session.scalar(select(ApiToken))
    assert row.organization_id == orgs["a"].id  # never another organisation's
    assert row.scope_list == ["cases:read"] and text not in row.secret_hash
    listing = client.get("/api-access/").get_data(as_text=True)
    assert "Fictional case system" in listing and text not in listing
    assert client.get("/api/v1/token", headers=bearer(text)).status_code == 200


def test_token_expiry_is_at_most_a_year(client, db, login, users):
    login(users["manager_a"])
    r = post_form(client, "/api-access/new", {"name": "Too long", "scopes": ["cases:read"],
                                              "days": "400"})
    assert r.status_code == 422 and db.session.scalar(select(ApiToken)) is None


def test_staff_creates_a_token_for_a_partner(client, db, login, users, orgs):
    login(users["staff"])
    r = post_form(client, "/api-access/new", {"name": "Lab system", "scopes": ["events:read"],
                                              "days": "10", "organization": str(orgs["b"].id)})
    assert r.status_code == 200
    assert db.session.scalar(select(ApiToken)).organization_id == orgs["b"].id


def test_viewer_cannot_manage_tokens_and_others_cannot_revoke(client, db, login, users, orgs,
                                                             new_client):
    login(users["staff"])
    post_form(client, "/api-access/new", {"name": "B system", "scopes": ["events:read"],
                                          "days": "10", "organization": str(orgs["b"].id)})
    token = db.session.scalar(select(ApiToken))
    viewer = login(users["viewer_a"], the_client=new_client())
    assert viewer.get("/api-access/").status_code == 403
    manager = login(users["manager_a"], the_client=new_client())
    r = manager.post(f"/api-access/{token.id}/revoke",
                     data={"csrf_token": signed_in_csrf(manager)})
    assert r.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_reference_page_lists_the_operations(client, login, users, lang):
    login(users["viewer_a"])
    client.get(f"/?lang={lang}")
    html = client.get("/api-access/docs").get_data(as_text=True)
    assert "GET /api/v1/cases" in html and "POST /api/v1/submissions" in html
    assert "CasePage" in html and "updated_since" in html


def test_the_page_showing_a_new_token_is_never_compressed(client, login, users):
    """A secret shown once and reflected form input in one compressed response is BREACH."""
    login(users["manager_a"])
    r = post_form(client, "/api-access/new", {"name": "Fictional archive",
                                              "scopes": ["cases:read"], "days": "30"},
                  headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "ppt_" in r.get_data(as_text=True)
    assert "Content-Encoding" not in r.headers


def test_the_account_page_leads_managers_to_their_tokens(client, login, users):
    login(users["manager_a"])
    page = client.get("/account/").get_data(as_text=True)
    assert 'href="/api-access/"' in page and 'href="/api-access/docs"' in page
    client.post("/auth/logout", data={"csrf_token": signed_in_csrf(client)})
    login(users["viewer_a"])
    page = client.get("/account/").get_data(as_text=True)
    assert 'href="/api-access/"' not in page and 'href="/api-access/docs"' in page
