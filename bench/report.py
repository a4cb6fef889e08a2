"""Markdown tables of bench results, generated from the JSON the benchmarks write.

    python -m bench.report [--routes] [FILE_OR_FOLDER ...]

Without arguments: every *.json in bench/results/ (git-ignored, so it holds what was run on
this machine). A folder argument means its *.json files. Copies are shown once: bench.run
writes each result twice, stamped and as <db>-latest.json.

* bench.run results: one table per run (commit, date, database, then each check of the
  current bench/targets.py evaluated on the run's figures: figure, target, PASS/MISS/n/a;
  a run saved before the targets changed is read with today's targets, and says so). `--routes` adds
  the routes' figures at the reference concurrency.
* bench.pdf_bench, bench.partner_queries and bench.grant_cost results: their figures (those
  scripts evaluate no targets, so neither does this report).
Other JSON files are listed as skipped. Exits 0 when nothing is found, 1 when a file given
could not be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .common import RESULTS
from .targets import REF_C, evaluate_result, with_reference_ratios

OPS = {"<=": "≤", "<": "<", ">=": "≥", "==": "="}
STAMP = re.compile(r"(\d{8}T\d{6}Z)")


def kind_of(result: dict) -> str | None:
    """Which benchmark wrote `result` (from the keys its writer sets)."""
    if "rows" in result and "targets" in result:
        return "run"
    if "b10" in result:
        return "pdf"
    if "gc_passes" in result:
        return "partner_queries"
    if "triggers_ms" in result:
        return "grant_cost"
    if "probe" in result and "writes" in result:
        return "load"
    if result.get("check") == "B11":
        return "isolation"
    return None


def file_date(path: Path) -> str:
    """The UTC time in a result's file name (pdf_bench-20261204T204256Z.json), ISO style."""
    m = STAMP.search(path.name)
    if not m:
        return "?"
    s = m.group(1)
    return f"{s[:4]}-{s[4:6]}-{s[6:8]}T{s[9:11]}:{s[11:13]}:{s[13:15]}+00:00"


def collect(args: list[str]) -> tuple[list[Path], list[str]]:
    """The JSON files named (or in the folders named, or in bench/results/), and problems."""
    paths, problems = [], []
    for arg in args or [str(RESULTS)]:
        p = Path(arg)
        if p.is_dir():
            paths += sorted(p.glob("*.json"))
        elif p.is_file():
            paths.append(p)
        elif args:
            problems.append(f"{arg}: no such file or folder")
    return paths, problems


def load(paths: list[Path]) -> tuple[list[tuple[Path, str, dict]], list[str], list[str]]:
    """(path, kind, result) once per result, oldest first; skipped files; unreadable files."""
    seen, runs, skipped, bad = set(), [], [], []
    # Stamped names sort before "-latest" copies, so the stamped name is the one shown.
    for path in sorted(paths, key=lambda p: ("latest" in p.name, p.name)):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            bad.append(f"{path}: {exc}")
            continue
        kind = kind_of(result) if isinstance(result, dict) else None
        if kind is None:
            skipped.append(str(path))
            continue
        date = result.get("started") or file_date(path)
        key = (kind, date, result.get("git_sha"), result.get("database") or result.get("db"))
        if key in seen:
            continue
        seen.add(key)
        runs.append((path, kind, with_reference_ratios(result) if kind == "run" else result))
    runs.sort(key=lambda r: r[2].get("started") or file_date(r[0]))
    return runs, skipped, bad


def table(head: list[str], rows: list[list]) -> list[str]:
    def cell(v) -> str:
        return "—" if v is None else str(v).replace("|", "\\|")
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def figure(value, unit: str) -> str | None:
    if value is None:
        return None
    return f"{value}×" if unit == "x" else f"{value}{' ' + unit if unit else ''}"


