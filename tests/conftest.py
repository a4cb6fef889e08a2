"""Fixtures: a fresh, migrated database per test (SQLite, or PostgreSQL when
PORTAL_TEST_DB=postgres), the app, clients, and helpers that sign in like a browser."""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import uuid
from pathlib import Path

import email_validator
import pytest
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db as _db

from . import factories

# Test addresses use the reserved .test domain, which e-mail validation refuses by default.
email_validator.TEST_ENVIRONMENT = True

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
ON_POSTGRES = os.environ.get("PORTAL_TEST_DB") == "postgres"
RUN_ID = uuid.uuid4().hex[:8]


def _base_config(tmp: Path, uri: str) -> dict:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "INSTANCE_PATH": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "ARGON2_PROFILE": "CHEAPEST",  # tests only; production uses RFC 9106 low-memory
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": True,  # CSRF stays on in the tests
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{RUN_ID}",
        "SERVER_NAME": "portal.test",
        "PREFERRED_URL_SCHEME": "http",
        # Delivered mail keeps only its envelope; tests read the bodies, so mail stays in the
        # outbox unless a test asks for delivery (tests/test_outbox.py).
        "MAIL_DELIVER_ON_COMMIT": False,
    }


def _pg_admin():
    import psycopg
    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


def _pg_url(dbname: str) -> str:
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return base.rsplit("/", 1)[0] + "/" + dbname


def _migrate(tmp: Path, uri: str) -> None:
    from flask_migrate import upgrade
    app = create_app(_base_config(tmp, uri))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Run the migrations once; each test then copies the result."""
    tmp = tmp_path_factory.mktemp("template")
    if ON_POSTGRES:
        if not PG_URL:
            pytest.exit("PORTAL_TEST_DB=postgres needs PORTAL_TEST_DATABASE_URL")
        name = f"portal_tmpl_{RUN_ID}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0 '
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        _migrate(tmp, _pg_url(name))
        yield name
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp / "template.sqlite"
        _migrate(tmp, f"sqlite:///{path}")
        yield path


def _fresh_database(template_db, directory: Path):
    """A new database copied from the migrated template; yields its URI, then drops it."""
    if ON_POSTGRES:
        name = f"portal_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
        yield _pg_url(name)
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = directory / f"portal-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def database_uri(template_db, tmp_path):
    yield from _fresh_database(template_db, tmp_path)


@pytest.fixture
def other_database_uri(template_db, tmp_path):
    """A second clean database (restores, migrations)."""
    yield from _fresh_database(template_db, tmp_path)


@pytest.fixture
def app_config(tmp_path, database_uri):
    """Override keys here (request this fixture and update it) before `app` is built."""
    return _base_config(tmp_path, database_uri)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (fresh `g`, its own DB session), as in
    production. The test's own session commits its set-up first, so a request never waits
    for the test's transaction (SQLite) and the test re-reads what the request wrote."""

    def open(self, *args, **kwargs):
        if has_app_context() and _db.session().in_transaction():
            _db.session.commit()
        # Streamed responses (exports) are read to the end inside this request's context.
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def new_client(app):
    """A factory of fresh clients (another browser)."""
    return app.test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def clock():
    """Frozen-but-ticking time that tests can move forward (timeouts, TOTP steps)."""
    with time_machine.travel("2026-03-10 09:00:00+00:00", tick=True) as traveller:
        yield traveller


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def csrf_token(client, path: str = "/auth/login") -> str:
    """A CSRF token read from a page, as a browser would have it."""
    return csrf_from(client.get(path).get_data(as_text=True))


def post_form(client, path: str, data: dict | None = None, *, page: str | None = None, **kw):
    """POST `data` to `path` with the CSRF token read from `page` (default: `path`)."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, page or path))
    return client.post(path, data=data, **kw)


@pytest.fixture
def orgs(db):
    return factories.make_orgs()


@pytest.fixture
def users(db, orgs):
    """The principals of SECURITY.md: admin, staff, manager and viewer of A, viewer of B,
    a deactivated user of A. Each has a password and a TOTP key (factories.PASSWORD)."""
    made = factories.make_principals(orgs)
    _db.session.commit()
    return made


@pytest.fixture
def login(client, clock):
    """Sign `user` in through the real form (password and a fresh TOTP code)."""
    def _login(user, *, the_client=None, password=factories.PASSWORD):
        c = the_client or client
        clock.shift(31)  # a new TOTP step, so the code is never a replay
        response = post_form(c, "/auth/login", {
            "email": user.email, "password": password, "code": factories.totp_now(user)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c
    return _login


# --- the security report (SECURITY.md: "the run prints a machine-readable summary") --------

_REPORT: dict[str, dict] = {}


@pytest.fixture(scope="session")
def security_report():
    """Tests record their figures here; the run writes security-report.json at the end."""
    return _REPORT


# Figures that must not fall below the committed baseline (more routes classified, more cells
# in the matrix...) and those that must stay at zero (failures, leaks, bypasses).
ZERO_FIGURES = {"unclassified", "failures", "bypasses", "accepted", "hits", "leaked",
                "injections", "mismatches", "plaintext_hits", "starts", "missing_headers",
                "canary_hits", "silent_successes", "distinct_denial_bodies_extra"}


def baseline_problems(report: dict, baseline: dict) -> list[str]:
    problems = []
    for test_id, figures in report.items():
        for name, value in figures.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if name in ZERO_FIGURES and value != 0:
                problems.append(f"{test_id}.{name} = {value}, must be 0")
            floor = baseline.get(test_id, {}).get(name)
            if name not in ZERO_FIGURES and isinstance(floor, (int, float)) and value < floor:
                problems.append(f"{test_id}.{name} = {value}, below the baseline {floor}")
    return problems


def pytest_sessionfinish(session, exitstatus):
    if not _REPORT:
        return
    import json
    root = Path(session.config.rootpath)
    (root / "security-report.json").write_text(json.dumps(
        {"database": "postgresql" if ON_POSTGRES else "sqlite", "figures": _REPORT},
        indent=2, sort_keys=True))
    baseline_path = root / "tests" / "security-baseline.json"
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    problems = baseline_problems(_REPORT, baseline)
    if problems:
        session.config._security_problems = problems
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, config):
    if not ctypes.util.find_library("harfbuzz-subset"):
        terminalreporter.write_line(
            "note: HarfBuzz's subsetter (libharfbuzz-subset0, optional) is absent, so packs were "
            "rendered with fontTools' slower subsetter; `make doctor` gives the install line.",
            yellow=True)
    for problem in getattr(config, "_security_problems", []):
        terminalreporter.write_line(f"SECURITY FIGURE REGRESSED: {problem}", red=True)
    if _REPORT:
        terminalreporter.write_sep("-", "security report (security-report.json)")
        for test_id, figures in sorted(_REPORT.items()):
            shown = ", ".join(f"{k}={v}" for k, v in figures.items())
            terminalreporter.write_line(f"{test_id}: {shown}")


def signed_in_csrf(client) -> str:
    """A CSRF token from a page any signed-in user can open."""
    return csrf_token(client, "/account/")


# The access log: the audit chain, sessions and the sign-in throttle, and the alerts that reads
# and refusals raise for the office (notices and their mail, issue 4).
ACCESS_LOG_TABLES = ("audit_events", "audit_head", "user_sessions", "login_throttle", "notices",
                     "outbox")


def table_counts(db, skip=ACCESS_LOG_TABLES):
    """Row counts of every table (except the access-log ones), to prove nothing was written."""
    from sqlalchemy import func, select
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name not in skip:
            counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar()
    db.session.rollback()
    return counts
