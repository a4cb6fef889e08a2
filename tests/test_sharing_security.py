"""Sharing security tests (SECURITY.md A3, A4, A5, E4, G4): enumeration answers like a
missing case, bulk reads stay inside the organisation's subset, every surface shows exactly
the fields of the effective tier, injection strings change nothing, no canary in any log."""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from urllib.parse import quote, unquote

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal import access
from portal.extensions import db as _db
from portal.models import AuditEvent

from .conftest import post_form, table_counts
from .sharing_helpers import make_grant
from .sharing_world import (
    FIELD_TIERS,
    allowed_fields,
    build_world,
    canary_case,
    canary_id,
    forbidden_ids,
    leaks,
)
from .test_sharing_matrix import normalise

pytestmark = pytest.mark.security

# CONTRACT.md, written out independently of the code: the keys of redact() per tier.
SUMMARY_KEYS = {"uid", "reference", "tier", "names", "aliases", "sex", "birth_year",
                "governorate", "arrest_month", "perpetrator", "facility", "status",
                "public_narrative"}
DETAILED_KEYS = SUMMARY_KEYS | {"parents", "birth_date", "district", "arrest_date",
                                "arrest_circumstances", "timeline", "submissions"}
EXPECTED_KEYS = {"summary": SUMMARY_KEYS, "detailed": DETAILED_KEYS,
                 "identification": DETAILED_KEYS | {"informants"}}
NESTED_KEYS = {"names": {"first_ar", "family_ar", "first_lat", "family_lat"},
               "parents": {"father_ar", "father_lat", "mother_ar", "mother_lat"},
               "timeline": {"kind", "date", "estimated", "place", "facility", "perpetrator",
                            "unit", "source_kind"},
               "submissions": {"body", "date", "reference", "answer"},
               "informants": {"relation", "contact_channel"}}


def audit_count(action: str) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count(AuditEvent.id))
                              .where(AuditEvent.action == action))


# --- A3 ---------------------------------------------------------------------------------------
def test_a3_case_ids_outside_the_subset_answer_like_a_missing_case(client, db, users, orgs, login,
                                                                    security_report):
    """T3/T20: other organisation's, unshared, expired, revoked, refused, internal, deleted,
    random and malformed ids → the same 404 body, an authz_fail entry each, nothing written."""
    world = build_world(users, orgs)
    login(users["viewer_a"])
    uids = world["uids"]
    variants = [uids[k] for k in ("b_only", "unshared", "expired", "revoked", "refused",
                                  "internal", "deleted", "nonexistent")]
    variants += [str(uuid.uuid4()), uids["shared_a"].upper(), "..", "%00", "x" * 10240,
                 quote("' OR 1=1 --"), quote("CANARY-7f3a-هاتف")]
    # Resolved before routing (the client and Werkzeug fold "/x/../" away): a plain 404 for a
    # path that names no case at all; checked for status and canaries only.
    traversal = ["..%2F..%2Fetc%2Fpasswd", "../" + uids["b_only"]]
    routes = ["/cases/{}", "/cases/{}/json", "/api/cases/{}"]
    before, audited = table_counts(db), audit_count("authz_fail")
    requests, extra_bodies, failures = 0, 0, []
    forbidden = forbidden_ids(world, "a")
    for pattern in routes:
        bodies = set()
        for variant in variants + traversal:
            url = pattern.format(variant)
            response = client.get(url)
            if response.status_code != 404 or leaks(response.get_data(as_text=True), forbidden):
                failures.append(f"{url[:60]}: {response.status_code}")
            if variant in traversal:
                continue
            requests += 1
            path = unquote(url)
            bodies.add(normalise(response.get_data(as_text=True), str(escape(path)), path))
        extra_bodies += len(bodies) - 1
    assert failures == [] and extra_bodies == 0
    assert client.get(f"/cases/{uids['shared_a']}").status_code == 200  # the subset still opens
    assert table_counts(db) == before
    assert audit_count("authz_fail") - audited == requests
    refused = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "authz_fail", AuditEvent.object_id == uids["b_only"])).all()
    assert refused and all(e.actor_id == users["viewer_a"].id for e in refused)
    security_report["A3_sharing"] = {"id_routes": len(routes), "variants": len(variants),
                                     "requests": requests,
                                     "distinct_denial_bodies_extra": extra_bodies}


