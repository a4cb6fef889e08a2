"""Briefing-pack benchmark: B10 (speed and memory), B12 (worker memory), B14 (Arabic).

    python -m bench.pdf_bench [--sizes 1,50,500,2000] [--full-sizes 1,50,500] [--cycles 30]

Packs are built from deterministic FICTIONAL cases (portal/services/briefings/samples.py)
through the real path (context, templates, the sandboxed warm render process). Next to each
pack, the same process renders a plain document with the same page count: the floor of
what WeasyPrint can do on this machine in this run. Two shapes: "tabular" (cover, summary,
table of cases: what B10's row targets describe) and "full" (plus one sheet per case,
events and contacts). Prints figures, writes JSON to bench/results/, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.services.briefings.context import PackInfo  # noqa: E402
from portal.services.briefings.pdfcheck import inspect_pdf  # noqa: E402
from portal.services.briefings.render import render_pack  # noqa: E402
from portal.services.briefings.samples import sample_cases, sample_events  # noqa: E402
from portal.services.briefings.sandbox import Limits, RenderPool  # noqa: E402

SHAPES = {"tabular": ("summary", "table"),
          "full": ("summary", "table", "cases", "events", "contacts")}
LINE = {"en": "Plain floor document line with ordinary words, numbers 12345 and a name.",
        "ar": "سطر عادي في وثيقة المقارنة فيه كلمات وأرقام ١٢٣٤٥ واسم شخص وهمي."}


def floor_html(pages: int, lang: str) -> tuple[str, str]:
    page = "<div class='p'>" + "".join(f"<p>{LINE[lang]}</p>" for _ in range(38)) + "</div>"
    html = f'<!doctype html><html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' \
           f"<body>{page * pages}</body></html>"
    css = ('@font-face { font-family: F; src: url("asset:fonts/NotoSans-Regular.ttf"); }'
           '@font-face { font-family: A; src: url("asset:fonts/NotoNaskhArabic-Regular.ttf"); }'
           "@page { size: A4; margin: 20mm } html { font-family: F, A; font-size: 9.5pt }"
           ".p { break-after: page } p { margin: 0 0 1mm 0 }")
    return html, css


def timed(pool: RenderPool, html: str, css: str, lang: str):
    started = time.perf_counter()
    result = pool.render(html, css, title="Briefing pack", lang=lang)
    return result, time.perf_counter() - started


def pack(app, cases, lang, sections):
    info = PackInfo("BENC-H000-0000-0001", lang, "مختبر الأرز للحقوق (وهمي)",
                    "Cedar Rights Lab (fictional)", datetime.now(timezone.utc), sections)
    started = time.perf_counter()
    with app.app_context():
        html, css = render_pack(info, cases, sample_events(), [])
    return html, css, time.perf_counter() - started


def _ratio(value, reference):
    return round(value / reference, 2) if value and reference else None


def b10(app, pool, sizes, full_sizes) -> list[dict]:
    rows = []
    for shape, sections in SHAPES.items():
        for n in (sizes if shape == "tabular" else full_sizes):
            cases = sample_cases(n)
            for lang in ("ar", "en"):
                html, css, build = pack(app, cases, lang, sections)
                result, seconds = timed(pool, html, css, lang)
                floor_result, floor_seconds = timed(pool, *floor_html(result.pages, lang), lang)
                row = {"check": "B10", "shape": shape, "cases": n, "lang": lang,
                       "pages": result.pages, "build_s": round(build, 3),
                       "render_s": round(seconds, 3), "total_s": round(build + seconds, 3),
                       "pages_per_s": round(result.pages / seconds, 2),
                       "ms_per_case": round(1000 * (build + seconds) / n, 2),
                       "peak_rss_mb": round(result.peak_rss_kb / 1024, 1),
                       "cpu_s": result.extra.get("cpu_s"),
                       "floor_s": round(floor_seconds, 3),
                       "floor_cpu_s": floor_result.extra.get("cpu_s"),
                       "floor_pages_per_s": round(floor_result.pages / floor_seconds, 2),
                       "ratio_to_floor": round(seconds / floor_seconds, 2),
                       "cpu_ratio_to_floor": _ratio(result.extra.get("cpu_s"),
                                                    floor_result.extra.get("cpu_s"))}
                rows.append(row)
                print(f"B10 {shape:7} {n:5} cases {lang}: {row['total_s']:7.2f} s "
                      f"{row['pages']:5} pages {row['pages_per_s']:6.2f} p/s "
                      f"{row['ms_per_case']:7.2f} ms/case peak {row['peak_rss_mb']:6.1f} MB | "
                      f"floor {row['floor_s']:6.2f} s ({row['floor_pages_per_s']} p/s) "
                      f"ratio {row['ratio_to_floor']} (CPU {row['cpu_ratio_to_floor']})",
                      flush=True)
    return rows


def b12(app, limits, cycles: int) -> dict:
    pool = RenderPool(Limits(limits.memory_mb, limits.cpu_seconds, limits.wall_seconds,
                             max_jobs=10_000), size=1)
    html, css, _build = pack(app, sample_cases(50), "ar", SHAPES["full"])
    samples = []
    try:
        for i in range(cycles):
            timed(pool, html, css, "ar")
            if i % 10 == 9 or i == 0:
                samples.append(pool._idle[0].rss_kb() // 1024)
    finally:
        pool.close()
    growth = (samples[-1] - samples[1]) / samples[1] * 100 if len(samples) > 2 else 0.0
    print(f"B12 worker RSS over {cycles} packs (MB, after 1, 10, 20, ...): {samples}; "
          f"growth after warm-up {growth:.1f}%", flush=True)
    return {"check": "B12", "cycles": cycles, "rss_mb": samples, "growth_pct": round(growth, 1)}


def b14(app, pool) -> dict:
    html, css, _build = pack(app, sample_cases(50), "ar", SHAPES["full"])
    result, _seconds = timed(pool, html, css, "ar")
    facts = inspect_pdf(result.pdf)
    last = facts.page_texts[-1]
    indic = str(facts.pages).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    # pypdf returns an RTL line in reverse visual order, so a number of two or more digits,
    # drawn left to right inside it, comes out reversed ("٢٣" for page 32): either order
    # is the count in Arabic-Indic digits. The ASCII count must not appear as a number
    # (a substring test matched the digits of the document id).
    row = {"check": "B14", "pages": facts.pages, "notdef_glyphs": result.notdef,
           "fonts_with_notdef": sorted(facts.notdef_fonts), "fonts": sorted(facts.fonts),
           "arabic_indic_page_numbers": (indic in last or indic[::-1] in last)
           and not re.search(rf"(?<![0-9]){facts.pages}(?![0-9])", last)}
    print(f"B14 Arabic reference pack: {row['pages']} pages, .notdef glyphs "
          f"{row['notdef_glyphs']}, fonts {row['fonts']}, Arabic-Indic page numbers "
          f"{row['arabic_indic_page_numbers']}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,50,500,2000")
    parser.add_argument("--full-sizes", default="1,50,500")
    parser.add_argument("--cycles", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    full_sizes = [int(s) for s in args.full_sizes.split(",") if s]
    tmp = tempfile.mkdtemp(prefix="pdf-bench-")
    app = create_app({"TESTING": True, "ENV_NAME": "testing", "INSTANCE_PATH": tmp,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/unused.sqlite",
                      "SECRET_KEY": "bench-" + "x" * 40})
    # Limits wide enough for the largest pack measured; the portal's defaults are tighter.
    limits = Limits(memory_mb=2048, cpu_seconds=1800, wall_seconds=1800, max_jobs=10_000)
    pool = RenderPool(limits, size=1)
    started = time.perf_counter()
    cold, cold_s = timed(pool, *floor_html(1, "en"), "en")
    print(f"cold start (spawn, import WeasyPrint, first render): {cold_s:.2f} s", flush=True)
    timed(pool, *floor_html(2, "ar"), "ar")  # warm-up
    results = {"cold_start_s": round(cold_s, 2), "b10": b10(app, pool, sizes, full_sizes),
               "b14": b14(app, pool)}
    pool.close()
    results["b12"] = b12(app, limits, args.cycles)
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    results.update({"git_sha": sha, "machine": platform.machine(), "python":
                    platform.python_version(), "seconds": round(time.perf_counter() - started)})
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pdf_bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
