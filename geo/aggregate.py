"""Counts per area × period × agency, lethal-force indicators and peace-zone comparison.

Everything here works on a canonical incident frame (:mod:`geo.incidents`), for example
``store.read_incidents(flt)``, and is pure pandas/numpy: no I/O, no Streamlit.

Areas
-----
An incident is joined to the areas of a level by the codes resolved at ingest
(``state_code``, ``muni_code``, ``parish_code``, ``zone_ids``), never by re-running a
spatial join:

* **Admin levels** (``state``, ``municipality``, ``parish``): an incident counts in its
  unit when its ``geo_precision`` is at least as fine as the level (``point``, ``barrio``
  and ``parish`` are known to the parish, ``municipality`` to the municipality, ``state``
  to the state) and the code is set. Every other incident goes to one clearly labelled
  bucket, :data:`UNLOCATED_CODE` ("Unlocated at this level"); it is never spread over
  the units nor guessed. So at every admin level, the sum over areas plus the bucket is
  the grand total.
* **Zone level**: zones overlap, so an incident counts once in *each* zone it is in
  (the sum over zones may exceed the number of incidents). Membership of shipped zones
  comes from ``zone_ids`` (resolved at ingest: the point's zones for ``point``/``barrio``
  precision, the administrative zones covering the whole unit otherwise); for user zones
  (``user_defined``), which ingest did not know, ``point``/``barrio`` incidents are
  joined spatially (polygon covers point, border included, as the gazetteer does). An
  incident in no zone goes to :data:`OUTSIDE_CODE` ("Outside any zone") when its
  position is known to a point or a barrio, and to :data:`UNLOCATED_CODE` otherwise (a
  parish-precision incident may or may not lie in a 700 m circle inside that parish: we
  do not guess). Every incident is therefore in at least one zone, outside, or unlocated.

Counts and unknowns
-------------------
Unknown counts (``<NA>``) are never zero, but sums need a number:

* ``civilians_killed_min`` and the other single counts treat unknown as 0, which keeps
  them valid lower bounds; ``<count>_unknown`` says how many incidents of the group left
  that count unknown.
* ``civilians_killed_max`` sums each incident's maximum; an incident with a known minimum
  but unknown maximum ("at least 3") contributes its minimum and flags the group
  ``civilians_killed_at_least`` (the maximum is open-ended). An incident with both
  unknown adds 0 to both and counts in ``civilians_killed_unknown``.
* ``fatalities_unsplit`` (totals not split by side, e.g. ACLED ``fatalities``) is summed
  on its own and never split or added to civilians.

Agencies
--------
In a per-agency breakdown (``by_agency=True``) an incident involving three agencies
counts once for *each* of them (so per-agency rows may add up to more than the total);
in every other table and in :func:`totals` it counts exactly once. Incidents without an
agency are listed under :data:`NO_AGENCY_CODE`.

Periods
-------
An incident falls in the period (``day``, ``week`` starting Monday, ``month``,
``quarter``, ``year``) containing its ``date``, the first day of its date-precision
interval. An incident whose interval runs past the end of that period (a month-precision
date in a ``day`` or ``week`` breakdown, a year-precision date by month...) is still
counted there, once, and counted in the group's ``imprecise_dates``: a chart can show
that part as "date known only to the month/year" instead of a spike on the 1st.

Fast path
---------
:class:`IncidentIndex` precomputes integer-coded areas, periods and agencies once, so that
re-filtering and re-aggregating is numpy masks and :func:`numpy.bincount`. It returns
exactly the same frame as :func:`aggregate` (tested and asserted in ``bench/``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas._libs.tslibs.nattype import NaTType

from geo import geodata, i18n
from geo.config import data_dir
from geo.filters import GEO_PRECISIONS, Filter
from geo.geodata import Level
from geo.i18n import _
from geo.incidents import COUNT_COLUMNS

Period = Literal["day", "week", "month", "quarter", "year"]
PERIODS: Final[tuple[Period, ...]] = ("day", "week", "month", "quarter", "year")

UNLOCATED_CODE: Final = "_unlocated"
"""Area code of the incidents whose place is not known to the requested level."""
OUTSIDE_CODE: Final = "_outside"
"""Area code (zone level) of the incidents known to lie in no zone."""
NO_AGENCY_CODE: Final = "_none"
"""Agency code of the incidents without any agency in a per-agency breakdown."""
UNDATED_PERIOD: Final = "_undated"
"""Period label of incidents without a date (should not happen in a valid store)."""

DEFAULT_RING_M: Final = 2000.0
"""Width in metres of the ring around a peace zone it is compared with (see
:func:`compare_peace_zones`): about a 25-minute walk, so the ring holds the neighbouring
barrios, not the next town."""

SUM_COLUMNS: Final = COUNT_COLUMNS
"""Counts summed per group: the incidents' victim counts (unknown as 0; see the module
docstring)."""

UNKNOWN_COLUMNS: Final = (
    "civilians_killed_unknown",
    "civilians_injured_unknown",
    "officers_killed_unknown",
    "officers_injured_unknown",
    "detained_unknown",
)
"""How many incidents of a group left each count unknown."""

_EXTRA_COLUMNS: Final = (
    "deaths_no_officer_casualties_min",
    "deaths_no_officer_casualties_max",
)
_FLAG_COLUMNS: Final = ("civilians_killed_at_least",)
_VALUE_COLUMNS: Final = (
    "incidents",
    *SUM_COLUMNS,
    *UNKNOWN_COLUMNS,
    *_EXTRA_COLUMNS,
    "civilians_killed_at_least",
)

TABLE_COLUMNS: Final = (
    "incidents",
    *SUM_COLUMNS,
    "civilians_killed_at_least",
    *UNKNOWN_COLUMNS,
    *_EXTRA_COLUMNS,
    "imprecise_dates",
)
"""Value columns of :func:`aggregate` (after the key columns ``area_code``, ``area_name``,
``[period, period_start]``, ``[agency]``)."""

_PRECISION_RANK: Final = {name: rank for rank, name in enumerate(GEO_PRECISIONS)}
_LEVEL_MAX_RANK: Final[dict[str, int]] = {"parish": 2, "municipality": 3, "state": 4}
_LEVEL_COLUMN: Final[dict[str, str]] = {
    "state": "state_code",
    "municipality": "muni_code",
    "parish": "parish_code",
}
_POINT_MAX_RANK: Final = 1  # point, barrio: the position is known well enough for zones


# ---------------------------------------------------------------------------- helpers
def _text_cells(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct cells (NA as ``""``) and each row's index into them."""
    codes, uniques = pd.factorize(column.fillna("").astype(str), use_na_sentinel=False)
    return np.asarray(uniques, dtype=object), np.asarray(codes, dtype=np.int64)


