"""Shipped geodata: Venezuela's admin boundaries and the sourced zones.

All layers are returned as GeoDataFrames in EPSG:4326 (lon/lat degrees) with stable codes:
ISO 3166-2 for states (``VE-A``), INE P-codes for municipalities (``VE0101``) and parishes
(``VE010110``), slugs for zones (``cota-905``). Loaders are cached: treat the returned
frames as read-only and ``.copy()`` before mutating.

Zones are *built* from their sourced definitions (``data/zones/zones.csv``): a point or
line buffered by a radius in metres (drawn in the local UTM zone, marked ``approximate``)
or the dissolved union of admin units (marked ``administrative``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Final, Literal

import geopandas as gpd
import pandas as pd
import shapely
from shapely import wkt as shapely_wkt

from geo.config import data_dir
from geo.i18n import _

CRS: Final = "EPSG:4326"
Level = Literal["state", "municipality", "parish", "zone"]
LEVELS: Final[tuple[Level, ...]] = ("state", "municipality", "parish", "zone")

ZONE_COLUMNS: Final = [
    "zone_id",
    "name",
    "roles",
    "definition",
    "precision",
    "radius_m",
    "admin_codes",
    "first_operation",
    "peace_zone_since",
    "evidence",
    "source",
    "notes",
    "user_defined",
    "geometry",
]
"""Columns of every zone frame, shipped or user-defined. ``roles`` is ``;``-separated
(``operation_zone``, ``peace_zone``, ``region``); ``precision`` is ``approximate``,
``administrative`` or ``user`` (drawn by a user)."""

ZONE_ROLES: Final = ("operation_zone", "peace_zone", "region")

# Amazonas polygons that are not divided into parishes get this suffix on their
# municipality code so that every parish-level polygon has a stable area code.
UNDIVIDED_PARISH_SUFFIX: Final = "00"


def _read(name: str) -> gpd.GeoDataFrame:
    path = data_dir() / "boundaries" / name
    frame = gpd.read_file(path, engine="pyogrio")
    return frame.set_crs(CRS, allow_override=True)


@cache
def load_states() -> gpd.GeoDataFrame:
    """Return the 25 state polygons.

    Columns: ``state_code`` (ISO 3166-2), ``ine_code``, ``name``, ``name_ascii``,
    ``geometry``.
    """
    return _read("states.geojson")[["state_code", "ine_code", "name", "name_ascii", "geometry"]]


@cache
def load_municipalities() -> gpd.GeoDataFrame:
    """Return the 335 municipality polygons.

    Columns: ``muni_code`` (INE P-code), ``name``, ``state_code``, ``state_name``,
    ``geometry_source``, ``geometry``. Three polygons are approximate (see PROVENANCE).
    """
    columns = ["muni_code", "name", "state_code", "state_name", "geometry_source", "geometry"]
    return _read("municipalities.geojson")[columns]


@cache
def load_parishes() -> gpd.GeoDataFrame:
    """Return the 1,112 parish polygons.

    Columns: ``parish_code`` (INE 2021 P-code), ``name``, ``muni_code``, ``state_code``,
    ``geometry``. The six Amazonas polygons not divided into parishes get the code
    ``<muni_code>00`` and keep their descriptive name.
    """
    frame = _read("parishes.geojson")[
        ["parish_code", "name", "muni_code", "state_code", "geometry"]
    ].copy()
    missing = frame["parish_code"].isna()
    frame.loc[missing, "parish_code"] = frame.loc[missing, "muni_code"] + UNDIVIDED_PARISH_SUFFIX
    return frame


@cache
def load_parish_points() -> gpd.GeoDataFrame:
    """Return the 1,134 INE parish label points (one inside each parish).

    Columns: ``parish_code``, ``name``, ``muni_code``, ``muni_name``, ``state_code``,
    ``geometry``.
    """
    columns = ["parish_code", "name", "muni_code", "muni_name", "state_code", "geometry"]
    return _read("parish_points.geojson")[columns]


def load_zone_definitions() -> pd.DataFrame:
    """Return the sourced zone definitions from ``data/zones/zones.csv`` as text columns."""
    return pd.read_csv(data_dir() / "zones" / "zones.csv", dtype=str, keep_default_na=False)


def admin_level_of(code: str) -> Level:
    """Return the admin level a code belongs to (``VE-D`` state, ``VE1508`` municipality,
    ``VE010110`` parish).

    Raises
    ------
    ValueError
        If the code has none of the three shapes.
    """
    if code.startswith("VE-") and len(code) in (4, 5):
        return "state"
    if code.startswith("VE") and code[2:].isdigit():
        if len(code) == 6:
            return "municipality"
        if len(code) == 8:
            return "parish"
    msg = _(
        "{code!r} is not an ISO 3166-2 state code (VE-D) nor an INE P-code (VE1508, VE010110)"
    ).format(code=code)
    raise ValueError(msg)


def union_of_admin_units(
    codes: Iterable[str],
    *,
    states: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    parishes: gpd.GeoDataFrame,
) -> shapely.Geometry:
    """Return the dissolved union of the admin units named by ``codes`` (EPSG:4326).

    Raises
    ------
    KeyError
        If a code is not in the boundary layers.
    """
    tables = {
        "state": (states, "state_code"),
        "municipality": (municipalities, "muni_code"),
        "parish": (parishes, "parish_code"),
    }
    parts = []
    for code in codes:
        frame, column = tables[admin_level_of(code)]
        match = frame.loc[frame[column] == code, "geometry"]
        if match.empty:
            msg = _("admin unit {code!r} is not in the shipped boundaries").format(code=code)
            raise KeyError(msg)
        parts.extend(match)
    union: shapely.Geometry = shapely.make_valid(shapely.union_all(parts))
    return union


def utm_epsg(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS 84 / UTM zone containing a lon/lat point (degrees).

    Venezuela spans zones 18N-21N (``utm_epsg(-66.9, 10.5)`` is 32619, UTM 19N, the zone
    of REGVEN / UTM 19N, EPSG:2202). Computed, not looked up: fast and offline.
    """
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def buffer_in_metres(geometry: shapely.Geometry, radius_m: float) -> shapely.Geometry:
    """Buffer a lon/lat geometry by ``radius_m`` metres in its local UTM zone.

    The geometry is projected to the WGS 84 / UTM zone that contains its centroid,
    buffered there (true metres, 16 segments a quarter circle) and projected back to
    EPSG:4326.
    """
    series = gpd.GeoSeries([geometry], crs=CRS)
    centre = shapely.centroid(geometry)
    utm = utm_epsg(shapely.get_x(centre), shapely.get_y(centre))
    buffered = series.to_crs(utm).buffer(radius_m, quad_segs=16).to_crs(CRS)
    result: shapely.Geometry = buffered.iloc[0]
    return result


