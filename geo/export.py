"""Exports for reports: map snapshots, a one-page report, standalone HTML, CSV, GeoJSON.

One entry point, :func:`render_export`, turns a store and an :class:`ExportView` (what is
on screen: filter, level, measure, title, extent) into the bytes of any format in
:data:`FORMATS`. The ``zonas export`` command and the app's download buttons both call it,
so a scripted report and a click in the app produce the same file.

Static maps are drawn on the server with GeoPandas + Matplotlib (no browser) in a
transverse Mercator projection centred on the view, so the scale bar is true at its own
position (the local scale factor is applied) and the north arrow follows the local
meridian. Class breaks, colours and measure definitions come from :mod:`geo.maps` and
:mod:`geo.aggregate`, the same code the interactive map uses.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import ATTRIBUTION
from geo.csvsafe import neutralise_cell
from geo.filters import Filter
from geo.geodata import CRS, Level
from geo.i18n import (
    N_,
    _,
    format_number,
    format_period,
    get_language,
    ngettext,
    use_language,
)

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geo import maps
    from geo.store import Store

ExportFormat = Literal["png", "svg", "pdf", "report", "html", "csv", "geojson"]
FORMATS: Final[tuple[ExportFormat, ...]] = (
    "png", "svg", "pdf", "report", "html", "csv", "geojson",
)  # fmt: skip
MEDIA_TYPES: Final[dict[ExportFormat, str]] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "report": "application/pdf",
    "html": "text/html",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
EXTENSIONS: Final[dict[ExportFormat, str]] = {
    "png": "png", "svg": "svg", "pdf": "pdf", "report": "pdf",
    "html": "html", "csv": "csv", "geojson": "geojson",
}  # fmt: skip

DEFAULT_DPI: Final = 200
SNAPSHOT_SIZE_IN: Final = (11.0, 8.0)
"""Snapshot figure size in inches (width, height): 2200 × 1600 px at the default 200 dpi."""
REPORT_SIZE_IN: Final = (8.27, 11.69)
"""One-page report size in inches: A4 portrait."""
MAX_LISTED_SOURCES: Final = 4
"""More sources than this are summarised (count + pointer to the CSV) on a snapshot."""

LAND_EDGE: Final = "#ffffff"
STATE_EDGE: Final = "#5b5b5b"

_LEVEL_PLURAL: Final[dict[str, str]] = {
    "state": N_("states"),
    "municipality": N_("municipalities"),
    "parish": N_("parishes"),
    "zone": N_("zones"),
}


_CONFIDENCE_WORDS: Final[dict[str, str]] = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
}


_BULK_SOURCES: Final = 20_000
"""Above this many incidents, sources are read in one scan and matched in memory."""


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown format, bad dpi, ...)."""


# ====================================================================== the view
@dataclass(frozen=True)
class ExportView:
    """What is on screen, i.e. what an export reproduces.

    Parameters
    ----------
    flt
        The filter (the same value the pages and the CLI build).
    level
        Aggregation level of the choropleth.
    measure
        Measure key of :mod:`geo.maps` (e.g. ``"incidents"``).
    title
        Title printed on the export; ``None`` means :func:`default_title`.
    bbox
        Map extent as ``(min_lon, min_lat, max_lon, max_lat)`` in EPSG:4326 degrees (the
        interactive map's current bounds); ``None`` means the selected areas' bounds, or
        the whole country when none is selected.
    lang
        Language of the export text (``"es"``, ``"en"``); ``None``: the active language.
    """

    flt: Filter = field(default_factory=Filter)
    level: Level = "municipality"
    measure: str = "incidents"
    title: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    lang: str | None = None


