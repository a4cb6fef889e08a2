"""Compare two bench results: fail on a regression of more than 20% in any ratio, and show
each target's PASS/MISS in both.

    python -m bench.compare BASELINE.json NEW.json [--tolerance 0.2]

Per route and concurrency present in both: the p95 ratios to raw WSGI (B0), to Flask /hello
(B1) and to the signed-in empty page (B8) (higher is worse), and the throughput ratio to raw
(lower is worse). Absolute figures are not compared: they follow the machine. Then the checks
of bench/targets.py, evaluated on each file's figures, side by side. Exit status 1 when a
ratio regressed beyond the tolerance, 0 otherwise (a MISS alone does not fail).
"""

from __future__ import annotations

import argparse
import json
import sys

from .targets import evaluate_result, with_reference_ratios

P95_RATIOS = (("ratio_to_raw", "p95/B0"), ("ratio_to_b1", "p95/B1"), ("ratio_to_b8", "p95/B8"))


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return with_reference_ratios(json.load(fh))


def _rows(result: dict) -> dict:
    return {(r["id"], r["concurrency"]): r for r in result["rows"]}


def _cell(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("baseline")
    p.add_argument("new")
    p.add_argument("--tolerance", type=float, default=0.2)
    args = p.parse_args(argv)
    old_result, new_result = load(args.baseline), load(args.new)
    old, new = _rows(old_result), _rows(new_result)
    worse = 0
    print(f"{'id':<4} {'c':>2} " + " ".join(f"{label + ' old':>11} {'new':>7}"
                                           for _key, label in P95_RATIOS)
          + f" {'rps/raw old':>11} {'new':>7}")
    for key in sorted(set(old) & set(new)):
        if key[0] == "B0":
            continue
        o, n = old[key], new[key]
        flags = []
        for name, label in P95_RATIOS:
            if o.get(name) is not None and n.get(name) is not None \
                    and n[name] > o[name] * (1 + args.tolerance):
                flags.append(f"{label} regressed")
        if n["rps_ratio_to_raw"] < o["rps_ratio_to_raw"] / (1 + args.tolerance):
            flags.append("throughput ratio regressed")
        worse += bool(flags)
        print(f"{key[0]:<4} {key[1]:>2} "
              + " ".join(f"{_cell(o.get(name)):>11} {_cell(n.get(name)):>7}"
                         for name, _label in P95_RATIOS)
              + f" {_cell(o['rps_ratio_to_raw'], 3):>11} {_cell(n['rps_ratio_to_raw'], 3):>7}"
              + (f"  {', '.join(flags)}" if flags else ""))
    print(f"\n{worse} regression(s) beyond {args.tolerance:.0%}")
    print("\nTargets (bench/targets.py, evaluated on each file's figures):")
    before = {(c.id, c.what): c.as_dict() for c in evaluate_result(old_result)}
    for check in evaluate_result(new_result):
        d = check.as_dict()
        b = before.get((check.id, check.what))
        was = f"{b['value']}{b['unit']} {b['result']}" if b and b["value"] is not None else "-"
        now = f"{d['value']}{d['unit']}" if d["value"] is not None else "-"
        print(f"  {d['result']:<4} {d['id']:<4} {d['what']:<55} {now:>9} "
              f"(target {d['op']} {d['limit']}{d['unit']}; baseline {was})")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
