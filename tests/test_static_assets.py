"""Static files for slow connections (issue 20): content-hashed names with a year's cache,
gzip for text, the web font a small Arabic subset, and compressed pages."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask import url_for
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "portal" / "static" / "fonts"


def _hashed(app, filename):
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_static_urls_carry_the_content_hash_and_are_cached_a_year(app, client):
    url = _hashed(app, "js/portal.js")
    assert re.fullmatch(r"/static/js/portal\.[0-9a-f]{12}\.js", url)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    source = (ROOT / "portal" / "static" / "js" / "portal.js").read_bytes()
    assert gzip.decompress(response.get_data()) == source
    # Without gzip in Accept-Encoding, the plain file.
    plain = client.get(url)
    assert plain.get_data() == source and "Content-Encoding" not in plain.headers


def test_a_stale_or_unversioned_name_is_never_cached_for_a_year(app, client):
    stale = client.get("/static/js/portal.0123456789ab.js")
    assert stale.status_code == 404
    plain = client.get("/static/js/portal.js")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"


def test_the_stylesheet_names_its_fonts_by_their_hashes(app, client):
    css = client.get(_hashed(app, "css/portal.css")).get_data(as_text=True)
    fonts = re.findall(r'url\("([^"]+\.woff2)"\)', css)
    assert len(fonts) == 2
    for ref in fonts:
        assert re.search(r"\.[0-9a-f]{12}\.woff2$", ref), ref
        font = client.get("/static/css/" + ref)
        assert font.status_code == 200 and font.mimetype == "font/woff2"
        assert font.headers["Cache-Control"].endswith("immutable")


def test_the_web_font_subset_draws_every_arabic_letter_of_the_catalogue():
    po = (ROOT / "translations" / "ar" / "LC_MESSAGES" / "messages.po").read_text()
    used = {ch for ch in po if "\u0600" <= ch <= "\u06ff"}
    for weight in ("Regular", "Bold"):
        path = FONTS / "web" / f"NotoNaskhArabic-{weight}.subset.woff2"
        assert path.stat().st_size < 40_000
        cmap = TTFont(path).getBestCmap()
        missing = sorted(ch for ch in used if ord(ch) not in cmap)
        assert not missing, f"{path.name} lacks {missing}"


def test_pages_are_compressed_but_not_those_showing_a_secret(app, users, login, client):
    login(users["staff"])
    page = client.get("/cases/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"<html" in gzip.decompress(page.get_data())
    account = client.get("/account/", headers={"Accept-Encoding": "gzip"})
    assert account.status_code == 200 and "Content-Encoding" not in account.headers