# ====================================================================== words
def describe_filter(
    flt: Filter,
    *,
    level: Level | None = None,
    measure: str | None = None,
    lang: str | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> str:
    """Spell a filter out in words, for export subtitles and page captions.

    ``PNB, CICPC · 13 Jul – 31 Dec 2015 · municipalities``: agency codes in vocabulary
    order ("all agencies" when none), operation families, the date window
    (:func:`geo.i18n.format_period`, formatted for the locale), states, municipalities and
    zones by name, confidence and precision limits, then the level (plural) and the
    measure when given.

    Parameters
    ----------
    flt
        The filter to describe.
    level
        Aggregation level, appended as a plural noun ("municipalities").
    measure
        Measure label, appended when given (already human-readable).
    lang
        ``"es"`` or ``"en"``; ``None``: the active language.
    zones
        Zone frame to name zones from (:data:`geo.geodata.ZONE_COLUMNS`; default: the
        shipped zones). Unknown codes are shown as they are.
    """
    from geo.agencies import agency_codes
    from geo.aggregate import area_names

    with use_language(lang or get_language()):
        parts: list[str] = []
        if flt.agencies:
            order = {code: rank for rank, code in enumerate(agency_codes())}
            ordered = sorted(flt.agencies, key=lambda code: (order.get(code, len(order)), code))
            parts.append(", ".join(ordered))
        else:
            parts.append(_("all agencies"))
        if flt.operations:
            parts.append(", ".join(flt.operations))
        parts.append(format_period(flt.date_from, flt.date_to))
        selections: tuple[tuple[Level, tuple[str, ...]], ...] = (
            ("state", flt.states),
            ("municipality", flt.municipalities),
            ("zone", flt.zones),
        )
        for area_level, codes in selections:
            if codes:
                names = area_names(area_level, zones=zones)
                parts.append(", ".join(names.get(code, code) for code in codes))
        if flt.min_confidence is not None:
            parts.append(
                _("confidence ≥ {level}").format(level=_(_CONFIDENCE_WORDS[flt.min_confidence]))
            )
        if not flt.include_low_precision:
            parts.append(_("precise locations only"))
        if level is not None:
            parts.append(_(_LEVEL_PLURAL[level]))
        if measure:
            parts.append(measure)
        return " · ".join(parts)


# ====================================================================== CSV / GeoJSON
CSV_COLUMNS: Final = (
    "incident_id",
    "date",
    "date_precision",
    "operation",
    "operation_family",
    "place_name",
    "barrio",
    "parish",
    "municipality",
    "state",
    "lat",
    "lon",
    "agencies",
    "agencies_reported",
    "civilians_killed_min",
    "civilians_killed_max",
    "officers_killed",
    "officers_injured",
    "civilians_injured",
    "detained",
    "fatalities_unsplit",
    "description",
    "confidence",
    "notes",
    "geo_precision",
    "state_code",
    "muni_code",
    "parish_code",
    "zone_ids",
)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells are guarded against spreadsheet formulas.

    Only text columns (object or string dtype) are touched, cell by cell, with
    :func:`geo.csvsafe.neutralise_cell`; numeric columns (longitudes such as ``-66.9``,
    counts) stay numbers.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_string_dtype(series) or series.dtype == object:
            out[column] = series.map(
                lambda cell: neutralise_cell(cell) if isinstance(cell, str) else cell
            )
    return out


def _export_agencies(reported: str, codes: str) -> str:
    """The ``agencies`` cell: the reported text when it resolves to exactly the stored
    codes (so a re-import keeps ``agencies_reported``), else the codes themselves."""
    from geo.ingest import parse_agencies

    parsed = parse_agencies(reported)
    stored = tuple(code for code in codes.split(";") if code)
    if reported and not parsed.unknown and parsed.codes == stored:
        return reported
    return ";".join(stored)


def incidents_table(incidents: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return one row per incident in the import format (``data/incidents/README.md``).

    Columns: :data:`CSV_COLUMNS`, then the first source as ``source_publisher``,
    ``source_date``, ``source_title``, ``source_url``, ``quote`` (the columns
    ``zonas import`` reads) and, when an incident has more, ``source_2_publisher`` ...
    ``source_N_quote``. Counts stay nullable integers (empty = unknown), ``lat``/``lon``
    are the *reported* coordinates (empty when the place was geocoded from names, so a
    re-import geocodes it the same way), dates are ISO ``YYYY-MM-DD``.
    """
    frame = pd.DataFrame(incidents.drop(columns="geometry", errors="ignore"))
    out = pd.DataFrame(index=frame.index)
    for column in CSV_COLUMNS:
        out[column] = frame.get(column, pd.NA)
    out["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    reported = frame.get("agencies_reported", frame["agencies"]).fillna("").astype(str)
    out["agencies"] = [
        _export_agencies(text, str(codes))
        for text, codes in zip(reported, frame["agencies"].fillna(""), strict=True)
    ]
    grouped = (
        sources.assign(_n=sources.groupby("incident_id").cumcount() + 1)
        if len(sources)
        else sources.assign(_n=pd.Series(dtype="int64"))
    )
    widest = int(grouped["_n"].max()) if len(grouped) else 1
    ids = frame["incident_id"].astype(str)
    for number in range(1, max(widest, 1) + 1):
        part = grouped[grouped["_n"] == number].set_index("incident_id")
        prefix = "source_" if number == 1 else f"source_{number}_"
        for column in ("publisher", "date", "title", "url"):
            out[prefix + column] = ids.map(part[column]) if len(part) else ""
        quote = "quote" if number == 1 else f"{prefix}quote"
        out[quote] = ids.map(part["quote"]) if len(part) else ""
    return out.reset_index(drop=True)


def to_csv_bytes(incidents: pd.DataFrame, sources: pd.DataFrame) -> bytes:
    """Return the incidents with their sources as UTF-8 CSV, safe to open in a spreadsheet.

    Text cells are guarded by :func:`neutralise_frame`; ``zonas import`` undoes the
    guard (:func:`geo.csvsafe.restore_cell`), so the file re-imports to the same
    incidents.
    """
    table = neutralise_frame(incidents_table(incidents, sources))
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def to_geojson_bytes(incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> bytes:
    """Return the incidents as a GeoJSON FeatureCollection (EPSG:4326, RFC 7946).

    Each feature's ``id`` and ``incident_id`` property is the incident id, properties are
    the canonical columns (dates ISO, unknown counts ``null``), ``sources`` is a list of
    ``{publisher, date, title, url, quote}`` objects. Unlocated incidents have a ``null``
    geometry.
    """
    by_incident: dict[str, list[dict[str, str]]] = {}
    for record in sources.to_dict("records"):
        entry = {
            k: _json_text(record.get(k)) for k in ("publisher", "date", "title", "url", "quote")
        }
        by_incident.setdefault(str(record["incident_id"]), []).append(entry)
    frame = incidents.to_crs(CRS) if incidents.crs is not None else incidents
    features = []
    columns = [c for c in frame.columns if c not in ("geometry", "content_hash")]
    for record, geometry in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
        properties = {column: _json_value(record[column]) for column in columns}
        incident_id = str(record["incident_id"])
        properties["sources"] = by_incident.get(incident_id, [])
        features.append(
            {
                "type": "Feature",
                "id": incident_id,
                "geometry": _geometry_json(geometry),
                "properties": properties,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def _geometry_json(geometry: object) -> object:
    import shapely

    if not isinstance(geometry, shapely.Geometry) or shapely.is_empty(geometry):
        return None
    return json.loads(shapely.to_geojson(geometry))


def _json_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# ====================================================================== static map layout
@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a label and how it is drawn (face colour, edge, hatch, line style)."""

    label: str
    facecolor: str
    edgecolor: str = "#666666"
    hatch: str | None = None
    linestyle: Literal["-", "--"] = "-"


@dataclass(frozen=True)
class MapLayers:
    """Everything a static map draws, already classified (EPSG:4326 geometries).

    ``areas`` has ``area_code``, ``area_name``, ``colour`` (hex; :data:`geo.maps.NO_DATA_COLOR`
    for areas with nothing to show) and ``geometry``. ``zones`` (may be empty) has
    ``area_name``, ``roles``, ``precision`` and ``geometry``: outlines drawn on top,
    approximate ones hatched and dashed. ``context`` is the country's states, drawn as
    thin boundaries and used for the inset locator map.
    """

    areas: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    context: gpd.GeoDataFrame
    legend_title: str
    legend: tuple[LegendEntry, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetText:
    """The words around a map: title, subtitle and footer lines."""

    title: str
    subtitle: str
    sources: str
    stamp: str
    attribution: str = ATTRIBUTION


def view_extent(
    view: ExportView, *, areas: gpd.GeoDataFrame, context: gpd.GeoDataFrame
) -> tuple[float, float, float, float]:
    """Return the map extent ``(min_lon, min_lat, max_lon, max_lat)`` in degrees.

    The view's own ``bbox`` wins; else the bounds of the areas the filter selects (states,
    municipalities, zones); at the zone level, the zones with something to show (regions
    such as whole states left out); else the whole country (the ``context`` bounds).
    """
    if view.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = view.bbox
        if not (min_lon < max_lon and min_lat < max_lat):
            raise ExportError(_("bbox must be min_lon, min_lat, max_lon, max_lat"))
        return view.bbox
    selected = _selected_geometries(view.flt, areas=areas)
    if not len(selected) and "value" in areas and "roles" in areas:
        # Zone level: zones are small; frame the ones with something to show.
        shown = areas[(areas["value"] > 0) & ~areas["roles"].fillna("").str.contains("region")]
        selected = shown.geometry if len(shown) else selected
    frame = selected if len(selected) else context
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in frame.total_bounds)
    return (min_lon, min_lat, max_lon, max_lat)


def _selected_geometries(flt: Filter, *, areas: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The geometries of the areas a filter restricts to, from the shipped layers."""
    from geo import geodata

    parts: list[gpd.GeoSeries] = []
    if flt.states:
        states = geodata.load_states()
        parts.append(states.loc[states["state_code"].isin(flt.states), "geometry"])
    if flt.municipalities:
        munis = geodata.load_municipalities()
        parts.append(munis.loc[munis["muni_code"].isin(flt.municipalities), "geometry"])
    if flt.zones:
        zones = geodata.load_shipped_zones()
        parts.append(zones.loc[zones["zone_id"].isin(flt.zones), "geometry"])
        if "area_code" in areas:
            parts.append(areas.loc[areas["area_code"].isin(flt.zones), "geometry"])
    if not parts:
        return gpd.GeoSeries([], crs=CRS)
    return gpd.GeoSeries(pd.concat(parts, ignore_index=True), crs=CRS)


def map_crs(extent: tuple[float, float, float, float]) -> str:
    """Return a transverse Mercator CRS (metres, WGS 84) centred on ``extent``.

    Scale is exact along the central meridian and within 1 % over the whole of
    Venezuela; the scale bar corrects for the local factor anyway.
    """
    lon = (extent[0] + extent[2]) / 2
    lat = (extent[1] + extent[3]) / 2
    return (
        f"+proj=tmerc +lat_0={lat:.6f} +lon_0={lon:.6f} +k=1 +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def _projected_window(
    extent: tuple[float, float, float, float], crs: str, *, aspect: float, pad: float = 0.06
) -> tuple[float, float, float, float]:
    """Return ``(x0, y0, x1, y1)`` in map metres covering ``extent`` padded by ``pad`` and
    widened to the axes' ``aspect`` (width / height)."""
    from shapely.geometry import box

    projected = gpd.GeoSeries([box(*extent)], crs=CRS).to_crs(crs).total_bounds
    x0, y0, x1, y1 = (float(v) for v in projected)
    width = max(x1 - x0, 2_000.0) * (1 + 2 * pad)
    height = max(y1 - y0, 2_000.0) * (1 + 2 * pad)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _prepare(
    frame: gpd.GeoDataFrame, crs: str, window: tuple[float, float, float, float], px_m: float
) -> gpd.GeoDataFrame:
    """Keep what touches the window (cut in lon/lat first, cheap), project it to the map
    CRS and simplify it to about one pixel (``px_m`` metres)."""
    if frame.empty:
        return frame.to_crs(crs) if frame.crs is not None else frame
    lon0, lat0, lon1, lat1 = _window_lonlat(crs, window)
    projected = frame.cx[lon0:lon1, lat0:lat1].to_crs(crs)
    # Non-topological simplification is several times faster; at one pixel the
    # difference cannot be seen (tiny rings that collapse are below a pixel anyway).
    projected["geometry"] = projected.geometry.simplify(px_m, preserve_topology=False)
    return projected


def _window_lonlat(
    crs: str, window: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Lon/lat bounds of a projected window, densified along its edges, with a margin."""
    from pyproj import Transformer

    x0, y0, x1, y1 = window
    steps = np.linspace(0.0, 1.0, 9)
    xs = np.concatenate([x0 + (x1 - x0) * steps, np.full(9, x1), x0 + (x1 - x0) * steps,
                         np.full(9, x0)])  # fmt: skip
    ys = np.concatenate([np.full(9, y0), y0 + (y1 - y0) * steps, np.full(9, y1),
                         y0 + (y1 - y0) * steps])  # fmt: skip
    lons, lats = Transformer.from_crs(crs, CRS, always_xy=True).transform(xs, ys)
    margin_lon = (float(np.max(lons)) - float(np.min(lons))) * 0.02
    margin_lat = (float(np.max(lats)) - float(np.min(lats))) * 0.02
    return (
        float(np.min(lons)) - margin_lon,
        float(np.min(lats)) - margin_lat,
        float(np.max(lons)) + margin_lon,
        float(np.max(lats)) + margin_lat,
    )


def _nice_length_km(max_km: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ km not above ``max_km``."""
    exponent = math.floor(math.log10(max_km))
    for step in (5.0, 2.0, 1.0):
        length = step * 10.0**exponent
        if length <= max_km:
            return length
    return 5.0 * 10.0 ** (exponent - 1)


def draw_scale_bar(ax: Axes, crs: str, *, fraction: float = 0.22) -> float:
    """Draw a two-segment scale bar (km) at the lower left of ``ax``; return its length in km.

    The bar's length in map metres is the ground length times the projection's scale
    factor at the bar's own position (:meth:`pyproj.Proj.get_factors`).
    """
    from matplotlib.patches import Rectangle
    from pyproj import Proj, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    start_x = x0 + (x1 - x0) * 0.04
    start_y = y0 + (y1 - y0) * 0.05
    lon, lat = Transformer.from_crs(crs, CRS, always_xy=True).transform(start_x, start_y)
    scale = float(Proj(crs).get_factors(lon, lat).parallel_scale)
    length_km = _nice_length_km((x1 - x0) * fraction / scale / 1000)
    length_map = length_km * 1000 * scale
    height = (y1 - y0) * 0.008
    for index, colour in enumerate(("#222222", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (start_x + index * length_map / 2, start_y), length_map / 2, height,
                facecolor=colour, edgecolor="#222222", linewidth=0.6, zorder=20,
            )
        )  # fmt: skip
    label_y = start_y + height * 1.8
    text = {"fontsize": 7, "ha": "center", "va": "bottom", "zorder": 20}
    ax.text(start_x, label_y, "0", **text)  # type: ignore[arg-type]
    ax.text(start_x + length_map / 2, label_y, f"{length_km / 2:g}", **text)  # type: ignore[arg-type]
    ax.text(start_x + length_map, label_y, f"{length_km:g} km", **text)  # type: ignore[arg-type]
    return length_km


def draw_north_arrow(ax: Axes, crs: str) -> float:
    """Draw a north arrow at the upper right of ``ax``, turned to the local meridian.

    Returns the rotation in degrees (meridian convergence at the arrow; 0 on the central
    meridian of the map projection).
    """
    from matplotlib.patches import Polygon
    from pyproj import Proj, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = x0 + (x1 - x0) * 0.95, y0 + (y1 - y0) * 0.90
    lon, lat = Transformer.from_crs(crs, CRS, always_xy=True).transform(cx, cy)
    convergence = float(Proj(crs).get_factors(lon, lat).meridian_convergence)
    size = (y1 - y0) * 0.045
    angle = math.radians(convergence)
    shape = np.array([(0.0, 1.0), (-0.45, -0.6), (0.0, -0.25), (0.45, -0.6)]) * size / 2
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points = shape @ rotation.T + np.array([cx, cy])
    ax.add_patch(Polygon(points, closed=True, facecolor="#222222", edgecolor="#222222", zorder=20))
    tip = np.array([0.0, 0.62]) * size @ rotation.T + np.array([cx, cy])
    ax.text(
        tip[0], tip[1], _("N"), fontsize=9, fontweight="bold", ha="center", va="bottom",
        zorder=20,
    )  # fmt: skip
    return convergence


def draw_inset(
    ax: Axes, context: gpd.GeoDataFrame, extent: tuple[float, float, float, float]
) -> Axes:
    """Draw a small locator map of the whole country with the view's extent outlined."""
    from matplotlib.patches import Rectangle

    inset = ax.inset_axes((0.74, 0.015, 0.25, 0.25), zorder=25)
    crs = map_crs(tuple(float(v) for v in context.total_bounds))  # type: ignore[arg-type]
    country = context.to_crs(crs)
    country["geometry"] = country.geometry.simplify(3_000)
    country.plot(ax=inset, facecolor="#dddddd", edgecolor="#999999", linewidth=0.2)
    from shapely.geometry import box

    x0, y0, x1, y1 = gpd.GeoSeries([box(*extent)], crs=CRS).to_crs(crs).total_bounds
    cx0, cy0, cx1, cy1 = country.total_bounds
    minimum = (cx1 - cx0) * 0.025
    width, height = max(x1 - x0, minimum), max(y1 - y0, minimum)
    inset.add_patch(
        Rectangle(
            ((x0 + x1 - width) / 2, (y0 + y1 - height) / 2), width, height,
            facecolor="none", edgecolor="#c00000", linewidth=1.2,
        )
    )  # fmt: skip
    inset.set_xlim(cx0, cx1)
    inset.set_ylim(cy0, cy1)
    inset.set_aspect("equal")
    _bare(inset)
    inset.set_facecolor("#ffffff")
    for spine in inset.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.6)
    return inset


def _is_zoomed(window: tuple[float, float, float, float], country_window: float) -> bool:
    """True when the map shows clearly less than the whole country."""
    return (window[2] - window[0]) < 0.6 * country_window


def draw_map(
    ax: Axes,
    layers: MapLayers,
    extent: tuple[float, float, float, float],
    *,
    px_width: float,
) -> None:
    """Draw the choropleth, context boundaries, zones, scale bar, north arrow and inset.

    Parameters
    ----------
    ax
        Axes to draw into (its box aspect decides how the extent is widened).
    layers
        Classified layers (EPSG:4326).
    extent
        ``(min_lon, min_lat, max_lon, max_lat)`` degrees.
    px_width
        Width of the axes in pixels, used to simplify geometries to about one pixel.
    """
    crs = map_crs(extent)
    bbox = ax.get_position()
    fig_w, fig_h = ax.get_figure(root=True).get_size_inches()  # type: ignore[union-attr]
    aspect = (bbox.width * fig_w) / (bbox.height * fig_h)
    window = _projected_window(extent, crs, aspect=aspect)
    px_m = (window[2] - window[0]) / max(px_width, 1.0)
    areas = _prepare(layers.areas, crs, window, px_m)
    context = _prepare(layers.context, crs, window, px_m)
    if not areas.empty:
        areas.plot(ax=ax, color=areas["colour"].tolist(), edgecolor=LAND_EDGE, linewidth=0.25)
    if not context.empty:
        context.boundary.plot(ax=ax, color=STATE_EDGE, linewidth=0.5)
    zoomed = _is_zoomed(window, _country_width(layers.context, crs))
    _draw_zones(ax, _prepare(layers.zones, crs, window, px_m), label=zoomed)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    ax.set_aspect("equal")
    _bare(ax)
    ax.set_facecolor("#dfe9f2")
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
        spine.set_linewidth(0.6)
    draw_scale_bar(ax, crs)
    draw_north_arrow(ax, crs)
    if zoomed:
        draw_inset(ax, layers.context, extent)


def _bare(ax: Axes) -> None:
    """No ticks, no axis labels (GeoPandas labels projected axes "Easting [metre]")."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _country_width(context: gpd.GeoDataFrame, crs: str) -> float:
    x0, _y0, x1, _y1 = context.to_crs(crs).total_bounds
    return float(x1 - x0)


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame, *, label: bool) -> None:
    """Outline zones in the interactive map's role colours (:data:`geo.maps.ZONE_COLORS`;
    a zone with both roles gets a thick operation line under a thin peace line);
    approximate zones are dashed and hatched, and labelled "(approximate)" when ``label``."""
    from geo import maps

    if zones.empty:
        return
    for row in zones.itertuples():
        roles = [r for r in maps.zone_roles(row.roles) if r in maps.ZONE_COLORS]
        approximate = maps.is_approximate(row.precision)
        for number, role in enumerate(roles or ["operation_zone"]):
            gpd.GeoSeries([row.geometry]).plot(
                ax=ax,
                facecolor="none",
                edgecolor=maps.ZONE_COLORS[role],
                linewidth=1.6 if role == "operation_zone" else 0.9,
                linestyle="--" if approximate else "-",
                hatch="//" if approximate and number == 0 else None,
                hatch_linewidth=0.5,
                zorder=10,
            )
        if label:
            point = row.geometry.representative_point()
            name = str(row.area_name)
            if approximate:
                name = _("{name} (approximate)").format(name=name)
            ax.annotate(
                name, (point.x, point.y), fontsize=6.5, ha="center", va="center", zorder=15,
                color=maps.ZONE_COLORS[(roles or ["operation_zone"])[0]],
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            )  # fmt: skip


def draw_legend(ax: Axes, layers: MapLayers) -> None:
    """Draw the legend (class colours with units, zone styles, notes) into ``ax``."""
    from matplotlib.patches import Patch

    ax.set_axis_off()
    handles = [
        Patch(
            facecolor=entry.facecolor, edgecolor=entry.edgecolor, hatch=entry.hatch,
            linestyle=entry.linestyle, label=textwrap.fill(entry.label, 34),
        )
        for entry in layers.legend
    ]  # fmt: skip
    legend = ax.legend(
        handles=handles, title=layers.legend_title, loc="upper left", frameon=False,
        fontsize=8, title_fontsize=9, alignment="left", handlelength=1.8, handleheight=1.2,
    )  # fmt: skip
    legend.get_title().set_fontweight("bold")
    if layers.notes:
        wrapped = "\n".join(textwrap.fill(note, 38) for note in layers.notes)
        ax.text(0.0, 0.0, wrapped, fontsize=7, color="#444444", va="bottom", ha="left",
                transform=ax.transAxes)  # fmt: skip


def zone_legend(zones: gpd.GeoDataFrame) -> tuple[LegendEntry, ...]:
    """Legend rows of the interactive map's zone legend
    (:func:`geo.maps.zone_legend_entries`), for the kinds present in ``zones``."""
    from geo import maps

    if zones.empty:
        return ()
    operation, peace, approximate = maps.zone_legend_entries()
    roles = zones["roles"].map(maps.zone_roles)
    present = {
        id(operation): roles.map(lambda r: "operation_zone" in r).any(),
        id(peace): roles.map(lambda r: "peace_zone" in r).any(),
        id(approximate): zones["precision"].map(maps.is_approximate).any(),
    }
    return tuple(
        LegendEntry(
            entry.label,
            facecolor="none",
            edgecolor=entry.color,
            hatch="//" if entry.dash else None,
            linestyle="--" if entry.dash else "-",
        )
        for entry in (operation, peace, approximate)
        if present[id(entry)]
    )


def snapshot_figure(layers: MapLayers, text: SheetText, *, view: ExportView, dpi: int) -> Figure:
    """Lay out a full snapshot sheet: title, subtitle, map, legend and footer.

    The figure is :data:`SNAPSHOT_SIZE_IN` inches, so a PNG is exactly
    ``width × dpi`` by ``height × dpi`` pixels.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=SNAPSHOT_SIZE_IN, dpi=dpi)
    figure.text(0.02, 0.965, text.title, fontsize=16, fontweight="bold", va="top")
    figure.text(0.02, 0.915, text.subtitle, fontsize=10, color="#333333", va="top")
    map_ax = figure.add_axes((0.02, 0.17, 0.70, 0.71))
    extent = view_extent(view, areas=layers.areas, context=layers.context)
    draw_map(map_ax, layers, extent, px_width=SNAPSHOT_SIZE_IN[0] * 0.70 * dpi)
    legend_ax = figure.add_axes((0.74, 0.17, 0.24, 0.71))
    draw_legend(legend_ax, layers)
    _draw_footer(figure, text, top=0.145, width_chars=175)
    return figure


def _draw_footer(figure: Figure, text: SheetText, *, top: float, width_chars: int) -> None:
    lines = [
        textwrap.fill(text.sources, width_chars),
        textwrap.fill(text.attribution, width_chars),
        text.stamp,
    ]
    figure.text(0.02, top, "\n".join(lines), fontsize=6.5, color="#333333", va="top",
                linespacing=1.5)  # fmt: skip


def figure_bytes(figure: Figure, fmt: Literal["png", "svg", "pdf"], *, dpi: int) -> bytes:
    """Serialise a figure; PNG keeps the figure's exact pixel size (no tight bbox)."""
    buffer = io.BytesIO()
    metadata: dict[str, str] = {"Title": _figure_title(figure)}
    if fmt == "png":  # fast zlib level: the PNG is ~10 % larger, encoded 3x faster
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata,
                       pil_kwargs={"compress_level": 1})  # fmt: skip
    else:  # SVG keeps real text (searchable, editable in Inkscape/Illustrator)
        import matplotlib as mpl

        with mpl.rc_context({"svg.fonttype": "none"}):
            figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def _figure_title(figure: Figure) -> str:
    texts = figure.texts
    return texts[0].get_text() if texts else "zonas"


