"""Locale negotiation, text direction, the Arabic catalogue and the mirrored CSS."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.models import User

from .conftest import post_form

ROOT = Path(__file__).resolve().parent.parent


def html_tag(body: str) -> str:
    return re.search(r"<html[^>]*>", body).group(0)


@pytest.mark.parametrize("accept,lang,direction", [("ar", "ar", "rtl"), ("en", "en", "ltr"),
                                                   ("ar-SY,ar;q=0.9", "ar", "rtl"),
                                                   ("fr-CH, fr;q=0.9", "en", "ltr")])
def test_accept_language_chooses_locale_and_direction(client, accept, lang, direction):
    body = client.get("/auth/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert html_tag(body) == f'<html lang="{lang}" dir="{direction}">'


def test_switcher_in_session_beats_accept_language(client):
    response = post_form(client, "/language", {"lang": "ar", "next": "/auth/login"},
                         page="/auth/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    body = client.get("/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in body and "تسجيل الدخول" in body


def test_switcher_refuses_unknown_language_and_open_redirect(client):
    assert post_form(client, "/language", {"lang": "xx"}, page="/auth/login").status_code == 400
    response = post_form(client, "/language", {"lang": "en", "next": "//evil.example/"},
                         page="/auth/login")
    assert response.headers["Location"] in ("/", "http://portal.test/")


def test_user_preference_beats_switcher_and_switching_updates_it(client, db, users, login):
    user = db.session.get(User, users["viewer_a"].id)
    user.preferred_locale = "ar"
    db.session.commit()
    login(users["viewer_a"])
    body = client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in body
    post_form(client, "/language", {"lang": "en", "next": "/account/"}, page="/account/")
    assert db.session.get(User, user.id).preferred_locale == "en"
    assert 'lang="en" dir="ltr"' in client.get("/account/").get_data(as_text=True)


class _TextCollector(HTMLParser):
    """Visible text of a page, without scripts, styles and LTR-isolated tokens."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title") or (tag == "bdi" and ("dir", "ltr") in attrs) \
                or ("lang", "en") in attrs:
            self._skip += 1

    def handle_endtag(self, tag):
        if self._skip and tag in ("script", "style", "title", "bdi", "button"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def latin_words(html: str) -> list[str]:
    collector = _TextCollector()
    collector.feed(html.split("<body>", 1)[1])
    # IANA time-zone ids ("Asia/Beirut", "UTC") are identifiers shown beside translated names.
    text = re.sub(r"\b[A-Za-z]+/[A-Za-z_/]+\b|\bUTC\b", "", " ".join(collector.parts))
    return [w for w in re.findall(r"[A-Za-z]{3,}", text)
            if w not in {"FreeOTP", "Aegis", "Google", "Authenticator", "ISO", "QR",
                         "English", "Outlook", "Apple", "Calendar", "Thunderbird",
                         "CSV", "JSON", "XLSX", "UTF", "BOM", "Windows", "Excel"}]
            # brands, and the name of the English language


ARABIC_PAGES = ["/", "/account/", "/account/password", "/account/second-factor", "/users/",
                "/users/invite", "/organizations/", "/organizations/new", "/events/",
                "/events/calendar", "/events/settings", "/events/new", "/briefings/",
                "/briefings/new", "/cases/", "/cases/new", "/cases/import", "/cases/facilities"]


def test_arabic_interface_has_no_english_left(client, users, login, db):
    """Every page an admin sees in Arabic: no Latin words except names, e-mails and brands."""
    user = db.session.get(User, users["admin"].id)
    user.preferred_locale = "ar"
    user.name = "مدير الاختبار"
    db.session.commit()
    login(users["admin"])
    org = users["viewer_a"].organization_id
    pages = ARABIC_PAGES + [f"/organizations/{org}", f"/users/{users['viewer_a'].id}",
                            "/no-such-page"]
    found = {}
    for page in pages:
        body = client.get(page).get_data(as_text=True)
        assert 'lang="ar" dir="rtl"' in body, page
        # Names of the fictional test organisations and accounts are data, not interface.
        words = [w for w in latin_words(body) if w not in ("Org", "Test", "Office", "viewer",
                                                           "manager", "disabled", "staff")]
        if words:
            found[page] = words
    assert found == {}, found


def test_arabic_catalogue_is_complete():
    with (ROOT / "translations" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and (
        not m.string or "fuzzy" in m.flags
        or (isinstance(m.string, tuple) and not all(m.string)))]
    assert missing == []
    placeholders = re.compile(r"%\((\w+)\)s")
    for m in catalog:
        if m.id and not isinstance(m.id, tuple):
            assert set(placeholders.findall(m.id)) == set(placeholders.findall(m.string)), m.id


PHYSICAL = re.compile(r"(margin|padding|border)-(left|right)\b|\bfloat:\s*(left|right)|"
                      r"text-align:\s*(left|right)|(^|[;{\s])(left|right)\s*:", re.M)


def test_css_and_templates_use_logical_properties():
    offenders = []
    for path in list((ROOT / "portal" / "static" / "css").glob("*.css")) + list(
            (ROOT / "portal" / "templates").rglob("*.html")) + list(
            (ROOT / "portal" / "templates").rglob("*.css")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PHYSICAL.search(line) and "physical-ok" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in (ROOT / "portal" / "templates").rglob("*.html"):
        if "pdf" in path.parts:
            continue  # PDF templates never reach a browser
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\sstyle=", text) \
                or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("target", ["/\t/evil.example/", "/\\evil.example", "//evil.example",
                                    "https://evil.example/", "/\r\n/evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    response = post_form(client, "/language", {"lang": "en", "next": target}, page="/auth/login")
    assert response.headers["Location"] in ("/", "http://portal.test/")