# --- A4 and E4 --------------------------------------------------------------------------------
def _listed(client, params: dict) -> tuple[int, str]:
    response = client.get("/cases/", query_string=params)
    return response.status_code, response.get_data(as_text=True)


def test_a4_bulk_reads_as_org_b_stay_inside_its_subset(client, db, users, orgs, login,
                                                       security_report):
    world = build_world(users, orgs)
    for n in range(3):  # a few more of B's cases, and one B sees only through a filter grant
        make_grant(orgs["b"], "summary", [canary_case(users["staff"], f"b{n}")])
    canary_case(users["staff"], "bfilter", status="missing")
    make_grant(orgs["b"], "detailed", params={"status": "missing"})
    db.session.commit()
    world["tiers"]["b"].update({"b0": "summary", "b1": "summary", "b2": "summary",
                                "bfilter": "detailed"})
    world["cases"].update({k: None for k in ("b0", "b1", "b2", "bfilter")})
    expected = len(world["tiers"]["b"])
    assert expected == _db.session.scalar(select(func.count()).select_from(
        access.visible_cases_for_org(orgs["b"]).subquery()))
    login(users["viewer_b"])
    forbidden = forbidden_ids(world, "b")
    checked, leaked, wrong = 0, [], []
    for q in ("", "%", "*", "_", "CANARY", "canary-7f3a-shared_a"):
        status, body = _listed(client, {"q": q})
        checked += 1
        leaked += leaks(body, forbidden)
        if q in ("", "%", "*") and f"{expected} cases match." not in body:
            wrong.append(f"list q={q!r}")
        api = client.get("/api/cases", query_string={"q": q})
        checked += 1
        leaked += leaks(api.get_data(as_text=True), forbidden)
        if q == "" and api.get_json()["total"] != expected:
            wrong.append("api total")
    for fmt in ("csv", "json"):
        response = client.get(f"/cases/export.{fmt}")
        body = response.get_data(as_text=True)
        checked += 1
        leaked += leaks(body, forbidden)
        rows = (len(list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))) - 1 if fmt == "csv"
                else len(json.loads(body)["cases"]))
        if rows != expected:
            wrong.append(f"export {fmt}: {rows}")
    assert leaked == [] and wrong == []
    security_report["A4_sharing"] = {"endpoints": 4, "requests": checked,
                                     "canaries_searched": len(forbidden), "leaked": len(leaked)}


INJECTIONS = ["' OR 1=1 --", "%", "_", "\\", '"', "محمد' OR '1'='1", "*", "",
              "1; DROP TABLE cases", "%00", "x" * 300]
PARAMS = ("q", "reference", "status", "perpetrator", "facility", "governorate", "arrest_from",
          "arrest_to", "tag", "sort", "page")


def test_e4_injection_strings_in_every_filter_parameter(client, db, users, orgs, login,
                                                        security_report):
    world = build_world(users, orgs)
    login(users["viewer_b"])
    forbidden = forbidden_ids(world, "b")
    before = table_counts(db)
    errors, leaked, requests = [], [], 0
    for param in PARAMS:
        for payload in INJECTIONS:
            for path in ("/cases/", "/api/cases", "/cases/export.csv", "/cases/export.json"):
                response = client.get(path, query_string={param: payload})
                requests += 1
                if response.status_code >= 500:
                    errors.append(f"{path} {param}={payload[:20]!r}")
                leaked += leaks(response.get_data(as_text=True), forbidden)
    assert errors == [] and leaked == []
    assert table_counts(db) == before
    security_report["E4_sharing"] = {"parameters": len(PARAMS), "payloads": len(INJECTIONS),
                                     "requests": requests, "errors": len(errors),
                                     "leaked": len(leaked)}


# --- A5 ---------------------------------------------------------------------------------------
CONSENTS = {
    "all_partners+referral": ({"consent_level": "all_partners"}, True, True),
    "all_partners": ({"consent_level": "all_partners"}, False, True),
    "public+referral": ({"consent_level": "public"}, True, True),
    "named_a+referral": ({"consent_level": "named_partners", "allowed_orgs": ["a"]}, True, True),
    "named_b_only": ({"consent_level": "named_partners", "allowed_orgs": ["b"]}, True, False),
    "refused_a": ({"consent_level": "all_partners", "refused_orgs": ["a"]}, True, False),
    "internal": ({"consent_level": "internal"}, True, False),
}


