"""Bench share grants (issue 4): partner 01 sees exactly 20,000 of the 250,000 cases.

    python -m bench.grants ACCOUNTS.json   (in the portal's environment, after bench.accounts)

Grants are made through the portal's own service (portal.services.sharing.grants.grant_access,
the same validation, consent rules and audit entries as the sharing views), by the bench staff
account:

* partner 01 (the one the load signs in as): a filter grant (a saved filter "governorate =
  one governorate", tier detailed), then explicit grants of at most 5,000 references each
  (tiers summary and identification) over cases its consent lets it see, until exactly
  20,000 cases are visible to it (counted with access.visible_cases_for_org);
* partners 02–20: explicit grants of 5,000–25,000 random cases each, whatever their consent
  (as staff pick them; consent hides some), so the share tables hold ≈250,000 rows
  (BENCHMARKS.md §2).
Prints a JSON line of facts.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta

from sqlalchemy import func, not_, select

TARGET = 20_000
CHUNK = 5000  # portal.services.sharing.grants.MAX_REFERENCES


def make_grants(accounts_path: str) -> dict:
    """Create the bench grants; return facts (counts per partner, visible for partner 01)."""
    from portal import access, create_app, refdata
    from portal.extensions import db
    from portal.models import Case, Organization, SavedFilter, User, utcnow
    from portal.services.audit import Actor
    from portal.services.sharing import grants as sharing

    facts_in = json.load(open(accounts_path))
    app = create_app()
    rng = random.Random(4242)
    with app.test_request_context("/"):
        staff = db.session.scalar(select(User).where(User.email == "staff@office.bench.test"))
        actor = Actor(staff.id, staff.organization_id)
        expires = utcnow() + timedelta(days=365)
        partners = [db.session.get(Organization, i) for i in facts_in["partner_org_ids"]]

        def grant(org, tier, refs=(), filter_id=None):
            sharing.grant_access(sharing.GrantRequest(
                organization_id=org.id, tier=tier, purpose="Bench: fictional share.",
                expires_at=expires, references=list(refs), filter_id=filter_id), actor=actor)

        def visible(org) -> int:
            return db.session.scalar(select(func.count()).select_from(
                access.visible_cases_for_org(org).with_only_columns(Case.id).subquery()))

        # Partner 01: a filter grant, then explicit grants up to exactly TARGET visible cases.
        first = partners[0]
        gov = refdata.all_rows("governorates")[3]
        saved = SavedFilter(owner_id=staff.id, name="Bench: one governorate",
                            params=json.dumps({"governorate": gov["code"]}))
        db.session.add(saved)
        db.session.flush()
        grant(first, "detailed", filter_id=saved.id)
        have = visible(first)
        candidates = list(db.session.scalars(
            select(Case.reference).where(Case.deleted_at.is_(None),
                                         access.consent_allows(first.id),
                                         not_(access.org_case_filter(first.id)))
            .order_by(Case.id)))
        chosen = rng.sample(candidates, max(0, TARGET - have))
        for n, start in enumerate(range(0, len(chosen), CHUNK)):
            grant(first, ("summary", "identification")[n % 2], chosen[start:start + CHUNK])
        per_partner = {first.name_en: visible(first)}

        # Partners 02-20: random explicit selections, consent decides what they see.
        every = list(db.session.scalars(select(Case.reference).order_by(Case.id)))
        rows = len(chosen)
        for org in partners[1:]:
            picked = rng.sample(every, rng.randint(5000, 25000))
            rows += len(picked)
            for start in range(0, len(picked), CHUNK):
                grant(org, rng.choice(("summary", "detailed", "identification")),
                      picked[start:start + CHUNK])
        db.session.commit()
        facts = {"partner_01_org_id": first.id, "partner_01_visible": per_partner[first.name_en],
                 "partner_01_filter_governorate": gov["code"],
                 "explicit_share_rows": rows, "partners": len(partners)}
    return facts


def partner_sample(labelled: list, rng: random.Random) -> dict:
    """For bench.sample (inside its app context): name queries for cases partner 01 sees."""
    from portal import access
    from portal.extensions import db
    from portal.models import Case, Organization

    org = db.session.scalar(select(Organization).where(
        Organization.name_en == "Bench partner 01 (fictional)"))
    if org is None:
        return {}
    ids = list(db.session.scalars(access.visible_cases_for_org(org)
                                  .with_only_columns(Case.id).order_by(Case.id)))
    picked = db.session.scalars(select(Case).where(Case.id.in_(rng.sample(ids, 100)))
                                .order_by(Case.id)).all()
    queries = []
    for n, c in enumerate(picked):
        if n % 2 and c.first_name_lat:  # half in Latin script (cross-script where recorded in Arabic)
            queries.append(f"{c.first_name_lat} {c.family_name_lat}")
        else:
            queries.append(f"{c.first_name_ar} {c.father_name_ar} {c.family_name_ar}")
    return {"queries": queries, "export_path": "/cases/export.csv",
            "facts": {"org_id": org.id, "visible": len(ids)}}


if __name__ == "__main__":
    print(json.dumps(make_grants(sys.argv[1])))
