"""The render process: `python -m portal.services.briefings.worker MEMORY_MB CPU_SECONDS`.

It turns finished HTML and CSS into PDF bytes and knows nothing of Flask, the database or
case data beyond the HTML it is given. Before importing WeasyPrint it limits its own address
space (RLIMIT_AS) and CPU time (RLIMIT_CPU, raised per job so that a warm process still gives
each pack the same budget), drops any proxy setting, and restricts fontconfig to the bundled
fonts, so that no system font can creep into a pack. The parent adds a wall-clock timeout.

Protocol on stdin/stdout: frames of an 8-byte big-endian length followed by the payload.
A job is one JSON frame; the answer is a JSON frame, followed by a PDF frame when "ok".

A pack's HTML is a series of documents, each after a `<!--pack-part-->` line (pack.html); the
last is the page frame. Each part is laid out on its own (WeasyPrint lays out small documents
much faster than one long one), `<!--page:ANCHOR-->` is replaced by the number of the page
holding ANCHOR once the parts before it are laid out, and the frame's margin boxes (running
header, document id, "page N of M") are laid over every page before one PDF is written from
all the pages: one font subset, and internal links and bookmarks across the parts still work.
HTML without that line is rendered as one document.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import struct
import sys
import tempfile
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy",
                   "socks_proxy", "rsync_proxy")
# WeasyPrint log messages that mean a part of the pack is missing: they fail the render.
FATAL_LOG_LEVEL = logging.ERROR
FATAL_WARNINGS = ("cannot be loaded", "Relative URI reference", "Failed to load",
                  "Malformed", "Unsupported stylesheet type")  # a URL was refused or lost


PART_MARK = "<!--pack-part-->"
FRAME_PAGES = "<!--pack-frame-pages-->"
PAGE_REF = re.compile(r"<!--page:([A-Za-z0-9_-]{1,64})-->")
INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MAX_ROUNDS = 4  # page references settle in two rounds; a part whose length keeps changing fails


def read_frame(stream) -> bytes | None:
    header = stream.read(8)
    if len(header) < 8:
        return None
    (length,) = struct.unpack(">Q", header)
    data = stream.read(length)
    return data if len(data) == length else None


def write_frame(stream, data: bytes) -> None:
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def is_proxy_variable(name: str) -> bool:
    return name.lower() in PROXY_VARIABLES


def strip_proxy_environment(environ) -> None:
    for name in [n for n in environ if is_proxy_variable(n)]:
        del environ[name]


def _fontconfig_file() -> str:
    """A fontconfig configuration listing only the bundled fonts (no system fallback)."""
    folder = tempfile.mkdtemp(prefix="portal-fc-")
    conf = Path(folder) / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{FONTS_DIR}</dir><cachedir>{folder}</cachedir></fontconfig>")
    return str(conf)


def confine(memory_mb: int) -> None:
    """Limits and environment of this process, before any of WeasyPrint is loaded."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    strip_proxy_environment(os.environ)
    os.environ["FONTCONFIG_FILE"] = _fontconfig_file()
    try:
        os.nice(5)  # web requests first: a pack may wait, a page should not
    except OSError:
        pass


