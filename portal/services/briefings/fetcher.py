"""The only URL fetcher WeasyPrint ever gets: bundled assets under `asset:` URLs, nothing else.

SECURITY.md §4.8 / T9: no file:// path, no http(s), no data: URL, no relative path, no
redirect. Everything that is not one of the fixed names below raises FatalURLFetchingError,
which stops the render (a pack never silently lacks a part), and is logged, truncated, as a
security event. fetch() never calls super().fetch(): the urllib machinery of the base class
stays unused (and is built with no allowed protocol at all, should anyone call it).
"""

from __future__ import annotations

import logging
from pathlib import Path

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .version import check_weasyprint_version

check_weasyprint_version(weasyprint.__version__)  # the code actually imported, not metadata

security_log = logging.getLogger("portal.security")

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"

# url → (file, MIME type). The names are fixed here; nothing from a template or from case
# data can add to them.
ASSETS: dict[str, tuple[Path, str]] = {
    "asset:fonts/NotoNaskhArabic-Regular.ttf": (FONTS_DIR / "NotoNaskhArabic-Regular.ttf",
                                                "font/ttf"),
    "asset:fonts/NotoNaskhArabic-Bold.ttf": (FONTS_DIR / "NotoNaskhArabic-Bold.ttf", "font/ttf"),
    "asset:fonts/NotoSans-Regular.ttf": (FONTS_DIR / "NotoSans-Regular.ttf", "font/ttf"),
    "asset:fonts/NotoSans-Bold.ttf": (FONTS_DIR / "NotoSans-Bold.ttf", "font/ttf"),
}

_cache: dict[str, bytes] = {}


def shorten(url: object, limit: int = 120) -> str:
    """A URL made safe for one log line: truncated, control characters escaped."""
    text = str(url)[:limit]
    return text.encode("unicode_escape").decode("ascii") + ("…" if len(str(url)) > limit else "")


class AssetFetcher(URLFetcher):
    """Serves the bundled fonts by exact name; refuses every other URL, loudly."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False,
                         fail_on_errors=True)
        self.served: list[str] = []
        self.blocked: list[str] = []

    def fetch(self, url, headers=None):  # noqa: ARG002 - WeasyPrint's signature
        asset = ASSETS.get(url) if isinstance(url, str) else None
        if asset is None:
            self.blocked.append(shorten(url))
            security_log.warning("pdf_fetch_blocked url=%s", shorten(url))
            raise FatalURLFetchingError(f"blocked URL in a briefing pack: {shorten(url, 60)}")
        path, mime_type = asset
        body = _cache.get(url)
        if body is None:
            body = _cache[url] = path.read_bytes()
        self.served.append(url)
        return URLFetcherResponse(url, body, headers={"Content-Type": mime_type})

    def __call__(self, url):
        return self.fetch(url)

    def open(self, url, data=None, timeout=None):  # noqa: ARG002
        # Never the urllib opener of the base class, whatever WeasyPrint passes.
        return self.fetch(getattr(url, "full_url", url))
