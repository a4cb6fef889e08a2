"""What making a share grant costs, with and without the triggers that copy its ids onto the
cases it names (migration 0012, PostgreSQL) and add search terms (0013).

    python -m bench.grant_cost [--size 5000] [--reps 3]

After bench.data (on a fresh copy of the PostgreSQL run database), in the portal's
environment: a grant of `size` random references to a bench partner, made through the
portal's own service (sharing.grant_access: validation, consent preview, audit) and rolled
back, alternately with the triggers on and disabled for the transaction. Prints the median
time of each and writes bench/results/grant-cost-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

from .common import RESULTS, git_sha, portal_env

TRIGGERS = ("share_grant_ids_1_insert",)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=5000)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    os.environ.update({k: v for k, v in portal_env("postgres").items() if k.startswith("PORTAL_")})

    from sqlalchemy import select, text

    from portal import create_app
    from portal.extensions import db
    from portal.models import Case, Organization, User, utcnow
    from portal.services.audit import Actor
    from portal.services.sharing import grants as sharing

    from . import data as bench_data

    bench_data.fresh_copy("postgres")
    app = create_app()
    times: dict[str, list[float]] = {"triggers": [], "no_triggers": []}
    with app.test_request_context("/"):
        staff = db.session.scalar(select(User).where(User.email == "staff@office.bench.test"))
        org = db.session.scalar(select(Organization).where(
            Organization.name_en == "Bench partner 05 (fictional)"))
        every = list(db.session.scalars(select(Case.reference).order_by(Case.id)))
        rng = random.Random(7)
        for rep in range(args.reps + 1):  # the first pair uncounted (caches)
            for mode in ("triggers", "no_triggers"):
                refs = rng.sample(every, args.size)
                if mode == "no_triggers":
                    for name in TRIGGERS:
                        db.session.execute(text(
                            f"ALTER TABLE share_grant_cases DISABLE TRIGGER {name}"))
                t0 = time.perf_counter()
                sharing.grant_access(sharing.GrantRequest(
                    organization_id=org.id, tier="summary", purpose="Bench: fictional share.",
                    expires_at=utcnow() + timedelta(days=30), references=refs),
                    actor=Actor(staff.id, staff.organization_id))
                db.session.flush()
                elapsed = (time.perf_counter() - t0) * 1000
                db.session.rollback()  # the grant and the trigger switch alike
                if rep:
                    times[mode].append(elapsed)
    out = {"git_sha": git_sha(), "size": args.size, "reps": args.reps,
           **{f"{mode}_ms": round(statistics.median(v), 1) for mode, v in times.items()},
           "runs_ms": {mode: [round(x, 1) for x in v] for mode, v in times.items()}}
    print(f"a grant of {args.size} references (median of {args.reps}): "
          f"{out['triggers_ms']} ms with the triggers, {out['no_triggers_ms']} ms without")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"grant-cost-{stamp}.json"
    path.write_text(json.dumps(out, indent=1))
    print(f"JSON: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
