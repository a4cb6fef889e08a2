"""Sign in through the portal's real form (CSRF token read from the page, TOTP code) and
return the session cookie for the load client."""

from __future__ import annotations

import html
import http.client
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pyotp

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_last_step: dict[str, int] = {}


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    totp_secret: str
    role: str
    org: str = ""


def _request(base: str, method: str, path: str, *, cookie: str | None = None,
             body: str | None = None):
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    headers = {"Accept-Language": "ar"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data.decode("utf-8", "replace")


def _cookie_from(resp, name: str) -> str | None:
    for header, value in resp.getheaders():
        if header.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0]
    return None


def anonymous_session(base: str, cookie_name: str = "portal") -> str:
    """The cookie of an anonymous session (as a visitor of the sign-in page holds)."""
    resp, _page = _request(base, "GET", "/auth/login")
    cookie = _cookie_from(resp, cookie_name)
    if not cookie:
        raise RuntimeError("the sign-in page set no session cookie")
    return cookie


def sign_in(base: str, account: Account, cookie_name: str = "portal") -> str:
    """Sign in with e-mail, password and a fresh TOTP code; return 'name=value'."""
    resp, page = _request(base, "GET", "/auth/login")
    cookie = _cookie_from(resp, cookie_name)
    match = _CSRF.search(page)
    if not cookie or not match:
        raise RuntimeError("no session cookie or CSRF token on the sign-in page")
    totp = pyotp.TOTP(account.totp_secret)
    step = int(time.time()) // 30
    while step <= _last_step.get(account.email, -1):  # codes cannot be replayed
        time.sleep(1)
        step = int(time.time()) // 30
    _last_step[account.email] = step
    form = {"csrf_token": html.unescape(match.group(1)), "email": account.email,
            "password": account.password, "code": totp.at(step * 30)}
    resp, page = _request(base, "POST", "/auth/login", cookie=cookie, body=urlencode(form))
    if resp.status != 302:
        raise RuntimeError(f"sign-in of {account.email} failed with {resp.status}")
    return _cookie_from(resp, cookie_name) or cookie


def fetch(base: str, path: str, cookie: str | None = None) -> tuple[int, str]:
    """One GET (used to check a route answers 200 before it is loaded)."""
    resp, page = _request(base, "GET", path, cookie=cookie)
    return resp.status, page


def first_byte_ms(base: str, path: str, cookie: str | None, n: int = 40,
                  warmup: int = 2, settle=None) -> list[float]:
    """Milliseconds from sending a GET to the first byte of its body, `n` times in a row
    (one client), after `warmup` requests that are not counted (as wrk's warm-up: the
    previous load run may still be winding down). For a streamed download this is when the
    download starts, which is what a person waits for; the rest of the body is not read (the
    connection is closed). `settle`: called after each request, before the next (the
    server's Gunicorn.wait_idle), so that one request at a time is what is measured."""
    url = urlsplit(base)
    out = []
    for _ in range(warmup + n):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        headers = {"Accept-Language": "ar", **({"Cookie": cookie} if cookie else {})}
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read(1)
        out.append((time.perf_counter() - started) * 1000)
        if resp.status != 200:
            raise RuntimeError(f"{path} answered {resp.status}")
        resp.close()  # the response holds the socket open until it is closed itself
        conn.close()
        if settle is not None:
            settle()
    return out[warmup:]