# ====================================================================== measures
def measure_spec(measure: str) -> maps.Measure:
    """Return the interactive map's definition of a measure (:data:`geo.maps.MEASURES`).

    Raises
    ------
    ExportError
        If ``measure`` is not a key of :data:`geo.maps.MEASURES`.
    """
    from geo import maps

    if measure not in maps.MEASURES:
        raise ExportError(
            _("unknown measure {measure!r} (use {allowed})").format(
                measure=measure, allowed=", ".join(maps.MEASURES)
            )
        )
    return maps.MEASURES[measure]


# ====================================================================== data for one view
@dataclass(frozen=True)
class ExportData:
    """What an export of one view shows: the filtered incidents and their context.

    ``incidents`` are canonical (EPSG:4326), already filtered by the view's filter;
    ``sources`` are theirs (``None``: not read, too many to list); ``zones`` are the
    shipped and user zones (:data:`geo.geodata.ZONE_COLUMNS`); ``data_version`` is the store's
    :meth:`~geo.store.Store.content_version`; ``generated`` is UTC.
    """

    incidents: gpd.GeoDataFrame
    sources: pd.DataFrame | None
    zones: gpd.GeoDataFrame
    data_version: str
    generated: datetime


def collect_export_data(
    store: Store,
    flt: Filter,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    all_sources: bool = True,
    geometry: bool = True,
) -> ExportData:
    """Gather what an export of ``flt`` shows.

    Parameters
    ----------
    store
        Source of the sources table, the user zones and the data version (and of the
        incidents when ``incidents`` is not given).
    flt
        The view's filter, applied with :meth:`Filter.mask` (the one filter
        implementation) by the store or, for ``incidents``, here.
    incidents
        All incidents of ``store``, already in memory (the app's cached frame): saves a
        second read of a large store.
    zones
        Shipped and user zones (default: :func:`geo.zones.all_zones` of the store).
    all_sources
        Read every source of the selection. When false (maps and reports, which only
        summarise sources) and the selection has more than ``_BULK_SOURCES`` incidents,
        sources are not read and ``sources`` is ``None``: the sheet then gives the count
        of incidents and points to the CSV.
    geometry
        Read the incidents' points from the store. Snapshots and reports at an admin
        level draw areas only and pass ``False`` (a million points less to build); see
        :meth:`geo.store.Store.read_incidents`.
    """
    from geo.zones import all_zones

    if incidents is None:
        selected = store.read_incidents(flt, geometry=geometry)
    else:
        selected = incidents[flt.mask(incidents)].reset_index(drop=True)
    ids = selected["incident_id"].astype(str)
    sources: pd.DataFrame | None
    if len(ids) > _BULK_SOURCES and not all_sources:
        sources = None
    elif len(ids) > _BULK_SOURCES:  # one scan beats a huge id list
        everything = store.read_sources()
        sources = everything[everything["incident_id"].isin(ids)].reset_index(drop=True)
    else:
        sources = store.read_sources(ids.tolist())
    return ExportData(
        incidents=selected,
        sources=sources,
        zones=all_zones(store_location=store.location) if zones is None else zones,
        data_version=store.content_version(),
        generated=_utc_now(),
    )


