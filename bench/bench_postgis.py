"""PostGIS benchmark: filter + aggregate latency on N incidents, PostGIS vs. GeoPackage.

Usage::

    .venv/bin/python bench/bench_postgis.py [--events 1000000] [--repeats 3] [--dsn URL]

Without ``--dsn`` a throwaway PostgreSQL 15 + PostGIS cluster is started (the test
fixture, ``tests/postgis_server.py``) and removed afterwards. The same synthetic incidents
(:func:`geo.synthetic.synthetic_incidents`) are written to both stores; then each query
runs ``--repeats`` times and the median is reported, with the GeoPackage path (read the
layer, filter and aggregate in pandas) as the baseline. Not part of the test run; the
numbers go in the README section "Shared deployments with PostGIS".
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.aggregate import aggregate
from geo.filters import Filter
from geo.incidents import SOURCE_COLUMNS
from geo.postgis import PostGISStore
from geo.store import GeoPackageStore, open_store
from geo.synthetic import synthetic_incidents

QUERIES: dict[str, tuple[Filter | None, dict[str, Any]]] = {
    "all, states": (None, {"level": "state"}),
    "all, municipalities x month": (None, {"level": "municipality", "period": "month"}),
    "OLP years, Caracas+Miranda, FAES, by agency": (
        Filter(
            date_from=date(2015, 7, 1),
            date_to=date(2017, 12, 31),
            states=("VE-A", "VE-M"),
            agencies=("FAES",),
        ),
        {"level": "parish", "period": "month", "by_agency": True},
    ),
    "one municipality, zones x year": (
        Filter(municipalities=("VE0101",)),
        {"level": "zone", "period": "year"},
    ),
}


def _timed(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


@contextlib.contextmanager
def _server(dsn: str | None) -> Iterator[str]:
    if dsn:
        yield dsn
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from postgis_server import running_server

    with running_server() as server:
        yield server.dsn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dsn", help="an existing server (its zonas schema is replaced)")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    incidents = synthetic_incidents(args.events, seed=0)
    sources = pd.DataFrame(columns=list(SOURCE_COLUMNS)).astype("str")
    say(f"synthetic incidents: {len(incidents):,} in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as folder, _server(args.dsn) as dsn:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("DROP SCHEMA IF EXISTS zonas CASCADE")
        postgis = PostGISStore(dsn, seed=False, timeout=3600)
        postgis.init_schema()
        gpkg = open_store(Path(folder) / "bench.gpkg", seed=False, timeout=3600)
        assert isinstance(gpkg, GeoPackageStore)
        for name, store in (("PostGIS", postgis), ("GeoPackage", gpkg)):
            started = time.perf_counter()
            store.write_incidents(incidents, sources)
            say(f"write {name}: {time.perf_counter() - started:.1f} s")
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE zonas.incidents")

        rows = []
        for label, (flt, options) in QUERIES.items():
            gpkg_filter, selected = _timed(lambda flt=flt: gpkg.read_incidents(flt), args.repeats)
            pg_filter, pg_selected = _timed(
                lambda flt=flt: postgis.read_incidents(flt), args.repeats
            )
            gpkg_agg, expected = _timed(
                lambda flt=flt, options=options: aggregate(
                    gpkg.read_incidents(flt), flt=None, **options
                ),
                args.repeats,
            )
            pg_agg, table = _timed(
                lambda flt=flt, options=options: postgis.aggregate(flt=flt, **options),
                args.repeats,
            )
            assert isinstance(selected, pd.DataFrame)
            assert isinstance(pg_selected, pd.DataFrame)
            assert len(selected) == len(pg_selected)
            assert isinstance(table, pd.DataFrame)
            pd.testing.assert_frame_equal(table, expected)  # same answer, always
            rows.append((label, len(selected), gpkg_filter, pg_filter, gpkg_agg, pg_agg))
            say(f"{label}: done")

    print(f"\n{args.events:,} synthetic incidents, median of {args.repeats} runs (seconds)\n")
    print(
        "| query | rows | filter GPKG | filter PostGIS | aggregate GPKG | aggregate PostGIS "
        "| aggregate speed-up |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, count, gf, pf, ga, pa in rows:
        print(
            f"| {label} | {count:,} | {gf:.2f} | {pf:.2f} | {ga:.2f} | {pa:.2f} | {ga / pa:.1f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
