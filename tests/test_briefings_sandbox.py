"""The render sandbox: the URL fetcher (F1), limits (F2), no proxy or network (F3), the
WeasyPrint version floor (F4)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from weasyprint.urls import FatalURLFetchingError

from portal.services.briefings import worker
from portal.services.briefings.fetcher import ASSETS, AssetFetcher
from portal.services.briefings.sandbox import Limits, RenderError, RenderPool, worker_environment
from portal.services.briefings.version import UnsafeWeasyPrint, check_weasyprint_version

CANARY_BYTES = b"CANARY-FILE-CONTENT-d41d8cd9"


class _Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Canary.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(CANARY_BYTES)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def canary_server():
    """A loopback HTTP server that records every request it gets (there must be none)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("canary") / "secret.css"
    path.write_bytes(CANARY_BYTES)
    return path


def url_variants(port: int, canary) -> list[str]:
    return [
        "file:///etc/passwd", "file:///proc/self/environ", "file:///dev/urandom",
        "FILE:///etc/passwd", "file://localhost/etc/passwd", f"file://{canary}",
        f"file:{canary}", "/etc/hosts", "../../config.py", "etc/hosts",
        f"//127.0.0.1:{port}/protocol-relative", f"http://127.0.0.1:{port}/x",
        f"http://[::1]:{port}/x", f"http://localhost.:{port}/x", f"http://0x7f000001:{port}/x",
        f"http://2130706433:{port}/x", "http://169.254.169.254/latest/meta-data/",
        "https://example.org/x.css", f"ftp://127.0.0.1:{port}/x", "data:text/css,body{color:red}",
        "data:image/svg+xml;base64,PHN2Zy8+", f"http://127.0.0.1:{port}/redirect",
        "asset:fonts/../../config.py", "asset:fonts/NotoSans-Regular.ttf/../../../etc/passwd",
        "ASSET:fonts/NotoSans-Regular.ttf", "asset:fonts/NotoSans-Regular.ttf?x=1",
        "asset:/etc/passwd", "http://ex\u0430mple.org/iri", "http://例え.テスト/",
        f"gopher://127.0.0.1:{port}/_x", f"jar:file://{canary}!/x",
        f" http://127.0.0.1:{port}/leading-space",
    ]


CONTEXTS = {
    "img": '<img src="{url}">',
    "link-stylesheet": '<link rel="stylesheet" href="{url}">',
    "import": '<style>@import url("{url}");</style>',
    "background": '<style>p {{ background: url("{url}") }}</style><p>x</p>',
    "font-face": '<style>@font-face {{ font-family: X; src: url("{url}") }} p {{ font-family: X }}'
                 '</style><p>x</p>',
    "link-attachment": '<link rel="attachment" href="{url}">',
    "a-attachment": '<a rel="attachment" href="{url}">x</a>',
    "object": '<object data="{url}" type="image/png"></object>',
    "embed": '<embed src="{url}" type="image/png">',
    "svg-image": '<svg width="10" height="10"><image href="{url}" width="10" height="10"/></svg>',
    "list-style-image": '<ul style="list-style-image: url(\'{url}\')"><li>x</li></ul>',
}


@pytest.mark.security
def test_f1_fetcher_serves_only_the_bundled_assets(canary_server, canary_file):
    """F1 (unit): every variant is refused with FatalURLFetchingError; the four assets are
    served byte for byte."""
    fetcher = AssetFetcher()
    variants = url_variants(canary_server, canary_file)
    assert len(variants) >= 25
    for url in variants:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
        with pytest.raises(FatalURLFetchingError):
            fetcher(url)
    assert len(fetcher.blocked) == 2 * len(variants)
    for url, (path, _mime) in ASSETS.items():
        assert fetcher.fetch(url).read() == path.read_bytes()
    assert _Canary.hits == []


@pytest.mark.security
def test_f1_blocked_urls_are_logged_truncated(caplog):
    long_url = "http://example.org/" + "a" * 5000 + "\n\rINJECTED"
    with pytest.raises(FatalURLFetchingError):
        AssetFetcher().fetch(long_url)
    records = [r for r in caplog.records if r.name == "portal.security"]
    assert records and len(records[-1].getMessage()) < 300
    assert "\n" not in records[-1].getMessage() and "INJECTED" not in records[-1].getMessage()


