"""Partner API v1 sync against the CSV export of the same subset (issue 16).

    python -m bench.api_sync [--cases 20000] [--page 500] [--changes 100]

Builds a fresh SQLite database in a temporary folder (migrations, `cases generate`), shares
`--cases` cases with one partner organisation at the detailed tier, then times in the same
process and run: a full sync through /api/v1/cases (every page, as a partner system would
pull it, through the WSGI app), an incremental sync after `--changes` edited cases, and the
CSV export of the same subset (the export service's stream, read to the end). Prints the
figures and writes JSON to bench/results/; asserts nothing. Target: full sync within 2x the
CSV export's time."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _config(tmp: Path) -> dict:
    return {"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
            "SECRET_KEY": "bench-secret-key-" + "x" * 32, "ARGON2_PROFILE": "CHEAPEST",
            "RATELIMIT_ENABLED": False, "SERVER_NAME": "portal.test",
            "MAIL_DELIVER_ON_COMMIT": False, "ALERT_READS_PER_HOUR": 0}


def _setup(app, count: int):
    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal.access import consent_allows
    from portal.extensions import db
    from portal.models import Case, GrantCase, Organization, ShareGrant, User, utcnow
    from portal.services.api import tokens
    from portal.services.audit import Actor
    from portal.services.cases.generate import generate_cases

    upgrade()
    office = Organization(name_en="Bench Office", name_ar="مكتب", kind="office", country="SY")
    partner = Organization(name_en="Bench Partner", name_ar="شريك", kind="international")
    db.session.add_all([office, partner])
    db.session.flush()
    manager = User(email="manager@bench.test", name="Bench manager", organization=partner,
                   role="partner_manager")
    db.session.add(manager)
    db.session.flush()
    started = time.perf_counter()
    generate_cases(int(count * 2), 16, actor=Actor.system())
    db.session.flush()
    generated = time.perf_counter() - started
    ids = list(db.session.scalars(select(Case.id).where(consent_allows(partner.id))
                                  .order_by(Case.id).limit(count)))
    grant = ShareGrant(organization_id=partner.id, tier="detailed", purpose="Bench",
                       expires_at=utcnow() + timedelta(days=30))
    grant.case_rows = [GrantCase(case_id=i) for i in ids]
    db.session.add(grant)
    _token, text = tokens.create_token(partner, name="Bench system", scopes=["cases:read"],
                                       days=30, user=manager, actor=Actor.system())
    db.session.commit()
    return partner, manager, ids, text, generated


def _pull(client, text: str, page: int, cursor: str | None = None) -> tuple[int, int, str]:
    from flask import current_app

    from portal.extensions import db
    db.session.commit()  # the bench's own session holds no transaction while the API runs
    app = current_app._get_current_object()
    headers = {"Authorization": f"Bearer {text}"}
    items = requests = 0
    while True:
        query = {"limit": page}
        if cursor:
            query["cursor"] = cursor
        with app.app_context():  # each request with its own session, as in production
            r = client.get("/api/v1/cases", query_string=query, headers=headers)
        requests += 1
        assert r.status_code == 200, r.get_data(as_text=True)[:300]  # a broken run, not a figure
        body = r.get_json()
        items += len(body["items"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, requests, cursor


def _csv(manager) -> tuple[float, int]:
    from portal.access import list_scope, principal_of
    from portal.extensions import db
    from portal.search import filters as case_filters
    from portal.services.cases import exports

    f, _errors = case_filters.parse({})
    started = time.perf_counter()
    principal = principal_of(manager)
    scope = list_scope(principal, f)
    stmt = scope.cases
    db.session.commit()  # as the export view: no transaction held while chunks are read
    size = 0
    for chunk in exports.csv_stream(exports.redacted(stmt, principal, "detailed"),
                                    "detailed"):
        size += len(chunk)
    return time.perf_counter() - started, size


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)

    from portal import create_app
    from portal.extensions import db
    from portal.models import Case

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(_config(Path(tmp)))
        with app.app_context():
            partner, manager, ids, text, generated = _setup(app, args.cases)
            client = app.test_client()
            csv_seconds, csv_bytes = _csv(manager)
            db.session.commit()
            started = time.perf_counter()
            full_items, full_requests, cursor = _pull(client, text, args.page)
            full_seconds = time.perf_counter() - started
            for case_id in ids[:: max(1, len(ids) // args.changes)][: args.changes]:
                case = db.session.get(Case, case_id)
                case.public_narrative = (case.public_narrative or "") + " (bench edit)"
            db.session.commit()
            started = time.perf_counter()
            inc_items, inc_requests, _cursor = _pull(client, text, args.page, cursor)
            inc_seconds = time.perf_counter() - started
            result = {
                "benchmark": "api_sync", "database": "sqlite", "shared_cases": len(ids),
                "generated_seconds": round(generated, 2), "page": args.page,
                "csv_export": {"seconds": round(csv_seconds, 3), "bytes": csv_bytes},
                "full_sync": {"seconds": round(full_seconds, 3), "requests": full_requests,
                              "items": full_items},
                "incremental_sync": {"changes": args.changes, "seconds": round(inc_seconds, 3),
                                     "requests": inc_requests, "items": inc_items},
                "full_sync_over_csv": round(full_seconds / csv_seconds, 2) if csv_seconds else None,
            }
            db.session.remove()
            db.engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"api_sync-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"shared cases {result['shared_cases']}  (page size {args.page})")
    print(f"CSV export          {csv_seconds:8.2f} s")
    print(f"full sync (API)     {full_seconds:8.2f} s  {full_requests} requests  "
          f"{full_items} items  ({result['full_sync_over_csv']}x the CSV export)")
    print(f"incremental sync    {inc_seconds:8.2f} s  {inc_requests} requests  "
          f"{inc_items} items after {args.changes} changes")
    print(f"written to {out}")
    return result


if __name__ == "__main__":
    main()
