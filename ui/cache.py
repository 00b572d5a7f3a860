"""Streamlit caches over ``geo`` calls, keyed by what their result depends on.

Data read from the store is keyed by the store location and its ``content_version``
(which changes on every write), so an import shows up on the next rerun while reruns that
changed nothing reuse the cached frames. Frames from :func:`st.cache_resource` are shared
between sessions: treat them as read-only (``.copy()`` before mutating).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.aggregate import IncidentIndex
from geo.config import default_store_location
from geo.filters import Filter
from geo.geodata import Level, load_shipped_zones, load_states
from geo.store import Store, open_store


@st.cache_resource(show_spinner=False)
def _store_at(location: str) -> Store:
    return open_store(location)


def get_store() -> Store:
    """Return the store the app uses (``ZONAS_STORE`` or the embedded default), opened once."""
    return _store_at(default_store_location())


def store_version() -> str:
    """Return the current store's ``content_version`` (read on every call: it is cheap)."""
    return get_store().content_version()


@st.cache_resource(show_spinner=False, max_entries=4)
def _incidents(location: str, version: str) -> gpd.GeoDataFrame:
    del version  # part of the cache key only
    return _store_at(location).read_incidents()


def all_incidents() -> gpd.GeoDataFrame:
    """Return every incident of the store (shared, read-only; cached per content version)."""
    return _incidents(default_store_location(), store_version())


@st.cache_data(show_spinner=False, max_entries=8)
def _operations(location: str, version: str) -> list[str]:
    frame = _incidents(location, version)
    values = frame["operation_family"].dropna().astype(str)
    return sorted({value for value in values if value})


def operation_families() -> list[str]:
    """Return the distinct ``operation_family`` values of the store's incidents."""
    return _operations(default_store_location(), store_version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _zones(location: str, version: str) -> gpd.GeoDataFrame:
    del version  # part of the cache key only
    shipped = load_shipped_zones()
    user = _store_at(location).read_user_zones()
    if user.empty:
        return shipped
    user = user.to_crs(shipped.crs)
    frame = pd.concat([shipped, user[shipped.columns]], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=shipped.crs)


def all_zones() -> gpd.GeoDataFrame:
    """Return the shipped zones plus the users' zones (shared, read-only)."""
    return _zones(default_store_location(), store_version())


@st.cache_data(show_spinner=False)
def state_names() -> dict[str, str]:
    """Return ISO 3166-2 state code → state name, in name order."""
    states = load_states().sort_values("name")
    return dict(zip(states["state_code"], states["name"], strict=True))


def zone_names() -> dict[str, str]:
    """Return zone id → zone name for every zone (shipped and user), in name order."""
    zones = all_zones().sort_values("name")
    return dict(zip(zones["zone_id"], zones["name"], strict=True))


@st.cache_resource(show_spinner=False, max_entries=2)
def _index(location: str, version: str) -> IncidentIndex:
    return IncidentIndex.from_frame(_incidents(location, version), zones=_zones(location, version))


def incident_index() -> IncidentIndex:
    """Return the fast re-aggregation index of the store's incidents (shared, per version)."""
    location = default_store_location()
    return _index(location, store_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _table(location: str, version: str, flt: Filter, level: Level) -> pd.DataFrame:
    return _index(location, version).aggregate(flt, level=level)


def area_table(flt: Filter, level: Level) -> pd.DataFrame:
    """Return :func:`geo.aggregate.aggregate` at ``level`` under ``flt`` (cached)."""
    return _table(default_store_location(), store_version(), flt, level)


@st.cache_data(show_spinner=False, max_entries=32)
def _totals(location: str, version: str, flt: Filter) -> dict[str, int | bool]:
    return _index(location, version).totals(flt)


def filter_totals(flt: Filter) -> dict[str, int | bool]:
    """Return the headline totals under ``flt`` (each incident once; cached)."""
    return _totals(default_store_location(), store_version(), flt)


@st.cache_data(show_spinner=False, max_entries=32)
def _selected_rows(
    location: str, version: str, flt: Filter, limit: int
) -> tuple[int, np.ndarray | None]:
    keep = _index(location, version).mask(flt)
    count = int(keep.sum())
    return count, (np.flatnonzero(keep) if count <= limit else None)


def filtered_rows(flt: Filter, *, limit: int) -> tuple[int, np.ndarray | None]:
    """Return how many incidents ``flt`` keeps and, when at most ``limit``, their
    positions in :func:`all_incidents` (``None`` above it: a million positions would
    fill the cache)."""
    return _selected_rows(default_store_location(), store_version(), flt, limit)


def rows_in_area(level: Level, code: str) -> np.ndarray:
    """Return the positions in :func:`all_incidents` of the incidents counted in an area."""
    return _area_rows(default_store_location(), store_version(), level, code)


@st.cache_data(show_spinner=False, max_entries=64)
def _area_rows(location: str, version: str, level: Level, code: str) -> np.ndarray:
    membership = _index(location, version).areas[level]
    wanted = np.flatnonzero(membership.codes == code)
    return np.unique(membership.rows[np.isin(membership.keys, wanted)])


@st.cache_data(show_spinner=False, max_entries=64)
def _sources(location: str, version: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return _store_at(location).read_sources(list(ids))


def sources_of(incident_ids: tuple[str, ...]) -> pd.DataFrame:
    """Return the sources of some incidents (columns of ``geo.incidents.SOURCE_COLUMNS``)."""
    return _sources(default_store_location(), store_version(), incident_ids)
