"""All zones (shipped and user-drawn) and the validation of user zone files.

Users add their own zones, e.g. a barrio drawn in QGIS, from a GeoJSON file (or any file
pyogrio reads) of Polygon / MultiPolygon features with the properties:

``zone_id`` (required)
    A slug (``barrio-la-vega``): lower-case letters, digits and single hyphens, unique in
    the file and not one of the shipped zone ids. Importing the same id again replaces the
    stored zone.
``name`` (required)
    The display name.
``roles`` (optional, default ``operation_zone``)
    ``;``- or ``,``-separated :data:`geo.geodata.ZONE_ROLES`.
``notes``, ``source`` (optional)
    Free text kept with the zone.

Coordinates are longitude/latitude (EPSG:4326); a file that declares another CRS is
reprojected. :func:`validate_user_zones` keeps the valid features and explains every
rejected one; :func:`import_user_zones` stores the valid ones (``zonas zones import``).
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import geodata
from geo.geodata import CRS, ZONE_COLUMNS, ZONE_ROLES
from geo.i18n import _, ngettext

SLUG: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""A zone id: lower-case ASCII letters and digits, words joined by single hyphens."""

COUNTRY_TOLERANCE_DEG: Final = 0.02
"""How far (degrees, about 2 km) a user zone may reach beyond the simplified state
polygons (coastline, border) and still count as inside Venezuela."""

DEFAULT_ROLE: Final = "operation_zone"

