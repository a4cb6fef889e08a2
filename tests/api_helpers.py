"""Builders for the partner API v1 tests: tokens and a shared world. Fictional data."""

from __future__ import annotations

from portal.extensions import db
from portal.services.api import tokens

from .case_helpers import actor_of
from .sharing_helpers import consented_case, make_grant, shared


def make_token(org, user, scopes=("cases:read", "events:read", "submissions:write"), *,
               days: int = 30, name: str = "Fictional partner system") -> str:
    _token, text = tokens.create_token(org, name=name, scopes=list(scopes), days=days,
                                       user=user, actor=actor_of(user))
    db.session.commit()
    return text


def bearer(text: str) -> dict:
    return {"Authorization": f"Bearer {text}"}


def shared_world(users, orgs, n_a: int = 3):
    """Cases shared with A (summary and detailed), one with B only, one unshared."""
    staff = users["staff"]
    a_cases = [consented_case(staff, shared(), first_name_lat=f"Fictional{i}",
                              public_narrative=f"narrative {i}") for i in range(n_a)]
    detailed = consented_case(staff, shared(), first_name_lat="Detailedcase",
                              arrest_circumstances="CANARY-circumstances")
    b_only = consented_case(staff, shared(), first_name_lat="Bonly")
    unshared = consented_case(staff, shared(), first_name_lat="Unshared",
                              internal_notes="CANARY-internal")
    grant_a = make_grant(orgs["a"], "summary", a_cases)
    grant_a_detailed = make_grant(orgs["a"], "detailed", [detailed])
    make_grant(orgs["b"], "detailed", [b_only])
    db.session.commit()
    return {"a_cases": a_cases, "detailed": detailed, "b_only": b_only, "unshared": unshared,
            "grant_a": grant_a, "grant_a_detailed": grant_a_detailed}


def pull(client, token, cursor=None, limit=3, **params):
    """Every page from `cursor` (None: a full sync): (items, last cursor, pages)."""
    items, pages = [], 0
    while True:
        query = dict(params, limit=limit)
        if cursor:
            query["cursor"] = cursor
        r = client.get("/api/v1/cases", query_string=query, headers=bearer(token))
        assert r.status_code == 200, r.get_data(as_text=True)
        body = r.get_json()
        items += body["items"]
        cursor, pages = body["next_cursor"], pages + 1
        if not body["has_more"]:
            return items, cursor, pages
