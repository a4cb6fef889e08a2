"""Accounts, grants and events for the load run (bench.loadrun), in the portal's environment:

    python -m bench.load_setup OUT.json

Run once on a fresh database after `flask db upgrade`, `flask cases generate` and `flask cases
reindex`. It creates, all fictional (.test addresses):

- 10 staff accounts (and one for bench.loadrun's probe) and 20 partner organisations with a viewer and a manager each: 50
  accounts with a password and a TOTP seed, one per simulated user (a person signs in once;
  SESSIONS_PER_USER would end a sixth session of a shared account);
- for each partner, one grant of 300 random cases at "detailed" (through the sharing service:
  the same validation, consent rules and audit entries as the views);
- 6 events of the office, scheduled next month, every partner invited;
- for each staff account, its own slice of cases to edit (so two simulated people never edit
  the same case and a conflict page never counts as an error).

OUT.json lists the accounts (with password and seed), the event ids, each partner's visible
case references and each staff account's cases. Prints nothing else.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta, timezone

import pyotp
from sqlalchemy import select

PASSWORD = "load passphrase for fictional accounts"
STAFF = 10
PARTNERS = 20
GRANT_SIZE = 300
EVENTS = 6
EDIT_SLICE = 150


def setup(out_path: str) -> dict:
    from portal import access, create_app, crypto, passwords
    from portal.extensions import db
    from portal.models import Case, Organization, User
    from portal.services.audit import Actor
    from portal.services.events.lifecycle import EventData, create_event
    from portal.services.sharing import grants as sharing

    app = create_app()
    rng = random.Random(1919)
    with app.test_request_context("/"):
        office = db.session.scalar(select(Organization).where(Organization.kind == "office"))
        if office is None:
            office = Organization(name_en="Documentation Office (load)",
                                  name_ar="مكتب التوثيق (حمل)", kind="office", country="SY")
            db.session.add(office)
        partners = [Organization(name_en=f"Load partner {n:02d} (fictional)",
                                 name_ar=f"شريك حمل {n:02d} (وهمي)",
                                 kind="international" if n % 2 else "local", country="CH")
                    for n in range(1, PARTNERS + 1)]
        db.session.add_all(partners)
        db.session.flush()
        hashed = passwords.hash_password(PASSWORD)
        accounts = []

        def add(email: str, org, role: str) -> User:
            secret = pyotp.random_base32(32)
            user = User(email=email, name=email.split("@")[0], organization=org, role=role,
                        password_hash=hashed, preferred_locale="ar" if len(accounts) % 2 else "en",
                        activated_at=None)
            user.totp_secret = crypto.encrypt(secret, context=b"totp")
            db.session.add(user)
            accounts.append({"email": email, "password": PASSWORD, "totp_secret": secret,
                             "role": role, "org_id": None, "_org": org})
            return user

        for n in range(1, STAFF + 1):
            add(f"staff{n:02d}@office.load.test", office, "staff")
        add("probe@office.load.test", office, "staff")  # bench.loadrun's probe, not a person
        for n, org in enumerate(partners, start=1):
            add(f"viewer@p{n:02d}.load.test", org, "partner_viewer")
            add(f"manager@p{n:02d}.load.test", org, "partner_manager")
        db.session.flush()
        for account in accounts:
            account["org_id"] = account.pop("_org").id
        staff = db.session.scalar(select(User).where(User.email == "staff01@office.load.test"))
        actor = Actor(staff.id, staff.organization_id)

        every = list(db.session.scalars(select(Case.reference).where(Case.deleted_at.is_(None))
                                         .order_by(Case.id)))
        expires = datetime.now(timezone.utc) + timedelta(days=365)
        visible = {}
        for org in partners:
            sharing.grant_access(sharing.GrantRequest(
                organization_id=org.id, tier="detailed", purpose="Load: fictional share.",
                expires_at=expires, references=rng.sample(every, GRANT_SIZE)), actor=actor)
            db.session.flush()
            visible[org.id] = list(db.session.scalars(
                access.visible_cases_for_org(org).with_only_columns(Case.uid)
                .order_by(Case.id).limit(GRANT_SIZE)))

        start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + \
            timedelta(days=30)
        events = []
        for n in range(EVENTS):
            begins = start + timedelta(days=n, hours=9)
            event = create_event(EventData(
                kind="workshop", starts_at=begins, ends_at=begins + timedelta(hours=3),
                timezone="Europe/Berlin", organizer_org_id=office.id,
                title_en=f"Load workshop {n + 1} (fictional)",
                title_ar=f"ورشة حمل {n + 1} (وهمية)", venue="Fictional hall",
                capacity=400, languages=["ar", "en"],
                invited_ids=[o.id for o in partners]), actor=actor)
            db.session.flush()
            events.append(event.id)

        uids = list(db.session.scalars(select(Case.uid).where(Case.deleted_at.is_(None))
                                       .order_by(Case.id)))
        edits = {a["email"]: uids[i::STAFF][:EDIT_SLICE]
                 for i, a in enumerate(a for a in accounts
                                       if a["role"] == "staff" and "probe@" not in a["email"])}
        db.session.commit()
        probe = next(a for a in accounts if a["email"].startswith("probe@"))
        accounts.remove(probe)
        staff_accounts = [a for a in accounts if a["role"] == "staff"]
        others = [a for a in accounts if a["role"] != "staff"]
        mixed = []  # staff, viewer, manager, viewer, manager, ...: any number of people mixes
        for i, account in enumerate(staff_accounts):
            mixed += [account, *others[4 * i:4 * i + 4]]
        facts = {"accounts": mixed, "probe": probe, "events": events, "office_id": office.id,
                 "partner_org_ids": [o.id for o in partners],
                 "visible": {str(k): v for k, v in visible.items()},
                 "grant_references": rng.sample(every, 200), "edits": edits}
    with open(out_path, "w") as fh:
        json.dump(facts, fh, indent=1)
    return facts


if __name__ == "__main__":
    setup(sys.argv[1])
