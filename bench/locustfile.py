"""The people of the load run (bench.loadrun starts it; loopback only, bounded).

Every simulated person signs in once through the real form (CSRF token, password, TOTP code)
with an account of their own from bench/load_setup.py, then, with 5–15 s between actions (a person reads a page before the next click):

- partner viewers browse the list, search names, open cases and export their subset;
- partner managers do the same, answer event invitations (RSVP) and propose case updates;
- staff browse and search the register, open and edit cases, grant cases to partners and
  generate briefing packs (rendered by the RQ worker).

A write is acknowledged when the portal answers it with its redirect to the saved object;
each acknowledged write is appended to LOAD_ACKS (JSON lines) for bench/load_verify.py.
A 503 is classified: the translated "temporarily unavailable" page, or not. The run stops
after LOAD_MAX_REQUESTS requests whatever its time limit.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyotp
from locust import HttpUser, between, events, task

SETUP = json.load(open(os.environ["LOAD_SETUP"]))
ACKS = os.environ["LOAD_ACKS"]
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "60000"))
TIMEOUT = 15  # seconds; a hang over 10 s is visible in the figures, not hidden by a retry
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
QUERIES = ["محمد", "أحمد", "الحلبي", "Mohammad", "Ahmad", "Al-Halabi", "خالد الشامي", "Omar",
           "فاطمة", "Hasan", "ليلى", "Khaled"]
_accounts = itertools.cycle(SETUP["accounts"])
_accounts_lock = threading.Lock()
_requests = itertools.count()
_ack_lock = threading.Lock()


@events.init.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the load client targets loopback only, not {host!r}")


@events.request.add_listener
def _bounded(**_kwargs):
    if next(_requests) >= MAX_REQUESTS:
        from locust.runners import STATE_STOPPED, STATE_STOPPING
        runner = _environment.runner if _environment else None
        if runner is not None and runner.state not in (STATE_STOPPING, STATE_STOPPED):
            runner.quit()


_environment = None


@events.init.add_listener
def _keep_environment(environment, **_kwargs):
    global _environment
    _environment = environment


def ack(kind: str, key: str, value: str, user: str) -> None:
    line = json.dumps({"kind": kind, "key": key, "value": value, "user": user,
                       "t": time.time()}, ensure_ascii=False)
    with _ack_lock, open(ACKS, "a") as fh:
        fh.write(line + "\n")


class FormFields(HTMLParser):
    """The submittable fields of one <form> of a page, as a browser sends them: the form
    whose action ends with the given path (pages also hold the language switcher's form)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": [], "options": {}})
            self.fields, self.options = self.forms[-1]["fields"], self.forms[-1]["options"]
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.options.setdefault(a["name"], []).append(a.get("value") or "on")
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self.options.setdefault(self._select, []).append(value)
            if "selected" in a or self._select_value is None:
                self._select_value = value
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._select_value is not None:
                self.fields.append((self._select, self._select_value))
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)  # a browser drops the newline after <textarea>
            self.fields.append((self._textarea, text[2:] if text.startswith("\r\n")
                                else text[1:] if text.startswith("\n") else text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    @classmethod
    def of(cls, page: str, path: str) -> "FormFields":
        parser = cls()
        parser.feed(page)
        wanted = [f for f in parser.forms if f["action"].split("?")[0].endswith(path)] or \
            [f for f in parser.forms if f["action"] == ""] or parser.forms[-1:]
        if wanted:
            parser.fields, parser.options = wanted[0]["fields"], wanted[0]["options"]
        return parser

    def data(self, **changes) -> dict:
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        for name, value in changes.items():
            out[name] = value if isinstance(value, list) else [value]
        return out


class Person(HttpUser):
    wait_time = between(5, 15)  # a person reads a page before the next click

    def on_start(self) -> None:
        with _accounts_lock:
            self.account = next(_accounts)
        self.role = self.account["role"]
        self.org = self.account["org_id"]
        self.visible = SETUP["visible"].get(str(self.org), [])
        self.edits = itertools.cycle(SETUP["edits"].get(self.account["email"], []) or [""])
        self.last_pack = 0.0
        self.sign_in()

    # --- helpers --------------------------------------------------------------------------

    def get(self, path: str, name: str, marker: str | None = None) -> str | None:
        with self.client.get(path, name=name, timeout=TIMEOUT, catch_response=True,
                             allow_redirects=False) as resp:
            return self.check(resp, (200,), marker)

    def check(self, resp, ok: tuple, marker: str | None = None) -> str | None:
        body = resp.text or ""
        if resp.status_code in ok and (marker is None or marker in body):
            resp.success()
            return body
        if TRACEBACK.search(body):
            resp.failure(f"{resp.status_code} with a traceback")
        elif resp.status_code == 503:
            translated = "Retry-After" in resp.headers and "<html" in body
            resp.failure("503 translated unavailable page" if translated
                         else "503 without the portal's page")
        elif resp.status_code == 0:
            resp.failure(f"no answer: {type(resp.error).__name__}")
        else:
            resp.failure(f"{resp.status_code} unexpected")
        return None

    def post(self, path: str, name: str, data: dict, expect: str) -> str | None:
        """POST a form; the Location of the portal's redirect, or None (not acknowledged)."""
        with self.client.post(path, data=data, name=name, timeout=TIMEOUT,
                              catch_response=True, allow_redirects=False) as resp:
            location = resp.headers.get("Location", "")
            if resp.status_code in (302, 303) and re.search(expect, location):
                resp.success()
                return location
            if resp.status_code in (400, 409, 422, 429) and not TRACEBACK.search(resp.text):
                resp.success()  # a clean form answer (e.g. a limit): nothing acknowledged
                return None
            self.check(resp, ())
            return None

    def sign_in(self) -> None:
        page = self.get("/auth/login", "sign-in form")
        if page is None:
            return
        step = int(time.time()) // 30
        code = pyotp.TOTP(self.account["totp_secret"]).at(step * 30)
        token = html.unescape(CSRF.search(page).group(1))
        with self.client.post("/auth/login", name="sign-in", timeout=TIMEOUT,
                              catch_response=True, allow_redirects=False,
                              data={"csrf_token": token, "email": self.account["email"],
                                    "password": self.account["password"],
                                    "code": code}) as resp:
            if resp.status_code == 302:
                resp.success()
            else:
                self.check(resp, ())

    def form(self, path: str, name: str) -> FormFields | None:
        page = self.get(path, name, marker="csrf_token")
        return FormFields.of(page, path) if page else None

    def token(self) -> str:
        return f"load-{uuid.uuid4().hex[:16]}"

    # --- what people do -------------------------------------------------------------------

    @task
    def act(self) -> None:
        if self.role == "staff":
            random.choices([self.browse, self.search, self.open_case, self.edit_case,
                            self.grant, self.pack], weights=[4, 3, 4, 4, 1, 1])[0]()
        elif self.role == "partner_manager":
            random.choices([self.browse, self.search, self.open_case, self.export, self.rsvp,
                            self.submit], weights=[3, 3, 4, 1, 2, 2])[0]()
        else:
            random.choices([self.browse, self.search, self.open_case, self.export],
                           weights=[4, 4, 5, 1])[0]()

    def who(self) -> str:
        return "staff" if self.role == "staff" else "partner"

    def browse(self) -> None:
        page = random.choice([1, 1, 1, 2, 3])
        self.get(f"/cases/?page={page}" if page > 1 else "/cases/", f"{self.who()} list")
        if self.role != "staff" and random.random() < 0.3:
            self.get("/events/", "events list")

    def search(self) -> None:
        self.get(f"/cases/?q={random.choice(QUERIES)}", f"{self.who()} search")

    def open_case(self) -> None:
        if self.role == "staff":
            uid = next(self.edits) or random.choice(SETUP["visible"][str(
                SETUP["partner_org_ids"][0])])
        else:
            uid = random.choice(self.visible)
        self.get(f"/cases/{uid}", f"{self.who()} case page")

    def export(self) -> None:
        self.get("/cases/export.csv", "partner export csv")

    def edit_case(self) -> None:
        uid = next(self.edits)
        form = self.form(f"/cases/{uid}/edit", "staff case edit form")
        if form is None:
            return
        value = self.token()
        if self.post(f"/cases/{uid}/edit", "staff case edit (write)",
                     form.data(internal_notes=value), rf"/cases/{uid}$"):
            ack("edit", uid, value, self.account["email"])

    def grant(self) -> None:
        form = self.form("/sharing/new", "staff grant form")
        if form is None:
            return
        value = self.token()
        org = random.choice(SETUP["partner_org_ids"])
        refs = random.sample(SETUP["grant_references"], 3)
        location = self.post("/sharing/new", "staff grant (write)", form.data(
            organization=str(org), tier="summary", purpose=value,
            expires_on=(date.today() + timedelta(days=60)).isoformat(),
            references="\n".join(refs), filter_id="0", action="save"), r"/sharing/\d+$")
        if location:
            ack("grant", location.rsplit("/", 1)[1], value, self.account["email"])

    def pack(self) -> None:
        if time.time() - self.last_pack < 90:
            return self.browse()
        form = self.form("/briefings/new", "staff pack form")
        if form is None:
            return
        self.last_pack = time.time()
        org = random.choice(SETUP["partner_org_ids"])
        location = self.post("/briefings/new", "staff pack request (write)", form.data(
            recipient=str(org), language=random.choice(["ar", "en"]), mode="all",
            sections=["summary", "table"], covering_note=""), r"/briefings/[^/]+$")
        if location:
            document_id = location.rsplit("/", 1)[1]
            ack("pack", document_id, str(org), self.account["email"])
            self.get(f"/briefings/{document_id}", "staff pack page")

    def rsvp(self) -> None:
        event = random.choice(SETUP["events"])
        form = self.form(f"/events/{event}/rsvp", "partner rsvp form")
        if form is None:
            return
        answer = random.choice(["yes", "maybe", "no"])
        seats = str(random.randint(1, 3)) if answer != "no" else "0"
        if self.post(f"/events/{event}/rsvp", "partner rsvp (write)",
                     form.data(response=answer, seats=seats), rf"/events/{event}$"):
            ack("rsvp", f"{event}:{self.org}", f"{answer}:{seats}", self.account["email"])

    def submit(self) -> None:
        uid = random.choice(self.visible)
        form = self.form(f"/submissions/cases/{uid}", "partner submission form")
        if form is None:
            return
        value = self.token()
        kinds = [v for v in form.options.get("update_kind", []) if v] or ["other"]
        location = self.post(f"/submissions/cases/{uid}", "partner submission (write)",
                             form.data(update_kind=kinds[0], date="2024", place="",
                                       text=value), r"/submissions/[^/]+$")
        if location:
            ack("submission", location.rsplit("/", 1)[1], value, self.account["email"])
