"""Briefing packs from the real register and share grants (the integration point
services/briefings/data.py): a pack holds exactly the redacted dicts of the recipient's
visible cases at their tiers, and a pack made before a revocation is not served (A7)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal import access
from portal.models import AuditEvent, Case, SavedFilter
from portal.services.briefings import data

from .conftest import post_form
from .sharing_helpers import consented_case, make_grant, shared
from .sharing_world import build_world, forbidden_ids, leaks
from .test_briefings_views import generate, latest_pack


def test_pack_holds_exactly_the_redacted_visible_cases_at_their_tiers(db, users, orgs):
    world = build_world(users, orgs)
    extra = consented_case(users["staff"], shared())  # a detailed case next to the world's
    make_grant(orgs["a"], "detailed", [extra])
    db.session.commit()
    got = data.pack_cases(orgs["a"], data.Selection())
    visible = db.session.scalars(access.visible_cases_for_org(orgs["a"])
                                 .order_by(Case.reference)).all()
    tiers = {world["cases"]["shared_a"].id: "identification", extra.id: "detailed"}
    assert [c.id for c in visible] == sorted(tiers, key=lambda i: db.session.get(
        Case, i).reference)
    assert got == [access.redact(c, tiers[c.id]) for c in visible]
    assert data.count_cases(orgs["a"], data.Selection()) == 2
    only = data.Selection(mode="references", references=(extra.reference,
                                                         world["cases"]["b_only"].reference))
    assert [d["reference"] for d in data.pack_cases(orgs["a"], only)] == [extra.reference]
    assert [d["reference"] for d in data.pack_cases(orgs["b"], data.Selection())] == [
        world["cases"]["b_only"].reference]


def test_pack_by_saved_filter_stays_within_the_recipients_subset(db, users, orgs):
    staff = users["staff"]
    inside = consented_case(staff, shared(), status="missing")
    outside = consented_case(staff, shared(), status="missing")  # not granted to A
    make_grant(orgs["a"], "summary", [inside])
    saved = SavedFilter(owner_id=staff.id, name="Missing", params='{"status": "missing"}')
    db.session.add(saved)
    db.session.commit()
    assert data.saved_filters(staff) == [(saved.id, "Missing")]
    assert data.saved_filters(users["manager_a"]) == []
    got = data.pack_cases(orgs["a"], data.Selection(mode="filter", filter_id=saved.id))
    assert [d["reference"] for d in got] == [inside.reference] != [outside.reference]
    with pytest.raises(data.PackDataUnavailable):
        data.pack_cases(orgs["a"], data.Selection(mode="filter", filter_id=987654))


@pytest.mark.security
def test_a7_rendered_pack_shows_the_subset_and_is_refused_after_revocation(
        client, new_client, db, users, orgs, login, security_report):
    """A small pack for A: its text has A's case and no canary A may not see; after the grant
    is revoked the partner's next download is refused (410) and audited as denied."""
    world = build_world(users, orgs)
    login(users["staff"])
    response = generate(client, orgs, lang="en")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    pack = latest_pack()
    assert (pack.status, pack.case_count) == ("done", 1)
    partner = login(users["viewer_a"], the_client=new_client())
    download = partner.get(f"/briefings/{pack.document_id}/download")
    assert download.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert world["cases"]["shared_a"].reference in text
    assert leaks(text.replace("\n", ""), forbidden_ids(world, "a")) == []
    post_form(client, f"/sharing/{world['grant_a'].id}/revoke",
              page=f"/sharing/{world['grant_a'].id}")
    refused = partner.get(f"/briefings/{pack.document_id}/download")
    assert refused.status_code == 410 and refused.mimetype != "application/pdf"
    last = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack_download")
                              .order_by(AuditEvent.seq.desc())).first()
    assert (last.outcome, last.actor_id) == ("denied", users["viewer_a"].id)
    assert partner.get(f"/cases/{world['uids']['shared_a']}").status_code == 404
    security_report["A7_sharing"] = {"revocation_to_denial_requests": 1, "accepted": 0}


@pytest.mark.security
def test_a7_consent_withdrawal_also_retires_the_pack(client, db, users, orgs, login):
    world = build_world(users, orgs)
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    source = world["cases"]["shared_a"].sources[0]
    source.identification_referral = False  # narrowing: identification → detailed
    db.session.commit()
    assert client.get(f"/briefings/{pack.document_id}/download").status_code == 410