@pytest.mark.security
@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_f1_every_url_in_every_context_fails_the_render_loudly(context, canary_server,
                                                               canary_file):
    """F1 (render): ≥25 URL variants × 11 contexts; each render fails (no silent PDF), the
    loopback canary records 0 requests and no canary byte reaches a PDF."""
    silent = []
    for url in url_variants(canary_server, canary_file):
        html = "<!doctype html><html><body>" + CONTEXTS[context].format(url=url) + "</body></html>"
        answer, pdf = worker.render({"html": html, "css": "", "title": "t", "lang": "en"})
        if answer.get("ok") or pdf is not None:
            silent.append(url)
            assert CANARY_BYTES not in (pdf or b"")
        else:
            assert answer["error"] == "asset"
    assert silent == []
    assert _Canary.hits == []


@pytest.fixture
def small_pool():
    pool = RenderPool(Limits(memory_mb=1024, cpu_seconds=8, wall_seconds=6, max_jobs=5), size=1)
    yield pool
    pool.close()


def _pack_html(body: str) -> str:
    return f'<!doctype html><html lang="en"><body>{body}</body></html>'


CSS = "p { overflow-wrap: anywhere; }"


@pytest.mark.security
def test_f2_long_unbroken_words_finish():
    """F2: extremely long unbroken Arabic and Latin words wrap and render (with the
    production limits, so a busy machine does not turn a slow render into a kill)."""
    pool = RenderPool(Limits(memory_mb=1024, cpu_seconds=60, wall_seconds=90), size=1)
    try:
        body = "<p>" + "ب" * 8000 + "</p><p>" + "x" * 8000 + "</p>"
        result = pool.render(_pack_html(body), CSS, title="t", lang="en")
    finally:
        pool.close()
    assert result.pages >= 2


@pytest.mark.security
def test_f2_huge_input_is_killed_with_a_clear_error_and_the_pool_recovers(small_pool):
    """F2: a render beyond the limits is killed (timeout or CPU), never left hanging; the
    next pack renders in a fresh process."""
    body = "".join(f"<p>paragraph {i} " + "word " * 200 + "</p>" for i in range(6000))
    with pytest.raises(RenderError) as caught:
        small_pool.render(_pack_html(body), CSS, title="t", lang="en")
    assert caught.value.code in ("timeout", "cpu")
    result = small_pool.render(_pack_html("<p>small</p>"), CSS, title="t", lang="en")
    assert result.pages == 1


@pytest.mark.security
def test_f2_memory_limit_stops_the_render():
    """F2: with an address-space limit too small for the job, the render fails cleanly."""
    pool = RenderPool(Limits(memory_mb=420, cpu_seconds=30, wall_seconds=40), size=1)
    try:
        body = "<table>" + "".join(f"<tr><td>{i}</td><td>{'cell ' * 40}</td></tr>"
                                   for i in range(20000)) + "</table>"
        with pytest.raises(RenderError) as caught:
            pool.render(_pack_html(body), CSS, title="t", lang="en")
        assert caught.value.code in ("memory", "crashed", "cpu", "timeout")
    finally:
        pool.close()


@pytest.mark.security
def test_f3_no_proxy_variables_reach_the_render_process(monkeypatch, canary_server):
    """F3: proxy settings of the parent are stripped; the process sees a short allow-list."""
    for name in ("HTTP_PROXY", "https_proxy", "ALL_PROXY", "no_proxy", "FTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{canary_server}")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://secret@db/x")
    assert not {"HTTP_PROXY", "https_proxy", "PORTAL_DATABASE_URL"} & set(worker_environment())
    pool = RenderPool(Limits(), size=1)
    try:
        answer = pool.environment()
        assert not [n for n in answer["env"] if "proxy" in n.lower()]
        assert not [n for n in answer["env"] if n.startswith("PORTAL_")]
        assert answer["limits"][0] == 1024 * 1024 * 1024
        html = _pack_html(f'<img src="http://127.0.0.1:{canary_server}/via-proxy">')
        with pytest.raises(RenderError) as caught:
            pool.render(html, CSS, title="t", lang="en")
        assert caught.value.code == "asset"
    finally:
        pool.close()
    assert _Canary.hits == []


@pytest.mark.security
@pytest.mark.parametrize("installed", ["68.1", "60.0", "52.5", "0.42", "68.99"])
def test_f4_weasyprint_older_than_69_is_refused(installed):
    with pytest.raises(UnsafeWeasyPrint):
        check_weasyprint_version(installed)


@pytest.mark.security
def test_f4_installed_weasyprint_passes_the_floor(monkeypatch):
    import weasyprint
    assert check_weasyprint_version() == weasyprint.__version__
    assert check_weasyprint_version("69.0") == "69.0"
    from portal.services.briefings import version
    monkeypatch.setattr(version, "version", lambda _name: "68.0")
    with pytest.raises(UnsafeWeasyPrint):
        check_weasyprint_version()
