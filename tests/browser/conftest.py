"""Real-browser journeys: one gunicorn server and one headless system Chromium for the whole
session. Playwright for Python drives /usr/bin/chromium; no browser is ever downloaded.

Without /usr/bin/chromium or the playwright package, these tests are left out and the run
says so in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db as _db

from ..conftest import _base_config, _fresh_database
from . import world as world_module

# Debian's package (apt-get install -y chromium); PORTAL_TEST_CHROMIUM only to try the skip.
CHROMIUM = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None


def _unavailable() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (make install)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found (apt-get install -y chromium; `make doctor`)"
    return None


UNAVAILABLE = _unavailable()
_left_out: list[int] = []


def pytest_collection_modifyitems(config, items):
    if UNAVAILABLE is None:
        return
    mine = [i for i in items if Path(str(i.fspath)).is_relative_to(HERE)]
    if mine:
        _left_out.append(len(mine))
        config.hook.pytest_deselected(items=mine)
        items[:] = [i for i in items if i not in mine]


def pytest_terminal_summary(terminalreporter, config):
    if _left_out:
        terminalreporter.write_line(
            f"SKIPPED {_left_out[0]} real-browser tests (tests/browser): {UNAVAILABLE}",
            yellow=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn stopped:\n" + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s:\n" + log.read_text()[-3000:])


@pytest.fixture(scope="session")
def world(template_db, tmp_path_factory):
    """A fresh instance folder and database (SQLite, or PostgreSQL with
    PORTAL_TEST_DB=postgres), migrated; the journeys' data; gunicorn on a free port."""
    tmp = tmp_path_factory.mktemp("browser")
    databases = _fresh_database(template_db, tmp)
    uri = next(databases)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = _base_config(tmp, uri)
    config.pop("SERVER_NAME")
    app = create_app(config)
    with app.app_context():
        made = world_module.build(base_url)
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()

    env = {**os.environ,
           "PORTAL_ENV_NAME": "testing",  # not demo mode: every sign-in needs its TOTP code
           "PORTAL_INSTANCE_PATH": str(tmp / "instance"),
           "PORTAL_DATABASE_URL": uri,
           "PORTAL_SECRET_KEY": config["SECRET_KEY"],
           "PORTAL_SESSION_COOKIE_SECURE": "0",
           "PORTAL_PREFERRED_URL_SCHEME": "http",
           "PORTAL_ARGON2_PROFILE": "CHEAPEST",
           # Every journey signs in from 127.0.0.1; the per-address limit is tested elsewhere.
           "PORTAL_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
           "PORTAL_MAIL_DELIVER_ON_COMMIT": "0",
           "PORTAL_PACK_SYNC_MAX_CASES": "0",  # packs render in the background: progress shows
           }
    log = tmp / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
             "--worker-class", "gthread", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(base_url, proc, log)
        yield made
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        next(databases, None)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
