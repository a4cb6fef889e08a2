"""Staff grant, preview, review and revoke access; bad input is refused with clear messages
and nothing saved; tampered forms are 400 and audited (SECURITY.md A6, T3, T5)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, SavedFilter, ShareGrant

from .case_helpers import actor_of
from .conftest import post_form, table_counts
from .sharing_helpers import consented_case, make_grant, shared

SOON = (date(2026, 3, 10) + timedelta(days=60)).isoformat()


def grant_form(org, **over) -> dict:
    form = {"organization": str(org.id), "tier": "detailed", "purpose": "Tracing work",
            "expires_on": SOON, "references": "", "filter_id": "0", "action": "save"}
    form.update(over)
    return form


def grants(db) -> list[ShareGrant]:
    db.session.expire_all()
    return list(db.session.scalars(select(ShareGrant).order_by(ShareGrant.id)))


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def save_filter(db, user, name: str, params: dict) -> SavedFilter:
    saved = SavedFilter(owner_id=user.id, name=name, params=json.dumps(params))
    db.session.add(saved)
    db.session.commit()
    return saved


def test_staff_can_preview_then_grant_access(client, db, users, orgs, login):
    staff = users["staff"]
    ok = consented_case(staff, shared(identification_referral=True))
    no_referral = consented_case(staff, shared())
    refused = consented_case(staff, shared(refused_orgs=[orgs["a"].id]))
    db.session.commit()
    login(staff)
    refs = "\n".join(c.reference for c in (ok, no_referral, refused))
    page = post_form(client, "/sharing/new", grant_form(orgs["a"], tier="identification",
                                                        references=refs, action="preview"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and grants(db) == []
    assert "The grant covers 3 cases." in text
    assert "1 of them is kept from this organisation by consent." in text
    assert "1 is shown at the detailed tier only" in text
    assert "The organisation will see 2 cases through this grant." in text
    response = post_form(client, "/sharing/new", grant_form(orgs["a"], tier="identification",
                                                            references=refs))
    assert response.status_code == 302
    (grant,) = grants(db)
    assert (grant.organization_id, grant.tier, grant.created_by_id) == (
        orgs["a"].id, "identification", staff.id)
    assert {r.case_id for r in grant.case_rows} == {ok.id, no_referral.id, refused.id}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "share_change")).one()
    assert json.loads(event.detail) == {"op": "grant", "grant": grant.id, "org": orgs["a"].id,
                                        "tier": "identification", "cases": 3, "filter": None}
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ok.reference in detail and "Kept from this organisation" in detail


@pytest.mark.parametrize("over,field_message", [
    ({"expires_on": "2020-01-01"}, "The expiry date must be in the future."),
    ({"expires_on": ""}, "Give the date the access ends"),
    ({"expires_on": "2031-01-01"}, "A grant may run for at most 730 days"),
    ({"purpose": "  "}, "Say what the organisation needs these cases for."),
    ({"references": ""}, "Choose the cases: list references, pick a saved filter, or both."),
    ({"references": "DO-2025-999999"}, "No case has these references"),
])
def test_staff_cannot_save_an_invalid_grant(client, db, users, orgs, login, over, field_message):
    case = consented_case(users["staff"], shared())
    db.session.commit()
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, "/sharing/new", grant_form(
        orgs["a"], **{"references": case.reference, **over}))
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_staff_cannot_grant_to_an_inactive_organisation(client, db, users, orgs, login):
    case = consented_case(users["staff"], shared())
    db.session.commit()
    login(users["staff"])
    page = client.get("/sharing/new")  # the form was loaded while the organisation was active
    orgs["a"].active = False
    db.session.commit()
    response = post_form(client, "/sharing/new", grant_form(orgs["a"], references=case.reference),
                         page="/sharing/new")
    assert page.status_code == 200 and response.status_code == 422
    assert "This organisation is inactive" in response.get_data(as_text=True)
    assert grants(db) == []


def test_staff_cannot_grant_by_a_filter_that_matches_nothing(client, db, users, orgs, login):
    consented_case(users["staff"], shared(), status="detained")
    saved = save_filter(db, users["staff"], "Released", {"status": "released"})
    empty = save_filter(db, users["staff"], "Everything", {"sort": "name"})
    login(users["staff"])
    response = post_form(client, "/sharing/new", grant_form(orgs["a"], filter_id=str(saved.id)))
    assert response.status_code == 422
    assert "The saved filter matches no case." in response.get_data(as_text=True)
    response = post_form(client, "/sharing/new", grant_form(orgs["a"], filter_id=str(empty.id)))
    assert "it would share the whole register" in response.get_data(as_text=True)
    assert grants(db) == []


@pytest.mark.security
@pytest.mark.parametrize("over,field", [
    ({"tier": "office"}, "tier"), ({"tier": "everything"}, "tier"),
    ({"organization": "office"}, "organization"), ({"organization": "987654"}, "organization"),
    ({"organization": "x' OR 1=1"}, "organization"), ({"filter_id": "mine-b"}, "filter_id"),
])
def test_a6_tampered_grant_form_is_refused_and_audited(client, db, users, orgs, login, over,
                                                        field):
    """T5: values the form never offered → 400, an authz_fail audit entry, nothing saved."""
    case = consented_case(users["staff"], shared())
    other = save_filter(db, users["admin"], "Admin's own", {"status": case.status})
    values = {"office": str(orgs["office"].id), "mine-b": str(other.id)}
    over = {k: values.get(v, v) for k, v in over.items()}
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, "/sharing/new", grant_form(
        orgs["a"], **{"references": case.reference, **over}))
    assert response.status_code == 400
    assert table_counts(db) == before
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "authz_fail")).one()
    assert json.loads(event.detail) == {"status": 400, "tampered": [field]}


@pytest.mark.security
def test_a6_mass_assignment_on_the_grant_form_changes_nothing(client, db, users, orgs, login,
                                                              security_report):
    """Extra fields (org_id, role, created_by, revoked_at, ...) are ignored."""
    case = consented_case(users["staff"], shared())
    db.session.commit()
    login(users["staff"])
    injected = {"organization_id": str(orgs["b"].id), "org_id": str(orgs["b"].id),
                "role": "admin", "is_admin": "1", "created_by_id": str(users["admin"].id),
                "owner_id": str(users["admin"].id), "revoked_at": "2020-01-01",
                "shared_with": str(orgs["b"].id), "redaction_profile": "office",
                "tier_rank": "3", "uid": "00000000-0000-4000-8000-000000000000"}
    response = post_form(client, "/sharing/new", grant_form(
        orgs["a"], tier="summary", references=case.reference, **injected))
    assert response.status_code == 302
    (grant,) = grants(db)
    assert (grant.organization_id, grant.tier, grant.created_by_id, grant.revoked_at) == (
        orgs["a"].id, "summary", users["staff"].id, None)
    assert grant.uid != injected["uid"]
    assert db.session.get(type(users["staff"]), users["staff"].id).role == "staff"
    security_report["A6_sharing"] = {"forms": 1, "injected_fields": len(injected), "changes": 0}


def test_grant_keeps_a_copy_of_the_saved_filter(client, new_client, db, users, orgs, login):
    """Editing the saved filter afterwards cannot silently widen the grant."""
    staff = users["staff"]
    released = consented_case(staff, shared(), status="released")
    detained = consented_case(staff, shared(), status="detained")
    saved = save_filter(db, staff, "Released people", {"status": "released", "sort": "name"})
    login(staff)
    assert post_form(client, "/sharing/new", grant_form(
        orgs["a"], filter_id=str(saved.id))).status_code == 302
    (grant,) = grants(db)
    assert grant.filter == {"status": "released"} and grant.filter_name == "Released people"
    saved.params = json.dumps({"status": "detained"})
    db.session.commit()
    partner = login(users["viewer_a"], the_client=new_client())
    listing = partner.get("/cases/").get_data(as_text=True)
    assert released.reference in listing and detained.reference not in listing
    later = consented_case(staff, shared(), status="released")
    db.session.commit()
    assert later.reference in partner.get("/cases/").get_data(as_text=True)


def test_staff_can_revoke_and_the_partner_loses_access_on_the_next_request(
        client, new_client, db, users, orgs, login):
    """A7: revocation takes effect on the partner's next request in a live session."""
    case = consented_case(users["staff"], shared())
    grant = make_grant(orgs["a"], "detailed", [case])
    db.session.commit()
    partner = login(users["viewer_a"], the_client=new_client())
    assert partner.get(f"/cases/{case.uid}").status_code == 200
    login(users["staff"])
    page = f"/sharing/{grant.id}"
    response = post_form(client, f"/sharing/{grant.id}/revoke", page=page)
    assert response.status_code == 302
    assert partner.get(f"/cases/{case.uid}").status_code == 404
    assert case.reference not in partner.get("/cases/").get_data(as_text=True)
    assert grants(db)[0].revoked_by_id == users["staff"].id
    assert actions(db).count("share_change") == 1
    again = post_form(client, f"/sharing/{grant.id}/revoke", page=page)
    assert again.status_code == 302 and actions(db).count("share_change") == 1