def build_zones(
    definitions: pd.DataFrame,
    *,
    states: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    parishes: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Build zone polygons from their definitions (the columns of ``zones.csv``).

    ``buffer`` rows buffer their ``wkt`` by ``radius_m`` metres; ``admin_union`` rows
    dissolve the units in ``admin_codes`` (``;``-separated). Returns a frame with
    :data:`ZONE_COLUMNS` in EPSG:4326.

    Raises
    ------
    ValueError
        If a row has an unknown definition kind, a bad WKT or a bad radius.
    """
    rows = []
    for row in definitions.to_dict("records"):
        kind = row["definition"]
        if kind == "buffer":
            radius = float(row["radius_m"])
            if not radius > 0:
                msg = _("zone {zone_id}: radius_m must be positive, got {radius!r}").format(
                    zone_id=row["zone_id"], radius=row["radius_m"]
                )
                raise ValueError(msg)
            geometry = buffer_in_metres(shapely_wkt.loads(row["wkt"]), radius)
        elif kind == "admin_union":
            codes = [code.strip() for code in row["admin_codes"].split(";") if code.strip()]
            geometry = union_of_admin_units(
                codes, states=states, municipalities=municipalities, parishes=parishes
            )
        else:
            msg = _("zone {zone_id}: unknown definition {kind!r} (buffer or admin_union)").format(
                zone_id=row["zone_id"], kind=kind
            )
            raise ValueError(msg)
        rows.append(
            {
                "zone_id": row["zone_id"],
                "name": row["name"],
                "roles": row["roles"],
                "definition": kind,
                "precision": row["precision"],
                "radius_m": float(row["radius_m"]) if row.get("radius_m") else None,
                "admin_codes": row.get("admin_codes", ""),
                "first_operation": row.get("first_operation", ""),
                "peace_zone_since": row.get("peace_zone_since", ""),
                "evidence": row.get("evidence", ""),
                "source": row.get("centre_source", ""),
                "notes": row.get("notes", ""),
                "user_defined": False,
                "geometry": geometry,
            }
        )
    return gpd.GeoDataFrame(rows, columns=ZONE_COLUMNS, geometry="geometry", crs=CRS)


@cache
def load_shipped_zones() -> gpd.GeoDataFrame:
    """Return the zones defined in ``data/zones/zones.csv``, built (see :func:`build_zones`)."""
    return build_zones(
        load_zone_definitions(),
        states=load_states(),
        municipalities=load_municipalities(),
        parishes=load_parishes(),
    )


def zones_with_role(zones: gpd.GeoDataFrame, role: str) -> gpd.GeoDataFrame:
    """Return the zones whose ``;``-separated ``roles`` include ``role``."""
    mask = zones["roles"].fillna("").str.split(";").apply(lambda roles: role in roles)
    return zones[mask]


def area_layer(level: Level, *, zones: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Return one level's polygons with uniform columns for joining and drawing.

    Columns: ``area_code``, ``area_name``, ``state_code`` (ISO; empty for zones spanning
    several states is never the case for shipped zones but may be for user zones),
    ``geometry``. For ``level="zone"`` the given ``zones`` (default: the shipped ones) are
    used and ``precision`` and ``roles`` columns are kept.
    """
    if level == "state":
        frame = load_states()
        out = frame.rename(columns={"state_code": "area_code", "name": "area_name"})
        out["state_code"] = out["area_code"]
        return out[["area_code", "area_name", "state_code", "geometry"]]
    if level == "municipality":
        frame = load_municipalities()
        out = frame.rename(columns={"muni_code": "area_code", "name": "area_name"})
        return out[["area_code", "area_name", "state_code", "geometry"]]
    if level == "parish":
        frame = load_parishes()
        out = frame.rename(columns={"parish_code": "area_code", "name": "area_name"})
        return out[["area_code", "area_name", "state_code", "geometry"]]
    zone_frame = load_shipped_zones() if zones is None else zones
    states = load_states()
    representative = zone_frame.geometry.representative_point()
    located = gpd.sjoin(
        gpd.GeoDataFrame(geometry=representative, crs=CRS),
        states[["state_code", "geometry"]],
        how="left",
        predicate="within",
    )
    located = located[~located.index.duplicated()]
    out = zone_frame.rename(columns={"zone_id": "area_code", "name": "area_name"}).copy()
    out["state_code"] = located["state_code"].reindex(out.index).fillna("")
    return out[["area_code", "area_name", "state_code", "precision", "roles", "geometry"]]
