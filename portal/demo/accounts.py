"""Fictional demonstration organisations and accounts. Every name here is invented; none is
a real person."""

from __future__ import annotations

from sqlalchemy import select

from .. import passwords
from ..extensions import db
from ..models import Organization, User

# Published in the README; demo accounts cannot sign in outside demo mode.
DEMO_PASSWORD = "fictional-demo-pass"  # nosec B105

ORGANIZATIONS = [
    # key, English name, Arabic name, kind, country
    ("office", "Documentation Office (demo)", "مكتب التوثيق (تجريبي)", "office", "SY"),
    ("northbridge", "Northbridge Missing Persons Commission (fictional)",
     "هيئة نورثبريدج للمفقودين (وهمية)", "international", "CH"),
    ("globalrights", "Global Rights Watch Collective (fictional)",
     "تجمع رقابة الحقوق العالمي (وهمي)", "international", "DE"),
    ("cedarlab", "Cedar Rights Lab (fictional)", "مختبر الأرز للحقوق (وهمي)", "local", "LB"),
    ("orontes", "Orontes Families Network (fictional)", "شبكة عائلات العاصي (وهمية)", "local",
     "TR"),
]

ACCOUNTS = [
    # e-mail, name, organisation key, role, preferred locale
    ("admin@office.example", "Demo Administrator", "office", "admin", "en"),
    ("staff@office.example", "سلمى التجريبية", "office", "staff", "ar"),
    ("manager@northbridge.example", "Demo Manager Northbridge", "northbridge", "partner_manager", "en"),
    ("viewer@northbridge.example", "Demo Viewer Northbridge", "northbridge", "partner_viewer", "en"),
    ("viewer@globalrights.example", "Demo Viewer Global Rights", "globalrights", "partner_viewer", "en"),
    ("manager@cedarlab.example", "مدير تجريبي - مختبر الأرز", "cedarlab", "partner_manager", "ar"),
    ("viewer@cedarlab.example", "مشاهد تجريبي - مختبر الأرز", "cedarlab", "partner_viewer", "ar"),
    ("manager@orontes.example", "مدير تجريبي - العاصي", "orontes", "partner_manager", "ar"),
]


def load_demo_accounts() -> tuple[dict[str, Organization], dict[str, User]]:
    """Create the demo organisations and accounts (idempotent); return them by key and e-mail."""
    orgs = {}
    for key, name_en, name_ar, kind, country in ORGANIZATIONS:
        org = db.session.scalar(select(Organization).where(Organization.name_en == name_en))
        if org is None:
            org = Organization(name_en=name_en, name_ar=name_ar, kind=kind, country=country)
            db.session.add(org)
        orgs[key] = org
    db.session.flush()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    users = {}
    for email, name, org_key, role, locale in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, organization=orgs[org_key], role=role,
                        preferred_locale=locale, password_hash=password_hash, demo=True)
            db.session.add(user)
        users[email] = user
    db.session.flush()
    return orgs, users


def demo_logins() -> list[tuple[str, str, str]]:
    """(e-mail, password, role) of every demo account."""
    return [(email, DEMO_PASSWORD, role) for email, _n, _o, role, _l in ACCOUNTS]
