"""Invitations, activation with TOTP enrolment, account administration, bad input."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, Invitation, OutboxMessage, RecoveryCode, User

from . import factories
from .conftest import csrf_from, post_form


def invite(client, email="new.person@a.test", org=None, role="partner_viewer", **extra):
    return post_form(client, "/users/invite", {
        "email": email, "name": "Nour Example", "organization": org, "role": role,
        "locale": "ar", **extra})


def activation_link(db, email) -> str:
    body = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://portal\.test(/auth/activate/\S+)", body).group(1)


def activate(client, link, password="a brand new passphrase", confirm=None):
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = re.search(r'class="secret-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return client.post(link, data={
        "csrf_token": csrf_from(html), "password": password, "confirm": confirm or password,
        "code": pyotp.TOTP(key).now()}), key


def test_admin_invites_partner_user_who_activates_and_signs_in(client, new_client, db, users,
                                                               orgs, login):
    login(users["admin"])
    response = invite(client, org=orgs["a"].id)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@a.test"))
    assert user.password_hash is None and user.totp_secret is None
    message = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == user.email)).one()
    assert "بوابة الشركاء" in message.body  # in the invitee's language
    invitee = new_client()
    response, key = activate(invitee, activation_link(db, user.email))
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/recovery-codes")
    codes_page = invitee.get("/account/recovery-codes").get_data(as_text=True)
    assert len(re.findall(r"<li>[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}</li>", codes_page)) == 10
    # Shown once only.
    assert "<li>" not in invitee.get("/account/recovery-codes").get_data(as_text=True).split(
        "<main")[1].split("</main>")[0].replace('<li><a', '')
    assert invitee.get("/").status_code == 200
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.password_hash.startswith("$argon2id$") and user.totp_secret
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id)) == 10


def test_invitation_link_works_once(client, new_client, db, users, orgs, login):
    login(users["admin"])
    invite(client, org=orgs["a"].id)
    link = activation_link(db, "new.person@a.test")
    activate(new_client(), link)
    again = new_client().get(link)
    assert again.status_code == 404
    assert "not valid" in again.get_data(as_text=True)


def test_invitation_link_expires_after_72_hours(client, new_client, db, users, orgs, login,
                                                clock):
    login(users["admin"])
    invite(client, org=orgs["a"].id)
    link = activation_link(db, "new.person@a.test")
    clock.shift(72 * 3600 - 60)
    assert new_client().get(link).status_code == 200
    clock.shift(120)
    assert new_client().get(link).status_code == 404


def test_wrong_or_tampered_token_is_refused(client):
    assert client.get("/auth/activate/not-a-real-token").status_code == 404
    assert client.get("/auth/activate/" + "x" * 300).status_code == 404


@pytest.mark.parametrize("field,value,message", [
    ("email", "not-an-address", "Enter an e-mail address"),
    ("email", "a" * 250 + "@a.test", "Field cannot be longer than 254 characters"),
    ("name", "", "This field is required"),
    ("role", "superuser", "Not a valid choice"),
    ("organization", 999999, "Not a valid choice"),
])
def test_invite_bad_input_names_the_field_and_writes_nothing(client, db, users, orgs, login,
                                                             field, value, message):
    login(users["admin"])
    before = db.session.scalar(select(func.count()).select_from(User))
    data = {"email": "x@a.test", "name": "Name", "organization": orgs["a"].id,
            "role": "partner_viewer", "locale": "en", field: value}
    response = post_form(client, "/users/invite", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_invite_refuses_existing_email_and_office_role_in_partner_org(client, db, users, orgs,
                                                                      login):
    login(users["admin"])
    response = invite(client, email=users["viewer_a"].email.upper(), org=orgs["a"].id)
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    response = invite(client, org=orgs["a"].id, role="staff")
    assert response.status_code == 422 and "belong to the office" in response.get_data(as_text=True)


def test_activation_refuses_weak_password_and_wrong_code(client, new_client, db, users, orgs,
                                                         login):
    login(users["admin"])
    invite(client, org=orgs["a"].id)
    link = activation_link(db, "new.person@a.test")
    invitee = new_client()
    response, _ = activate(invitee, link, password="password1234")
    assert response.status_code == 422 and "too common" in response.get_data(as_text=True)
    html = invitee.get(link).get_data(as_text=True)
    response = invitee.post(link, data={"csrf_token": csrf_from(html), "password": "x" * 20,
                                        "confirm": "x" * 20 + "y", "code": "000000"})
    assert response.status_code == 422
    assert "not the same" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new.person@a.test"))
    assert user.password_hash is None  # nothing written


def test_partner_manager_invites_only_into_own_organisation(client, db, users, orgs, login):
    login(users["manager_a"])
    response = invite(client, org=orgs["b"].id)
    assert response.status_code == 422  # B is not among the choices
    response = invite(client, org=orgs["a"].id, role="admin")
    assert response.status_code == 422
    response = invite(client, org=orgs["a"].id, role="partner_viewer")
    assert response.status_code == 302
    page = client.get("/users/").get_data(as_text=True)
    assert users["viewer_a"].email in page and users["viewer_b"].email not in page


def test_partner_manager_deactivates_colleague(client, new_client, db, users, login):
    colleague = login(users["viewer_a"], the_client=new_client())
    login(users["manager_a"])
    response = post_form(client, f"/users/{users['viewer_a'].id}/deactivate",
                         page=f"/users/{users['viewer_a'].id}")
    assert response.status_code == 302
    assert colleague.get("/").status_code == 302
    assert db.session.get(User, users["viewer_a"].id).active is False


def test_deactivated_account_cannot_sign_in(client, users):
    user = users["disabled_a"]
    response = post_form(client, "/auth/login", {"email": user.email,
                                                 "password": factories.PASSWORD,
                                                 "code": factories.totp_now(user)})
    assert response.status_code == 422


@pytest.mark.security
def test_b8_admin_reset_forces_reenrolment(client, new_client, db, users, login, clock,
                                           security_report):
    """T17: the admin never sees or chooses the password; the link lasts ≤ 24 h; the old
    password and second factor stop working at once; the action is audited."""
    victim = users["viewer_a"]
    login(users["admin"])
    response = post_form(client, f"/users/{victim.id}/reset", page=f"/users/{victim.id}")
    assert response.status_code == 302
    page = client.get(f"/users/{victim.id}").get_data(as_text=True)
    assert "/auth/activate/" not in page  # the admin is not shown the link
    clock.shift(31)
    old = post_form(new_client(), "/auth/login", {
        "email": victim.email, "password": factories.PASSWORD, "code": factories.totp_now(victim)})
    assert old.status_code == 422
    invitation = db.session.scalars(select(Invitation).where(
        Invitation.user_id == victim.id, Invitation.purpose == "reset")).one()
    assert (invitation.expires_at - invitation.created_at).total_seconds() <= 24 * 3600
    assert "account_reset" in db.session.scalars(select(AuditEvent.action)).all()
    response, _ = activate(new_client(), activation_link(db, victim.email))
    assert response.status_code == 302
    security_report["B8"] = {"reset_paths_found": 0}


def test_admin_changes_role_and_it_is_audited(client, db, users, login):
    login(users["admin"])
    target = users["viewer_a"]
    response = post_form(client, f"/users/{target.id}/role", {"role": "partner_manager"},
                         page=f"/users/{target.id}")
    assert response.status_code == 302
    assert db.session.get(User, target.id).role == "partner_manager"
    detail = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "account_role_changed")).one()
    assert '"to": "partner_manager"' in detail


def test_admin_manages_organisations(client, db, users, login):
    login(users["admin"])
    response = post_form(client, "/organizations/new", {
        "name_en": "River Rights Group (fictional)", "name_ar": "مجموعة النهر للحقوق",
        "kind": "local", "country": "jo"})
    assert response.status_code == 302
    bad = post_form(client, "/organizations/new", {"name_en": "", "name_ar": "x",
                                                   "kind": "galaxy", "country": "JOR"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "This field is required" in body and "Two letters" in body
    assert "Not a valid choice" in body


def test_user_changes_password_with_both_factors(client, db, users, login, clock):
    user = users["viewer_a"]
    login(user)
    clock.shift(31)
    refused = post_form(client, "/account/password", {
        "password": factories.PASSWORD, "code": "", "new_password": "yet another passphrase",
        "confirm": "yet another passphrase"})
    assert refused.status_code == 422
    wrong = post_form(client, "/account/password", {
        "password": "wrong password!!", "code": factories.totp_now(user),
        "new_password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert wrong.status_code == 422 and "not correct" in wrong.get_data(as_text=True)
    clock.shift(31)
    ok = post_form(client, "/account/password", {
        "password": factories.PASSWORD, "code": factories.totp_now(user),
        "new_password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert ok.status_code == 302
    notices = db.session.scalars(select(OutboxMessage.body).where(
        OutboxMessage.recipient == user.email)).all()
    assert any("password" in n for n in notices)


def test_partner_manager_cannot_probe_which_addresses_have_accounts(client, db, users, orgs,
                                                                    login):
    login(users["manager_a"])
    taken = invite(client, email=users["admin"].email, org=orgs["a"].id)
    free = invite(client, email="brand.new@a.test", org=orgs["a"].id)
    assert taken.status_code == free.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == users["admin"].email)) == 1
    assert "account_invite_refused" in db.session.scalars(select(AuditEvent.action)).all()
