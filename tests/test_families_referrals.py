"""Referrals of a family's need to a partner (issue 17): staff refer with the family's
consent for that organisation; the partner reads only the referral, in its own inbox,
accepts or declines it and reports the outcome; another organisation, a withdrawn referral
and a withdrawn consent are all the same 404, on the very next request. And the
authorisation matrix of the referral endpoints for every principal (SECURITY.md A2, A3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.access import load_policy
from portal.models import AuditEvent, OutboxMessage, utcnow
from portal.models.families import Referral
from portal.services.families import referrals, withdraw_consent

from .case_helpers import actor_of
from .conftest import csrf_from, post_form, signed_in_csrf, table_counts
from .referral_helpers import add_need, give_consent, make_family
from .test_sharing_matrix import normalise, sign_in

SUMMARY = "Needs a lawyer for a fictional property matter in Beirut."
CONTACT = "+961 70 000 001"


@pytest.fixture
def family_world(db, users, orgs):
    staff = users["staff"]
    family = make_family(staff, main="Umm Khaled al-Fictional", contact=CONTACT)
    consent = give_consent(family, staff, "referral", orgs["a"])
    need = add_need(family, staff, "legal", detail="FAMILY-ONLY need detail")
    db.session.commit()
    return {"family": family, "consent": consent, "need": need}


def refer(client, family, need, org, **over):
    form = {"organization_id": str(org.id), "need_id": str(need.id), "summary": SUMMARY,
            "contact_channel": "phone", "contact": CONTACT, **over}
    return post_form(client, f"/referrals/families/{family.uid}/new", form)


def referred_to_a(db, users, orgs, family_world):
    """Staff refer the family's need to organisation a (the usual summary and contact);
    committed."""
    ref = referrals.create_referral(family_world["family"], {
        "organization_id": orgs["a"].id, "need_id": family_world["need"].id,
        "summary": SUMMARY, "contact_channel": "phone", "contact": CONTACT},
        actor=actor_of(users["staff"]))
    db.session.commit()
    return ref


def referral_count(db) -> int:
    n = db.session.scalar(select(func.count()).select_from(Referral))
    db.session.rollback()
    return n


def answer(client, uid: str, what: str, **data):
    token = csrf_from(client.get(f"/referrals/{uid}").get_data(as_text=True))
    return client.post(f"/referrals/{uid}/{what}", data={"csrf_token": token, **data})


def test_referral_flow_consent_inbox_accept_outcome(client, new_client, db, users, orgs, login,
                                                    family_world):
    family, need = family_world["family"], family_world["need"]
    login(users["staff"])
    form = client.get(f"/referrals/families/{family.uid}/new").get_data(as_text=True)
    assert CONTACT in form  # the main contact's detail is offered as the default
    response = refer(client, family, need, orgs["a"])
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    ref = db.session.scalars(select(Referral)).one()
    assert response.headers["Location"].endswith(f"/referrals/{ref.uid}")
    assert (ref.status, ref.category, ref.organization_id) == ("sent", "legal", orgs["a"].id)
    # Snapshot encrypted at rest: no clear text in the row.
    assert b"Umm" not in ref.first_name_enc and CONTACT.encode() not in ref.contact_enc
    # The organisation's accounts got a mail without any detail of the family.
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert {m.recipient for m in mails} >= {users["viewer_a"].email, users["manager_a"].email}
    assert all(CONTACT not in m.body and "Umm" not in m.body for m in mails)

    viewer = login(users["viewer_a"], the_client=new_client())
    inbox = viewer.get("/referrals/").get_data(as_text=True)
    assert ref.uid in inbox and "Umm Khaled" in inbox
    page = viewer.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "Umm Khaled" in page and SUMMARY in page and CONTACT in page
    assert "al-Fictional" not in page and "FAMILY-ONLY" not in page and family.uid not in page
    assert "/accept" not in page  # a viewer reads; the manager answers
    assert answer(viewer, ref.uid, "accept").status_code == 403

    manager = login(users["manager_a"], the_client=new_client())
    assert answer(manager, ref.uid, "accept").status_code == 302
    db.session.refresh(ref)
    assert (ref.status, ref.answered_by_id) == ("accepted", users["manager_a"].id)
    assert answer(manager, ref.uid, "accept").status_code == 422  # already answered
    empty = answer(manager, ref.uid, "outcome", outcome="  ")
    assert empty.status_code == 422 and "Describe the outcome" in empty.get_data(as_text=True)
    done = answer(manager, ref.uid, "outcome",
                  outcome="A fictional lawyer took the matter on; first hearing set.")
    assert done.status_code == 302
    db.session.refresh(ref)
    assert ref.status == "completed" and ref.outcome_at is not None

    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == users["staff"].email)).all()
    assert len(told) == 2 and all(ref.uid in m.body and "hearing" not in m.body for m in told)
    staff_page = client.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "first hearing set" in staff_page and "Completed" in staff_page
    family_page = client.get(f"/families/{family.uid}").get_data(as_text=True)
    assert f"/referrals/{ref.uid}" in family_page
    assert f"/referrals/families/{family.uid}/new" in family_page
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "referral").order_by(AuditEvent.seq)).all()
    assert actions[0] == "referral_created" and "referral_read" in actions
    assert {"referral_answered", "referral_outcome"} <= set(actions)
    details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert CONTACT not in details and "Umm" not in details and SUMMARY not in details


def test_decline_needs_a_reason_and_the_office_reads_it(client, new_client, db, users, orgs,
                                                        login, family_world):
    ref = referred_to_a(db, users, orgs, family_world)
    manager = login(users["manager_a"], the_client=new_client())
    refused = answer(manager, ref.uid, "decline", reason="")
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)
    assert answer(manager, ref.uid, "decline",
                  reason="No lawyer free this month (fictional).").status_code == 302
    page = manager.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "No lawyer free" in page and CONTACT not in page  # declined: no contact kept
    login(users["staff"])
    assert "No lawyer free" in client.get(f"/referrals/{ref.uid}").get_data(as_text=True)


def test_referral_without_consent_is_refused_naming_the_organisation(client, db, users, orgs,
                                                                     login, family_world):
    login(users["staff"])
    before = table_counts(db)
    response = refer(client, family_world["family"], family_world["need"], orgs["b"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "has not agreed to be referred to Org B" in body
    assert table_counts(db) == before and referral_count(db) == 0
    # The service refuses the same way (and a withdrawn consent counts as none).
    family_world["consent"].withdrawn_at = utcnow()
    db.session.commit()
    with pytest.raises(referrals.ReferralInvalid) as exc:
        referrals.create_referral(family_world["family"], {
            "organization_id": orgs["a"].id, "need_id": family_world["need"].id,
            "summary": SUMMARY, "contact_channel": "phone", "contact": CONTACT},
            actor=actor_of(users["staff"]))
    assert [f for f, _m in exc.value.errors] == ["organization_id"]
    db.session.rollback()
    # Other fields are named too.
    give_consent(family_world["family"], users["staff"], "referral", orgs["a"])
    db.session.commit()
    bad = refer(client, family_world["family"], family_world["need"], orgs["a"], summary="",
                contact="", contact_channel="phone").get_data(as_text=True)
    assert "Write what the organisation needs to know" in bad
    assert "Give the contact detail" in bad and referral_count(db) == 0


def test_another_organisation_gets_the_same_404(client, new_client, db, users, orgs, login,
                                               family_world):
    ref = referred_to_a(db, users, orgs, family_world)
    other = login(users["viewer_b"], the_client=new_client())
    assert ref.uid not in other.get("/referrals/").get_data(as_text=True)
    theirs = other.get(f"/referrals/{ref.uid}")
    missing = other.get("/referrals/RF-2026-999999")
    assert theirs.status_code == missing.status_code == 404
    assert normalise(theirs.get_data(as_text=True), f"/referrals/{ref.uid}") == normalise(
        missing.get_data(as_text=True), "/referrals/RF-2026-999999")
    refusal = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "authz_fail", AuditEvent.object_type == "referral")).first()
    assert refusal is not None and refusal.actor_id == users["viewer_b"].id


@pytest.mark.parametrize("how", ["service", "gate_only"])
def test_consent_withdrawal_hides_the_referral_on_the_next_request(
        client, new_client, db, users, orgs, login, family_world, how):
    ref = referred_to_a(db, users, orgs, family_world)
    manager = login(users["manager_a"], the_client=new_client())
    assert manager.get(f"/referrals/{ref.uid}").status_code == 200
    token = signed_in_csrf(manager)
    consent = family_world["consent"]
    if how == "service":  # the families service: its hook withdraws the open referrals
        withdraw_consent(consent, actor=actor_of(users["staff"]))
    else:  # the consent row alone: the gate reads it on every request
        consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), users["staff"].id
    db.session.commit()
    # The very next request: not in the inbox, the URL and the answers are 404.
    assert ref.uid not in manager.get("/referrals/").get_data(as_text=True)
    assert manager.get(f"/referrals/{ref.uid}").status_code == 404
    assert manager.post(f"/referrals/{ref.uid}/accept",
                        data={"csrf_token": token}).status_code == 404
    db.session.refresh(ref)
    assert ref.status == ("withdrawn" if how == "service" else "sent")
    login(users["staff"])
    staff_page = client.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "withdrew its consent" in staff_page


def test_staff_withdraw_a_referral(client, new_client, db, users, orgs, login, family_world):
    ref = referred_to_a(db, users, orgs, family_world)
    login(users["staff"])
    assert answer(client, ref.uid, "withdraw").status_code == 302
    viewer = login(users["viewer_a"], the_client=new_client())
    assert viewer.get(f"/referrals/{ref.uid}").status_code == 404
    assert answer(client, ref.uid, "withdraw").status_code == 422  # already closed


# --- the authorisation matrix of the referral endpoints ---------------------------------------
PRINCIPALS = ("anonymous", "disabled_a", "viewer_a", "manager_a", "viewer_b", "staff", "admin")
ORG_OF = {"viewer_a": "a", "manager_a": "a", "viewer_b": "b"}
# Referral contexts: addressed to A; to B; to A but withdrawn; to A with the consent
# withdrawn; a well-formed id that does not exist; a malformed (over-long) one.
CONTEXTS = ("to_a", "to_b", "withdrawn", "consent_gone", "nonexistent", "malformed")


def referral_matrix_world(db, users, orgs) -> dict:
    staff, actor = users["staff"], actor_of(users["staff"])
    uids = {}
    for ctx, org_key in (("to_a", "a"), ("to_b", "b"), ("withdrawn", "a"),
                         ("consent_gone", "a")):
        family = make_family(staff, main=f"Matrix{ctx} Fictional")
        consent = give_consent(family, staff, "referral", orgs[org_key])
        need = add_need(family, staff)
        ref = referrals.create_referral(family, {
            "organization_id": orgs[org_key].id, "need_id": need.id,
            "summary": f"summary of {ctx}", "contact_channel": "in_person", "contact": ""},
            actor=actor)
        if ctx == "withdrawn":
            referrals.withdraw(ref, actor=actor)
        if ctx == "consent_gone":
            consent.withdrawn_at = utcnow()
        uids[ctx] = ref.uid
    uids["nonexistent"], uids["malformed"] = "RF-2026-999999", "RF-" + "x" * 300
    family = make_family(staff, main="Matrix family")
    db.session.commit()
    return {"uids": uids, "family": family.uid}


def _sees(name: str, role: str | None, ctx: str) -> bool:
    if ctx in ("nonexistent", "malformed"):
        return False
    if role in ("admin", "staff"):
        return True
    return ctx == f"to_{ORG_OF.get(name)}"


@pytest.mark.security
def test_a2_referral_matrix(app, db, users, orgs, new_client, clock, security_report):
    """Every referral endpoint × method × 7 principals × every referral context: sign-in for
    anonymous and disabled, 403 for a role the policy does not list, the same 404 as a
    missing referral for one the principal may not see, never a 500; refused POSTs write
    nothing, and no refused body holds the referral's fields."""
    world = referral_matrix_world(db, users, orgs)
    policy = load_policy()
    clients, tokens = {}, {}
    for name in PRINCIPALS:
        c = new_client()
        if name != "anonymous":
            clock.shift(31)
            sign_in(c, users[name])
        clients[name] = c
        tokens[name] = (signed_in_csrf(c) if name not in ("anonymous", "disabled_a") else
                        csrf_from(c.get("/auth/login").get_data(as_text=True)))
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("referrals.")]
    assert {r.endpoint for r in rules} == {e for e in policy if e.startswith("referrals.")}
    cells, failures = 0, []
    for rule in rules:
        spec = policy[rule.endpoint]
        contexts = CONTEXTS if spec.object == "referral" else ("family", "no_family") \
            if spec.object == "family" else ("none",)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for ctx in contexts:
                uid = {"family": world["family"], "no_family": "FA-2026-999999"}.get(
                    ctx, world["uids"].get(ctx, ""))
                url = rule.rule.replace("<uid>", uid)
                for name in PRINCIPALS:
                    user = users.get(name)
                    role = user.role if user else None
                    allowed = role in spec.roles and name != "disabled_a"
                    visible = allowed and (ctx in ("none", "family") or
                                           (ctx != "no_family" and spec.object == "referral"
                                            and _sees(name, role, ctx)))
                    if method == "POST" and visible and ctx != "none":
                        continue  # an allowed change on a real referral: the flow tests above
                    before = table_counts(db) if method == "POST" else None
                    client = clients[name]
                    response = client.get(url) if method == "GET" else client.post(
                        url, data={"csrf_token": tokens[name]})
                    cells += 1
                    status = response.status_code
                    where = f"{method} {rule.endpoint} [{ctx}] as {name}: {status}"
                    location = response.headers.get("Location", "")
                    body = response.get_data(as_text=True)
                    if status >= 500:
                        failures.append(where)
                    elif name in ("anonymous", "disabled_a"):
                        if not (status == 302 and "/auth/login" in location):
                            failures.append(where + " (expected sign-in)")
                    elif not allowed:
                        if status != 403:
                            failures.append(where + " (expected 403)")
                    elif not visible:
                        if status != 404:
                            failures.append(where + " (expected 404)")
                    elif method == "GET" and status != 200:
                        failures.append(where + " (expected 200)")
                    if not visible and "summary of" in body:
                        failures.append(where + " (a referral's text in a refusal)")
                    if before is not None and not visible and table_counts(db) != before:
                        failures.append(where + " (a refused request changed data)")
    assert failures == [], "\n".join(failures[:40])
    security_report["A2_referrals"] = {"routes": len(rules), "cells": cells,
                                       "principals": len(PRINCIPALS), "contexts": len(CONTEXTS),
                                       "failures": len(failures)}