def expected_tier(grant_tier: str, referral: bool, visible: bool) -> str | None:
    if not visible:
        return None
    if grant_tier == "identification" and not referral:
        return "detailed"
    return grant_tier


def check_keys(data: dict, tier: str) -> list[str]:
    problems = []
    if set(data) != EXPECTED_KEYS[tier]:
        problems.append(f"keys {sorted(set(data) ^ EXPECTED_KEYS[tier])}")
    for key, keys in NESTED_KEYS.items():
        items = data.get(key)
        for item in (items if isinstance(items, list) else [items] if items else []):
            if set(item) != keys:
                problems.append(f"{key} keys {sorted(set(item) ^ keys)}")
    return problems


@pytest.mark.parametrize("consent", list(CONSENTS))
@pytest.mark.parametrize("grant_tier", ["summary", "detailed", "identification"])
def test_a5_every_surface_shows_exactly_the_fields_of_the_tier(
        client, db, users, orgs, login, caplog, grant_tier, consent, security_report):
    caplog.set_level(logging.DEBUG)
    spec, referral, visible = CONSENTS[consent]
    spec = {k: ([orgs[o].id for o in v] if isinstance(v, list) else v) for k, v in spec.items()}
    case = canary_case(users["staff"], "t", consent=spec, referral=referral)
    make_grant(orgs["a"], grant_tier, [case])
    db.session.commit()
    tier = expected_tier(grant_tier, referral, visible)
    assert access.effective_tiers_for_org(orgs["a"], [case.id]).get(case.id) == tier
    forbidden = [canary_id("t", f) for f in FIELD_TIERS if f not in allowed_fields(tier)]
    allowed = [canary_id("t", f) for f in allowed_fields(tier)]
    login(users["viewer_a"])
    surfaces, problems = {}, []
    for lang in ("en", "ar"):
        post_form(client, "/language", {"lang": lang, "next": "/cases/"}, page="/account/")
        surfaces[f"detail-{lang}"] = client.get(f"/cases/{case.uid}")
        surfaces[f"list-{lang}"] = client.get("/cases/")
    surfaces["detail-json"] = client.get(f"/cases/{case.uid}/json")
    surfaces["api-case"] = client.get(f"/api/cases/{case.uid}")
    surfaces["api-list"] = client.get("/api/cases")
    surfaces["export-csv"] = client.get("/cases/export.csv")
    surfaces["export-json"] = client.get("/cases/export.json")
    for name, response in surfaces.items():
        body = response.get_data(as_text=True)
        found = leaks(body, forbidden)
        if found:
            problems.append(f"{name}: {found}")
    if tier is None:
        assert surfaces["detail-en"].status_code == surfaces["api-case"].status_code == 404
        assert case.reference not in surfaces["list-en"].get_data(as_text=True)
        assert surfaces["api-list"].get_json()["cases"] == []
    else:
        dicts = {"redact": access.redact(case, tier), "detail-json": surfaces["detail-json"]
                 .get_json(), "api-case": surfaces["api-case"].get_json(),
                 "api-list": surfaces["api-list"].get_json()["cases"][0],
                 "export-json": json.loads(surfaces["export-json"].get_data(as_text=True))
                 ["cases"][0]}
        for name, data in dicts.items():
            problems += [f"{name}: {p}" for p in check_keys(data, tier)]
            missing = [a for a in allowed if a not in json.dumps(
                data, ensure_ascii=False).casefold()]
            if missing:
                problems.append(f"{name} lacks {missing}")
        assert surfaces["detail-ar"].status_code == 200
        assert 'lang="ar" dir="rtl"' in surfaces["detail-ar"].get_data(as_text=True)
    logged = [r.getMessage() for r in caplog.records]
    problems += [f"log: {line[:80]}" for line in logged if leaks(line, forbidden + allowed)]
    audit_text = " ".join(f"{e.object_id} {e.detail}" for e in db.session.scalars(
        select(AuditEvent)))
    problems += [f"audit: {c}" for c in leaks(audit_text, forbidden + allowed)]
    assert problems == []
    figures = security_report.setdefault("A5_sharing", {"combinations": 0, "surfaces": 0,
                                                        "redacted_fields": 0,
                                                        "log_lines_scanned": 0,
                                                        "canary_hits": 0})
    figures["combinations"] += 1
    figures["surfaces"] = len(surfaces)
    figures["redacted_fields"] = max(figures["redacted_fields"], len(forbidden))
    figures["log_lines_scanned"] += len(logged)
