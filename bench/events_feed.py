"""Benchmark: the personal calendar feed and the visibility query with many events.

Generates N fictional events (default 2,000) over 5 organisations in a temporary SQLite
database, then times visible_events() for a partner and the
office, and the feed's iCalendar build. Prints figures; asserts nothing.

    python -m bench.events_feed [N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


def main(count: int = 2000) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.access import visible_events
    from portal.extensions import db
    from portal.models import Event, EventOrganization, Organization, User
    from portal.services.events.calendar import build_calendar

    tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                      "SECRET_KEY": "bench-" + "x" * 40, "SERVER_NAME": "portal.bench"})
    with app.app_context():
        upgrade()
        rng = random.Random(5)
        orgs = [Organization(name_en=f"Bench org {i}", name_ar=f"منظمة {i}",
                             kind="office" if i == 0 else "local") for i in range(5)]
        db.session.add_all(orgs)
        db.session.flush()
        partner = User(email="p@bench.test", name="p", organization=orgs[1],
                       role="partner_viewer", preferred_locale="ar")
        staff = User(email="s@bench.test", name="s", organization=orgs[0], role="staff")
        db.session.add_all([partner, staff])
        zones = ["Asia/Beirut", "Europe/Istanbul", "Europe/Zurich", "Europe/Berlin", "UTC"]
        start = datetime(2026, 1, 1, 7, tzinfo=timezone.utc)
        for i in range(count):
            at = start + timedelta(hours=rng.randrange(0, 24 * 365))
            event = Event(kind="workshop", status=rng.choice(["scheduled", "postponed",
                                                              "cancelled", "proposed"]),
                          title_en=f"Bench event {i}", title_ar=f"فعالية {i}", starts_at=at,
                          ends_at=at + timedelta(hours=3), timezone=rng.choice(zones),
                          venue="Hall", organizer_org_id=orgs[rng.randrange(5)].id)
            for org in rng.sample(orgs[1:], 2):
                event.participants.append(EventOrganization(organization_id=org.id,
                                                            role="invited"))
            db.session.add(event)
        db.session.commit()
        for who, user in (("partner", partner), ("office", staff)):
            t0 = time.perf_counter()
            events = db.session.scalars(visible_events(user).where(
                Event.status.in_(("scheduled", "postponed", "cancelled")))
                .order_by(Event.starts_at)).all()
            t1 = time.perf_counter()
            body = build_calendar(events, locale="ar", name="bench", detailed=False,
                                  link_for=lambda e: f"https://portal.bench/events/{e.id}")
            t2 = time.perf_counter()
            print(f"{who}: events_total={count} visible_in_feed={len(events)} "
                  f"query_ms={(t1 - t0) * 1000:.1f} ics_build_ms={(t2 - t1) * 1000:.1f} "
                  f"ics_kb={len(body) / 1024:.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
