"""Tiny hand-drawn admin layers and zones whose answers can be checked on paper.

Everything is in EPSG:4326 (lon/lat degrees), axis-aligned rectangles::

    lat 11.0 +-------------------+-------------------+
             |   VE010102        |                   |   VE-B "Bolívar Sur"
             |  "Santa Rosalía"  |                   |   (only the state above 10.8)
             |   (VE0101)        |   VE010201        |- - - - - - - - - - - - - - - - lat 10.8
    lat 10.5 +-------------------+  "Petare"         |   VE0201 "Libertador" (VE-B),
             |   VE010101        |  (VE0102 "Sucre") |   no parish above 10.5
             |  "San José"       |                   |- - - - - - - - - - - - - - - - lat 10.5
             |   (VE0101         |                   |   VE020101 "San José" (VE-B)
             |   "Libertador")   |                   |
    lat 10.0 +-------------------+-------------------+-------------------------------+
          lon -67.0            -66.5               -66.0                          -65.0
             \\________ VE-A "Ávila" (ine 01) ________/

Zones (built by :func:`geo.geodata.build_zones` from :func:`tiny_zone_definitions`):

``circulo``      1,000 m circle around (-66.75, 10.25), approximate, in San José (VE-A)
``union-ab``     admin union of parishes VE010101 + VE010102 = municipality VE0101
``estado-b``     admin union of the state VE-B
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from geo import geodata
from geo.gazetteer import Gazetteer

CRS = "EPSG:4326"


def tiny_states() -> gpd.GeoDataFrame:
    """Two square states sharing the meridian -66."""
    return gpd.GeoDataFrame(
        {
            "state_code": ["VE-A", "VE-B"],
            "ine_code": ["01", "02"],
            "name": ["Ávila", "Bolívar Sur"],
            "name_ascii": ["Avila", "Bolivar Sur"],
        },
        geometry=[box(-67, 10, -66, 11), box(-66, 10, -65, 11)],
        crs=CRS,
    )


def tiny_municipalities() -> gpd.GeoDataFrame:
    """Three municipalities; "Libertador" exists in both states."""
    return gpd.GeoDataFrame(
        {
            "muni_code": ["VE0101", "VE0102", "VE0201"],
            "name": ["Libertador", "Sucre", "Libertador"],
            "state_code": ["VE-A", "VE-A", "VE-B"],
            "state_name": ["Ávila", "Ávila", "Bolívar Sur"],
            "geometry_source": ["hand", "hand", "hand"],
        },
        geometry=[box(-67, 10, -66.5, 11), box(-66.5, 10, -66, 11), box(-66, 10, -65, 10.8)],
        crs=CRS,
    )


def tiny_parishes() -> gpd.GeoDataFrame:
    """Four parishes; "San José" exists in both states."""
    return gpd.GeoDataFrame(
        {
            "parish_code": ["VE010101", "VE010102", "VE010201", "VE020101"],
            "name": ["San José", "Santa Rosalía", "Petare", "San José"],
            "muni_code": ["VE0101", "VE0101", "VE0102", "VE0201"],
            "state_code": ["VE-A", "VE-A", "VE-A", "VE-B"],
        },
        geometry=[
            box(-67, 10, -66.5, 10.5),
            box(-67, 10.5, -66.5, 11),
            box(-66.5, 10, -66, 11),
            box(-66, 10, -65, 10.5),
        ],
        crs=CRS,
    )


def tiny_parish_points() -> gpd.GeoDataFrame:
    """INE-style label points for two parishes (the others get a point on the surface)."""
    return gpd.GeoDataFrame(
        {
            "parish_code": ["VE010101", "VE010201"],
            "name": ["San José", "Petare"],
            "muni_code": ["VE0101", "VE0102"],
            "muni_name": ["Libertador", "Sucre"],
            "state_code": ["VE-A", "VE-A"],
        },
        geometry=[Point(-66.9, 10.1), Point(-66.2, 10.7)],
        crs=CRS,
    )


def tiny_zone_definitions() -> pd.DataFrame:
    """Rows in the format of ``data/zones/zones.csv``."""
    blank = {
        "wkt": "",
        "radius_m": "",
        "admin_codes": "",
        "first_operation": "",
        "peace_zone_since": "",
        "evidence": "",
        "centre_source": "hand-drawn",
        "notes": "",
    }
    rows = [
        {
            **blank,
            "zone_id": "circulo",
            "name": "Círculo",
            "roles": "operation_zone;peace_zone",
            "definition": "buffer",
            "wkt": "POINT (-66.75 10.25)",
            "radius_m": "1000",
            "precision": "approximate",
        },
        {
            **blank,
            "zone_id": "union-ab",
            "name": "Unión AB",
            "roles": "operation_zone",
            "definition": "admin_union",
            "admin_codes": "VE010101;VE010102",
            "precision": "administrative",
        },
        {
            **blank,
            "zone_id": "estado-b",
            "name": "Estado B",
            "roles": "region",
            "definition": "admin_union",
            "admin_codes": "VE-B",
            "precision": "administrative",
        },
    ]
    return pd.DataFrame(rows, dtype=str)


def tiny_zones() -> gpd.GeoDataFrame:
    """The three fixture zones, built from their definitions."""
    return geodata.build_zones(
        tiny_zone_definitions(),
        states=tiny_states(),
        municipalities=tiny_municipalities(),
        parishes=tiny_parishes(),
    )


def tiny_gazetteer(*, zones: gpd.GeoDataFrame | None = None) -> Gazetteer:
    """A gazetteer over the tiny layers and (by default) the tiny zones."""
    return Gazetteer(
        states=tiny_states(),
        municipalities=tiny_municipalities(),
        parishes=tiny_parishes(),
        parish_points=tiny_parish_points(),
        zones=tiny_zones() if zones is None else zones,
    )


def square(lon: float, lat: float, size: float = 0.01) -> list[list[list[float]]]:
    """GeoJSON Polygon coordinates of a square with its south-west corner at lon/lat."""
    return [
        [
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ]
    ]


def feature(
    properties: Mapping[str, object], geometry: Mapping[str, object] | None
) -> dict[str, object]:
    """A GeoJSON Feature."""
    return {"type": "Feature", "properties": dict(properties), "geometry": geometry}


def write_feature_collection(
    path: Path, features: Iterable[Mapping[str, object]], *, crs: str | None = None
) -> Path:
    """Write a GeoJSON FeatureCollection (optionally with a legacy ``crs`` member)."""
    collection: dict[str, object] = {"type": "FeatureCollection", "features": list(features)}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path
