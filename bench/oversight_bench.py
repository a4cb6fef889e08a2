"""Benchmark: the access report and the bulk-read alert over a large audit log.

Fills the audit log of a temporary database (SQLite, or PORTAL_BENCH_DATABASE_URL for
PostgreSQL) with N fictional access events (default 500,000) by 200 partner accounts over
90 days, then times, median of 5 runs each:
- the bulk-read count an alert makes after every read by a partner (cases_read_since);
- the access report's first page for staff (count + 50 rows) and its per-organisation
  summary, unfiltered and for one account, and one case;
- a manager's colleague page.
Rows are inserted with Core (their hash chain is not valid: the bench never verifies it).
Prints figures; asserts nothing.

    python -m bench.oversight_bench [N]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _timed(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _fill(db, count: int, orgs, users, cases, now) -> None:
    from sqlalchemy import insert

    from portal.models import AuditEvent
    rng = random.Random(7)
    actions = [("sensitive_read", "case", "success")] * 80 + [
        ("cases_exported", "case", "success")] * 2 + [("authz_fail", "case", "denied")] * 3 + [
        ("pack_download", "pack", "success")] * 2 + [("authn_login", "user", "success")] * 13
    rows, seq = [], 0
    for _ in range(count):
        seq += 1
        user = rng.choice(users)
        action, otype, outcome = rng.choice(actions)
        rows.append({"seq": seq, "ts": now - timedelta(seconds=rng.randrange(90 * 86400)),
                     "actor_id": user[0], "actor_org_id": user[1], "session_hash": "",
                     "action": action, "object_type": otype,
                     "object_id": rng.choice(cases) if otype == "case" else "x",
                     "outcome": outcome, "request_id": "", "detail": '{"tier": "summary"}',
                     "prev_hash": "0" * 64, "row_hmac": "0" * 64})
        if len(rows) == 20000:
            db.session.execute(insert(AuditEvent), rows)
            rows = []
    if rows:
        db.session.execute(insert(AuditEvent), rows)
    db.session.commit()


def main(count: int = 500_000) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal import create_app
    from portal.extensions import db
    from portal.models import Organization, User
    from portal.services.oversight import access_report as report
    from portal.services.oversight.alerts import cases_read_since

    tmp = Path(tempfile.mkdtemp(prefix="bench-oversight-"))
    uri = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench-" + "x" * 40,
                      "SERVER_NAME": "portal.bench"})
    with app.app_context():
        upgrade()
        orgs = [Organization(name_en=f"Bench org {i}", name_ar=f"منظمة {i}",
                             kind="office" if i == 0 else "local") for i in range(11)]
        db.session.add_all(orgs)
        db.session.flush()
        people = [User(email=f"u{i}@bench.test", name=f"u{i}", organization=orgs[1 + i % 10],
                       role="partner_manager" if i < 10 else "partner_viewer")
                  for i in range(200)]
        staff = User(email="staff@bench.test", name="staff", organization=orgs[0],
                     role="staff")
        db.session.add_all([*people, staff])
        db.session.commit()
        now = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        _fill(db, count, orgs, [(u.id, u.organization_id) for u in people],
              [str(uuid.uuid4()) for _ in range(20000)], now)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE audit_events"))
        else:
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"{db.engine.dialect.name}: {count:,} audit events in "
              f"{time.perf_counter() - t0:.1f} s")
        user = people[42]
        manager = people[2]
        since = now - timedelta(hours=1)
        print(f"alert count (cases_read_since, one account): "
              f"{_timed(lambda: cases_read_since(user.id, since)):.2f} ms")

        def page(scope, viewer, **params):
            f = report.ReportFilter.parse(params)
            f.resolve_case()
            stmt = report.report_query(scope, viewer, f)
            db.paginate(stmt, page=1, per_page=report.PER_PAGE, error_out=False)
        for label, params in (("unfiltered", {}), ("one account", {"account": str(user.id)}),
                              ("last 7 days", {"date_from": (now - timedelta(days=7))
                                               .date().isoformat()})):
            print(f"report page 1, staff, {label}: "
                  f"{_timed(lambda: page('partners', staff, **params)):.1f} ms")
            f = report.ReportFilter.parse(params)
            print(f"report summary by organisation, {label}: "
                  f"{_timed(lambda: report.summary_by_org('partners', staff, f)):.1f} ms")
        print(f"colleagues page 1, manager: "
              f"{_timed(lambda: page('colleagues', manager)):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500_000)
