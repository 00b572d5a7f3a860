"""Synthetic incidents for benchmarks and property tests (never shown as data).

:func:`synthetic_incidents` draws ``n`` incidents with the canonical columns of
:mod:`geo.incidents`, spread over the real shipped parishes (points sampled inside the
polygons), with a realistic mix of agencies, dates (2014–2023, busier in the OLP years
2015–2017), date and place precisions, contested ranges and unknown counts. Area codes
are assigned the way ingest does it, with :meth:`geo.gazetteer.Gazetteer.assign_areas`
on the drawn point, so benchmarks measure the real ingest-time step.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import geodata
from geo.gazetteer import Gazetteer, default_gazetteer
from geo.incidents import COUNT_COLUMNS, INCIDENT_COLUMNS

GEO_MIX: Final = {
    "point": 0.50,
    "barrio": 0.15,
    "parish": 0.15,
    "municipality": 0.12,
    "state": 0.05,
    "unlocated": 0.03,
}
DATE_MIX: Final = {"day": 0.80, "week": 0.03, "month": 0.12, "year": 0.05}
AGENCY_MIX: Final = {
    "PNB": 0.22,
    "FAES": 0.14,
    "CICPC": 0.16,
    "GNB": 0.14,
    "FANB": 0.06,
    "SEBIN": 0.02,
    "DGCIM": 0.02,
    "POLICARACAS": 0.03,
    "POLIARAGUA": 0.04,
    "CPBEZ": 0.03,
    "STATE_POLICE": 0.06,
    "POLICE_UNSPECIFIED": 0.04,
    "UNSPECIFIED": 0.04,
}
OPERATION_MIX: Final = {
    "OLP": 0.45,
    "pre-OLP": 0.05,
    "Gran Cacique Guaicaipuro": 0.1,
    "related": 0.4,
}
CONFIDENCE_MIX: Final = {"low": 0.2, "medium": 0.5, "high": 0.3}
FIRST_DAY: Final = np.datetime64("2014-01-01")
LAST_DAY: Final = np.datetime64("2023-12-31")


def _choice(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    names = np.array(list(mix), dtype=object)
    weights = np.array(list(mix.values()), dtype=float)
    return names[rng.choice(len(names), size=n, p=weights / weights.sum())]


def sample_points_in(
    polygons: gpd.GeoSeries, counts: np.ndarray, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``counts[i]`` uniform random points inside ``polygons[i]`` (lon, lat arrays,
    EPSG:4326 degrees, polygon by polygon), by rejection sampling in each bounding box."""
    lons, lats = [], []
    for geometry, count in zip(polygons, counts, strict=True):
        if count == 0:
            continue
        xmin, ymin, xmax, ymax = geometry.bounds
        fill = max(geometry.area / max((xmax - xmin) * (ymax - ymin), 1e-12), 0.05)
        got_x: list[np.ndarray] = []
        got = 0
        while got < count:
            draw = int((count - got) / fill * 1.3) + 16
            x = rng.uniform(xmin, xmax, draw)
            y = rng.uniform(ymin, ymax, draw)
            inside = shapely.contains_xy(geometry, x, y)
            got_x.append(np.column_stack([x[inside], y[inside]]))
            got += int(inside.sum())
        points = np.concatenate(got_x)[:count]
        lons.append(points[:, 0])
        lats.append(points[:, 1])
    return np.concatenate(lons), np.concatenate(lats)