def map_layers(data: ExportData, view: ExportView) -> MapLayers:
    """Aggregate the view's measure per area and classify it like the interactive map.

    Areas with nothing to show are drawn in :data:`geo.maps.NO_DATA_COLOR`; incidents counted in
    the "unlocated at this level" or "outside any zone" buckets are not drawn and are
    reported in the legend notes, never spread over areas.
    """
    from geo import maps
    from geo.aggregate import OUTSIDE_CODE, UNLOCATED_CODE, aggregate
    from geo.geodata import area_layer

    spec = measure_spec(view.measure)
    table = aggregate(data.incidents, level=view.level, zones=data.zones)
    zones_arg = data.zones if view.level == "zone" else None
    areas = area_layer(view.level, zones=zones_arg).copy()
    low = table.set_index("area_code")[spec.low]
    high = table.set_index("area_code")[spec.high or spec.low]
    areas["value"] = areas["area_code"].map(low).fillna(0).astype(float)
    areas["value_high"] = areas["area_code"].map(high).fillna(0).astype(float)
    breaks = maps.classify(areas["value"].tolist())
    areas["colour"] = [maps.color_for(value, breaks) for value in areas["value"]]
    if view.level == "zone":
        # Zones overlap: draw the large ones first so that small ones stay visible.
        areas = areas.assign(_area=areas.to_crs("EPSG:3857").area).sort_values(
            "_area", ascending=False
        )
    legend = [LegendEntry(_("none"), maps.NO_DATA_COLOR)]
    colours = maps.palette(len(breaks)) if breaks else ()
    legend += [
        LegendEntry(label, colour)
        for label, colour in zip(maps.class_labels(breaks), colours, strict=True)
    ]
    overlay = _overlay_zones(data.zones, view, areas=areas)
    notes = []
    buckets = table.set_index("area_code")["incidents"]
    if UNLOCATED_CODE in buckets.index:
        notes.append(
            _("{n} incidents known only at a coarser level than {level} are not drawn.").format(
                n=int(buckets[UNLOCATED_CODE]), level=_(_LEVEL_PLURAL[view.level])
            )
        )
    if OUTSIDE_CODE in buckets.index:
        notes.append(
            _("{n} incidents lie outside every zone and are not drawn.").format(
                n=int(buckets[OUTSIDE_CODE])
            )
        )
    if spec.high is not None:
        notes.append(_("Colours show the lower bound of contested counts (ranges in the CSV)."))
    return MapLayers(
        areas=areas,
        zones=overlay,
        context=area_layer("state"),
        legend_title=maps.measure_title(spec),
        legend=(*legend, *zone_legend(overlay)),
        notes=tuple(notes),
    )


