"""Aggregation benchmark: re-filter + re-aggregate latency against a naive baseline.

Usage::

    .venv/bin/python bench/bench_aggregate.py [--events 1000000] [--repeats 5] [--json]

Same code as ``zonas bench`` (:func:`geo.benchmark.run_benchmark`). Not part of the test
run; the numbers go in the README's "Performance" section.
"""

from __future__ import annotations

import argparse
import json
import sys

from geo.benchmark import format_report, run_benchmark


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run_benchmark(
        args.events,
        seed=args.seed,
        repeats=args.repeats,
        naive=not args.no_naive,
        progress=lambda message: print(message, file=sys.stderr),
    )
    print(json.dumps(result) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