def _dates(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    span = int((LAST_DAY - FIRST_DAY).astype(int)) + 1
    olp_start = int((np.datetime64("2015-07-13") - FIRST_DAY).astype(int))
    olp_end = int((np.datetime64("2017-12-31") - FIRST_DAY).astype(int))
    busy = rng.random(n) < 0.4
    offsets = np.where(busy, rng.integers(olp_start, olp_end + 1, n), rng.integers(0, span, n))
    day = FIRST_DAY + offsets.astype("timedelta64[D]")
    precision = _choice(rng, DATE_MIX, n)
    start = day.copy()
    end = day.copy()
    week = precision == "week"
    end[week] = start[week] + 6
    end[week] = np.minimum(end[week], LAST_DAY)
    month = precision == "month"
    months = day[month].astype("datetime64[M]")
    start[month] = months.astype("datetime64[D]")
    end[month] = (months + 1).astype("datetime64[D]") - 1
    year = precision == "year"
    years = day[year].astype("datetime64[Y]")
    start[year] = years.astype("datetime64[D]")
    end[year] = (years + 1).astype("datetime64[D]") - 1
    return start, end, precision


def _counts(rng: np.random.Generator, n: int) -> dict[str, pd.arrays.IntegerArray]:
    """Victim counts with ranges, "at least" maxima and unknowns."""

    def nullable(values: np.ndarray, unknown: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values.astype(np.int64), unknown.astype(bool))

    killed_min = rng.poisson(1.2, n)
    spread = np.where(rng.random(n) < 0.15, rng.integers(1, 4, n), 0)
    killed_max = killed_min + spread
    killed_unknown = rng.random(n) < 0.08
    max_open = ~killed_unknown & (rng.random(n) < 0.05)
    return {
        "civilians_killed_min": nullable(killed_min, killed_unknown),
        "civilians_killed_max": nullable(killed_max, killed_unknown | max_open),
        "civilians_injured": nullable(rng.poisson(0.6, n), rng.random(n) < 0.4),
        "officers_killed": nullable(rng.binomial(1, 0.05, n), rng.random(n) < 0.3),
        "officers_injured": nullable(rng.poisson(0.1, n), rng.random(n) < 0.35),
        "detained": nullable(rng.poisson(2.0, n), rng.random(n) < 0.5),
        "fatalities_unsplit": nullable(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)),
    }


def _agencies(rng: np.random.Generator, n: int) -> np.ndarray:
    """0–3 distinct agencies per incident, ``;``-separated in sorted order."""
    names = list(AGENCY_MIX)
    weights = np.array(list(AGENCY_MIX.values()), dtype=float)
    how_many = rng.choice([0, 1, 2, 3], size=n, p=[0.03, 0.67, 0.22, 0.08])
    drawn = rng.choice(len(names), size=(n, 3), p=weights / weights.sum())
    combos, inverse = np.unique(np.column_stack([drawn, how_many]), axis=0, return_inverse=True)
    texts = np.array(
        [";".join(sorted({names[i] for i in row[:3]})[: row[3]]) for row in combos.tolist()],
        dtype=object,
    )
    return texts[inverse.ravel()]


def _coarse_zone_ids(
    gazetteer: Gazetteer, state: np.ndarray, muni: np.ndarray, parish: np.ndarray
) -> np.ndarray:
    """``zones_covering`` for each row (cached per distinct code triple)."""
    cache: dict[tuple[str, str, str], str] = {}
    out = np.empty(len(state), dtype=object)
    for i, key in enumerate(zip(state, muni, parish, strict=True)):
        if key not in cache:
            cache[key] = ";".join(
                gazetteer.zones_covering(state_code=key[0], muni_code=key[1], parish_code=key[2])
            )
        out[i] = cache[key]
    return out