def test_referral_reads_and_answers_are_in_the_access_report(client, new_client, db, users,
                                                            orgs, login, family_world):
    ref = referred_to_a(db, users, orgs, family_world)
    manager = login(users["manager_a"], the_client=new_client())
    assert answer(manager, ref.uid, "accept").status_code == 302  # a read, then the answer
    login(users["admin"])
    report = client.get("/reports/?category=referrals").get_data(as_text=True)
    assert ref.uid in report and "Opened a referral" in report
    assert "Answered a referral" in report and "manager@a.test" in report
    assert CONTACT not in report and SUMMARY not in report
    csv_text = client.get("/reports/export.csv?category=referrals").get_data(as_text=True)
    assert csv_text.count("referral_read") >= 1 and "referral_answered" in csv_text
    colleagues = manager.get("/reports/colleagues?category=referrals").get_data(as_text=True)
    assert ref.uid in colleagues and "Answered a referral" in colleagues


def test_demo_has_a_referral_to_a_partner_accepted_with_an_outcome(app, db, runner,
                                                                  new_client):
    """The issue's demo data: Cedar Rights Lab's manager finds one referral in the inbox,
    accepted, with its outcome; no family page is reachable for them."""
    from portal.demo.accounts import DEMO_PASSWORD
    app.config["DEMO_MODE"] = True
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    ref = db.session.scalars(select(Referral)).one()
    assert ref.status == "completed" and ref.organization.name_en.startswith("Cedar")
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # idempotent
    assert referral_count(db) == 1
    client = new_client()
    assert post_form(client, "/auth/login", {"email": "manager@cedarlab.example",
                                             "password": DEMO_PASSWORD,
                                             "code": ""}).status_code == 302
    inbox = client.get("/referrals/").get_data(as_text=True)
    assert ref.uid in inbox and "الإحالات" in inbox  # the demo manager reads Arabic
    page = client.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "وثيقة غياب" in page and "@fictional_handle_1" in page
    assert client.get(f"/families/{ref.family.uid}").status_code in (403, 404)
    other = new_client()
    post_form(other, "/auth/login", {"email": "manager@orontes.example",
                                     "password": DEMO_PASSWORD, "code": ""})
    assert other.get(f"/referrals/{ref.uid}").status_code == 404