def run_section(path: Path, r: dict, routes: bool) -> list[str]:
    mode = "quick, " if r.get("quick") else ""
    lines = [f"### {r.get('database')} · {r.get('git_sha')} · {r.get('started')}", "",
             f"`{path.name}`: {mode}median of {r.get('reps')} × {r.get('duration_s')} s "
             f"(warm-up {r.get('warmup_s')} s), concurrency {r.get('levels')}, "
             f"{r.get('cpu_count')} cores, load average {r.get('load_before')} → "
             f"{r.get('load_after')}"
             + (f", SQLite BEGIN {r['sqlite_begin']}" if r.get("sqlite_begin") == "deferred"
                else "") + ".", ""]
    flawed = [f"{row['id']} c={row['concurrency']}" for row in r["rows"]
              if row.get("unexpected") or row.get("errors")]
    if flawed:
        lines += [f"**Not valid:** answers other than 200, or socket errors, in "
                  f"{', '.join(flawed)}: those figures measure error pages.", ""]
    checks = [c.as_dict() for c in evaluate_result(r)]
    if {(c["id"], c["what"]) for c in checks} != {(c["id"], c["what"]) for c in r["targets"]}:
        lines += ["Checks of the current `bench/targets.py`, evaluated on this run's figures "
                  "(the run itself evaluated other targets).", ""]
    lines += table(["check", "what", "figure", "target", "result"],
                   [[c["id"], c["what"], figure(c["value"], c["unit"]),
                     f"{OPS.get(c['op'], c['op'])} {figure(c['limit'], c['unit'])}",
                     f"**{c['result']}**" if c["result"] == "MISS" else c["result"]]
                    for c in checks])
    count = {k: sum(c["result"] == k for c in checks) for k in ("PASS", "MISS", "n/a")}
    lines += ["", f"{count['PASS']} PASS, {count['MISS']} MISS, {count['n/a']} n/a.", ""]
    fb = r.get("first_byte") or {}
    if fb:
        lines += ["First byte, one client: " + "; ".join(
            f"{rid} p50 {v['p50']} ms, p95 {v['p95']} ms (n={v['n']}"
            + (f", {v['settle_limit_reached']} waits hit the idle limit"
               if v.get("settle_limit_reached") else "") + ")"
            for rid, v in fb.items()) + ".", ""]
    if routes:
        shown = [row for row in r["rows"] if row["concurrency"] == REF_C] or r["rows"]
        lines += table(["id", "route", "c", "p50 ms", "p95 ms", "p99 ms", "req/s", "p95 / B0",
                        "req/s / B0", "p95 / B1", "p95 / B8", "RSS MB"],
                       [[row["id"], row["route"], row["concurrency"], row["p50"], row["p95"],
                         row["p99"], row["rps"], row["ratio_to_raw"], row["rps_ratio_to_raw"],
                         row.get("ratio_to_b1"), row.get("ratio_to_b8"), row["rss_mb"]]
                        for row in shown]) + [""]
    return lines


def pdf_section(path: Path, r: dict) -> list[str]:
    lines = [f"### pdf_bench · {r.get('git_sha')} · {file_date(path)}", "",
             f"`{path.name}`: cold start {r.get('cold_start_s')} s, whole script "
             f"{r.get('seconds')} s, Python {r.get('python')} on {r.get('machine')}. "
             "Figures only (pdf_bench evaluates no targets).", ""]
    lines += table(["shape", "cases", "lang", "pages", "total s", "pages/s", "ms/case",
                    "peak MB", "floor s", "ratio to floor", "CPU ratio"],
                   [[b["shape"], b["cases"], b["lang"], b["pages"], b["total_s"],
                     b["pages_per_s"], b["ms_per_case"], b["peak_rss_mb"], b["floor_s"],
                     b["ratio_to_floor"], b.get("cpu_ratio_to_floor")] for b in r["b10"]])
    b12, b14 = r.get("b12") or {}, r.get("b14") or {}
    lines += ["", f"B12: worker RSS {b12.get('rss_mb')} MB over {b12.get('cycles')} packs, "
              f"growth after warm-up {b12.get('growth_pct')} %. "
              f"B14: {b14.get('pages')} pages, {b14.get('notdef_glyphs')} .notdef glyphs, "
              f"Arabic-Indic page numbers {b14.get('arabic_indic_page_numbers')}.", ""]
    return lines


def partner_queries_section(path: Path, r: dict) -> list[str]:
    jit, names = r.get("list_count_ms") or {}, r.get("name_index_ms") or {}
    rows = [["mean per query", f"{r.get('mean_ms')} ms"], ["p95", f"{r.get('p95_ms')} ms"],
            ["slowest", f"{r.get('max_ms')} ms"],
            ["loading the application (CPU)", f"{r.get('app_load_cpu_s')} s"]]
    rows += [[f"gc generation {g}", f"{v['n']} passes, {v['total_ms']} ms, longest "
              f"{v['max_ms']} ms"] for g, v in (r.get("gc_passes") or {}).items()]
    if jit:
        rows.append(["partner list count, JIT on / off", f"{jit['jit_on']} / {jit['jit_off']} ms"])
    if names:
        rows.append(["name match, prefix / spelt out",
                     f"{names['prefix_ms']} / {names['spelt_out_ms']} ms"])
    return [f"### partner_queries · {r.get('db')} · {r.get('git_sha')} · {file_date(path)}", "",
            f"`{path.name}`: {r.get('queries')} queries × {r.get('reps')}, gc {r.get('gc')}.",
            ""] + table(["figure", "value"], rows) + [""]


