"""Benchmark: a partner whose grants cover ~20,000 of the register's cases (issue 4).

Uses the database of the current configuration (PORTAL_INSTANCE_PATH / PORTAL_DATABASE_URL),
filled beforehand with `flask --app portal cases generate --count 250000 --seed 1`; never run
it against the test databases. Adds (once) a fictional partner organisation, a demo viewer
and two grants (explicit cases at "detailed", a filter at "summary"), then prints: how many
cases the grants cover and the partner sees, the query plans of the list and count queries,
and median/p95 timings of the partner's list, search, API and export against /health.
Prints figures; asserts nothing.

    PORTAL_ENV_NAME=development PORTAL_INSTANCE_PATH=/tmp/bench \\
        python -m bench.sharing_visibility [--cover 20000] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from datetime import timedelta

ORG_NAME = "Bench Partner (fictional)"
EMAIL = "viewer@bench-partner.example"
STAFF_EMAIL = "staff@bench-office.example"
PASSWORD = "bench-partner-passphrase"


def _setup(cover: int) -> None:
    from sqlalchemy import func, select

    from portal import passwords
    from portal.extensions import db
    from portal.models import Case, GrantCase, Organization, ShareGrant, User, utcnow

    org = db.session.scalar(select(Organization).where(Organization.name_en == ORG_NAME))
    if org is None:
        org = Organization(name_en=ORG_NAME, name_ar="شريك القياس (وهمي)", kind="international")
        db.session.add(org)
        db.session.flush()
        db.session.add(User(email=EMAIL, name="Bench viewer", organization=org,
                            role="partner_viewer", demo=True,
                            password_hash=passwords.hash_password(PASSWORD)))
    if db.session.scalar(select(User).where(User.email == STAFF_EMAIL)) is None:
        office = Organization(name_en="Bench Office (fictional)", name_ar="مكتب القياس (وهمي)",
                              kind="office")
        db.session.add(office)
        db.session.add(User(email=STAFF_EMAIL, name="Bench staff", organization=office,
                            role="staff", demo=True,
                            password_hash=passwords.hash_password(PASSWORD)))
    if not db.session.scalar(select(func.count(ShareGrant.id))
                             .where(ShareGrant.organization_id == org.id)):
        ids = list(db.session.scalars(select(Case.id).where(Case.deleted_at.is_(None))))
        chosen = random.Random(3).sample(ids, min(cover * 9 // 10, len(ids)))
        ends = utcnow() + timedelta(days=365)
        grant = ShareGrant(organization_id=org.id, tier="detailed", purpose="bench",
                           expires_at=ends)
        db.session.add(grant)
        db.session.flush()
        db.session.execute(GrantCase.__table__.insert(),
                           [{"grant_id": grant.id, "case_id": i} for i in chosen])
        # a filter grant: one status and one governorate (about cover/10 cases)
        db.session.add(ShareGrant(organization_id=org.id, tier="summary", purpose="bench",
                                  expires_at=ends, filter_name="bench filter",
                                  filter_params='{"status": "released", '
                                                '"governorate": "' + _small_governorate() + '"}'))
    db.session.commit()


def _small_governorate() -> str:
    from portal import refdata
    return refdata.all_rows("governorates")[-1]["code"]


def _explain(stmt) -> str:
    from portal.extensions import db
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(db.text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).all()
    else:
        rows = db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)).all()
    db.session.rollback()
    return "\n".join("    " + " ".join(str(c) for c in r[-1:]) for r in rows)


def _plans() -> None:
    from sqlalchemy import func, select

    from portal import access
    from portal.extensions import db
    from portal.models import Case, Organization
    from portal.search.query import SORTS

    org = db.session.scalar(select(Organization).where(Organization.name_en == ORG_NAME))
    visible = access.visible_cases_for_org(org)
    t0 = time.perf_counter()
    count = db.session.scalar(select(func.count()).select_from(visible.subquery()))
    print(f"visible to the partner: {count} cases ({time.perf_counter() - t0:.3f} s to count)")
    page = visible.with_only_columns(Case.id).order_by(*SORTS["recent"]).limit(50)
    print("plan of the list page (recent first, 50):\n" + _explain(page))
    capped = select(func.count()).select_from(
        visible.with_only_columns(Case.id).limit(10_001).subquery())
    print("plan of the capped count:\n" + _explain(capped))


def _client(app, email: str = EMAIL):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"csrf_token": token, "email": email,
                                                "password": PASSWORD, "code": ""})
    assert response.status_code == 302, response.status_code
    return client


def _time(client, path: str, runs: int) -> tuple[float, float, int]:
    samples, status = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        response.get_data()
        samples.append(time.perf_counter() - t0)
        status = response.status_code
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cover", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from portal import create_app
    app = create_app({"DEMO_MODE": True, "RATELIMIT_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False, "SERVER_NAME": "portal.bench",
                      "PREFERRED_URL_SCHEME": "http"})
    with app.app_context():
        _setup(args.cover)
        from portal.extensions import db
        print(f"database: {db.engine.dialect.name}")
        _plans()
    paths = ["/health", "/account/", "/cases/", "/cases/?page=40", "/cases/?q=محمد",
             "/cases/?q=Mohammad+Halabi", "/cases/?status=detained&sort=arrest",
             "/api/cases?sort=name", "/cases/export.csv"]
    for who, email in (("partner", EMAIL), ("staff", STAFF_EMAIL)):
        client, base = _client(app, email), None
        for path in paths:
            if who == "staff" and "export" in path:
                continue  # the whole register: not comparable
            runs = 3 if "export" in path else args.runs
            median, p95, status = _time(client, path, runs)
            base = base or p95
            print(f"{who:8}{path:38} {status}  median {median * 1000:8.1f} ms  "
                  f"p95 {p95 * 1000:8.1f} ms  ({p95 / base:6.1f}x /health)")

if __name__ == "__main__":
    main()
