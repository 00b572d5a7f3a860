"""Point → area assignment benchmark: Gazetteer.assign_areas against a naive spatial join.

Usage::

    .venv/bin/python bench/bench_assign_areas.py [--points 1000000] [--seed 0]

Two point clouds: uniform over Venezuela's bounding box (about half the points fall in
the sea or abroad) and clustered around Caracas (where the small parishes and most zones
are). ``assign_areas`` finds parish, municipality and state (with fallbacks) and all
zones; the baseline, ``geopandas.sjoin(points, parishes, predicate="within")``, only
finds the parish, so the ratio understates the difference. Not part of the test run.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np

from geo.gazetteer import default_gazetteer


def _clouds(n: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return {
        "uniform over Venezuela's bbox": (rng.uniform(-73.4, -59.8, n), rng.uniform(0.6, 12.2, n)),
        "clustered around Caracas": (rng.normal(-66.9, 0.05, n), rng.normal(10.49, 0.03, n)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    gazetteer = default_gazetteer()
    gazetteer.assign_areas([-66.9], [10.5])  # warm up (prepared geometries)
    parishes = gazetteer.parishes[["parish_code", "geometry"]]
    for label, (lons, lats) in _clouds(args.points, args.seed).items():
        start = time.perf_counter()
        gazetteer.assign_areas(lons, lats)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")
        gpd.sjoin(points, parishes, how="left", predicate="within")
        naive = time.perf_counter() - start
        print(
            f"{label}: {args.points:,} points; assign_areas {ours:.2f} s "
            f"({args.points / ours:,.0f} points/s); naive sjoin (parish only) {naive:.2f} s "
            f"({args.points / naive:,.0f} points/s); {naive / ours:.1f}x faster"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
