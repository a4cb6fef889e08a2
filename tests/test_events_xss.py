"""Stored XSS through event text, in both languages (SECURITY.md E1, T8)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from portal.models import AgendaItem, EventChange, Material

from .event_factories import make_event

pytestmark = pytest.mark.security
UTC = timezone.utc

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>", "javascript:alert(1)", "data:text/html,<b>x</b>",
    "vbscript:msgbox(1)", '"><script>alert(1)</script>', "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)', "' onfocus='alert(1)' autofocus='", "</textarea><script>x</script>",
    "</title><script>x</script>", "{{7*7}}", "{% if 1 %}x{% endif %}", "${7*7}",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "&#60;script&#62;", "＜script＞alert(1)＜/script＞",
    "ورشة <script>alert(1)</script> عربية", "اسم\u202eexe.pdf", "\u202egnp.exe",
    "\u2066isolate\u2069", "zero\u200dwidth\u200cjoiners", "line\r\nbreak", "tab\there",
    "<iframe src=//evil.example>", "<object data=x>", "<embed src=x>",
    "<a href=javascript:alert(1)>x</a>", "<math><mi xlink:href=javascript:alert(1)>",
    "<details open ontoggle=alert(1)>", "<body onload=alert(1)>", "<style>*{x:1}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>", "<meta http-equiv=refresh content=0>",
    "<base href=//evil.example/>", "<form action=//evil.example><button>x</button></form>",
    "<input autofocus onfocus=alert(1)>", "<!--", "]]><script>x</script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
]
FORBIDDEN_TAGS = {"img", "svg", "iframe", "object", "embed", "math", "details", "style", "base",
                  "meta", "link", "body"}


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.depth_body = False

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        if any(n.startswith("on") for n in names):
            self.problems.append((tag, attrs))
        if tag == "script" and not re.fullmatch(r"/static/js/portal\.[0-9a-f]{12}\.js",
                                                dict(attrs).get("src", "")):
            self.problems.append((tag, attrs))
        if tag in FORBIDDEN_TAGS and not (tag in ("meta", "link", "body") and self.allowed(tag,
                                                                                    attrs)):
            self.problems.append((tag, attrs))
        for key, value in attrs:
            if key in ("href", "src", "action", "data") and value and value.strip().lower(
                    ).startswith(("javascript:", "data:", "vbscript:", "//evil")):
                self.problems.append((tag, attrs))

    @staticmethod
    def allowed(tag, attrs):
        a = dict(attrs)
        if tag == "meta":
            return set(a) <= {"charset", "name", "content"} and "http-equiv" not in a
        if tag == "link":
            return a.get("rel") == "stylesheet" and a.get("href", "").startswith("/static/")
        return not attrs  # <body> of the layout has no attributes


def _problems(html: str) -> list:
    parser = Collector()
    parser.feed(html)
    return parser.problems


def test_e1_event_text_is_inert_in_every_page(client, new_client, db, users, orgs, login,
                                             security_report):
    events = []
    for i, payload in enumerate(PAYLOADS):
        event = make_event(orgs["office"], invited=[orgs["a"]], title=payload, title_ar=payload,
                           description_en=payload, description_ar=payload, venue=payload,
                           address=payload, status="postponed",
                           starts_at=datetime(2026, 4, 1, 7, 0, tzinfo=UTC) + timedelta(hours=i))
        db.session.add(AgendaItem(event_id=event.id, starts_at=event.starts_at, title=payload,
                                  speaker=payload, notes=payload))
        db.session.add(Material(event_id=event.id, title=payload, url="https://x.example/"))
        db.session.add(EventChange(event_id=event.id, action="postponed", reason=payload,
                                   old_starts_at=event.starts_at, old_ends_at=event.ends_at,
                                   old_timezone="Asia/Beirut", new_starts_at=event.starts_at,
                                   new_ends_at=event.ends_at, new_timezone="Asia/Beirut"))
        events.append(event)
    users["viewer_a"].preferred_locale = "ar"
    db.session.commit()
    renderings, injections = 0, []
    for who in ("staff", "viewer_a"):
        c = login(users[who], the_client=new_client())
        pages = ["/events/", "/events/calendar?month=2026-04"] + [
            f"/events/{e.id}" for e in events] + [f"/events/{events[0].id}/edit"] * (
                who == "staff")
        for page in pages:
            response = c.get(page)
            assert response.status_code == 200, page
            html = response.get_data(as_text=True)
            renderings += 1
            injections += [(page, p) for p in _problems(html)]
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "{{7*7}}" in c.get(f"/events/{events[13].id}").get_data(as_text=True)
    assert injections == []
    security_report["E1_events"] = {"payloads": len(PAYLOADS), "fields": 11, "pages": len(pages),
                                    "locales": 2, "renderings": renderings, "injections": 0}
