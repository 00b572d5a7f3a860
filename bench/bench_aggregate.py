"""Aggregation benchmark: re-filter + re-aggregate latency against a naive baseline.

Usage::

    .venv/bin/python bench/bench_aggregate.py [--events 1000000] [--repeats 5] [--json]

Exactly ``zonas bench`` (same options, same language rules: :func:`geo.cli.main`), which
runs :func:`geo.benchmark.run_benchmark`. Not part of the test run; the numbers go in
the README's "Performance" section.
"""

from __future__ import annotations

import sys

from geo.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
