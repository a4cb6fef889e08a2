"""Family data never reaches a partner except its own referrals (issue 17; SECURITY.md A4, A5,
T4, T11): a family with a distinct canary in EVERY field (label, residence note, safety rules,
members' names and contacts, consent notes, contact-log notes, needs, support, the intake
payload), linked to a case shared with partner A at the highest tier, with a referral to A.
Signed in as each partner role, every GET route of the portal (with every object id the world
has), the case exports, the session JSON API, every API v1 answer through a token and a
briefing pack's text hold no family canary; nor do the application log, the audit table and
the outbox. The only exception: the referral's own fields, on A's own referral pages."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.models import AuditEvent, OutboxMessage
from portal.models.families import IntakeSubmission, Referral
from portal.services import families as svc
from portal.services.families import referrals

from . import factories
from .api_helpers import bearer, make_token, pull
from .case_helpers import actor_of
from .referral_helpers import enc
from .sharing_helpers import consented_case, make_grant, shared
from .test_briefings_views import generate, latest_pack
from .test_sharing_matrix import sign_in

pytestmark = pytest.mark.security

# Every field of the family, each with its own canary (a Latin id and an Arabic word).
FIELDS = ("label", "residence", "safety", "firstname", "surname", "member2name", "contact1",
          "contact2", "consentnote_referral", "consentnote_contact", "consentnote_publish",
          "contactnote_visit", "contactnote_call", "need_legal", "need_medical", "support",
          "intake", "refsummary", "refcontact", "refoutcome")
# The referral's own fields: shown on partner A's own referral pages, nowhere else.
REFERRAL_FIELDS = {"firstname", "refsummary", "refcontact", "refoutcome"}
PARTNERS = ("viewer_a", "manager_a", "viewer_b")
DUMMY = "987654"


def canary(field: str) -> str:
    return f"FAMCANARY-{field}-عائلة"


def canary_id(field: str) -> str:
    return f"famcanary-{field}-"


def found(text: str, fields=FIELDS) -> list[str]:
    folded = text.casefold()
    return [f for f in fields if canary_id(f) in folded]


def canary_world(db, users, orgs) -> dict:
    """The canary family, made through the families services (so their log lines and audit
    entries are checked too), linked to a case shared with A at the highest tier."""
    staff, actor = users["staff"], actor_of(users["staff"])
    case = consented_case(staff, shared(identification_referral=True),
                          first_name_lat="Sharedcase")
    make_grant(orgs["a"], "identification", [case])  # the highest tier
    make_grant(orgs["b"], "summary", [case])
    c = canary
    family = svc.create_family({"label": c("label"), "residence_abroad": "lebanon",
                                "residence_note": c("residence"), "preferred_language": "ar",
                                "preferred_channel": "phone", "safety_rules": c("safety")},
                               actor=actor)
    svc.link_case(family, case, actor=actor)
    svc.add_member(family, {"name": f"{c('firstname')} {c('surname')}",
                            "contact": c("contact1"), "contact_channel": "phone",
                            "is_main_contact": True, "relations": {case.id: "mother"}},
                   actor=actor)
    svc.add_member(family, {"name": c("member2name"), "contact": c("contact2"),
                            "contact_channel": "email", "relations": {case.id: "brother"}},
                   actor=actor)
    consent = svc.record_consent(family, {
        "kind": "referral", "organization_id": orgs["a"].id, "method": "written",
        "given_on": "2026-03-01", "note": c("consentnote_referral")}, actor=actor)
    svc.record_consent(family, {"kind": "contact", "method": "oral_witnessed",
                                "given_on": "2026-03-01", "note": c("consentnote_contact")},
                       actor=actor)
    svc.record_consent(family, {"kind": "publish", "case_id": case.id, "method": "written",
                                "given_on": "2026-03-01", "note": c("consentnote_publish")},
                       actor=actor)
    for kind in ("visit", "call"):
        svc.log_contact(family, {"kind": kind, "happened_on": "2026-03-03",
                                 "note": c(f"contactnote_{kind}"),
                                 "follow_up_on": "2026-03-20"}, actor=actor)
    need = svc.add_need(family, {"category": "legal", "detail": c("need_legal"),
                                 "assessed_on": "2026-03-02"}, actor=actor)
    svc.add_need(family, {"category": "medical", "detail": c("need_medical"),
                          "assessed_on": "2026-03-02"}, actor=actor)
    # Support provided by partner A itself: still the office's record, never A's to read.
    svc.request_support(family, {"category": "legal", "form": "service",
                                 "description": c("support"), "need_id": need.id,
                                 "provider_org_id": orgs["a"].id}, actor=actor)
    db.session.add(IntakeSubmission(reference="R-CANA-RY01", kind="report_missing",
                                    payload_enc=enc("family_intake", "payload_enc",
                                                    '{"story": "%s"}' % c("intake")),
                                    status="linked", family_id=family.id, case_id=case.id))
    ref = referrals.create_referral(family, {
        "organization_id": orgs["a"].id, "need_id": need.id, "summary": c("refsummary"),
        "contact_channel": "phone", "contact": c("refcontact")}, actor=actor)
    referrals.accept(ref, actor=actor_of(users["manager_a"]))
    referrals.report_outcome(ref, c("refoutcome"), actor=actor_of(users["manager_a"]))
    db.session.commit()
    assert consent.withdrawn_at is None and len(family.members) == 2
    return {"case": case, "family": family, "referral": ref}


def _urls(app, world, pack_id: str, user) -> list[str]:
    """Every GET route, once per object id the world has for its arguments."""
    values = {"uid": [world["case"].uid, world["family"].uid, world["referral"].uid,
                      "R-CANA-RY01", DUMMY],
              "document_id": [pack_id, DUMMY], "user_id": [str(user.id)]}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "events.feed",
                                                          "auth.activate"):
            continue
        combos = [{}]
        for name in rule.arguments:
            options = values.get(name, [DUMMY])
            combos = [{**c, name: v} for c in combos for v in options]
        for combo in combos:
            try:
                urls.append(rule.build(combo, append_unknown=False)[1])
            except Exception:  # a converter refuses the value (an int route and a uid)
                continue
    # Searches for the canaries' common parts (a whole canary would be echoed back in the
    # search box: the partner's own words, not a leak).
    searches = ["/cases/?q=FAMCANARY", "/cases/?q=عائلة", "/api/cases?q=FAMCANARY",
                "/api/cases?q=عائلة", "/cases/export.csv", "/cases/export.json", "/api/cases",
                "/cases/export.csv?q=FAMCANARY", "/referrals/?state=all"]
    return sorted(set(urls)) + searches


def test_family_canaries_never_reach_a_partner(app, db, users, orgs, client, new_client, clock,
                                               login, caplog, security_report):
    caplog.set_level(logging.DEBUG)
    world = canary_world(db, users, orgs)
    login(users["staff"])
    # Control: the office's own family page does show the canaries (they are really there).
    office_page = client.get(f"/families/{world['family'].uid}").get_data(as_text=True)
    assert {"label", "member2name", "need_legal"} <= set(found(office_page))
    assert generate(client, orgs, lang="en").status_code == 302
    pack = latest_pack()
    assert pack.status == "done" and pack.case_count == 1
    hits, pages, allowed_seen = [], 0, set()
    for name in PARTNERS:
        user = users[name]
        own = user.organization_id == orgs["a"].id
        for lang in ("en", "ar"):
            partner = new_client()
            clock.shift(31)
            sign_in(partner, user)
            for url in _urls(app, world, pack.document_id, user):
                response = partner.get(url, headers={"Accept-Language": lang})
                pages += 1
                assert response.status_code < 500, f"{url} as {name}: {response.status_code}"
                body = response.get_data(as_text=True) if response.mimetype != \
                    "application/pdf" else ""
                leaked = found(body)
                if own and url.startswith("/referrals/"):
                    allowed_seen.update(set(leaked) & REFERRAL_FIELDS)
                    leaked = [f for f in leaked if f not in REFERRAL_FIELDS]
                if leaked:
                    hits.append(f"{url} as {name} ({lang}): {leaked}")
    # A's referral page does show the referral's own fields (the exception is real).
    assert allowed_seen == REFERRAL_FIELDS

    # The briefing pack a partner downloads.
    partner = login(users["viewer_a"], the_client=new_client())
    download = partner.get(f"/briefings/{pack.document_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert "Sharedcase" in text
    hits += [f"pack: {f}" for f in found(text.replace("\n", ""))]

    # Every API v1 answer through a token of each organisation.
    api_answers = 0
    manager_b = factories.make_user("manager@b.test", orgs["b"], "partner_manager")
    for org_key, user in (("a", users["manager_a"]), ("b", manager_b)):
        token = make_token(orgs[org_key], user)
        items, _cursor, _pages = pull(client, token, limit=2)
        assert world["case"].uid in {i["uid"] for i in items}
        hits += [f"api pull ({org_key}): {f}" for f in found(repr(items))]
        for path in ("/api/v1/token", "/api/v1/openapi.json", "/api/v1/events",
                     "/api/v1/grants", f"/api/v1/cases/{world['case'].uid}",
                     f"/api/v1/cases/{world['family'].uid}",
                     f"/api/v1/submissions/{world['referral'].uid}"):
            r = client.get(path, headers=bearer(token))
            api_answers += 1
            assert r.status_code < 500, path
            hits += [f"{path} ({org_key}): {f}" for f in found(r.get_data(as_text=True))]

    # The application log, the audit table and the outbox.
    hits += [f"log: {f}" for f in found(caplog.text)]
    assert "Referral RF-" in caplog.text  # the log was captured
    audit_text = " ".join(f"{e.object_id} {e.detail}" for e in db.session.scalars(
        select(AuditEvent)))
    hits += [f"audit: {f}" for f in found(audit_text)]
    mail_text = " ".join(f"{m.subject} {m.body}" for m in db.session.scalars(
        select(OutboxMessage)))
    hits += [f"outbox: {f}" for f in found(mail_text)]
    assert db.session.scalars(select(Referral)).one().status == "completed"
    assert hits == [], "\n".join(hits[:40])
    security_report["A5_families"] = {"fields": len(FIELDS), "partner_pages": pages,
                                      "api_answers": api_answers, "canary_hits": len(hits)}


def test_family_canaries_are_encrypted_at_rest_in_the_sqlite_file(app, db, users, orgs):
    """H6/T14: no family canary in the raw database file (SQLite; the PostgreSQL columns are
    bytea written by the same code)."""
    world = canary_world(db, users, orgs)
    assert world["referral"].id
    db.session.commit()
    if db.engine.url.get_backend_name() != "sqlite":
        rows = db.session.execute(select(Referral.summary_enc, Referral.contact_enc)).all()
        assert all(b"famcanary" not in (blob or b"").lower() for row in rows for blob in row)
        return
    path = Path(db.engine.url.database)
    raw = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                   if p.exists()).lower()
    assert b"famcanary" not in raw and "عائلة".encode() not in raw