def _overlay_zones(
    zones: gpd.GeoDataFrame, view: ExportView, *, areas: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Zones outlined on top of the choropleth: every zone at the zone level; else the
    selected zones, plus the operation and peace zones inside the view when zoomed in."""
    frame = zones.rename(columns={"zone_id": "area_code", "name": "area_name"})
    frame = frame[["area_code", "area_name", "roles", "precision", "geometry"]]
    if view.level == "zone":
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
    keep = frame["area_code"].isin(view.flt.zones).to_numpy().copy()
    zoomed = view.bbox is not None or bool(view.flt.states or view.flt.municipalities)
    if zoomed or view.flt.zones:
        min_lon, min_lat, max_lon, max_lat = view_extent(view, areas=areas, context=areas)
        roles = frame["roles"].fillna("").astype(str)
        inside = frame.geometry.intersects(
            gpd.GeoSeries.from_xy([min_lon, max_lon], [min_lat, max_lat]).union_all().envelope
        ).to_numpy()
        keep |= inside & ~roles.str.contains("region").to_numpy()
    return gpd.GeoDataFrame(frame[keep], geometry="geometry", crs=CRS)


def sources_line(
    sources: pd.DataFrame | None, *, limit: int = MAX_LISTED_SOURCES, incidents: int = 0
) -> str:
    """Name the sources counted, or count them and point to the CSV when there are many
    (``sources=None``: not read; the line counts the ``incidents`` instead)."""
    if sources is None:
        return _(
            "Sources: {n} incidents, each with at least one source (publisher, date, link, "
            "quote); the full list is in the CSV export of this view."
        ).format(n=format_number(incidents))
    if sources.empty:
        return _("Sources: none (no incidents under this filter).")
    distinct = sources.drop_duplicates(["publisher", "date", "title", "url"])
    if len(distinct) <= limit:
        listed = "; ".join(
            " ".join(part for part in (publisher, f"({day})" if day else "", url) if part)
            for publisher, day, url in zip(
                distinct["publisher"].fillna("").astype(str),
                distinct["date"].fillna("").astype(str),
                distinct["url"].fillna("").astype(str),
                strict=True,
            )
        )
        return _("Sources ({n}): {listed}").format(n=format_number(len(distinct)), listed=listed)
    publishers = distinct["publisher"].fillna("").astype(str)
    top = ", ".join(publishers[publishers != ""].value_counts().index[:4])
    return _(
        "Sources: {n} sources from {p} publishers (most cited: {top}); the full list with "
        "links and quotes is in the CSV export of this view."
    ).format(n=format_number(len(distinct)), p=format_number(publishers.nunique()), top=top)


def default_title(view: ExportView) -> str:
    """``Civilians killed by municipality``: the measure and the level."""
    spec = measure_spec(view.measure)
    return _("{measure} by {level}").format(measure=_(spec.label), level=_(_LEVEL_NOUN[view.level]))


_LEVEL_NOUN: Final[dict[str, str]] = {
    "state": N_("state"),
    "municipality": N_("municipality"),
    "parish": N_("parish"),
    "zone": N_("zone"),
}


def sheet_text(data: ExportData, view: ExportView) -> SheetText:
    """Title, subtitle (:func:`describe_filter`), sources line and generation stamp."""
    stamp = ngettext(
        "Generated {when} UTC · data version {version} · {n} incident",
        "Generated {when} UTC · data version {version} · {n} incidents",
        len(data.incidents),
    ).format(
        when=data.generated.strftime("%Y-%m-%d %H:%M"),
        version=data.data_version,
        n=format_number(len(data.incidents)),
    )
    return SheetText(
        title=view.title or default_title(view),
        subtitle=describe_filter(view.flt, level=view.level, zones=data.zones),
        sources=sources_line(data.sources, incidents=len(data.incidents)),
        stamp=stamp,
    )


# ====================================================================== the one-page report
def _timeline_period(incidents: pd.DataFrame) -> Literal["week", "month", "quarter"]:
    """Weeks for up to ~3 months of data, quarters beyond 6 years, else months."""
    if incidents.empty:
        return "month"
    span = (pd.to_datetime(incidents["date"]).max() - pd.to_datetime(incidents["date"]).min()).days
    if span <= 92:
        return "week"
    if span > 6 * 366:
        return "quarter"
    return "month"


def timeline_table(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents and civilians killed (min, max) per period, every incident once.

    Uses :func:`geo.aggregate.aggregate` at the state level (every incident is in exactly
    one state row or in the unlocated bucket) and adds the rows up per period.
    """
    from geo.aggregate import aggregate

    period = _timeline_period(incidents)
    table = aggregate(incidents, level="state", period=period)
    columns = ["incidents", "civilians_killed_min", "civilians_killed_max"]
    if table.empty:
        return pd.DataFrame(columns=["period", "period_start", *columns])
    grouped = table.groupby(["period", "period_start"], as_index=False)[columns].sum()
    return grouped.sort_values("period_start").reset_index(drop=True)


_PERIOD_DAYS: Final[dict[str, int]] = {"week": 7, "month": 30, "quarter": 91}


def draw_timeline(ax: Axes, timeline: pd.DataFrame, *, period: str = "month") -> None:
    """Bars of incidents per period; civilians killed per period on a second axis as a
    marker at the minimum with a line up to the maximum (contested counts stay ranges)."""
    ax.set_title(_("Timeline"), loc="left", fontsize=9, fontweight="bold")
    if timeline.empty:
        ax.text(0.5, 0.5, _("No incidents under this filter."), ha="center", va="center",
                transform=ax.transAxes, fontsize=8)  # fmt: skip
        ax.set_axis_off()
        return
    starts = pd.to_datetime(timeline["period_start"]).to_numpy()
    days = _PERIOD_DAYS.get(period, 30)
    centres = starts + np.timedelta64(days // 2, "D")
    ax.bar(centres, timeline["incidents"], width=days * 0.8, color="#9aa8b8",
           label=_("incidents"))  # fmt: skip
    ax.set_ylabel(_("incidents"), fontsize=7)
    killed = ax.twinx()
    low = timeline["civilians_killed_min"].astype(float).to_numpy()
    high = timeline["civilians_killed_max"].astype(float).to_numpy()
    killed.vlines(centres, low, high, color="#a50f15", linewidth=1.5)
    killed.plot(centres, low, "o", color="#a50f15", markersize=3,
                label=_("civilians killed (min–max)"))  # fmt: skip
    killed.set_ylabel(_("civilians killed"), fontsize=7, color="#a50f15")
    for axis in (ax, killed):
        axis.tick_params(labelsize=6.5)
        axis.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + killed.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=6.5, loc="upper left", frameon=False)


def indicator_rows(incidents: pd.DataFrame) -> list[tuple[str, str]]:
    """Return ``(label, value)`` rows of the headline numbers and lethal-force indicators
    for the whole selection (:func:`geo.aggregate.totals` and
    :func:`geo.aggregate.indicators`); ranges as ``14–16``, ratios with their counts."""
    from geo.aggregate import format_range, indicators, totals

    headline = totals(incidents)
    table = indicators(pd.DataFrame([headline]))
    row = table.iloc[0]

    def count(column: str) -> str:
        return format_number(int(row[column]))

    def share(low: float, high: float) -> str:
        if math.isnan(low):
            return "—"
        lo, hi = round(low * 100), round(high * 100)
        return f"{lo} %" if lo == hi else f"{lo}–{hi} %"

    def ratio(low: float, high: float, text: str) -> str:
        if math.isnan(low):
            return _("{counts} (no denominator)").format(counts=text)
        lo, hi = format_number(low, decimals=1), format_number(high, decimals=1)
        value = lo if lo == hi else f"{lo}–{hi}"
        return f"{value} ({text})"

    killed = format_range(
        int(row["civilians_killed_min"]), int(row["civilians_killed_max"]),
        at_least=bool(row["civilians_killed_at_least"]),
    )  # fmt: skip
    return [
        (_("Incidents"), count("incidents")),
        (_("Civilians killed"), killed),
        (_("Civilians injured"), count("civilians_injured")),
        (_("Officers killed"), count("officers_killed")),
        (_("Officers injured"), count("officers_injured")),
        (_("Detained"), count("detained")),
        (_("Civilians killed per officer killed"), ratio(
            row["killed_per_officer_killed_min"], row["killed_per_officer_killed_max"],
            str(row["killed_per_officer_killed_text"]))),
        (_("Lethality index (killed ÷ injured civilians)"), ratio(
            row["lethality_index_min"], row["lethality_index_max"],
            str(row["lethality_index_text"]))),
        (_("Civilians killed per incident"), ratio(
            row["killed_per_incident_min"], row["killed_per_incident_max"],
            ngettext("{n} incident", "{n} incidents", int(row["incidents"])).format(
                n=count("incidents")))),
        (_("Incidents with deaths and no officer casualties"), share(
            row["share_deaths_no_officer_casualties_min"],
            row["share_deaths_no_officer_casualties_max"])),
    ]  # fmt: skip


def draw_indicator_table(ax: Axes, rows: Sequence[tuple[str, str]]) -> None:
    """Draw ``(label, value)`` rows as a two-column table filling ``ax``."""
    ax.set_axis_off()
    ax.set_title(_("Indicators"), loc="left", fontsize=9, fontweight="bold")
    cells = [[textwrap.fill(label, 46), value] for label, value in rows]
    table = ax.table(cellText=cells, colWidths=[0.66, 0.34],
                     loc="upper left", cellLoc="left", edges="horizontal")  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.15)