def _split_tokens(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Explode ``;``-separated cells: (row positions, tokens), rows ascending.

    Each distinct cell is split once (the columns repeat a few values a million times).
    """
    cells, codes = _text_cells(column)
    tokens_of = [[t.strip() for t in str(cell).split(";") if t.strip()] for cell in cells]
    lengths = np.array([len(tokens) for tokens in tokens_of], dtype=np.int64)
    per_row = lengths[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(codes), dtype=np.int64), per_row)
    flat_tokens = np.array([t for tokens in tokens_of for t in tokens], dtype=object)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    within = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    picked = flat_tokens[starts[codes[rows]] + within] if len(rows) else np.zeros(0, dtype=object)
    return rows, picked


def _precision_ranks(incidents: pd.DataFrame) -> np.ndarray:
    cells, codes = _text_cells(incidents["geo_precision"])
    ranks = np.array(
        [_PRECISION_RANK.get(str(c), len(GEO_PRECISIONS) - 1) for c in cells], dtype=np.int64
    )
    return ranks[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _count_array(incidents: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(values with unknown as 0, known mask) of a nullable count column."""
    if column not in incidents:
        n = len(incidents)
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    array = pd.Series(incidents[column]).astype("Int64").array
    known = ~np.asarray(array.isna(), dtype=bool)
    return np.asarray(array.to_numpy(dtype="int64", na_value=0)), known


def incident_values(incidents: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the per-incident int64 arrays summed by every table (one entry per column of
    the table except ``imprecise_dates``; see the module docstring for unknowns)."""
    killed_min, min_known = _count_array(incidents, "civilians_killed_min")
    killed_max, max_known = _count_array(incidents, "civilians_killed_max")
    values: dict[str, np.ndarray] = {"incidents": np.ones(len(incidents), dtype=np.int64)}
    values["civilians_killed_min"] = killed_min
    values["civilians_killed_max"] = np.where(max_known, killed_max, killed_min)
    knowns: dict[str, np.ndarray] = {}
    for column in SUM_COLUMNS[2:]:
        values[column], knowns[column] = _count_array(incidents, column)
    values["civilians_killed_unknown"] = (~min_known & ~max_known).astype(np.int64)
    for column in ("civilians_injured", "officers_killed", "officers_injured", "detained"):
        values[f"{column}_unknown"] = (~knowns[column]).astype(np.int64)
    no_officers_known = (
        knowns["officers_killed"]
        & knowns["officers_injured"]
        & (values["officers_killed"] == 0)
        & (values["officers_injured"] == 0)
    )
    officers_maybe_none = ~(knowns["officers_killed"] & (values["officers_killed"] > 0)) & ~(
        knowns["officers_injured"] & (values["officers_injured"] > 0)
    )
    deaths_maybe = (values["civilians_killed_max"] > 0) | ~max_known
    values["deaths_no_officer_casualties_min"] = ((killed_min > 0) & no_officers_known).astype(
        np.int64
    )
    values["deaths_no_officer_casualties_max"] = (deaths_maybe & officers_maybe_none).astype(
        np.int64
    )
    values["civilians_killed_at_least"] = (min_known & ~max_known).astype(np.int64)
    return values


# ---------------------------------------------------------------------------- areas
def _zone_frame(zones: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    return geodata.load_shipped_zones() if zones is None else zones


def area_names(level: Level, *, zones: gpd.GeoDataFrame | None = None) -> dict[str, str]:
    """Return area code → display name for a level, including the bucket labels."""
    if level == "zone":
        frame = _zone_frame(zones)
        names = dict(zip(frame["zone_id"].astype(str), frame["name"].astype(str), strict=True))
    else:
        layer = geodata.area_layer(level)
        names = dict(
            zip(layer["area_code"].astype(str), layer["area_name"].astype(str), strict=True)
        )
    names[UNLOCATED_CODE] = _("Unlocated at this level")
    names[OUTSIDE_CODE] = _("Outside any zone")
    return names


def area_membership(
    incidents: pd.DataFrame, *, level: Level, zones: gpd.GeoDataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return which area(s) of ``level`` each incident counts in.

    Returns
    -------
    rows, codes
        Parallel arrays: row positions in ``incidents`` (ascending) and area codes
        (object). At admin levels every row appears once; at the zone level once per zone
        it is in, or once with :data:`OUTSIDE_CODE` / :data:`UNLOCATED_CODE`. The rules
        are in the module docstring.
    """
    n = len(incidents)
    ranks = _precision_ranks(incidents)
    if level != "zone":
        cells, cell_codes = _text_cells(incidents[_LEVEL_COLUMN[level]])
        codes = cells[cell_codes] if n else np.zeros(0, dtype=object)
        located = (ranks <= _LEVEL_MAX_RANK[level]) & (codes != "")
        return np.arange(n, dtype=np.int64), np.where(located, codes, UNLOCATED_CODE)

    frame = _zone_frame(zones)
    user = frame.get("user_defined", pd.Series(False, index=frame.index)).fillna(False)
    user = user.astype(bool).to_numpy()
    known_ids = set(frame.loc[~user, "zone_id"].astype(str))
    token_rows, tokens = _split_tokens(incidents["zone_ids"])
    keep = np.fromiter((t in known_ids for t in tokens), dtype=bool, count=len(tokens))
    row_parts = [token_rows[keep]]
    code_parts = [tokens[keep]]
    if user.any() and n:
        pointlike = np.flatnonzero(ranks <= _POINT_MAX_RANK)
        geoms: np.ndarray = np.asarray(incidents.geometry.to_numpy())[pointlike]
        has_geom = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        candidates = pointlike[np.asarray(has_geom, dtype=bool)]
        if len(candidates):
            user_zones = frame[user]
            tree = shapely.STRtree(user_zones.geometry.to_numpy())
            hit_pos, zone_pos = tree.query(
                np.asarray(incidents.geometry.to_numpy())[candidates], predicate="covered_by"
            )
            row_parts.append(candidates[hit_pos])
            code_parts.append(user_zones["zone_id"].astype(str).to_numpy()[zone_pos])
    rows = np.concatenate(row_parts).astype(np.int64)
    codes = np.concatenate(code_parts).astype(object)
    # One row per (incident, zone), even if a zone id was listed twice.
    pairs = pd.DataFrame({"row": rows, "code": codes}).drop_duplicates()
    rows, codes = pairs["row"].to_numpy(dtype=np.int64), pairs["code"].to_numpy(dtype=object)
    in_some = np.zeros(n, dtype=bool)
    in_some[rows] = True
    missing = np.flatnonzero(~in_some)
    bucket = np.where(ranks[missing] <= _POINT_MAX_RANK, OUTSIDE_CODE, UNLOCATED_CODE)
    rows = np.concatenate([rows, missing])
    codes = np.concatenate([codes, bucket.astype(object)])
    order = np.lexsort((codes.astype(str), rows))
    return rows[order], codes[order]


def agency_membership(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return (row positions, agency codes): one entry per agency of each incident, and
    :data:`NO_AGENCY_CODE` for incidents without agencies."""
    rows, tokens = _split_tokens(incidents["agencies"])
    pairs = pd.DataFrame({"row": rows, "code": tokens}).drop_duplicates()
    rows, tokens = pairs["row"].to_numpy(dtype=np.int64), pairs["code"].to_numpy(dtype=object)
    has = np.zeros(len(incidents), dtype=bool)
    has[rows] = True
    missing = np.flatnonzero(~has)
    rows = np.concatenate([rows, missing])
    tokens = np.concatenate([tokens, np.full(len(missing), NO_AGENCY_CODE, dtype=object)])
    order = np.lexsort((tokens.astype(str), rows))
    return rows[order], tokens[order]


# ---------------------------------------------------------------------------- periods
def _days(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01, has-a-date mask) of a datetime column."""
    values = pd.to_datetime(column).to_numpy().astype("datetime64[D]")
    dated = ~np.isnat(values)
    days = np.where(dated, values.astype(np.int64), 0)
    return days, dated


def period_keys(
    date_start: pd.Series, date_end: pd.Series, period: Period
) -> tuple[np.ndarray, np.ndarray]:
    """Return each incident's period label and "imprecise" flag.

    Labels: ``2015-07-13`` (day, week: its Monday), ``2015-07`` (month), ``2015-Q3``
    (quarter), ``2015`` (year); :data:`UNDATED_PERIOD` without a date. ``imprecise`` is
    true when the incident's date interval ends after the period does.
    """
    if period not in PERIODS:
        raise ValueError(
            _("unknown period {period!r} (use {allowed})").format(
                period=period, allowed=", ".join(PERIODS)
            )
        )
    start, dated = _days(date_start)
    end, _end_dated = _days(date_end)
    end = np.where(_end_dated, end, start)
    day = start.astype("datetime64[D]")
    if period == "day":
        first, nxt = day, day + 1
    elif period == "week":
        first = day - ((start + 3) % 7)  # 1970-01-01 was a Thursday; weeks start Monday
        nxt = first + 7
    elif period == "month":
        months = day.astype("datetime64[M]")
        first, nxt = months.astype("datetime64[D]"), (months + 1).astype("datetime64[D]")
    elif period == "quarter":
        months = day.astype("datetime64[M]").astype(np.int64)
        quarter_month = (months // 3 * 3).astype("datetime64[M]")
        first, nxt = (
            quarter_month.astype("datetime64[D]"),
            (quarter_month + 3).astype("datetime64[D]"),
        )
    else:
        years = day.astype("datetime64[Y]")
        first, nxt = years.astype("datetime64[D]"), (years + 1).astype("datetime64[D]")
    imprecise = dated & (end >= nxt.astype(np.int64))
    uniques, inverse = np.unique(first.astype(np.int64), return_inverse=True)
    unique_days = uniques.astype("datetime64[D]")
    labels = np.array([_period_label(d, period) for d in unique_days.tolist()], dtype=object)
    out_labels = labels[inverse] if len(inverse) else np.zeros(0, dtype=object)
    out_labels = np.where(dated, out_labels, UNDATED_PERIOD)
    return out_labels, imprecise


def period_start(label: str, period: Period) -> pd.Timestamp | NaTType:
    """Return the first day of a period label of :func:`period_keys` (NaT when undated)."""
    if label == UNDATED_PERIOD:
        return pd.NaT
    if period == "month":
        return pd.Timestamp(f"{label}-01")
    if period == "quarter":
        year, quarter = label.split("-Q")
        return pd.Timestamp(year=int(year), month=3 * int(quarter) - 2, day=1)
    if period == "year":
        return pd.Timestamp(year=int(label), month=1, day=1)
    return pd.Timestamp(label)


def _period_label(day: date, period: Period) -> str:
    if period in ("day", "week"):
        return day.isoformat()
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


# ---------------------------------------------------------------------------- tables
def _finish(
    groups: Mapping[str, np.ndarray],
    *,
    names: Mapping[str, str],
    period: Period | None,
    by_agency: bool,
) -> pd.DataFrame:
    """Turn grouped sums (key and value arrays, one entry per group) into the public table
    layout, sorted: real areas by code, then the buckets; then by period and agency."""
    codes = np.asarray(groups["area_code"]).astype(str)
    key_arrays = [codes]
    if period is not None:
        key_arrays.append(np.asarray(groups["period"]).astype(str))
    if by_agency:
        key_arrays.append(np.asarray(groups["agency"]).astype(str))
    bucket = np.char.startswith(codes, "_") if len(codes) else np.zeros(0, dtype=bool)
    order = np.lexsort([*reversed(key_arrays), bucket])
    data: dict[str, object] = {
        "area_code": pd.array(codes[order], dtype="str"),
        "area_name": pd.array([names.get(c, c) for c in codes[order]], dtype="str"),
    }
    if period is not None:
        labels = key_arrays[1][order]
        firsts = {label: period_start(label, period) for label in set(labels.tolist())}
        data["period"] = pd.array(labels, dtype="str")
        data["period_start"] = pd.Series(
            [firsts[label] for label in labels], dtype="datetime64[ns]"
        ).to_numpy()
    if by_agency:
        data["agency"] = pd.array(key_arrays[-1][order], dtype="str")
    for column in TABLE_COLUMNS:
        values = np.asarray(groups[column], dtype=np.int64)[order]
        data[column] = values > 0 if column in _FLAG_COLUMNS else values
    return pd.DataFrame(data)


def _check_level(level: str, period: str | None) -> None:
    if level not in geodata.LEVELS:
        raise ValueError(
            _("unknown level {level!r} (use {allowed})").format(
                level=level, allowed=", ".join(geodata.LEVELS)
            )
        )
    if period is not None and period not in PERIODS:
        raise ValueError(
            _("unknown period {period!r} (use {allowed})").format(
                period=period, allowed=", ".join(PERIODS)
            )
        )


def aggregate_membership(
    incidents: pd.DataFrame,
    rows: np.ndarray,
    codes: np.ndarray,
    *,
    level: Level,
    period: Period | None = None,
    by_agency: bool = False,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Group incidents by a given area membership (pandas ``groupby``).

    The building block of :func:`aggregate`; the benchmark's naive baseline feeds it a
    membership found by a GeoPandas spatial join instead of the ingest codes.
    """
    values = incident_values(incidents)
    data = {"area_code": codes.astype(str), **{c: v[rows] for c, v in values.items()}}
    frame = pd.DataFrame(data)
    frame["_row"] = rows
    keys = ["area_code"]
    if period is not None:
        labels, imprecise = period_keys(incidents["date"], incidents["date_end"], period)
        frame["period"] = labels[rows].astype(str)
        frame["imprecise_dates"] = imprecise[rows].astype(np.int64)
        keys.append("period")
    else:
        frame["imprecise_dates"] = 0
    if by_agency:
        agency_rows, agencies = agency_membership(incidents)
        pairs = pd.DataFrame({"_row": agency_rows, "agency": agencies.astype(str)})
        frame = frame.merge(pairs, on="_row", how="inner")
        keys.append("agency")
    if frame.empty:
        groups = {k: np.zeros(0, dtype=object) for k in keys}
        groups.update({c: np.zeros(0, dtype=np.int64) for c in TABLE_COLUMNS})
    else:
        sums = frame.drop(columns=["_row", "civilians_killed_at_least"]).groupby(keys).sum()
        flags = frame.groupby(keys)["civilians_killed_at_least"].max()
        table = sums.join(flags).reset_index()
        groups = {c: table[c].to_numpy() for c in table.columns}
    return _finish(groups, names=area_names(level, zones=zones), period=period, by_agency=by_agency)


def _aggregate_with(
    membership: Callable[..., tuple[np.ndarray, np.ndarray]],
    incidents: pd.DataFrame,
    *,
    level: Level,
    period: Period | None,
    by_agency: bool,
    flt: Filter | None,
    zones: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Check the options, filter, find each incident's areas with ``membership`` (called
    as ``membership(incidents, level=..., zones=...)``) and group."""
    _check_level(level, period)
    if flt is not None:
        incidents = incidents[flt.mask(incidents)]
    incidents = incidents.reset_index(drop=True)
    rows, codes = membership(incidents, level=level, zones=zones)
    return aggregate_membership(
        incidents, rows, codes, level=level, period=period, by_agency=by_agency, zones=zones
    )


def aggregate(
    incidents: pd.DataFrame,
    *,
    level: Level,
    period: Period | None = None,
    by_agency: bool = False,
    flt: Filter | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Count incidents and victims per area of ``level`` (× period × agency).

    Parameters
    ----------
    incidents
        Canonical incident frame (:mod:`geo.incidents`).
    level
        ``state``, ``municipality``, ``parish`` or ``zone``.
    period
        ``None`` (whole filter window) or ``day``/``week``/``month``/``quarter``/``year``
        (by the incident's ``date``; see the module docstring).
    by_agency
        One row per agency: a multi-agency incident counts once per agency.
    flt
        Optional filter applied first (``flt.mask``).
    zones
        Zone frame for ``level="zone"`` (:data:`geo.geodata.ZONE_COLUMNS`; default: the
        shipped zones). Zones with ``user_defined`` true are joined spatially.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, [``period``, ``period_start``], [``agency``], then
        :data:`TABLE_COLUMNS` (int64; ``civilians_killed_at_least`` bool). Only areas with
        at least one incident appear; buckets (:data:`UNLOCATED_CODE`,
        :data:`OUTSIDE_CODE`) come last.

    Examples
    --------
    >>> table = aggregate(incidents, level="state", period="month")  # doctest: +SKIP
    """
    return _aggregate_with(
        area_membership,
        incidents,
        level=level,
        period=period,
        by_agency=by_agency,
        flt=flt,
        zones=zones,
    )


def aggregate_store(
    store: object,
    *,
    level: Level,
    period: Period | None = None,
    by_agency: bool = False,
    flt: Filter | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Aggregate a store's incidents: :func:`aggregate`, pushed into the engine when it can.

    A store with an ``aggregate`` method of the same signature (PostGIS: ``GROUP BY`` on the
    codes resolved at ingest) computes the table itself; any other store is read with the
    filter and aggregated here. Both give the same table.
    """
    pushed_down = getattr(store, "aggregate", None)
    if callable(pushed_down):
        table: pd.DataFrame = pushed_down(
            level=level, period=period, by_agency=by_agency, flt=flt, zones=zones
        )
        return table
    # only user zones are joined spatially: other levels need no geometry (faster read)
    incidents = store.read_incidents(flt, geometry=level == "zone")  # type: ignore[attr-defined]
    return aggregate(incidents, level=level, period=period, by_agency=by_agency, zones=zones)


def _first_covering(
    points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, columns: list[str]
) -> pd.DataFrame:
    """Spatial join keeping, per point, the first polygon (layer order) covering it."""
    joined = gpd.sjoin(
        points, polygons[[*columns, "geometry"]], how="inner", predicate="intersects"
    )
    joined = joined.sort_values(["row", "index_right"], kind="stable")
    return pd.DataFrame(joined.drop_duplicates("row")[["row", *columns]])


def spatial_join_membership(
    incidents: pd.DataFrame, *, level: Level, zones: gpd.GeoDataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The naive baseline of :func:`area_membership`: GeoPandas spatial joins of the drawn
    points to the polygons (parish, falling back to municipality and state, as ingest
    does), ignoring the codes resolved at ingest. Same precision rules; coarse incidents
    at the zone level keep their ingest ``zone_ids`` (there is no point to join)."""
    n = len(incidents)
    ranks = _precision_ranks(incidents)
    geoms = np.asarray(incidents.geometry.to_numpy())
    has_geom = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if n else np.zeros(0, bool)
    if level != "zone":
        chosen = np.flatnonzero(has_geom & (ranks <= _LEVEL_MAX_RANK[level]))
        points = gpd.GeoDataFrame({"row": chosen}, geometry=geoms[chosen], crs=geodata.CRS)
        column = _LEVEL_COLUMN[level]
        found = _first_covering(
            points, geodata.load_parishes(), ["parish_code", "muni_code", "state_code"]
        )
        rest = points[~points["row"].isin(found["row"])]
        munis = _first_covering(rest, geodata.load_municipalities(), ["muni_code", "state_code"])
        rest = rest[~rest["row"].isin(munis["row"])]
        states = _first_covering(rest, geodata.load_states(), ["state_code"])
        hits = pd.concat([found, munis, states]).fillna("")
        codes = np.full(n, UNLOCATED_CODE, dtype=object)
        if column in hits:
            values = hits[column].astype(str).to_numpy(dtype=object)
            codes[hits["row"].to_numpy(dtype=np.int64)] = np.where(
                values != "", values, UNLOCATED_CODE
            )
        return np.arange(n, dtype=np.int64), codes
    frame = _zone_frame(zones)
    pointlike = np.flatnonzero(has_geom & (ranks <= _POINT_MAX_RANK))
    points = gpd.GeoDataFrame({"row": pointlike}, geometry=geoms[pointlike], crs=geodata.CRS)
    joined = gpd.sjoin(points, frame[["zone_id", "geometry"]], predicate="intersects")
    coarse = np.ones(n, dtype=bool)
    coarse[pointlike] = False
    token_rows, tokens = _split_tokens(incidents["zone_ids"])
    user = frame.get("user_defined", pd.Series(False, index=frame.index)).fillna(False)
    shipped = set(frame.loc[~user.astype(bool), "zone_id"].astype(str))
    keep = coarse[token_rows] & np.fromiter(
        (t in shipped for t in tokens), dtype=bool, count=len(tokens)
    )
    rows = np.concatenate([joined["row"].to_numpy(dtype=np.int64), token_rows[keep]])
    codes = np.concatenate([joined["zone_id"].astype(str).to_numpy(dtype=object), tokens[keep]])
    in_some = np.zeros(n, dtype=bool)
    in_some[rows] = True
    missing = np.flatnonzero(~in_some)
    bucket = np.where(ranks[missing] <= _POINT_MAX_RANK, OUTSIDE_CODE, UNLOCATED_CODE)
    return np.concatenate([rows, missing]), np.concatenate([codes, bucket.astype(object)])


def aggregate_by_spatial_join(
    incidents: pd.DataFrame,
    *,
    level: Level,
    period: Period | None = None,
    by_agency: bool = False,
    flt: Filter | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Naive baseline of :func:`aggregate`: filter, spatially join every point to the
    level's polygons (:func:`spatial_join_membership`), group with pandas. Slow on
    purpose (what the benchmark compares :class:`IncidentIndex` with); the answer is the
    same as :func:`aggregate` when the ingest codes came from the same polygons."""
    return _aggregate_with(
        spatial_join_membership,
        incidents,
        level=level,
        period=period,
        by_agency=by_agency,
        flt=flt,
        zones=zones,
    )


def totals(incidents: pd.DataFrame, *, flt: Filter | None = None) -> dict[str, int | bool]:
    """Return the headline numbers: each incident counted exactly once.

    Keys: ``incidents``, the :data:`SUM_COLUMNS`, ``civilians_killed_at_least`` (bool),
    the :data:`UNKNOWN_COLUMNS` and ``deaths_no_officer_casualties_min``/``_max``.
    """
    if flt is not None:
        incidents = incidents[flt.mask(incidents)]
    values = incident_values(incidents)
    out: dict[str, int | bool] = {c: int(values[c].sum()) for c in _VALUE_COLUMNS}
    out["civilians_killed_at_least"] = bool(values["civilians_killed_at_least"].any())
    return out


# ---------------------------------------------------------------------------- indicators
def format_range(low: int, high: int, *, at_least: bool = False, lang: str | None = None) -> str:
    """Return ``"14"``, ``"14–16"``, or with an open-ended maximum ``"14+"`` / ``"14–16+"``.

    The compact form of :func:`geo.i18n.format_range`, numbers formatted for ``lang``
    (the active language when ``None``): ``"1.234–1.500+"`` (es) / ``"1,234–1,500+"`` (en).
    """
    text = i18n.format_range(low, high, lang=lang, compact=True)
    return text + "+" if at_least else text


def _ratio(
    num_min: np.ndarray, num_max: np.ndarray, den: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    zero = den == 0
    safe = np.where(zero, 1, den).astype(float)
    low = np.where(zero, np.nan, num_min / safe)
    high = np.where(zero, np.nan, num_max / safe)
    return low, high, zero


def indicators(table: pd.DataFrame) -> pd.DataFrame:
    """Add the lethal-force indicators to an :func:`aggregate` table (or one of totals).

    For each row (an area, period, agency...), after Chevigny, Cano and the Monitor del
    Uso de la Fuerza Letal:

    ``killed_per_officer_killed_min``/``_max``
        civilians killed ÷ officers killed; ``killed_per_officer_killed_text`` shows the
        counts (``"15 : 0"``, ``"14–16 : 1"``).
    ``lethality_index_min``/``_max``
        civilians killed ÷ civilians injured (``lethality_index_text``).
    ``killed_per_incident_min``/``_max``
        mean civilians killed per incident.
    ``share_deaths_no_officer_casualties_min``/``_max``
        share of incidents with civilian deaths and no officer killed or injured: the
        minimum counts only incidents with known deaths and officer counts known to be
        zero; the maximum also those where either is unknown.

    A ratio with a zero denominator is never computed: its value is NaN, its
    ``<name>_zero_denominator`` flag is true, and its text still shows both counts.
    Killed-minimum ratios use ``civilians_killed_min``, maximum ones
    ``civilians_killed_max`` (open-ended when ``civilians_killed_at_least``).
    """
    out = table.copy()
    kmin = out["civilians_killed_min"].to_numpy(dtype=np.int64)
    kmax = out["civilians_killed_max"].to_numpy(dtype=np.int64)
    at_least = out["civilians_killed_at_least"].to_numpy(dtype=bool)
    killed_text = [
        format_range(a, b, at_least=c) for a, b, c in zip(kmin, kmax, at_least, strict=True)
    ]
    for name, column in (
        ("killed_per_officer_killed", "officers_killed"),
        ("lethality_index", "civilians_injured"),
    ):
        den = out[column].to_numpy(dtype=np.int64)
        low, high, zero = _ratio(kmin, kmax, den)
        out[f"{name}_min"], out[f"{name}_max"], out[f"{name}_zero_denominator"] = low, high, zero
        out[f"{name}_text"] = [
            f"{k} : {i18n.format_number(d)}" for k, d in zip(killed_text, den, strict=True)
        ]
    incidents = out["incidents"].to_numpy(dtype=np.int64)
    low, high, _zero = _ratio(kmin, kmax, incidents)
    out["killed_per_incident_min"], out["killed_per_incident_max"] = low, high
    low, high, _zero = _ratio(
        out["deaths_no_officer_casualties_min"].to_numpy(dtype=np.int64),
        out["deaths_no_officer_casualties_max"].to_numpy(dtype=np.int64),
        incidents,
    )
    out["share_deaths_no_officer_casualties_min"] = low
    out["share_deaths_no_officer_casualties_max"] = high
    return out


# ---------------------------------------------------------------------------- homicides
HOMICIDE_COLUMNS: Final = ("scope_code", "year", "homicides_min", "homicides_max", "source")
"""Columns of a homicide-totals table for :func:`homicide_share`. ``scope_code`` is an ISO
3166-2 state code or ``VE`` for the whole country."""
NATIONAL_SCOPE: Final = "VE"
_HOMICIDE_FILE_COLUMNS: Final = ("row_id", "year", "scope", "metric", "value_min", "value_max",
                                 "source_publisher")  # fmt: skip


def _homicide_rows(path: str | Path | BinaryIO | None) -> tuple[pd.DataFrame, str]:
    """The usable ``homicides`` rows of a totals file, and the file's name for messages."""
    if path is None:
        path = data_dir() / "context" / "homicides.csv"
    name = Path(path).name if isinstance(path, str | Path) else getattr(path, "name", "upload")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _HOMICIDE_FILE_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(
            _("{file}: missing columns {columns} (see data/context/homicides.csv)").format(
                file=name, columns=", ".join(missing)
            )
        )
    rows = raw[(raw["metric"] == "homicides") & (raw["value_max"].str.strip() != "")]
    return rows, str(name)


def homicide_publishers(path: str | Path | BinaryIO | None = None) -> list[str]:
    """Return the publishers of the usable homicide totals in a totals file, sorted.

    One of them is what :func:`load_homicide_totals` takes as ``publisher``, so that a
    share is never computed against totals from several sources.
    """
    rows, _name = _homicide_rows(path)
    return sorted({p.strip() for p in rows["source_publisher"] if p.strip()})


def load_homicide_totals(
    path: str | Path | BinaryIO | None = None, *, publisher: str | None = None
) -> pd.DataFrame:
    """Read homicide totals from a file shaped like ``data/context/homicides.csv``.

    Keeps ``metric == "homicides"`` rows with a ``value_max`` (rows without one are lower
    bounds, "al menos", and not for ratios, as the file's README says); ``publisher``
    keeps only the rows of that publisher (case-insensitive; exactly that name when it is
    one, such as one from :func:`homicide_publishers`, else any name containing the
    text), so that one source is used at a time. State names are resolved to ISO codes,
    ``national`` to :data:`NATIONAL_SCOPE`. ``path`` may also be an open binary file
    (an upload); the shipped ``data/context/homicides.csv`` when ``None``.

    Returns
    -------
    pandas.DataFrame
        :data:`HOMICIDE_COLUMNS` (``source``: publisher and row id).

    Raises
    ------
    ValueError
        If a scope is not a known state name.
    """
    from geo.gazetteer import default_gazetteer

    rows, name = _homicide_rows(path)
    if publisher:
        named = rows["source_publisher"].str.strip().str.casefold()
        exact = named == publisher.strip().casefold()
        rows = rows[exact if exact.any() else named.str.contains(publisher.casefold(), regex=False)]
    gazetteer = default_gazetteer()
    scopes = []
    for line, scope in zip(rows.index, rows["scope"], strict=True):
        code = (
            NATIONAL_SCOPE
            if scope.strip().lower() == "national"
            else gazetteer.resolve_state(scope)
        )
        if code is None:
            raise ValueError(
                _("{file}, row {row}, column scope: unknown state {scope!r}").format(
                    file=name, row=line + 2, scope=scope
                )
            )
        scopes.append(code)
    return pd.DataFrame(
        {
            "scope_code": scopes,
            "year": rows["year"].astype(int).to_numpy(),
            "homicides_min": rows["value_min"].astype(int).to_numpy(),
            "homicides_max": rows["value_max"].astype(int).to_numpy(),
            "source": (rows["source_publisher"] + " (" + rows["row_id"] + ")").to_numpy(),
        }
    )


def homicide_share(incidents: pd.DataFrame, homicides: pd.DataFrame) -> pd.DataFrame:
    """Share of homicides caused by security forces, per scope and year supplied.

    The numerator is the civilians killed in ``incidents`` (state or whole country) whose
    whole date interval lies in the year; the denominator the user-supplied homicide total
    for that scope and year (one source per scope and year: never mixed).
    ``share_min = killed_min / homicides_max``, ``share_max = killed_max /
    homicides_min`` (open-ended when ``civilians_killed_at_least``). With no homicide
    rows the result is empty: the indicator is absent, not zero.

    Raises
    ------
    ValueError
        If a scope/year has several rows (pick one source, e.g. with
        ``load_homicide_totals(publisher=...)``) or a total is not positive.
    """
    columns = [*HOMICIDE_COLUMNS, "civilians_killed_min", "civilians_killed_max",
               "civilians_killed_at_least", "share_min", "share_max"]  # fmt: skip
    if homicides.empty:
        return pd.DataFrame(columns=columns)
    duplicated = homicides.duplicated(["scope_code", "year"], keep=False)
    if duplicated.any():
        first = homicides[duplicated].iloc[0]
        sources = "; ".join(
            homicides.loc[
                duplicated
                & (homicides["scope_code"] == first["scope_code"])
                & (homicides["year"] == first["year"]),
                "source",
            ].astype(str)
        )
        raise ValueError(
            _("homicide totals for {scope} {year} come from several sources ({sources}); "
              "keep one so that sources are not mixed").format(
                scope=first["scope_code"], year=first["year"], sources=sources)
        )  # fmt: skip
    if (homicides["homicides_min"] <= 0).any():
        raise ValueError(_("homicide totals must be positive"))
    start = pd.to_datetime(incidents["date"])
    end = pd.to_datetime(incidents["date_end"])
    values = incident_values(incidents)
    state = incidents["state_code"].fillna("").astype(str).to_numpy()
    records = []
    for row in homicides.to_dict("records"):
        year = int(row["year"])
        inside = ((start.dt.year == year) & (end.dt.year == year)).to_numpy(dtype=bool)
        if row["scope_code"] != NATIONAL_SCOPE:
            inside = inside & (state == row["scope_code"])
        kmin = int(values["civilians_killed_min"][inside].sum())
        kmax = int(values["civilians_killed_max"][inside].sum())
        records.append(
            {
                **{c: row[c] for c in HOMICIDE_COLUMNS},
                "civilians_killed_min": kmin,
                "civilians_killed_max": kmax,
                "civilians_killed_at_least": bool(
                    values["civilians_killed_at_least"][inside].any()
                ),
                "share_min": kmin / row["homicides_max"],
                "share_max": kmax / row["homicides_min"],
            }
        )
    return pd.DataFrame(records, columns=columns)


# ---------------------------------------------------------------------------- peace zones
def _phase(start: np.ndarray, end: np.ndarray, since: date | None) -> dict[str, np.ndarray]:
    everything = np.ones(len(start), dtype=bool)
    if since is None:
        return {"all": everything}
    day = np.datetime64(since, "D").astype(np.int64)
    before = end < day
    after = start >= day
    return {"all": everything, "before": before, "after": after, "straddling": ~before & ~after}


def _parse_since(text: object) -> date | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


PEACE_ZONE_COLUMNS: Final = (
    "zone_id",
    "zone_name",
    "peace_zone_since",
    "ring_m",
    "place",
    "phase",
    "incidents",
    "civilians_killed_min",
    "civilians_killed_max",
    "civilians_killed_at_least",
    "civilians_injured",
    "officers_killed",
    "officers_injured",
    "detained",
)


def peace_zone_ring(zone: shapely.Geometry, ring_m: float = DEFAULT_RING_M) -> shapely.Geometry:
    """Return the ring around a zone: the zone buffered by ``ring_m`` metres (in its local
    UTM zone, see :func:`geo.geodata.buffer_in_metres`) minus the zone, EPSG:4326."""
    return shapely.difference(geodata.buffer_in_metres(zone, ring_m), zone)


def compare_peace_zones(
    incidents: pd.DataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    ring_m: float = DEFAULT_RING_M,
) -> pd.DataFrame:
    """Compare each peace zone with its surroundings, before and after designation.

    For every zone whose roles include ``peace_zone``:

    * ``place="inside"``: the incidents in the zone (the zone-level rules of
      :func:`area_membership`);
    * ``place="ring"``: the incidents within ``ring_m`` metres around it
      (:func:`peace_zone_ring`), only those located to a point or a barrio (a coarser
      place cannot be put in a ring);
    * ``phase``: ``all``; and when ``peace_zone_since`` is known, ``before`` (the whole
      date interval ends before that day), ``after`` (starts on or after it) and
      ``straddling`` (an imprecise date spanning it).

    Returns
    -------
    pandas.DataFrame
        One row per zone × place × phase, :data:`PEACE_ZONE_COLUMNS`.
    """
    frame = _zone_frame(zones)
    peace = geodata.zones_with_role(frame, "peace_zone")
    incidents = incidents.reset_index(drop=True)
    rows, codes = area_membership(incidents, level="zone", zones=frame)
    values = incident_values(incidents)
    start, _dated = _days(incidents["date"])
    end, end_dated = _days(incidents["date_end"])
    end = np.where(end_dated, end, start)
    ranks = _precision_ranks(incidents)
    geoms = np.asarray(incidents.geometry.to_numpy()) if len(incidents) else np.zeros(0, object)
    pointlike = ranks <= _POINT_MAX_RANK
    if len(geoms):
        pointlike &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    records = []
    for zone in peace.itertuples():
        inside = np.zeros(len(incidents), dtype=bool)
        inside[rows[codes == zone.zone_id]] = True
        ring = np.zeros(len(incidents), dtype=bool)
        if pointlike.any():
            ring_shape = peace_zone_ring(zone.geometry, ring_m)
            ring[pointlike] = shapely.covers(ring_shape, geoms[pointlike])
            ring &= ~inside
        since = _parse_since(getattr(zone, "peace_zone_since", ""))
        for place, selected in (("inside", inside), ("ring", ring)):
            for phase, when in _phase(start, end, since).items():
                chosen = selected & when
                records.append(
                    {
                        "zone_id": zone.zone_id,
                        "zone_name": zone.name,
                        "peace_zone_since": since.isoformat() if since else "",
                        "ring_m": float(ring_m),
                        "place": place,
                        "phase": phase,
                        **{
                            c: int(values[c][chosen].sum())
                            for c in PEACE_ZONE_COLUMNS[6:]
                            if c != "civilians_killed_at_least"
                        },
                        "civilians_killed_at_least": bool(
                            values["civilians_killed_at_least"][chosen].any()
                        ),
                    }
                )
    return pd.DataFrame(records, columns=list(PEACE_ZONE_COLUMNS))


# ---------------------------------------------------------------------------- fast path
_FILTER_COLUMNS: Final = (
    "agencies",
    "operation_family",
    "state_code",
    "muni_code",
    "zone_ids",
    "confidence",
    "geo_precision",
)


@dataclass
class _Membership:
    rows: np.ndarray
    keys: np.ndarray  # int index into codes
    codes: np.ndarray  # object


def _encode(rows: np.ndarray, codes: np.ndarray) -> _Membership:
    uniques, inverse = np.unique(codes.astype(str), return_inverse=True)
    return _Membership(rows, inverse.astype(np.int64), uniques.astype(object))


def _cross(
    n: int, a_rows: np.ndarray, a_keys: np.ndarray, b_rows: np.ndarray, b_keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (row, a_key, b_key) with both memberships on the same row (rows ascending)."""
    b_order = np.argsort(b_rows, kind="stable")
    b_rows, b_keys = b_rows[b_order], b_keys[b_order]
    b_count = np.bincount(b_rows, minlength=n)
    b_start = np.cumsum(b_count) - b_count
    repeat = b_count[a_rows]
    rows = np.repeat(a_rows, repeat)
    out_a = np.repeat(a_keys, repeat)
    within = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    out_b = b_keys[np.repeat(b_start[a_rows], repeat) + within]
    return rows, out_a, out_b


def _group_ids(
    parts: list[tuple[np.ndarray, np.ndarray]], selected: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Dense group id per membership entry (``n_groups`` for entries not selected) and
    the combined key of each group (ascending)."""
    combined = np.zeros(len(selected), dtype=np.int64)
    space = 1
    for keys, labels in parts:
        combined = combined * len(labels) + keys
        space *= max(len(labels), 1)
    if space <= 4 * max(len(selected), 1_000_000):
        combined = np.where(selected, combined, space)
        present = np.flatnonzero(np.bincount(combined, minlength=space + 1)[:space])
        lookup = np.full(space + 1, len(present), dtype=np.int64)
        lookup[present] = np.arange(len(present))
        return lookup[combined], present.astype(np.int64)
    present, group = np.unique(combined[selected], return_inverse=True)
    full = np.full(len(selected), len(present), dtype=np.int64)
    full[selected] = group
    return full, present.astype(np.int64)


def _group_sum(group: np.ndarray, weights: np.ndarray | None, n_groups: int) -> np.ndarray:
    """Exact int64 sums of ``weights`` (``None``: count entries) per group; the entries of
    group ``n_groups`` (not selected) are dropped."""
    sums = np.bincount(group, weights=weights, minlength=n_groups + 1)[:n_groups]
    return np.rint(sums).astype(np.int64) if weights is not None else sums.astype(np.int64)


_LANE_BITS: Final = 52  # float64 holds every integer below 2**53 exactly


@dataclass(frozen=True)
class _Lanes:
    """Several non-negative int columns packed into float64 "lanes" so that one
    :func:`numpy.bincount` sums many columns at once, exactly: each column gets enough
    bits for its largest possible sum (its total times the largest number of membership
    entries of one incident), and a lane never exceeds 52 bits."""

    arrays: tuple[np.ndarray, ...]
    layout: tuple[tuple[str, int, int, int], ...]  # column, lane, bit offset, bits

    @classmethod
    def pack(cls, values: Mapping[str, np.ndarray], *, multiplicity: int) -> _Lanes:
        layout: list[tuple[str, int, int, int]] = []
        lane_used: list[int] = []
        for column, array in values.items():
            bits = max(int(array.sum()) * max(multiplicity, 1), 1).bit_length()
            if bits > _LANE_BITS:
                raise OverflowError(column)
            lane = next((i for i, used in enumerate(lane_used) if used + bits <= _LANE_BITS), None)
            if lane is None:
                lane_used.append(0)
                lane = len(lane_used) - 1
            layout.append((column, lane, lane_used[lane], bits))
            lane_used[lane] += bits
        n = len(next(iter(values.values()))) if values else 0
        packed = [np.zeros(n, dtype=np.int64) for _ in lane_used]
        for column, lane, offset, _bits in layout:
            packed[lane] += values[column].astype(np.int64) << offset
        return cls(tuple(a.astype(np.float64) for a in packed), tuple(layout))

    def sums(
        self, group: np.ndarray, n_groups: int, rows: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """Per-group sums of every packed column (entries of group ``n_groups`` dropped)."""
        totals = [
            np.rint(
                np.bincount(
                    group, weights=lane if rows is None else lane[rows], minlength=n_groups + 1
                )[:n_groups]
            ).astype(np.int64)
            for lane in self.arrays
        ]
        return {
            column: (totals[lane] >> offset) & ((1 << bits) - 1)
            for column, lane, offset, bits in self.layout
        }


@dataclass
class IncidentIndex:
    """A precomputed, integer-coded copy of an incident frame for fast re-aggregation.

    Build once per store version (``IncidentIndex.from_frame(store.read_incidents())``);
    then :meth:`aggregate` and :meth:`totals` take a :class:`~geo.filters.Filter` and
    answer with numpy masks and :func:`numpy.bincount`, returning exactly what
    :func:`aggregate` returns on the filtered frame.
    """

    filter_frame: pd.DataFrame
    zones: gpd.GeoDataFrame | None
    areas: dict[str, _Membership]
    agencies: _Membership
    dates: pd.DataFrame
    names: dict[str, dict[str, str]]
    lanes: _Lanes
    _periods: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    _crossed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def from_frame(
        cls, incidents: pd.DataFrame, *, zones: gpd.GeoDataFrame | None = None
    ) -> IncidentIndex:
        """Index a canonical incident frame (all levels; periods are coded on first use)."""
        incidents = incidents.reset_index(drop=True)
        filter_frame = pd.DataFrame(
            {
                "date": pd.to_datetime(incidents["date"]),
                "date_end": pd.to_datetime(incidents["date_end"]),
                **{
                    c: incidents[c].fillna("").astype(str).astype("category")
                    for c in _FILTER_COLUMNS
                },
            }
        )
        values = incident_values(incidents)
        areas: dict[str, _Membership] = {
            level: _encode(*area_membership(incidents, level=level, zones=zones))
            for level in geodata.LEVELS
        }
        agencies = _encode(*agency_membership(incidents))
        multiplicity = _max_entries(areas["zone"].rows, len(incidents)) * _max_entries(
            agencies.rows, len(incidents)
        )
        return cls(
            filter_frame=filter_frame,
            zones=zones,
            areas=areas,
            agencies=agencies,
            dates=incidents[["date", "date_end"]].copy(),
            names={level: area_names(level, zones=zones) for level in geodata.LEVELS},
            lanes=_Lanes.pack(
                {c: v for c, v in values.items() if c != "incidents" and v.any()},
                multiplicity=multiplicity,
            ),
        )

    def __len__(self) -> int:
        return len(self.filter_frame)

    def mask(self, flt: Filter | None) -> np.ndarray:
        """Boolean selection of ``flt`` (``Filter.mask`` on the categorical columns)."""
        if flt is None:
            return np.ones(len(self), dtype=bool)
        return flt.mask(self.filter_frame)

    def _period(self, period: Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(period index per incident, period labels, imprecise flag per incident)."""
        if period not in self._periods:
            labels, imprecise = period_keys(self.dates["date"], self.dates["date_end"], period)
            uniques, inverse = np.unique(labels.astype(str), return_inverse=True)
            self._periods[period] = (
                inverse.astype(np.int64),
                uniques.astype(object),
                imprecise.astype(np.int64),
            )
        return self._periods[period]

    def _keys(
        self, *, level: Level, period: Period | None, by_agency: bool
    ) -> tuple[np.ndarray | None, list[tuple[np.ndarray, np.ndarray]], np.ndarray | None]:
        """Membership rows (``None``: one entry per incident, in order), the (key index,
        key labels) of each dimension per entry, and the imprecise-date flag per entry."""
        area = self.areas[level]
        rows: np.ndarray | None = area.rows
        area_keys = area.keys
        agency_keys = np.zeros(0, dtype=np.int64)
        if by_agency:
            if level not in self._crossed:
                self._crossed[level] = _cross(
                    len(self), area.rows, area.keys, self.agencies.rows, self.agencies.keys
                )
            rows, area_keys, agency_keys = self._crossed[level]
        elif level != "zone":
            rows = None  # admin levels: entry i is incident i
        parts = [(area_keys, area.codes)]
        imprecise = None
        if period is not None:
            period_index, labels, period_imprecise = self._period(period)
            parts.append((period_index if rows is None else period_index[rows], labels))
            imprecise = period_imprecise if rows is None else period_imprecise[rows]
        if by_agency:
            parts.append((agency_keys, self.agencies.codes))
        return rows, parts, imprecise

    def aggregate(
        self,
        flt: Filter | None = None,
        *,
        level: Level,
        period: Period | None = None,
        by_agency: bool = False,
    ) -> pd.DataFrame:
        """Same as ``aggregate(flt.apply(frame), level=..., period=..., by_agency=...)``."""
        _check_level(level, period)
        keep = self.mask(flt)
        rows, parts, imprecise = self._keys(level=level, period=period, by_agency=by_agency)
        group, present = _group_ids(parts, keep if rows is None else keep[rows])
        n_groups = len(present)
        packed = self.lanes.sums(group, n_groups, rows)
        sums = {"incidents": _group_sum(group, None, n_groups)}
        for column in _VALUE_COLUMNS[1:]:
            sums[column] = packed.get(column, np.zeros(n_groups, dtype=np.int64))
        sums["imprecise_dates"] = (
            _group_sum(group, imprecise.astype(np.float64), n_groups)
            if imprecise is not None and imprecise.any()
            else np.zeros(n_groups, dtype=np.int64)
        )
        names = ["area_code", "period", "agency"] if period else ["area_code", "agency"]
        keys_out: dict[str, np.ndarray] = {}
        remainder = present
        for name, (_keys, labels) in reversed(list(zip(names, parts, strict=False))):
            keys_out[name] = labels[remainder % len(labels)]
            remainder = remainder // len(labels)
        return _finish(
            {**keys_out, **sums}, names=self.names[level], period=period, by_agency=by_agency
        )

    def totals(self, flt: Filter | None = None) -> dict[str, int | bool]:
        """Same as :func:`totals` on the filtered frame."""
        keep = self.mask(flt)
        packed = self.lanes.sums(np.where(keep, 0, 1), 1, None)
        out: dict[str, int | bool] = {"incidents": int(keep.sum())}
        for column in _VALUE_COLUMNS[1:]:
            out[column] = int(packed[column][0]) if column in packed else 0
        out["civilians_killed_at_least"] = bool(out["civilians_killed_at_least"])
        return out


def _max_entries(rows: np.ndarray, n: int) -> int:
    """Largest number of membership entries of one incident (1 when there are none)."""
    return int(np.bincount(rows, minlength=n).max()) if len(rows) else 1
