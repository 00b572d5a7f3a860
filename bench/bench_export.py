"""Snapshot benchmark: time to render a map snapshot (PNG, 200 dpi) from a store.

Usage::

    .venv/bin/python bench/bench_export.py                  # seed data (temp store)
    .venv/bin/python bench/bench_export.py --events 1000000 [--store big.gpkg]

With ``--events N`` a GeoPackage of N synthetic incidents (:mod:`geo.synthetic`, one
source each) is built once at ``--store`` (default: a temp file) and reused when it
already holds N incidents. For each view the benchmark reports:

* ``store``: :func:`geo.export.render_export` straight from the store (read, filter,
  aggregate, draw, encode), as ``zonas export`` does;
* ``app``: the same with the incidents already in memory (the app's cached frame);
* ``naive``: the same choropleth drawn the obvious way — full-resolution polygons,
  ``GeoDataFrame.plot(column=...)`` in EPSG:4326, ``savefig(bbox_inches="tight")`` —
  from the same aggregated table, and the ratio naive ÷ app.

Targets (issue 8): ≤ 3 s on the seed data, ≤ 5 s on a 1,000,000-incident store.
Not part of the test run; the numbers go in the README's "Performance" section.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

from geo import export
from geo.filters import Filter
from geo.store import Store, open_store
from geo.zones import all_zones

VIEWS: dict[str, export.ExportView] = {
    "country/municipality/incidents": export.ExportView(level="municipality", lang="en"),
    "Distrito Capital/parish/killed": export.ExportView(
        flt=Filter(states=("VE-A",)), level="parish", measure="civilians_killed", lang="en"
    ),
}


def _timed(func: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Return (first run, median of the next ``repeats``) wall seconds and the median CPU
    seconds of this process (meaningful when other processes share the machine)."""
    start = time.perf_counter()
    func()
    first = time.perf_counter() - start
    runs, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if not runs:
        return first, first, float("nan")
    return first, statistics.median(runs), statistics.median(cpu)


def _naive_png(data: export.ExportData, view: export.ExportView, dpi: int) -> bytes:
    from matplotlib.figure import Figure

    from geo.aggregate import aggregate
    from geo.geodata import area_layer

    spec = export.measure_spec(view.measure)
    table = aggregate(data.incidents, level=view.level, zones=data.zones)
    areas = area_layer(view.level).merge(table[["area_code", spec.low]], on="area_code", how="left")
    areas[spec.low] = areas[spec.low].fillna(0)
    figure = Figure(figsize=export.SNAPSHOT_SIZE_IN, dpi=dpi)
    ax = figure.add_subplot()
    areas.plot(ax=ax, column=spec.low, cmap="YlOrRd", edgecolor="white", linewidth=0.25)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _synthetic_store(location: str, events: int) -> Store:
    import pandas as pd

    from geo.synthetic import synthetic_incidents

    store = open_store(location, seed=False, timeout=600)
    if len(store.read_incidents()) == events:
        return store
    print(f"building {events:,} synthetic incidents in {location} ...", file=sys.stderr)
    incidents = synthetic_incidents(events, seed=0)
    sources = pd.DataFrame(
        {
            "incident_id": incidents["incident_id"].astype(str),
            "publisher": "Synthetic",
            "date": incidents["date"].dt.strftime("%Y-%m-%d"),
            "title": "synthetic incident",
            "url": "https://example.org/synthetic",
            "quote": "",
        }
    )
    store.write_incidents(incidents, sources)
    return store


def run(store: Store, *, dpi: int, repeats: int, naive: bool) -> dict[str, dict[str, float]]:
    """Time every view of :data:`VIEWS`; return seconds per view and path."""
    results: dict[str, dict[str, float]] = {}
    everything = store.read_incidents()
    zones = all_zones(store_location=store.location)
    for name, view in VIEWS.items():
        row: dict[str, float] = {}
        row["store_first_s"], row["store_median_s"], row["store_cpu_s"] = _timed(
            lambda v=view: export.render_export(store, "png", v, dpi=dpi), repeats
        )

        def from_memory(v: export.ExportView = view) -> bytes:
            # as ui/downloads.py does: cached frames, and a map's sources only summarised
            data = export.collect_export_data(
                store, v.flt, incidents=everything, zones=zones, all_sources=False
            )
            return export.render_export(store, "png", v, dpi=dpi, data=data)

        _, row["app_median_s"], row["app_cpu_s"] = _timed(from_memory, repeats)
        if naive:
            data = export.collect_export_data(
                store, view.flt, incidents=everything, zones=zones, all_sources=False
            )
            _, row["naive_median_s"], row["naive_cpu_s"] = _timed(
                lambda v=view, d=data: _naive_png(d, v, dpi), 1
            )
            row["speedup"] = row["naive_cpu_s"] / row["app_cpu_s"]
        results[name] = row
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=0, help="synthetic incidents (0: seed)")
    parser.add_argument("--store", help="GeoPackage to build/reuse for --events")
    parser.add_argument("--dpi", type=int, default=export.DEFAULT_DPI)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        location = args.store or str(Path(folder) / "bench.gpkg")
        store = (
            _synthetic_store(location, args.events)
            if args.events
            else open_store(location, seed=True)
        )
        incidents = len(store.read_incidents())
        results = run(store, dpi=args.dpi, repeats=args.repeats, naive=not args.no_naive)
    if args.json:
        print(json.dumps({"incidents": incidents, "dpi": args.dpi, "views": results}))
        return 0
    print(f"snapshot PNG at {args.dpi} dpi, {incidents:,} incidents")
    print("wall seconds (CPU seconds of this process); ratio = naive CPU / app CPU")
    print(f"{'view':<32} {'store 1st':>9} {'store':>14} {'app':>14} {'naive':>14} {'ratio':>6}")
    for name, row in results.items():
        naive = row.get("naive_median_s", float("nan"))
        naive_cpu = row.get("naive_cpu_s", float("nan"))
        print(
            f"{name:<32} {row['store_first_s']:>8.2f}s "
            f"{row['store_median_s']:>6.2f}s ({row['store_cpu_s']:.2f}) "
            f"{row['app_median_s']:>6.2f}s ({row['app_cpu_s']:.2f}) "
            f"{naive:>6.2f}s ({naive_cpu:.2f}) {row.get('speedup', float('nan')):>5.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
