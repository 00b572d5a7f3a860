"""The aggregation benchmark behind ``bench/bench_aggregate.py`` and ``zonas bench``.

It draws ``events`` synthetic incidents over the real shipped boundaries
(:func:`geo.synthetic.synthetic_incidents`) and measures

* ingest-time area assignment (:meth:`geo.gazetteer.Gazetteer.assign_areas`), points/s;
* building the :class:`geo.aggregate.IncidentIndex`;
* re-filter + re-aggregate latency for typical interactions (change the date window,
  toggle an agency, switch level, monthly timeline, per-agency table): median and p95;
* the same answers computed naively on every interaction (filter, GeoPandas spatial join
  of all points to the level's polygons, pandas groupby:
  :func:`geo.aggregate.aggregate_by_spatial_join`), and the speed-up ratio;
* peak resident memory of the process (``resource.getrusage``).

Fast and naive answers are compared frame by frame; a difference raises
:class:`AssertionError`. Timings are wall-clock (:func:`time.perf_counter`).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo.aggregate import IncidentIndex, Period, aggregate_by_spatial_join
from geo.filters import Filter
from geo.gazetteer import default_gazetteer
from geo.geodata import Level
from geo.i18n import _
from geo.synthetic import synthetic_incidents


@dataclass(frozen=True)
class Interaction:
    """One thing a user does in the app: a filter and a table to show."""

    name: str
    flt: Filter
    level: Level
    period: Period | None = None
    by_agency: bool = False


WINDOW = Filter(date_from=date(2015, 7, 1), date_to=date(2016, 12, 31))
YEAR_2017 = Filter(date_from=date(2017, 1, 1), date_to=date(2017, 12, 31))

INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("all incidents by state", Filter(), "state"),
    Interaction("date window Jul 2015 – Dec 2016", WINDOW, "state"),
    Interaction("date window 2017", YEAR_2017, "state"),
    Interaction("toggle agency PNB", WINDOW.with_changes(agencies=("PNB",)), "state"),
    Interaction("toggle agency GNB too", WINDOW.with_changes(agencies=("GNB", "PNB")), "state"),
    Interaction("switch level: municipality", WINDOW, "municipality"),
    Interaction("switch level: parish", WINDOW, "parish"),
    Interaction("switch level: zone", WINDOW, "zone"),
    Interaction("monthly timeline by state", Filter(), "state", "month"),
    Interaction("per-agency table by state", WINDOW, "state", None, True),
)  # fmt: skip


def _timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = func()
    return result, (time.perf_counter() - start) * 1000.0


def _timed_cpu(func: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, process CPU ms): CPU time shows the cost on a machine shared with others."""
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: ``ru_maxrss`` KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_benchmark(
    events: int = 1_000_000,
    *,
    seed: int = 0,
    repeats: int = 5,
    naive: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark; return its numbers (see the module docstring).

    Parameters
    ----------
    events
        Number of synthetic incidents.
    seed
        Seed of the synthetic data.
    repeats
        Timed repetitions of each interaction on the fast path (after one warm-up).
    naive
        Also time the naive baseline (once per interaction) and compare answers.
    progress
        Called with a short message at each step (e.g. ``print`` to stderr).

    Returns
    -------
    dict
        ``events``, ``median_ms``, ``p95_ms``, ``naive_median_ms``, ``speedup``,
        ``peak_mb``, ``assign_points_per_s``, ``index_build_s``, ``synthetic_s`` and
        ``interactions`` (per-interaction medians and naive times, ms).
    """
    say = progress or (lambda _message: None)
    gazetteer = default_gazetteer()
    say(_("generating {n} synthetic incidents").format(n=events))
    incidents, synthetic_ms = _timed(lambda: synthetic_incidents(events, seed=seed))
    located = incidents["lon"].notna().to_numpy()
    lons = incidents["lon"].to_numpy()[located]
    lats = incidents["lat"].to_numpy()[located]
    say(_("timing area assignment"))
    _codes, assign_ms = _timed(lambda: gazetteer.assign_areas(lons, lats))
    say(_("building the index"))
    index, build_ms = _timed(lambda: IncidentIndex.from_frame(incidents))
    fast_samples: list[float] = []
    cpu_samples: list[float] = []
    rows = []
    for interaction in INTERACTIONS:

        def fast(i: Interaction = interaction) -> pd.DataFrame:
            table: pd.DataFrame = index.aggregate(
                i.flt, level=i.level, period=i.period, by_agency=i.by_agency
            )
            return table

        answer = fast()  # warm-up (codes periods on first use)
        timings = [_timed_cpu(fast) for _ in range(repeats)]
        samples = [wall for wall, _cpu in timings]
        fast_samples.extend(samples)
        cpu_samples.extend(cpu for _wall, cpu in timings)
        row: dict[str, Any] = {
            "name": interaction.name,
            "median_ms": round(float(np.median(samples)), 1),
            "cpu_median_ms": round(float(np.median([c for _w, c in timings])), 1),
            "groups": len(answer),
        }
        if naive:
            say(_("naive baseline: {name}").format(name=interaction.name))

            def naive_answer(i: Interaction = interaction) -> pd.DataFrame:
                return aggregate_by_spatial_join(
                    incidents, level=i.level, period=i.period, by_agency=i.by_agency, flt=i.flt
                )

            expected, naive_ms = _timed(naive_answer)
            pd.testing.assert_frame_equal(answer, expected)
            row["naive_ms"] = round(naive_ms, 1)
        rows.append(row)
    median_ms = float(np.median(fast_samples))
    naive_median = float(np.median([r["naive_ms"] for r in rows])) if naive else float("nan")
    return {
        "events": events,
        "median_ms": round(median_ms, 1),
        "p95_ms": round(float(np.percentile(fast_samples, 95)), 1),
        "cpu_median_ms": round(float(np.median(cpu_samples)), 1),
        "load_average": round(os.getloadavg()[0], 1),
        "naive_median_ms": round(naive_median, 1),
        "speedup": round(naive_median / median_ms, 1) if naive else None,
        "peak_mb": round(peak_memory_mb(), 1),
        "assign_points_per_s": round(len(lons) / (assign_ms / 1000.0)),
        "index_build_s": round(build_ms / 1000.0, 2),
        "synthetic_s": round(synthetic_ms / 1000.0, 2),
        "identical": naive,
        "interactions": rows,
    }


def format_report(result: dict[str, Any]) -> str:
    """Return the benchmark result as a small plain-text table."""
    lines = [
        _("{n} synthetic incidents").format(n=f"{result['events']:,}"),
        _("area assignment: {rate} points/s").format(rate=f"{result['assign_points_per_s']:,}"),
        _("index build: {s} s").format(s=result["index_build_s"]),
        "",
        f"{_('interaction'):<34} {_('fast ms'):>9} {_('CPU ms'):>8} {_('naive ms'):>10} "
        f"{_('groups'):>7}",
    ]
    for row in result["interactions"]:
        naive = f"{row['naive_ms']:.0f}" if "naive_ms" in row else "-"
        lines.append(
            f"{row['name']:<34} {row['median_ms']:>9.1f} {row['cpu_median_ms']:>8.1f} "
            f"{naive:>10} {row['groups']:>7}"
        )
    lines += [
        "",
        _("fast median {m} ms, p95 {p} ms (CPU median {c} ms; load average {load})").format(
            m=result["median_ms"],
            p=result["p95_ms"],
            c=result["cpu_median_ms"],
            load=result["load_average"],
        ),
        _("naive median {m} ms, speed-up {s}×").format(
            m=result["naive_median_ms"], s=result["speedup"]
        ),
        _("answers identical: {ok}").format(
            ok=_("yes") if result["identical"] else _("not checked")
        ),
        _("peak memory {mb} MB").format(mb=result["peak_mb"]),
    ]
    return "\n".join(lines)