def test_partner_inbox_in_arabic_is_right_to_left(client, db, users, orgs, login, family_world):
    ref = referrals.create_referral(family_world["family"], {
        "organization_id": orgs["a"].id, "need_id": family_world["need"].id,
        "summary": "يحتاج إلى محامٍ (وهمي).", "contact_channel": "phone", "contact": CONTACT},
        actor=actor_of(users["staff"]))
    users["viewer_a"].preferred_locale = "ar"
    db.session.commit()
    login(users["viewer_a"])
    inbox = client.get("/referrals/").get_data(as_text=True)
    assert 'dir="rtl"' in inbox and "الإحالات" in inbox and "قانوني" in inbox
    page = client.get(f"/referrals/{ref.uid}").get_data(as_text=True)
    assert "الاسم الأول لجهة التواصل في الأسرة" in page and "يحتاج إلى محامٍ" in page
    assert "Contact detail" not in page


def test_answers_out_of_order_are_refused_with_a_message(client, new_client, db, users, orgs,
                                                         login, family_world):
    ref = referred_to_a(db, users, orgs, family_world)
    manager = login(users["manager_a"], the_client=new_client())
    early = answer(manager, ref.uid, "outcome", outcome="Too early (fictional).")
    assert early.status_code == 422
    assert "Only an accepted referral can be completed" in early.get_data(as_text=True)
    too_long = answer(manager, ref.uid, "decline", reason="x" * 2001)
    assert too_long.status_code == 422 and "Too long" in too_long.get_data(as_text=True)
    db.session.refresh(ref)
    assert (ref.status, ref.outcome_enc, ref.decline_reason) == ("sent", None, "")