def allow_cpu(seconds: int) -> None:
    """Give the next job `seconds` of CPU from now; SIGXCPU ends the process beyond that."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.fatal: list[str] = []
        self.notdef = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(".notdef glyph"):
            self.notdef += 1  # a character no bundled font has: counted (B14, F6)
        elif record.levelno >= FATAL_LOG_LEVEL or any(w in message for w in FATAL_WARNINGS):
            self.fatal.append(message[:200])


def _finisher(title: str, lang: str):
    """Reduce the PDF metadata to a neutral title and the language (SECURITY.md F5)."""
    import pydyf

    def finish(_document, pdf) -> None:
        pdf.info.clear()  # Producer, Creator, Author, dates: none of them leaves
        pdf.info["Title"] = pydyf.String(title)
        pdf.catalog["Lang"] = pydyf.String(lang)
        pdf.catalog.pop("Metadata", None)
        if "Names" in pdf.catalog:  # internal destinations stay; attached files never do
            pdf.catalog["Names"].pop("EmbeddedFiles", None)
    return finish


def _page_anchors(documents: list, counts: list[int]) -> dict[str, int]:
    """Anchor name → number of the first page holding it, across the parts in order."""
    anchors: dict[str, int] = {}
    start = 0
    for document, count in zip(documents, counts):
        if document is not None:
            for index, page in enumerate(document.pages):
                for name in page.anchors:
                    anchors.setdefault(name, start + index + 1)
        start += count
    return anchors


def compose(parts: list[str], lay_out, lang: str):
    """Lay out the parts of a pack and the frame over them; one Document of all the pages.

    `lay_out(html)` turns one HTML document into a WeasyPrint Document. Parts without page
    references are laid out once; those with references (the contents, the table of cases)
    again until the page counts they were numbered with are the real ones.
    """
    from weasyprint.formatting_structure.boxes import MarginBox

    *contents, frame = parts
    number = (lambda n: str(n).translate(INDIC_DIGITS)) if lang == "ar" else str
    documents = [None if PAGE_REF.search(html) else lay_out(html) for html in contents]
    numbered: dict[int, str] = {}
    for _round in range(MAX_ROUNDS):
        counts = [len(d.pages) if d is not None else 1 for d in documents]
        anchors = _page_anchors(documents, counts)
        changed = False
        for index, html in enumerate(contents):
            if not PAGE_REF.search(html):
                continue
            text = PAGE_REF.sub(lambda m: number(anchors[m[1]]) if m[1] in anchors else "",
                                html)
            if numbered.get(index) != text:
                documents[index], numbered[index], changed = lay_out(text), text, True
        if not changed:
            break
    else:
        raise RuntimeError("page references did not settle")
    pages = [page for document in documents for page in document.pages]
    frame_document = lay_out(frame.replace(
        FRAME_PAGES, '<div class="frame-page"></div>' * (len(pages) - 1)))
    if len(frame_document.pages) != len(pages):
        raise RuntimeError("the page frame does not match the pages")
    for page, frame_page in zip(pages, frame_document.pages):
        margin_boxes = tuple(box for box in frame_page._page_box.children
                             if isinstance(box, MarginBox))
        page._page_box.children = tuple(page._page_box.children) + margin_boxes
    return documents[0].copy(pages)


def render(job: dict) -> tuple[dict, bytes | None]:
    """One job: HTML and CSS in, (answer, PDF bytes) out."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    from .fetcher import AssetFetcher

    fetcher = AssetFetcher()
    collector = _Collector()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        fonts = FontConfiguration()
        css = CSS(string=job["css"], base_url=None, url_fetcher=fetcher, font_config=fonts)

        def lay_out(html: str):
            return HTML(string=html, base_url=None, url_fetcher=fetcher).render(
                stylesheets=[css], font_config=fonts, presentational_hints=False)
        parts = job["html"].split(PART_MARK)[1:]
        if len(parts) >= 2:
            document = compose(parts, lay_out, job["lang"])
        else:
            document = lay_out(job["html"])
        pdf = document.write_pdf(finisher=_finisher(job["title"], job["lang"]))
    except FatalURLFetchingError:
        return {"ok": False, "error": "asset", "blocked": fetcher.blocked}, None
    except MemoryError:
        return {"ok": False, "error": "memory", "fatal": True}, None
    except Exception as exc:  # e.g. InvalidValues for a relative @import: still a URL problem
        code = "asset" if fetcher.blocked or "URI" in str(exc) else "internal"
        return {"ok": False, "error": code, "type": type(exc).__name__}, None
    finally:
        logger.removeHandler(collector)
    if collector.fatal:
        return {"ok": False, "error": "asset", "blocked": fetcher.blocked,
                "messages": collector.fatal[:20]}, None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"ok": True, "pages": len(document.pages), "served": sorted(set(fetcher.served)),
            "notdef": collector.notdef, "peak_rss_kb": usage.ru_maxrss, "pid": os.getpid(),
            "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu_before, 3)}, pdf


def main(argv: list[str]) -> int:
    memory_mb, cpu_seconds = int(argv[0]), int(argv[1])
    confine(memory_mb)
    from .fetcher import AssetFetcher  # noqa: F401  (imports WeasyPrint and checks its version)

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the protocol stream
    while True:
        frame = read_frame(stdin)
        if frame is None:
            return 0  # the parent went away or closed the pipe: stop
        job = json.loads(frame)
        if job.get("op") == "env":  # for the tests of the sandbox (SECURITY.md F3)
            answer, pdf = {"ok": True, "env": sorted(os.environ),
                           "limits": [resource.getrlimit(resource.RLIMIT_AS)[0]]}, None
        else:
            allow_cpu(cpu_seconds)
            try:
                answer, pdf = render(job)
            except MemoryError:
                answer, pdf = {"ok": False, "error": "memory", "fatal": True}, None
            except Exception as exc:  # a bug or unexpected input: report it, stay alive
                answer, pdf = {"ok": False, "error": "internal", "type": type(exc).__name__}, None
        write_frame(stdout, json.dumps(answer).encode())
        if pdf is not None:
            write_frame(stdout, pdf)
        if answer.get("fatal"):
            return 1  # after a MemoryError the process state is not to be trusted


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
