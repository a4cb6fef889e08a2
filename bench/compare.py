"""Compare two bench results and fail on a regression of more than 20% in any ratio.

    python -m bench.compare BASELINE.json NEW.json [--tolerance 0.2]

Per route and concurrency present in both: the p95 ratio to raw (higher is worse) and the
throughput ratio to raw (lower is worse). Absolute figures are not compared: they follow the
machine. Exit status 1 when a ratio regressed beyond the tolerance, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return {(r["id"], r["concurrency"]): r for r in data["rows"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("baseline")
    p.add_argument("new")
    p.add_argument("--tolerance", type=float, default=0.2)
    args = p.parse_args(argv)
    old, new = load(args.baseline), load(args.new)
    worse = 0
    print(f"{'id':<4} {'c':>2} {'p95/raw old':>11} {'new':>7} {'rps/raw old':>11} {'new':>7}")
    for key in sorted(set(old) & set(new)):
        if key[0] == "B0":
            continue
        o, n = old[key], new[key]
        flags = []
        if n["ratio_to_raw"] > o["ratio_to_raw"] * (1 + args.tolerance):
            flags.append("p95 ratio regressed")
        if n["rps_ratio_to_raw"] < o["rps_ratio_to_raw"] / (1 + args.tolerance):
            flags.append("throughput ratio regressed")
        worse += bool(flags)
        print(f"{key[0]:<4} {key[1]:>2} {o['ratio_to_raw']:>11.2f} {n['ratio_to_raw']:>7.2f} "
              f"{o['rps_ratio_to_raw']:>11.3f} {n['rps_ratio_to_raw']:>7.3f}  {', '.join(flags)}")
    print(f"\n{worse} regression(s) beyond {args.tolerance:.0%}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
