"""Bench accounts: organisations and users with known passwords and TOTP seeds.

Run inside the portal's environment on the database being prepared:

    python -m bench.accounts OUT.json

Creates the office (if missing), 20 fictional partner organisations and 500 accounts
(BENCHMARKS.md §2). Three accounts are used by the load client and written to OUT.json with
their password and TOTP seed: a staff member, and a partner_viewer of partner 01 and 02.
Every account has a real second factor: the bench signs in exactly as a person would (no
demo mode). All names and e-mail addresses are fictional (.test domain).
"""

from __future__ import annotations

import json
import sys

import pyotp
from sqlalchemy import select

PASSWORD = "bench passphrase for fictional accounts"
PARTNERS = 20
USERS = 500


def create_accounts(out_path: str) -> dict:
    """Create the bench organisations and accounts; write the known logins to out_path."""
    from portal import create_app, crypto, passwords
    from portal.extensions import db
    from portal.models import Organization, User

    app = create_app()
    with app.app_context():
        office = db.session.scalar(select(Organization).where(Organization.kind == "office"))
        if office is None:
            office = Organization(name_en="Documentation Office (bench)",
                                  name_ar="مكتب التوثيق (قياس)", kind="office", country="SY")
            db.session.add(office)
        partners = []
        for n in range(1, PARTNERS + 1):
            org = Organization(name_en=f"Bench partner {n:02d} (fictional)",
                               name_ar=f"شريك قياس {n:02d} (وهمي)",
                               kind="international" if n % 2 else "local", country="CH")
            partners.append(org)
        db.session.add_all(partners)
        db.session.flush()
        hashed = passwords.hash_password(PASSWORD)  # one argon2 hash for all, made once
        known = {}

        def add(email: str, org, role: str, totp: bool) -> User:
            user = User(email=email, name=email.split("@")[0], organization=org, role=role,
                        password_hash=hashed, preferred_locale="ar", activated_at=None)
            if totp:
                secret = pyotp.random_base32(32)
                user.totp_secret = crypto.encrypt(secret, context=b"totp")
                known[email] = {"email": email, "password": PASSWORD, "totp_secret": secret,
                                "role": role, "org": org.name_en}
            db.session.add(user)
            return user

        add("staff@office.bench.test", office, "staff", True)
        add("admin@office.bench.test", office, "admin", True)
        for n, org in enumerate(partners, start=1):
            add(f"viewer@p{n:02d}.bench.test", org, "partner_viewer", n <= 2)
            add(f"manager@p{n:02d}.bench.test", org, "partner_manager", False)
        made = 2 + 2 * PARTNERS
        i = 0
        while made < USERS:  # the rest: ordinary accounts spread over the organisations
            org = partners[i % PARTNERS] if i % 10 else office
            role = "partner_viewer" if i % 10 else "staff"
            add(f"user{i:03d}@bench.test", org, role, False)
            made += 1
            i += 1
        db.session.commit()
        facts = {"organizations": PARTNERS + 1, "users": made,
                 "partner_org_ids": [o.id for o in partners], "office_id": office.id,
                 "accounts": known}
    with open(out_path, "w") as fh:
        json.dump(facts, fh, indent=1)
    return facts


if __name__ == "__main__":
    create_accounts(sys.argv[1])
