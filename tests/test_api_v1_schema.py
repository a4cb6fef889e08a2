"""Schemathesis against the partner API v1's own OpenAPI document (issue 16), through the
WSGI app with a valid token: no server error, no response outside the schema, and no case
outside the token's organisation or above its tier. Few examples, so the suite stays fast."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .api_helpers import bearer, make_token, shared_world

pytestmark = pytest.mark.security

EXAMPLES = 8


@pytest.fixture
def api_world(app, db, users, orgs):
    world = shared_world(users, orgs)
    text = make_token(orgs["a"], users["manager_a"])
    allowed = {c.uid: "summary" for c in world["a_cases"]}
    allowed[world["detailed"].uid] = "detailed"
    return {"token": text, "allowed": allowed, "world": world}


def _cases_in(body) -> list[dict]:
    if not isinstance(body, dict):
        return []
    if "items" in body:
        return [i["case"] for i in body["items"] if isinstance(i, dict) and i.get("case")]
    return [body] if "uid" in body and "tier" in body else []


def test_api_conforms_to_its_document(app, api_world, security_report):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            headers=bearer(api_world["token"]))
    calls = {"operations": 0, "requests": 0}
    for result in schema.get_all_operations():
        operation = result.ok()
        calls["operations"] += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            calls["requests"] += 1
            # The WSGI transport does not undo gzip (pages over 1 KB are compressed when the
            # client accepts it; a partner's HTTP library decompresses them itself).
            response = case.call(headers={**bearer(api_world["token"]),
                                          "Accept-Encoding": "identity"})
            case.validate_response(response, excluded_checks=[
                # A well-formed request may still be refused for what it names (a case not
                # shared, a birth date in the future): 404/422 by design.
                schemathesis.checks.positive_data_acceptance,
                # Every call here carries the valid token (refusals: tests/test_api_v1.py).
                schemathesis.checks.ignored_auth])
            assert response.status_code < 500
            try:
                body = response.json()
            except ValueError:
                body = None
            for found in _cases_in(body):
                assert found["uid"] in api_world["allowed"], "a case outside the subset"
                assert found["tier"] == api_world["allowed"][found["uid"]], "tier above grant"
                assert "internal_notes" not in found and "sources" not in found

        check()
    assert calls["operations"] >= 7 and calls["requests"] >= 7
    security_report["API1"] = calls