def report_figure(layers: MapLayers, text: SheetText, data: ExportData, *, view: ExportView,
                  dpi: int) -> Figure:  # fmt: skip
    """Lay out the one-page A4 report: map with legend, timeline, indicators, sources."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=REPORT_SIZE_IN, dpi=dpi)
    figure.text(0.05, 0.975, text.title, fontsize=15, fontweight="bold", va="top")
    figure.text(0.05, 0.948, textwrap.fill(text.subtitle, 95), fontsize=8.5, color="#333333",
                va="top")  # fmt: skip
    map_ax = figure.add_axes((0.05, 0.50, 0.64, 0.42))
    extent = view_extent(view, areas=layers.areas, context=layers.context)
    draw_map(map_ax, layers, extent, px_width=REPORT_SIZE_IN[0] * 0.64 * dpi)
    legend_ax = figure.add_axes((0.71, 0.50, 0.26, 0.42))
    draw_legend(legend_ax, layers)
    draw_timeline(
        figure.add_axes((0.08, 0.32, 0.82, 0.13)),
        timeline_table(data.incidents),
        period=_timeline_period(data.incidents),
    )
    draw_indicator_table(figure.add_axes((0.05, 0.12, 0.55, 0.16)),
                         indicator_rows(data.incidents))  # fmt: skip
    sources_ax = figure.add_axes((0.63, 0.12, 0.34, 0.16))
    sources_ax.set_axis_off()
    sources_ax.set_title(_("Sources"), loc="left", fontsize=9, fontweight="bold")
    listed = _report_sources(data.sources, incidents=len(data.incidents))
    sources_ax.text(0, 1, listed, fontsize=6, va="top",
                    transform=sources_ax.transAxes, wrap=False)  # fmt: skip
    footer = SheetText(title="", subtitle="", sources="", stamp=text.stamp,
                       attribution=text.attribution)  # fmt: skip
    figure.text(0.05, 0.085, textwrap.fill(footer.attribution, 125) + "\n" + footer.stamp,
                fontsize=6, color="#333333", va="top", linespacing=1.5)  # fmt: skip
    return figure


def _report_sources(sources: pd.DataFrame | None, *, limit: int = 12, incidents: int = 0) -> str:
    """Up to ``limit`` publishers with their dates, then a count and a CSV pointer."""
    if sources is None:
        return textwrap.fill(sources_line(None, incidents=incidents), 60)
    if sources.empty:
        return _("none (no incidents under this filter)")
    distinct = sources.drop_duplicates(["publisher", "date", "title", "url"])
    lines = [
        textwrap.shorten(f"{r.publisher} ({r.date}): {r.title}", 70, placeholder="…")
        for r in distinct.head(limit).itertuples()
    ]
    if len(distinct) > limit:
        lines.append(
            _("… and {n} more: see the CSV export of this view.").format(n=len(distinct) - limit)
        )
    return "\n".join(lines)


# ====================================================================== interactive HTML
def interactive_map(data: ExportData, view: ExportView) -> folium.Map:
    """Return the map page's folium map of the view (:func:`geo.maps.incident_map`).

    Same aggregation, classes, layers and marker cap (:data:`geo.maps.MAX_MARKERS`) as
    the page.
    """
    from geo import maps
    from geo.aggregate import aggregate

    table = aggregate(data.incidents, level=view.level, zones=data.zones)
    shown = data.incidents if len(data.incidents) <= maps.MAX_MARKERS else None
    return maps.incident_map(table, shown, level=view.level, measure=view.measure, zones=data.zones)


def standalone_html(data: ExportData, view: ExportView) -> str:
    """Return the interactive map of the view as one self-contained HTML page.

    Built by the same :mod:`geo.maps` builders as the app, with the export's title,
    subtitle, sources line and stamp above the map (text escaped); every script,
    stylesheet, image and font is inlined (:func:`geo.webassets.inline_assets`), so the
    file opens offline and loads nothing from the network.
    """
    import html

    from branca.element import Element

    from geo import maps
    from geo.webassets import inline_assets

    figure = interactive_map(data, view)
    text = sheet_text(data, view)
    header = (
        '<div style="font:14px/1.4 sans-serif;padding:6px 10px;background:#fff">'
        f'<div style="font-size:18px;font-weight:bold">{html.escape(text.title)}</div>'
        f"<div>{html.escape(text.subtitle)}</div>"
        f'<div style="font-size:11px;color:#444">{html.escape(text.sources)}<br>'
        f"{html.escape(text.stamp)}</div></div>"
    )
    root = figure.get_root()
    root.html.add_child(Element(header), index=0)  # type: ignore[attr-defined]
    root.title = text.title  # type: ignore[attr-defined]
    return inline_assets(maps.render_html(figure))


# ====================================================================== one entry point
def render_export(
    store: Store,
    fmt: ExportFormat,
    view: ExportView,
    *,
    dpi: int = DEFAULT_DPI,
    data: ExportData | None = None,
) -> bytes:
    """Return the bytes of one export of ``view`` (the CLI and the app both call this).

    Parameters
    ----------
    store
        Where the incidents are read from (ignored when ``data`` is given).
    fmt
        One of :data:`FORMATS`: ``png``, ``svg``, ``pdf`` (map snapshot), ``report``
        (one-page PDF), ``html`` (interactive, offline), ``csv``, ``geojson``.
    view
        Filter, level, measure, title, extent and language of the export.
    dpi
        Raster resolution for ``png`` (and embedded images); 50–600.
    data
        Already collected data (the app passes its cached frames).

    Raises
    ------
    ExportError
        For an unknown format or measure, or a dpi out of range.
    """
    if fmt not in FORMATS:
        raise ExportError(
            _("unknown format {fmt!r} (use {allowed})").format(fmt=fmt, allowed=", ".join(FORMATS))
        )
    if not 50 <= dpi <= 600:
        raise ExportError(_("dpi must be between 50 and 600, not {dpi}").format(dpi=dpi))
    measure_spec(view.measure)
    with use_language(view.lang or get_language()):
        listing = fmt in ("csv", "geojson")
        if data is None or (listing and data.sources is None):
            # points are drawn (html), written (csv, geojson) or joined to user zones
            points = fmt in ("csv", "geojson", "html") or view.level == "zone"
            data = collect_export_data(store, view.flt, all_sources=listing, geometry=points)
        if fmt in ("csv", "geojson"):
            sources = data.sources if data.sources is not None else pd.DataFrame()
            writer = to_csv_bytes if fmt == "csv" else to_geojson_bytes
            return writer(data.incidents, sources)
        if fmt == "html":
            return standalone_html(data, view).encode("utf-8")
        layers = map_layers(data, view)
        text = sheet_text(data, view)
        if fmt == "report":
            figure = report_figure(layers, text, data, view=view, dpi=dpi)
            return figure_bytes(figure, "pdf", dpi=dpi)
        figure = snapshot_figure(layers, text, view=view, dpi=dpi)
        image: Literal["png", "svg", "pdf"] = (
            "svg" if fmt == "svg" else "pdf" if fmt == "pdf" else "png"
        )
        return figure_bytes(figure, image, dpi=dpi)


def export_file_name(fmt: ExportFormat, view: ExportView, *, today: date | None = None) -> str:
    """Return a descriptive file name: ``zonas-civilians_killed-municipality-2026-11-25.png``."""
    day = (today or _utc_now().date()).isoformat()
    stem = "report" if fmt == "report" else view.measure
    return f"zonas-{stem}-{view.level}-{day}.{EXTENSIONS[fmt]}"
