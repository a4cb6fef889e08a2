"""Test data builders. All names are fictional."""

from __future__ import annotations

import pyotp

from portal import crypto, passwords
from portal.extensions import db
from portal.models import Organization, User

PASSWORD = "a long test passphrase"
SECRETS: dict[str, str] = {}


def make_org(name: str, kind: str = "international", **kw) -> Organization:
    org = Organization(name_en=name, name_ar=kw.pop("name_ar", "منظمة " + name), kind=kind,
                       country=kw.pop("country", "CH"), **kw)
    db.session.add(org)
    db.session.flush()
    return org


def make_orgs() -> dict[str, Organization]:
    return {"office": make_org("Test Office", "office", country="SY"),
            "a": make_org("Org A"), "b": make_org("Org B", "local", country="LB")}


def make_user(email: str, org: Organization, role: str, *, totp: bool = True,
              active: bool = True, password: str | None = PASSWORD, **kw) -> User:
    user = User(email=email, name=kw.pop("name", email.split("@")[0]), organization=org,
                role=role, active=active,
                password_hash=passwords.hash_password(password) if password else None, **kw)
    if totp:
        secret = pyotp.random_base32(32)
        SECRETS[email] = secret
        user.totp_secret = crypto.encrypt(secret, context=b"totp")
    db.session.add(user)
    db.session.flush()
    return user


def make_principals(orgs) -> dict[str, User]:
    return {
        "admin": make_user("admin@office.test", orgs["office"], "admin"),
        "staff": make_user("staff@office.test", orgs["office"], "staff"),
        "manager_a": make_user("manager@a.test", orgs["a"], "partner_manager"),
        "viewer_a": make_user("viewer@a.test", orgs["a"], "partner_viewer"),
        "viewer_b": make_user("viewer@b.test", orgs["b"], "partner_viewer"),
        "disabled_a": make_user("disabled@a.test", orgs["a"], "partner_viewer", active=False),
    }


def totp_now(user: User) -> str:
    return pyotp.TOTP(SECRETS[user.email]).now()