def test_staff_sees_who_can_see_a_case_and_what_an_organisation_sees(client, db, users, orgs,
                                                                     login):
    staff = users["staff"]
    case = consented_case(staff, shared(refused_orgs=[orgs["b"].id]))
    grant = make_grant(orgs["a"], "identification", [case], by=staff)
    make_grant(orgs["b"], "summary", [case])
    db.session.commit()
    login(staff)
    page = client.get(f"/cases/{case.uid}").get_data(as_text=True)
    assert "Who can see this case" in page and "Org A" in page and "Org B" in page
    assert "(capped by consent)" in page and "consent excludes this organisation" in page
    org_page = client.get(f"/sharing/organizations/{orgs['a'].id}").get_data(as_text=True)
    assert case.reference in org_page and f"#{grant.id}" in org_page
    assert case.reference not in client.get(
        f"/sharing/organizations/{orgs['b'].id}").get_data(as_text=True)
    assert client.get(f"/sharing/organizations/{orgs['office'].id}").status_code == 404
    listing = client.get(f"/sharing/?org={orgs['a'].id}&state=active").get_data(as_text=True)
    assert f"#{grant.id}" in listing
    assert client.get("/sharing/?state=bogus").status_code == 400


def test_share_this_case_link_prefills_the_reference(client, db, users, login):
    case = consented_case(users["staff"], shared())
    db.session.commit()
    login(users["staff"])
    page = client.get(f"/sharing/new?references={case.reference}").get_data(as_text=True)
    assert case.reference in page


def test_service_refuses_without_writing(db, users, orgs, app):
    from portal.services.sharing import grants as sharing
    before = db.session.scalar(select(func.count(ShareGrant.id)))
    with pytest.raises(sharing.GrantInvalid) as exc:
        sharing.grant_access(sharing.GrantRequest(organization_id=orgs["a"].id, tier="office",
                                                  purpose="x", expires_at=None),
                             actor=actor_of(users["staff"]))
    fields = {name for name, _m in exc.value.errors}
    assert {"tier", "expires_at", "references"} <= fields
    assert db.session.scalar(select(func.count(ShareGrant.id))) == before