def grant_cost_section(path: Path, r: dict) -> list[str]:
    return [f"### grant_cost · {r.get('git_sha')} · {file_date(path)}", "",
            f"`{path.name}`: a grant of {r.get('size')} references, median of {r.get('reps')}: "
            f"{r.get('triggers_ms')} ms with the triggers, {r.get('no_triggers_ms')} ms "
            "without.", ""]


def load_section(path: Path, r: dict) -> list[str]:
    pages = (r.get("locust") or {}).get("pages", {})
    total, w, b = pages.get("Aggregated", {}), r.get("writes") or {}, r.get("backup") or {}
    probe = r.get("probe") or {}
    lines = [f"### loadrun{' --fault' if r.get('fault') else ''} · {r.get('git_sha')} · "
             f"{file_date(path)}", "",
             f"`{path.name}`: {r.get('users')} people, {r.get('duration_s')} s, "
             f"{r.get('workers')} workers, PostgreSQL: {total.get('rps')} req/s, "
             f"{total.get('requests')} requests, {total.get('failures')} errors.", ""]
    lines += table(["page", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"],
                   [[n, p["requests"], p["failures"], p["p50"], p["p95"], p["p99"]]
                    for n, p in sorted(pages.items())])
    lines += ["", f"Acknowledged writes {w.get('acknowledged')} ({w.get('by_kind')}): lost "
              f"{w.get('lost')}, duplicated {w.get('duplicated')}. Audit verify: exit "
              f"{(r.get('audit_verify') or {}).get('exit')}. Backup during the load: "
              f"{b.get('rows')} rows, {b.get('mismatches')} mismatches after restore. Probe: "
              f"{probe.get('ok')}/{probe.get('requests')} ok, {probe.get('translated_503')} "
              f"translated 503, {probe.get('tracebacks')} tracebacks, {probe.get('over_10s')} "
              "over 10 s."]
    for f in probe.get("faults", []):
        lines.append(f"- {f['what']}: {f['seconds']} s, statuses {f['statuses_during']}, "
                     f"longest {f['max_ms_during']} ms, recovered {f['recovered_after_s']} s "
                     "after the service returned.")
    return lines + [""]


def isolation_section(path: Path, r: dict) -> list[str]:
    return [f"### isolation (B11) · {r.get('git_sha')} · {file_date(path)}", "",
            f"`{path.name}`: staff list p95 idle {r.get('idle_p95_ms')} ms, while two "
            f"{r.get('cases_per_pack')}-case packs render {r.get('packs_p95_ms')} ms: ratio "
            f"{r.get('ratio')} (target <= {r.get('target')}) {r.get('result')}.", ""]


def report(runs, routes: bool = False) -> list[str]:
    lines = ["# Bench results", ""]
    for path, kind, r in runs:
        if kind == "run":
            lines += run_section(path, r, routes)
        elif kind == "pdf":
            lines += pdf_section(path, r)
        elif kind == "partner_queries":
            lines += partner_queries_section(path, r)
        elif kind == "load":
            lines += load_section(path, r)
        elif kind == "isolation":
            lines += isolation_section(path, r)
        else:
            lines += grant_cost_section(path, r)
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="*", metavar="FILE_OR_FOLDER",
                   help="result JSON files or folders (default: bench/results/)")
    p.add_argument("--routes", action="store_true",
                   help=f"also the routes' figures at c={REF_C} (bench.run results)")
    args = p.parse_args(argv)
    paths, problems = collect(args.paths)
    runs, skipped, bad = load(paths)
    problems += bad
    if runs:
        print("\n".join(report(runs, args.routes)).rstrip())
    else:
        where = ", ".join(args.paths) if args.paths else str(RESULTS)
        print(f"No bench results found in {where} (bench.run, bench.pdf_bench, "
              "bench.partner_queries and bench.grant_cost write them there).")
    if skipped:
        print(f"\nSkipped (not a bench result): {', '.join(skipped)}")
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