_REASON_AT: Final = re.compile(r"^(?P<reason>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


@dataclass(frozen=True)
class ZoneProblem:
    """Why one feature of a user zone file (or the whole file) was rejected.

    ``index`` is the 0-based position of the feature in the file, ``None`` for a
    problem with the whole file (unreadable, no features, missing property).
    """

    index: int | None
    zone_id: str
    name: str
    reason: str

    def __str__(self) -> str:
        """Return the problem as one line a person can act on."""
        if self.index is None:
            return self.reason
        label = ", ".join(
            part
            for part in (
                _("zone_id {zone_id!r}").format(zone_id=self.zone_id) if self.zone_id else "",
                _("name {name!r}").format(name=self.name) if self.name else "",
            )
            if part
        )
        where = _("feature {number}").format(number=self.index + 1)
        if label:
            where = f"{where} ({label})"
        return f"{where}: {self.reason}"


def all_zones(*, store_location: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """Return the shipped zones followed by the user zones of the store.

    Parameters
    ----------
    store_location
        GeoPackage path or ``postgresql://`` URL (default: ``ZONAS_STORE``). A GeoPackage
        that does not exist yet has no user zones and is not created.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`geo.geodata.ZONE_COLUMNS`, EPSG:4326, shipped zones first. A user
        zone whose id equals a shipped one (only possible if written around
        :func:`import_user_zones`) is left out.
    """
    shipped = geodata.load_shipped_zones()
    user = read_user_zones(store_location=store_location)
    user = user[~user["zone_id"].isin(shipped["zone_id"])]
    if user.empty:
        return shipped.copy()
    combined = pd.concat([shipped, user[ZONE_COLUMNS]], ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=CRS)


def read_user_zones(*, store_location: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """Return the user zones of the store (empty frame when a GeoPackage is missing)."""
    from geo.config import default_store_location
    from geo.store import open_store

    location = os.fspath(store_location) if store_location else default_store_location()
    if not location.startswith(("postgresql://", "postgres://")) and not Path(location).exists():
        return _empty_zones()
    return open_store(location).read_user_zones()


def validate_user_zones(
    path: str | os.PathLike[str],
    *,
    reserved_ids: Collection[str] | None = None,
    country: shapely.Geometry | None = None,
    tolerance_deg: float = COUNTRY_TOLERANCE_DEG,
) -> tuple[gpd.GeoDataFrame, list[ZoneProblem]]:
    """Read a user zone file, keep its valid features and explain the others.

    Parameters
    ----------
    path
        A GeoJSON file (or any file pyogrio reads) of Polygon/MultiPolygon features.
    reserved_ids
        Ids the file may not use (default: the shipped zone ids).
    country
        The area zones must lie in, EPSG:4326 (default: the union of the shipped states).
    tolerance_deg
        How far (degrees) a zone's vertices may lie outside ``country`` (the shipped
        coastline and borders are simplified).

    Returns
    -------
    zones : geopandas.GeoDataFrame
        The valid features with :data:`geo.geodata.ZONE_COLUMNS` in EPSG:4326,
        ``precision`` and ``definition`` ``"user"``, ``user_defined`` true.
    problems : list of ZoneProblem
        One entry per reason a feature was rejected (a feature may have several), in
        file order; file-level problems have ``index`` ``None`` and reject everything.
    """
    frame, problem = _read_zone_file(Path(path))
    if problem is not None:
        return _empty_zones(), [problem]
    if reserved_ids is None:
        reserved_ids = set(geodata.load_shipped_zones()["zone_id"])
    if country is None:
        country = venezuela_outline()
    problems: list[ZoneProblem] = []
    ids = [_text(value) for value in frame["zone_id"]]
    names = [_text(value) for value in frame["name"]]
    counts = Counter(zone_id for zone_id in ids if zone_id)
    kept: list[dict[str, object]] = []
    for index, geometry in enumerate(frame.geometry):
        zone_id, name = ids[index], names[index]
        reasons = _id_reasons(zone_id, index, ids, counts, reserved_ids)
        if not name:
            reasons.append(_("has no name; add a 'name' property"))
        roles, role_reasons = _roles(frame["roles"].iloc[index] if "roles" in frame else None)
        reasons.extend(role_reasons)
        reasons.extend(_geometry_reasons(geometry, country, tolerance_deg))
        if reasons:
            problems.extend(ZoneProblem(index, zone_id, name, reason) for reason in reasons)
            continue
        kept.append(
            {
                "zone_id": zone_id,
                "name": name,
                "roles": roles,
                "definition": "user",
                "precision": "user",
                "radius_m": np.nan,
                "admin_codes": "",
                "first_operation": _optional(frame, "first_operation", index),
                "peace_zone_since": _optional(frame, "peace_zone_since", index),
                "evidence": _optional(frame, "evidence", index),
                "source": _optional(frame, "source", index),
                "notes": _optional(frame, "notes", index),
                "user_defined": True,
                "geometry": geometry,
            }
        )
    if not kept:
        return _empty_zones(), problems
    zones = gpd.GeoDataFrame(kept, columns=ZONE_COLUMNS, geometry="geometry", crs=CRS)
    return zones, problems


def import_user_zones(
    path: str | os.PathLike[str], *, store_location: str | os.PathLike[str] | None = None
) -> int:
    """Validate a user zone file, store its valid features and print a summary.

    Problems go to standard error, one line per problem naming the feature; the summary
    to standard output.

    Returns
    -------
    int
        Exit status: 0 every feature stored, 1 some (or all) features rejected, 2 the file
        is unusable (unreadable, empty, or missing the ``zone_id``/``name`` properties).
    """
    from geo.store import open_store

    zones, problems = validate_user_zones(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if any(problem.index is None for problem in problems):
        print(_("No zones imported from {path}.").format(path=path), file=sys.stderr)
        return 2
    stored = 0
    location = store_location
    if len(zones):
        store = open_store(store_location)
        stored = store.write_user_zones(zones)
        location = store.location
    rejected = len({problem.index for problem in problems})
    print(
        ngettext(
            "{stored} zone stored in {store}, {rejected} rejected.",
            "{stored} zones stored in {store}, {rejected} rejected.",
            stored,
        ).format(stored=stored, store=location or _("the default store"), rejected=rejected)
    )
    return 1 if problems else 0


@cache
def venezuela_outline() -> shapely.Geometry:
    """Return the union of the shipped states (EPSG:4326), prepared for fast tests."""
    states = geodata.load_states().geometry.to_numpy()
    outline = shapely.coverage_union_all(states)  # states tile the country: fast path
    if not shapely.is_valid(outline):
        outline = shapely.union_all(states)
    shapely.prepare(outline)
    return outline


# ---------------------------------------------------------------------- helpers
def _empty_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns=ZONE_COLUMNS, geometry="geometry", crs=CRS)


class _UnusableFileError(Exception):
    """The whole file cannot be used (the message says why)."""


def _read_zone_file(path: Path) -> tuple[gpd.GeoDataFrame, ZoneProblem | None]:
    """Read the file into EPSG:4326, or say why it cannot be used."""
    try:
        return _to_lonlat(_read_features(path), path), None
    except _UnusableFileError as error:
        return _empty_zones(), ZoneProblem(None, "", "", str(error))


def _read_features(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise _UnusableFileError(_("{path}: no such file").format(path=path))
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as error:  # GDAL raises many kinds; all mean "unreadable"
        reason = str(error).strip() or type(error).__name__
        raise _UnusableFileError(
            _("{path}: cannot be read as GeoJSON or another GIS format ({error})").format(
                path=path, error=reason
            )
        ) from error
    if not isinstance(frame, gpd.GeoDataFrame):
        raise _UnusableFileError(_("{path}: has no geometries").format(path=path))
    if frame.empty:
        raise _UnusableFileError(_("{path}: has no features").format(path=path))
    missing = [column for column in ("zone_id", "name") if column not in frame.columns]
    if missing:
        raise _UnusableFileError(
            _(
                "{path}: the features have no {columns} property; every zone needs a "
                "zone_id (e.g. barrio-la-vega) and a name"
            ).format(path=path, columns=_(" and ").join(missing))
        )
    return frame


def _to_lonlat(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:4326 (no declared CRS means EPSG:4326, as in GeoJSON)."""
    if frame.crs is None:
        return frame.set_crs(CRS)
    if frame.crs.equals(CRS):
        return frame
    try:
        return frame.to_crs(CRS)
    except Exception as error:  # pyproj errors vary by CRS
        raise _UnusableFileError(
            _("{path}: cannot reproject from {crs} to EPSG:4326 ({error})").format(
                path=path, crs=frame.crs.to_string(), error=error
            )
        ) from error


def _text(value: object) -> str:
    """A property value as stripped text ('' for missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _optional(frame: pd.DataFrame, column: str, index: int) -> str:
    return _text(frame[column].iloc[index]) if column in frame.columns else ""


def _slugify(text: str) -> str:
    from geo.gazetteer import fold_text

    return "-".join(fold_text(text).split())


def _id_reasons(
    zone_id: str,
    index: int,
    ids: list[str],
    counts: Counter[str],
    reserved_ids: Collection[str],
) -> list[str]:
    if not zone_id:
        return [_("has no zone_id; add a 'zone_id' property such as 'barrio-la-vega'")]
    reasons = []
    if not SLUG.match(zone_id):
        hint = _slugify(zone_id)
        reasons.append(
            _(
                "zone_id {zone_id!r} is not a slug: use lower-case letters, digits and "
                "hyphens only{hint}"
            ).format(zone_id=zone_id, hint=_(", e.g. {slug!r}").format(slug=hint) if hint else "")
        )
    if counts[zone_id] > 1:
        others = [str(i + 1) for i, other in enumerate(ids) if other == zone_id and i != index]
        reasons.append(
            _("zone_id {zone_id!r} is also used by feature(s) {others}; ids must be unique").format(
                zone_id=zone_id, others=", ".join(others)
            )
        )
    if zone_id in reserved_ids:
        reasons.append(
            _("zone_id {zone_id!r} is a shipped zone; choose another id").format(zone_id=zone_id)
        )
    return reasons


def _roles(value: object) -> tuple[str, list[str]]:
    """Return the normalised ``;``-joined roles and the problems with them."""
    text = _text(value)
    if not text:
        return DEFAULT_ROLE, []
    roles = [part.strip() for part in re.split(r"[;,]", text) if part.strip()]
    unknown = [role for role in roles if role not in ZONE_ROLES]
    if unknown:
        return "", [
            _("unknown role(s) {roles}; use {known} separated by ';'").format(
                roles=", ".join(repr(role) for role in unknown), known=", ".join(ZONE_ROLES)
            )
        ]
    return ";".join(dict.fromkeys(roles)), []


def _geometry_reasons(
    geometry: shapely.Geometry | None, country: shapely.Geometry, tolerance_deg: float
) -> list[str]:
    """Return why ``geometry`` cannot be a zone (empty list: it can): not a valid lon/lat
    polygon, or not inside ``country`` (vertices may stray ``tolerance_deg`` outside)."""
    shape_reason = _shape_reason(geometry)
    if shape_reason:
        return [shape_reason]
    assert geometry is not None  # checked by _shape_reason
    if shapely.contains(country, geometry):
        return []
    if not shapely.dwithin(country, geometry, tolerance_deg):
        point = shapely.point_on_surface(geometry)
        return [
            _("lies outside Venezuela (around lon {lon:.4f}, lat {lat:.4f})").format(
                lon=shapely.get_x(point), lat=shapely.get_y(point)
            )
        ]
    coordinates = shapely.get_coordinates(geometry)
    near = shapely.dwithin(country, shapely.points(coordinates), tolerance_deg)
    if not np.all(near):
        lon, lat = coordinates[np.flatnonzero(~near)[0]]
        return [
            _(
                "extends beyond Venezuela's borders or coast (e.g. at lon {lon:.4f}, "
                "lat {lat:.4f}); clip it to the country"
            ).format(lon=lon, lat=lat)
        ]
    return []


def _shape_reason(geometry: shapely.Geometry | None) -> str:
    """Return why ``geometry`` is not a valid lon/lat polygon ('' when it is)."""
    if geometry is None or shapely.is_empty(geometry):
        return _("has no geometry")
    kind = int(shapely.get_type_id(geometry))
    if kind not in (3, 6):  # Polygon, MultiPolygon
        names = {0: _("point"), 1: _("line"), 2: _("line"), 4: _("set of points"),
                 5: _("set of lines")}  # fmt: skip
        return _("is a {kind}, not a polygon; draw the zone as an area").format(
            kind=names.get(kind, _("geometry collection"))
        )
    min_x, min_y, max_x, max_y = shapely.bounds(geometry)
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        return _(
            "coordinates ({x:.0f}, {y:.0f}) are not longitude/latitude degrees; save "
            "the file in EPSG:4326 or declare its CRS"
        ).format(x=min_x, y=min_y)
    if not shapely.is_valid(geometry):
        return _invalid_reason(geometry)
    return ""


def _invalid_reason(geometry: shapely.Geometry) -> str:
    """Explain why a polygon is invalid, with the place of the problem."""
    reason = str(shapely.is_valid_reason(geometry))
    match = _REASON_AT.match(reason)
    if match:
        detail = _("{reason} at lon {x}, lat {y}").format(
            reason=match["reason"].strip(), x=match["x"], y=match["y"]
        )
    else:
        detail = reason
    return _(
        "the polygon is not valid: {detail}; fix it (QGIS: Vector > Geometry Tools > "
        "Fix Geometries) and import again"
    ).format(detail=detail)


def format_zone_table(zones: gpd.GeoDataFrame) -> list[str]:
    """Return the lines of ``zonas zones``: a header, then id, name, roles and precision
    of each zone, approximate zones marked with ``~`` and explained in a footnote."""
    precision_names = {
        "approximate": _("~ approximate"),
        "administrative": _("administrative"),
        "user": _("drawn by a user"),
    }
    header = (_("zone id"), _("name"), _("roles"), _("precision"))
    rows = [
        (
            str(row.zone_id),
            str(row.name),
            str(row.roles).replace(";", ", "),
            precision_names.get(str(row.precision), str(row.precision)),
        )
        for row in zones.itertuples()
    ]
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(3)]

    def line(cells: tuple[str, str, str, str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[3]]).rstrip()

    lines = [line(header), *(line(cells) for cells in rows)]
    if (zones["precision"] == "approximate").any():
        lines.append(
            _("~ approximate: a circle or corridor around a reference point, not a boundary.")
        )
    return lines