def synthetic_incidents(
    n: int, *, seed: int = 0, gazetteer: Gazetteer | None = None
) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic incidents with the canonical columns (EPSG:4326).

    Parameters
    ----------
    n
        Number of incidents.
    seed
        Seed of the random generator (same seed, same frame).
    gazetteer
        Gazetteer assigning the area codes (default: the shipped one).

    Notes
    -----
    Points are drawn inside the parishes, three times more often in Distrito Capital,
    Miranda, Aragua, Carabobo, Zulia and Lara. Coarse-precision incidents are drawn at the
    anchor point of their unit (as ingest does) and keep only the codes they are known to;
    their ``zone_ids`` are the administrative zones covering the unit.
    """
    rng = np.random.default_rng(seed)
    gazetteer = gazetteer or default_gazetteer()
    parishes = gazetteer.parishes
    busy_states = {"VE-A", "VE-M", "VE-D", "VE-G", "VE-V", "VE-K"}
    weights = np.where(parishes["state_code"].isin(busy_states), 3.0, 1.0)
    per_parish = np.bincount(
        rng.choice(len(parishes), size=n, p=weights / weights.sum()), minlength=len(parishes)
    )
    lons, lats = sample_points_in(parishes.geometry, per_parish, rng=rng)
    shuffle = rng.permutation(n)
    lons, lats = lons[shuffle], lats[shuffle]

    precision = _choice(rng, GEO_MIX, n)
    coarse = np.isin(precision, ["parish", "municipality", "state"])
    if coarse.any():
        # Where a coarse incident is drawn: the anchor of the unit its point falls in.
        located = gazetteer.assign_areas(lons[coarse], lats[coarse], with_zones=False)
        level_column = {"parish": "parish_code", "municipality": "muni_code", "state": "state_code"}
        unit = np.empty(int(coarse.sum()), dtype=object)
        for name, column in level_column.items():
            at_level = precision[coarse] == name
            unit[at_level] = located[column].to_numpy(dtype=object)[at_level]
        anchor_of: dict[str, tuple[float, float]] = {}
        for code in set(unit.tolist()):
            place = gazetteer.place(code)
            anchor_of[code] = (place.lon, place.lat) if place else (np.nan, np.nan)
        anchor = np.array([anchor_of[code] for code in unit], dtype=float).reshape(-1, 2)
        lons[coarse], lats[coarse] = anchor[:, 0], anchor[:, 1]
    unlocated = precision == "unlocated"
    lons[unlocated], lats[unlocated] = np.nan, np.nan

    codes = gazetteer.assign_areas(lons, lats)
    state = codes["state_code"].to_numpy(dtype=object)
    muni = np.where(np.isin(precision, ["state"]), "", codes["muni_code"].to_numpy(dtype=object))
    parish = np.where(
        np.isin(precision, ["municipality", "state"]),
        "",
        codes["parish_code"].to_numpy(dtype=object),
    )
    zone_ids = codes["zone_ids"].to_numpy(dtype=object).copy()
    if coarse.any():
        zone_ids[coarse] = _coarse_zone_ids(gazetteer, state[coarse], muni[coarse], parish[coarse])

    start, end, date_precision = _dates(rng, n)
    agencies = _agencies(rng, n)
    ids = np.char.add("SYN", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    data: dict[str, object] = {
        "incident_id": ids,
        "date": pd.to_datetime(start).as_unit("ns"),
        "date_end": pd.to_datetime(end).as_unit("ns"),
        "date_precision": date_precision,
        "operation": "synthetic",
        "operation_family": _choice(rng, OPERATION_MIX, n),
        "place_name": "",
        "barrio": "",
        "parish": "",
        "municipality": "",
        "state": "",
        "lat": lats,
        "lon": lons,
        "state_code": state,
        "muni_code": muni,
        "parish_code": parish,
        "zone_ids": zone_ids,
        "geo_precision": precision,
        "agencies": agencies,
        "agencies_reported": agencies,
        **_counts(rng, n),
        "description": "",
        "confidence": _choice(rng, CONFIDENCE_MIX, n),
        "notes": "",
        "origin": "synthetic",
        "content_hash": "",
    }
    frame = pd.DataFrame(data)
    text = [
        c
        for c in INCIDENT_COLUMNS
        if c not in (*COUNT_COLUMNS, "date", "date_end", "lat", "lon", "geometry")
    ]
    frame[text] = frame[text].astype(str)
    geometry: np.ndarray = np.asarray(shapely.points(lons, lats))
    geometry[unlocated] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=geodata.CRS)[list(INCIDENT_COLUMNS)]
