"""B11: the staff list's p95 while two 2,000-case packs render, against its idle p95.

    python -m bench.isolation [--reps 3] [--duration 10] [--cases 2000]

It uses the load run's database (bench.loadrun prepares it; PostgreSQL, 3,000 fictional
cases) and its gunicorn settings (4 sync workers). The staff list (`/cases/`, signed in as
the load's probe account) is loaded by wrk at c=4, as bench.run loads B2: alternately idle
and while two 2,000-case tabular packs (fictional sample cases) render at once in two
sandboxed render processes, the processes the RQ pack worker uses (niced, outside the web
workers). The packs are restarted as soon as they finish so that the whole measured window
has two renders going. Each figure is the median over the repetitions; the ratio is the
median during the packs over the median idle, in the same run.

Prints the figures and writes bench/results/isolation-<time>.json. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from .common import RESULTS, ROOT, git_sha, load_average
from .load import run_wrk
from .loadrun import DB, HOME, WORKERS, env_for
from .server import Gunicorn
from .signin import Account, sign_in

TARGET = 1.5


class Packs(threading.Thread):
    """One thread per concurrent pack: render, and start again, until told to stop."""

    def __init__(self, pool, html: str, css: str) -> None:
        super().__init__(daemon=True)
        self.pool, self.html, self.css = pool, html, css
        self.stopping = threading.Event()
        self.rendered: list[float] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            self.pool.render(self.html, self.css, title="Briefing pack", lang="ar")
            self.rendered.append(round(time.monotonic() - started, 2))


def pack_html(cases: int) -> tuple[str, str]:
    sys.path.insert(0, str(ROOT))
    from portal import create_app
    from portal.services.briefings.context import PackInfo
    from portal.services.briefings.render import render_pack
    from portal.services.briefings.samples import sample_cases, sample_events
    tmp = tempfile.mkdtemp(prefix="isolation-")
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": tmp,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/unused.sqlite",
                      "SECRET_KEY": "bench-" + "x" * 40})
    info = PackInfo("BENC-H000-0000-0011", "ar", "مختبر الأرز للحقوق (وهمي)",
                    "Cedar Rights Lab (fictional)", datetime.now(timezone.utc),
                    ("summary", "table"))
    with app.app_context():
        return render_pack(info, sample_cases(cases), sample_events(), [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    from portal.services.briefings.sandbox import Limits, RenderPool
    facts = json.loads((HOME / "setup.json").read_text())
    html, css = pack_html(args.cases)
    pool = RenderPool(Limits(memory_mb=2048, cpu_seconds=600, wall_seconds=600,
                             max_jobs=10_000), size=2)
    pool.render("<p>warm</p>", "", title="t", lang="en")
    env = env_for(DB)
    env.pop("PORTAL_REDIS_URL")  # no queue needed: the packs are rendered by this script
    idle, busy, renders = [], [], []
    load_before = load_average()
    with Gunicorn("isolation", "wsgi:app", env=dict(env, BENCH_WORKERS=str(WORKERS)),
                  probe="/auth/login") as server:
        probe = facts["probe"]
        cookie = sign_in(server.base, Account(probe["email"], probe["password"],
                                              probe["totp_secret"], "staff"))
        run_wrk(server.base, ["/cases/"], connections=4, seconds=2, cookie=cookie)  # warm-up
        for rep in range(args.reps):
            idle.append(run_wrk(server.base, ["/cases/"], connections=4,
                                seconds=args.duration, cookie=cookie))
            threads = [Packs(pool, html, css) for _ in range(2)]
            for thread in threads:
                thread.start()
            time.sleep(3)  # both renders under way
            busy.append(run_wrk(server.base, ["/cases/"], connections=4,
                                seconds=args.duration, cookie=cookie))
            for thread in threads:
                thread.stopping.set()
            for thread in threads:
                thread.join()
                renders += thread.rendered
            print(f"rep {rep + 1}: idle p95 {idle[-1].p95_ms:.1f} ms, with two packs "
                  f"{busy[-1].p95_ms:.1f} ms", flush=True)
    pool.close()
    idle_p95 = statistics.median(s.p95_ms for s in idle)
    busy_p95 = statistics.median(s.p95_ms for s in busy)
    ratio = round(busy_p95 / idle_p95, 2)
    result = {"check": "B11", "git_sha": git_sha(), "database": "postgres", "workers": WORKERS,
              "cases_per_pack": args.cases, "reps": args.reps, "duration_s": args.duration,
              "idle_p95_ms": round(idle_p95, 1), "packs_p95_ms": round(busy_p95, 1),
              "ratio": ratio, "target": TARGET, "result": "PASS" if ratio <= TARGET else "MISS",
              "pack_render_s": renders, "idle": [s.as_dict() for s in idle],
              "packs": [s.as_dict() for s in busy], "load_before": load_before,
              "load_after": load_average()}
    print(f"B11 staff list p95: idle {idle_p95:.1f} ms, while two {args.cases}-case packs "
          f"render {busy_p95:.1f} ms: ratio {ratio} (target <= {TARGET}) {result['result']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"isolation-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
