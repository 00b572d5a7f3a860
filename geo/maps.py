"""Folium map builders: pure functions from GeoDataFrames to Leaflet layers.

No Streamlit here: a notebook, the CLI and the HTML export build the same maps as the app.
Maps are offline (:func:`geo.webassets.offline_map`: vendored JS/CSS, no tile server) and
every builder adds to a map and returns what it added, so a page composes them::

    m = base_map()
    add_area_layer(m, "state", tolerance_deg=tolerance_for_zoom(6))
    add_zone_layers(m, load_shipped_zones())
    add_layer_control(m)

Geometries are in EPSG:4326 (lon/lat degrees); tolerances are in degrees. Text from the
data (names, sources, notes) is HTML-escaped before it reaches a tooltip or popup, so a
``<script>`` in a description shows as text. Class breaks and colours for choropleths
live here (:func:`classify`, :func:`palette`, :func:`color_for`) so the static
(matplotlib) export draws the same classes.
"""

from __future__ import annotations

import bisect
import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.config import ATTRIBUTION
from geo.geodata import area_layer, load_shipped_zones, load_states
from geo.i18n import N_, _, format_number, format_range
from geo.webassets import VENDOR_URL, AssetSet, offline_map

AdminLevel = Literal["state", "municipality", "parish"]

VENEZUELA_BOUNDS: Final = ((0.63, -73.37), (12.50, -59.74))
"""South-west and north-east corners of Venezuela's states, ``(lat, lon)`` degrees."""

DEFAULT_TOLERANCE_DEG: Final = 0.01
"""Simplification for the national view (about 1 km; half a pixel at zoom 6)."""

ZONE_TOLERANCE_DEG: Final = 0.0002
"""Simplification of zones (about 20 m): they are few and small, and users zoom in on them."""

COORDINATE_DECIMALS: Final = 4
"""Decimals kept in drawn coordinates (1e-4 degrees is about 11 m)."""

BACKGROUND: Final = "#e6ecf0"
"""Map background where no polygon is drawn (sea, neighbouring countries)."""

AREA_STYLES: Final[Mapping[AdminLevel, Mapping[str, Any]]] = {
    "state": {"color": "#6b6b6b", "weight": 1.2, "fillColor": "#fbfaf5", "fillOpacity": 1.0},
    "municipality": {"color": "#a9a9a9", "weight": 0.5, "fillOpacity": 0.0},
    "parish": {"color": "#c4c4c4", "weight": 0.4, "fillOpacity": 0.0},
}
"""Leaflet path options of the admin layers: light land, grey borders."""

ZONE_COLORS: Final[Mapping[str, str]] = {
    "operation_zone": "#c0392b",
    "peace_zone": "#1e8449",
}
"""Stroke and fill colour of each zone role's layer (red: operations; green: peace)."""

APPROXIMATE_DASH: Final = "6 5"
"""Leaflet ``dashArray`` of approximate zones (circles around a reference point)."""

ZONE_LAYER_NAMES: Final[Mapping[str, str]] = {
    "operation_zone": N_("Operation zones"),
    "peace_zone": N_("Peace zones"),
}
AREA_LAYER_NAMES: Final[Mapping[AdminLevel, str]] = {
    "state": N_("States"),
    "municipality": N_("Municipalities"),
    "parish": N_("Parishes"),
}
ROLE_LABELS: Final[Mapping[str, str]] = {
    "operation_zone": N_("operation zone"),
    "peace_zone": N_("peace zone"),
    "region": N_("region"),
}

SEQUENTIAL_PALETTE: Final[tuple[str, ...]] = (
    "#ffffb2",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#f03b20",
    "#bd0026",
    "#800026",
)
"""ColorBrewer YlOrRd (7 classes), light to dark, for counts per area."""

NO_DATA_COLOR: Final = "#ffffff"

MAX_ZOOM: Final = 18
"""Deepest zoom of every map (a street block; MarkerCluster needs a maximum)."""


# ---------------------------------------------------------------------- geometry
def tolerance_for_zoom(zoom: float, *, pixels: float = 0.5) -> float:
    """Return a simplification tolerance (degrees) invisible at a web-map zoom level.

    One screen pixel at zoom ``z`` spans ``360 / (256 * 2**z)`` degrees of longitude;
    the tolerance is ``pixels`` of them (zoom 6: about 0.011 degrees).
    """
    if zoom < 0 or pixels <= 0:
        msg = _("zoom must be >= 0 and pixels > 0, got zoom={zoom}, pixels={pixels}").format(
            zoom=zoom, pixels=pixels
        )
        raise ValueError(msg)
    return float(pixels * 360.0 / (256.0 * 2.0**zoom))


def _round_coordinates(geometries: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.round(xy, decimals))


@lru_cache(maxsize=16)
def simplified_layer(
    level: AdminLevel, tolerance_deg: float, *, decimals: int = COORDINATE_DECIMALS
) -> gpd.GeoDataFrame:
    """Return an admin level's polygons simplified for drawing (EPSG:4326).

    Shared borders stay shared (``shapely.coverage_simplify``: neighbours get no gaps or
    overlaps) and coordinates are rounded to ``decimals``. Columns: those of
    :func:`geo.geodata.area_layer` plus ``state_name``. Cached per arguments: treat the
    result as read-only.

    Parameters
    ----------
    level
        ``"state"``, ``"municipality"`` or ``"parish"``.
    tolerance_deg
        Maximum distance (degrees) a simplified border may move; ``0`` keeps every vertex.
    decimals
        Decimals kept in coordinates.
    """
    if tolerance_deg < 0:
        msg = _("tolerance_deg must be >= 0, got {value}").format(value=tolerance_deg)
        raise ValueError(msg)
    frame = area_layer(level).copy()
    geometries = frame.geometry.to_numpy()
    if tolerance_deg > 0:
        geometries = shapely.coverage_simplify(geometries, tolerance_deg)
    frame["geometry"] = _round_coordinates(geometries, decimals)
    names = load_states().set_index("state_code")["name"]
    frame["state_name"] = frame["state_code"].map(names).fillna("")
    return frame


def simplified_zones(
    zones: gpd.GeoDataFrame,
    tolerance_deg: float,
    *,
    approximate_tolerance_deg: float = ZONE_TOLERANCE_DEG,
    decimals: int = COORDINATE_DECIMALS,
) -> gpd.GeoDataFrame:
    """Return zones with each polygon simplified on its own (zones may overlap).

    Approximate zones (small circles users zoom in on) use the finer
    ``approximate_tolerance_deg``; the others (unions of admin units, up to whole states)
    use ``tolerance_deg``. Both in degrees.
    """
    out = zones.copy()
    geometries = out.geometry.to_numpy()
    tolerances = np.where(
        out["precision"].map(is_approximate).to_numpy(dtype=bool),
        min(approximate_tolerance_deg, tolerance_deg),
        tolerance_deg,
    )
    geometries = shapely.simplify(geometries, tolerances, preserve_topology=True)
    out["geometry"] = _round_coordinates(geometries, decimals)
    return out


# ---------------------------------------------------------------------- text
def escape(value: object) -> str:
    """Return data text safe to put inside HTML (``None``/NaN become empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def html_table(rows: Iterable[tuple[str, object]]) -> str:
    """Return a two-column HTML table of ``(label, value)`` rows, both escaped.

    Rows with an empty value are left out.
    """
    cells = [
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in rows
        if escape(value)
    ]
    return '<table class="zonas-popup">' + "".join(cells) + "</table>"


def zone_roles(roles: object) -> list[str]:
    """Split a zone's ``;``-separated ``roles`` cell."""
    return [role.strip() for role in str(roles or "").split(";") if role.strip()]


def is_approximate(precision: object) -> bool:
    """True for zones drawn as circles or corridors around a point (not surveyed)."""
    return str(precision or "").strip() == "approximate"


def zone_kind_label(roles: object) -> str:
    """Return the zone's roles in words (``"operation zone, peace zone"``)."""
    return ", ".join(_(ROLE_LABELS.get(role, role)) for role in zone_roles(roles))


def zone_tooltip_html(name: object, roles: object, precision: object) -> str:
    """Return a zone's escaped tooltip: name, roles and, when so, ``approximate``."""
    parts = [f"<b>{escape(name)}</b>", escape(zone_kind_label(roles))]
    if is_approximate(precision):
        parts.append(f"<i>{escape(_('approximate'))}</i>")
    return "<br>".join(part for part in parts if part)


def zone_popup_html(zone: Mapping[str, Any]) -> str:
    """Return a zone's escaped popup: what it is, how precise, and where it comes from."""
    if is_approximate(zone.get("precision")):
        radius = zone.get("radius_m")
        if radius is not None and not (isinstance(radius, float) and math.isnan(radius)):
            precision = _(
                "approximate: a circle of {radius} m around a reference point, "
                "not a surveyed boundary"
            ).format(radius=format_number(float(radius), decimals=0))
        else:
            precision = _("approximate: drawn around a reference point, not a surveyed boundary")
    elif str(zone.get("precision")) == "administrative":
        precision = _("administrative: the union of the admin units it lies in")
    else:
        precision = _("drawn by a user")
    rows = [
        (_("Kind"), zone_kind_label(zone.get("roles"))),
        (_("Precision"), precision),
        (_("First operation"), zone.get("first_operation")),
        (_("Peace zone since"), zone.get("peace_zone_since")),
        (_("Reference point"), zone.get("source")),
        (_("Notes"), zone.get("notes")),
    ]
    return f"<b>{escape(zone.get('name'))}</b>" + html_table(rows)


def area_tooltip_html(name: object, context: object = "") -> str:
    """Return an admin unit's escaped tooltip (``Libertador, Distrito Capital``)."""
    shown = escape(name)
    return f"<b>{shown}</b>, {escape(context)}" if escape(context) else f"<b>{shown}</b>"


# ---------------------------------------------------------------------- map elements
class _ScriptElement(MacroElement):
    """A MacroElement rendering a class-level template with keyword ``values``."""

    _template = Template("")

    def __init__(self, **values: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = type(self).__name__
        self.values = values


class MapStyle(_ScriptElement):
    """CSS for the map: background colour, popup tables, legend box."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
            .leaflet-container { background: {{ this.values.background }}; }
            .leaflet-control-attribution { font-size: 10px; max-width: 70%; }
            .zonas-popup th { padding-right: 6px; vertical-align: top; white-space: nowrap; }
            .zonas-popup td { max-width: 260px; }
            .zonas-legend { background: rgba(255,255,255,0.92); padding: 6px 8px;
                border-radius: 4px; font: 12px/1.35 sans-serif; color: #222;
                box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
            .zonas-legend .title { font-weight: bold; margin-bottom: 3px; }
            .zonas-legend svg { vertical-align: middle; margin-right: 4px; }
        </style>
        {% endmacro %}
    """)


class Attribution(_ScriptElement):
    """Adds a line (HTML-escaped text) to Leaflet's attribution control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.values.html|tojson }});
        {% endmacro %}
    """)


class ScaleBar(_ScriptElement):
    """Leaflet ``control.scale`` (metric)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.control.scale({{ this.values.options|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class Legend(_ScriptElement):
    """A Leaflet control holding pre-escaped legend HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function() {
                var legend = L.control({position: {{ this.values.position|tojson }}});
                legend.onAdd = function() {
                    var div = L.DomUtil.create('div', 'zonas-legend');
                    div.innerHTML = {{ this.values.html|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                legend.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
    """)


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch (``fill`` box, ``line`` or ``circle``) and a label."""

    label: str
    color: str
    fill: str | None = None
    dash: str | None = None
    shape: Literal["fill", "line", "circle"] = "fill"


def _swatch(entry: LegendEntry) -> str:
    color = escape(entry.color)
    dash = f' stroke-dasharray="{escape(entry.dash)}"' if entry.dash else ""
    fill = escape(entry.fill) if entry.fill else "none"
    if entry.shape == "line":
        body = f'<line x1="1" y1="7" x2="23" y2="7" stroke="{color}" stroke-width="2"{dash}/>'
    elif entry.shape == "circle":
        body = f'<circle cx="12" cy="7" r="5" stroke="{color}" fill="{fill}"{dash}/>'
    else:
        body = (
            f'<rect x="1" y="1" width="22" height="12" stroke="{color}" '
            f'stroke-width="2" fill="{fill}"{dash}/>'
        )
    return f'<svg width="24" height="14">{body}</svg>'


def legend_html(entries: Sequence[LegendEntry], *, title: str = "") -> str:
    """Return the legend's HTML (labels escaped)."""
    rows = "".join(f"<div>{_swatch(entry)}{escape(entry.label)}</div>" for entry in entries)
    head = f'<div class="title">{escape(title)}</div>' if title else ""
    return head + rows


def add_legend(
    m: folium.Map,
    entries: Sequence[LegendEntry],
    *,
    title: str = "",
    position: str = "bottomright",
) -> Legend:
    """Add a legend box to ``m``; several legends stack in the corner."""
    legend = Legend(html=legend_html(entries, title=title), position=position)
    m.add_child(legend)
    return legend


def zone_legend_entries() -> list[LegendEntry]:
    """Return the legend rows of the zone layers (roles and the approximate mark)."""
    op, peace = ZONE_COLORS["operation_zone"], ZONE_COLORS["peace_zone"]
    return [
        LegendEntry(_("Operation zone"), op, fill="#f2c4bf"),
        LegendEntry(_("Peace zone"), peace, fill="#c2e0cc"),
        LegendEntry(_("Approximate (circle around a reference point)"), "#555", dash="4 3"),
    ]


def add_attribution(m: folium.Map, text: str = ATTRIBUTION) -> Attribution:
    """Add ``text`` (escaped) to the map's attribution line."""
    element = Attribution(html=escape(text))
    m.add_child(element)
    return element


def add_scale_bar(m: folium.Map) -> ScaleBar:
    """Add a metric scale bar to the bottom left of ``m``."""
    element = ScaleBar(options={"imperial": False, "position": "bottomleft"})
    m.add_child(element)
    return element


def base_map(
    *,
    base_url: str = VENDOR_URL,
    assets: AssetSet = "folium",
    online_basemap: bool = False,
    attribution: str = ATTRIBUTION,
    height: str | int = "100%",
) -> folium.Map:
    """Return an offline map fitted to Venezuela with attribution and a scale bar.

    No tile layer unless ``online_basemap`` (OpenStreetMap tiles fetched from the
    internet, labelled so in the layer control).
    """
    (south, west), (north, east) = VENEZUELA_BOUNDS
    m = offline_map(
        base_url=base_url,
        assets=assets,
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=6,
        zoom_snap=0.25,
        height=height,
        maxZoom=MAX_ZOOM,  # Leaflet option (folium's max_zoom is the tiles'); clusters need it
    )
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(MapStyle(background=BACKGROUND))
    if online_basemap:
        folium.TileLayer(
            "OpenStreetMap",
            name=_("Online basemap (OpenStreetMap, needs internet)"),
            overlay=True,
        ).add_to(m)
    add_attribution(m, attribution)
    add_scale_bar(m)
    return m


def _style(options: Mapping[str, Any]) -> Callable[[Any], dict[str, Any]]:
    frozen = dict(options)
    return lambda _feature: frozen


class BoundedGeoJson(folium.GeoJson):
    """A :class:`folium.GeoJson` whose bounds are given, not found by walking every
    coordinate (streamlit-folium asks for the map's bounds on every render)."""

    def __init__(self, data: Any, *, bounds: Sequence[float], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        west, south, east, north = (float(v) for v in bounds)
        self._bounds = [[south, west], [north, east]]

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [list(corner) for corner in self._bounds]


def _total_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a frame's geometries, degrees."""
    west, south, east, north = (float(v) for v in frame.total_bounds)
    return west, south, east, north


@lru_cache(maxsize=16)
def _geometry_mappings(level: AdminLevel, tolerance_deg: float) -> tuple[dict[str, Any], ...]:
    """GeoJSON geometry dicts of :func:`simplified_layer` (cached; never mutate them)."""
    return tuple(
        shapely.geometry.mapping(geometry)
        for geometry in simplified_layer(level, tolerance_deg).geometry
    )


def area_features(
    frame: gpd.GeoDataFrame,
    *,
    level: AdminLevel,
    geometries: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection of admin units with escaped tooltip text.

    Properties: ``area_code``, ``area_name``, ``tooltip`` (HTML, escaped).
    ``geometries`` (GeoJSON geometry dicts, one per row) saves converting ``frame``'s.
    """
    if geometries is None:
        geometries = [shapely.geometry.mapping(geometry) for geometry in frame.geometry]
    features = []
    for code, name, state, geometry in zip(
        frame["area_code"],
        frame["area_name"],
        frame["state_name"] if "state_name" in frame else [""] * len(frame),
        geometries,
        strict=True,
    ):
        context = "" if level == "state" else state
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "area_code": str(code),
                    "area_name": str(name),
                    "tooltip": area_tooltip_html(name, context),
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def add_area_layer(
    m: folium.Map,
    level: AdminLevel,
    *,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    frame: gpd.GeoDataFrame | None = None,
    name: str | None = None,
    show: bool = True,
    style: Mapping[str, Any] | None = None,
) -> folium.GeoJson:
    """Add an admin level (simplified, see :func:`simplified_layer`) with name tooltips.

    ``frame`` overrides the polygons (columns ``area_code``, ``area_name``,
    ``state_name``, geometry in EPSG:4326).
    """
    shapes = simplified_layer(level, tolerance_deg) if frame is None else frame
    features = area_features(
        shapes,
        level=level,
        geometries=_geometry_mappings(level, tolerance_deg) if frame is None else None,
    )
    layer = BoundedGeoJson(
        features,
        bounds=_total_bounds(shapes),
        name=name or _(AREA_LAYER_NAMES[level]),
        style_function=_style(style or AREA_STYLES[level]),
        highlight_function=_style({"weight": 2.5, "color": "#333333"}),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        show=show,
        smooth_factor=1.0,
    )
    layer.add_to(m)
    return layer


def zone_features(zones: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return zones as a GeoJSON FeatureCollection with escaped tooltip/popup HTML.

    Properties: ``zone_id``, ``name``, ``roles``, ``precision``, ``approximate``
    (bool), ``tooltip`` and ``popup`` (HTML, escaped) and :data:`SELECT_PROPERTY`
    (a click selects the zone).
    """
    features = []
    for row in zones.to_dict("records"):
        geometry = row.pop("geometry")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "zone_id": str(row.get("zone_id", "")),
                    "name": str(row.get("name", "")),
                    "roles": str(row.get("roles", "")),
                    "precision": str(row.get("precision", "")),
                    "approximate": is_approximate(row.get("precision")),
                    "tooltip": zone_tooltip_html(
                        row.get("name"), row.get("roles"), row.get("precision")
                    ),
                    "popup": zone_popup_html(row),
                    SELECT_PROPERTY: area_select("zone", row.get("zone_id", "")),
                },
                "geometry": shapely.geometry.mapping(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def zone_style(role: str, *, approximate: bool) -> dict[str, Any]:
    """Return the Leaflet path options of a zone drawn in ``role``'s layer."""
    color = ZONE_COLORS[role]
    style: dict[str, Any] = {
        "color": color,
        "fillColor": color,
        "weight": 2.5 if role == "operation_zone" else 1.5,
        "fillOpacity": 0.12,
        "opacity": 0.95,
    }
    if approximate:
        style["dashArray"] = APPROXIMATE_DASH
    return style


def add_zone_layers(
    m: folium.Map,
    zones: gpd.GeoDataFrame | None = None,
    *,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG / 4,
    legend: bool = True,
) -> dict[str, folium.GeoJson]:
    """Add one toggleable layer per zone role (operation zones, peace zones).

    A zone with both roles is drawn in both layers (a thick red line under a thin green
    one). Approximate zones are dashed, say ``approximate`` in their tooltip and popup,
    and the legend explains the dash. Returns the layers by role (roles with no zone are
    left out).
    """
    frame = simplified_zones(load_shipped_zones() if zones is None else zones, tolerance_deg)
    layers: dict[str, folium.GeoJson] = {}
    for role in ("operation_zone", "peace_zone"):
        subset = frame[frame["roles"].map(lambda roles, r=role: r in zone_roles(roles))]
        if subset.empty:
            continue

        def style(feature: Mapping[str, Any], r: str = role) -> dict[str, Any]:
            return zone_style(r, approximate=bool(feature["properties"]["approximate"]))

        layer = folium.GeoJson(
            zone_features(subset),
            name=_(ZONE_LAYER_NAMES[role]),
            style_function=style,
            highlight_function=_style({"weight": 4, "fillOpacity": 0.25}),
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
            popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
        )
        layer.add_to(m)
        layers[role] = layer
    if legend and layers:
        add_legend(m, zone_legend_entries(), title=_("Zones"))
    return layers


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl:
    """Add the layer switcher (add it after every layer)."""
    control = folium.LayerControl(collapsed=collapsed)
    control.add_to(m)
    return control


def overview_map(
    *,
    zones: gpd.GeoDataFrame | None = None,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    base_url: str = VENDOR_URL,
    assets: AssetSet = "folium",
    online_basemap: bool = False,
    municipalities: bool = True,
) -> folium.Map:
    """Return the first map: states, municipalities and zones, offline.

    Parameters
    ----------
    zones
        Zones to draw (default: the shipped ones); columns of
        :data:`geo.geodata.ZONE_COLUMNS`.
    tolerance_deg
        Simplification of admin borders, degrees (see :func:`tolerance_for_zoom`).
    base_url, assets
        Where the vendored JS/CSS are served and which set (:mod:`geo.webassets`).
    online_basemap
        Offer an OpenStreetMap layer (off until ticked; needs internet).
    municipalities
        Draw the municipality layer.
    """
    m = base_map(base_url=base_url, assets=assets, online_basemap=online_basemap)
    state_style = dict(AREA_STYLES["state"])
    if online_basemap:  # let the tiles show through the land fill
        state_style["fillOpacity"] = 0.15
    add_area_layer(m, "state", tolerance_deg=tolerance_deg, style=state_style)
    if municipalities:
        add_area_layer(m, "municipality", tolerance_deg=tolerance_deg)
    add_zone_layers(m, zones, tolerance_deg=tolerance_deg / 4)
    add_layer_control(m)
    return m


def render_html(m: folium.Map) -> str:
    """Return the map as a complete HTML page (assets linked at the map's base URL)."""
    html_page: str = m.get_root().render()
    return html_page


# ---------------------------------------------------------------------- classes, colours
def classify(values: Iterable[float], k: int = 5) -> tuple[float, ...]:
    """Return class breaks for counts: ``k`` (or fewer) quantile classes of the positive
    values, as ascending upper bounds.

    A value ``v`` falls in the first class whose upper bound is ``>= v`` (see
    :func:`class_index`); zero and missing values get no class (drawn as "none").
    Breaks are data values (inverted-CDF quantiles: counts give integer breaks) and
    duplicates are dropped, so ``[1, 1, 1]`` gives one class ``(1,)`` and ``1..10`` in two
    classes gives ``(5, 10)``.

    Raises
    ------
    ValueError
        If ``k`` is not between 1 and ``len(SEQUENTIAL_PALETTE)``.
    """
    if not 1 <= k <= len(SEQUENTIAL_PALETTE):
        msg = _("k must be between 1 and {most}, got {k}")
        msg = msg.format(most=len(SEQUENTIAL_PALETTE), k=k)
        raise ValueError(msg)
    array = np.asarray([v for v in values if v is not None], dtype=float)
    positive = array[np.isfinite(array) & (array > 0)]
    if positive.size == 0:
        return ()
    ordered = np.sort(positive)
    n = ordered.size
    # inverted-CDF quantile i/k in integer arithmetic: the ceil(i*n/k)-th smallest value
    quantiles = [ordered[(i * n + k - 1) // k - 1] for i in range(1, k + 1)]
    return tuple(sorted({float(q) for q in quantiles}))


def class_index(value: float | None, breaks: Sequence[float]) -> int | None:
    """Return the class of ``value`` under ``breaks`` (``None`` for zero/missing)."""
    if value is None or not math.isfinite(value) or value <= 0 or not breaks:
        return None
    return min(bisect.bisect_left(list(breaks), value), len(breaks) - 1)


def palette(k: int) -> tuple[str, ...]:
    """Return ``k`` colours spread over :data:`SEQUENTIAL_PALETTE`, light to dark."""
    if not 1 <= k <= len(SEQUENTIAL_PALETTE):
        msg = _("k must be between 1 and {most}, got {k}")
        msg = msg.format(most=len(SEQUENTIAL_PALETTE), k=k)
        raise ValueError(msg)
    if k == 1:
        return (SEQUENTIAL_PALETTE[len(SEQUENTIAL_PALETTE) // 2],)
    positions = np.linspace(0, len(SEQUENTIAL_PALETTE) - 1, k)
    return tuple(SEQUENTIAL_PALETTE[round(p)] for p in positions)


def color_for(value: float | None, breaks: Sequence[float]) -> str:
    """Return the fill colour of ``value`` (white for zero/missing)."""
    index = class_index(value, breaks)
    return NO_DATA_COLOR if index is None else palette(len(breaks))[index]


def class_labels(breaks: Sequence[float]) -> list[str]:
    """Return a label per class (``1–3``, ``4–10``...) for integer breaks."""
    labels = []
    lower = 1.0
    for upper in breaks:
        low, high = format_number(lower, decimals=0), format_number(upper, decimals=0)
        labels.append(low if low == high else f"{low}–{high}")
        lower = upper + 1
    return labels


# ---------------------------------------------------------------------- incident map
@dataclass(frozen=True)
class Measure:
    """What a choropleth shows: an :func:`geo.aggregate.aggregate` column (or a
    ``min``/``max`` pair drawn by its minimum) and its unit."""

    label: str
    low: str
    high: str | None
    unit: str


MEASURES: Final[Mapping[str, Measure]] = {
    "incidents": Measure(N_("Incidents"), "incidents", None, N_("incidents")),
    "civilians_killed": Measure(
        N_("Civilians killed"), "civilians_killed_min", "civilians_killed_max", N_("people")
    ),
    "detained": Measure(N_("Detained"), "detained", None, N_("people")),
    "civilians_injured": Measure(N_("Civilians injured"), "civilians_injured", None, N_("people")),
    "officers_killed": Measure(N_("Officers killed"), "officers_killed", None, N_("people")),
}
"""The measures a map can show, by the ``measure`` URL parameter; ranges are classed by
their minimum (a safe lower bound) and shown as ranges."""


def measure_title(spec: Measure) -> str:
    """Return a legend title: the measure and its unit, ``"Civilians killed (people)"``;
    the unit is left out where it only repeats the measure (``"Incidents"``)."""
    label, unit = _(spec.label), _(spec.unit)
    if unit.casefold() == label.casefold():
        return label
    return _("{measure} ({unit})").format(measure=label, unit=unit)


MAP_LEVELS: Final = ("state", "municipality", "parish", "zone")
"""Levels a choropleth can be drawn at (``zone``: the zones' own polygons)."""

LEVEL_NAMES: Final[Mapping[str, str]] = {
    "state": N_("State"),
    "municipality": N_("Municipality"),
    "parish": N_("Parish"),
    "zone": N_("Zone"),
}
"""Names of the map levels."""

MAX_MARKERS: Final = 2000
"""Above this many incidents under the filter, no markers: the choropleth alone (payload)."""

SELECT_PROPERTY: Final = "select"
"""GeoJSON property naming what a click selects: ``area:<level>:<code>`` or
``incident:<id>`` (read back from streamlit-folium's ``last_active_drawing``)."""


def measure_text(row: Mapping[str, Any], measure: str) -> str:
    """Return a measure's value for a table row, a range when contested (``14–16``).

    Unknown never reads as zero: when no incident of the row reported the count the text
    says so, and when only some did the sum is a lower bound, marked ``+`` (``1+``).
    """
    spec = MEASURES[measure]
    low = int(row.get(spec.low) or 0)
    base = spec.low.removesuffix("_min")
    unknown = int(row.get(f"{base}_unknown") or 0)
    incidents = int(row.get("incidents") or 0)
    if incidents and unknown >= incidents:
        return _("not reported")
    at_least = unknown > 0 or bool(row.get(f"{base}_at_least", False))
    if spec.high is None:
        text = format_number(low)
    else:
        text = format_range(low, int(row.get(spec.high) or 0), compact=True)
    return text + "+" if at_least else text


def headline_items(totals: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the headline strip: ``(label, value)`` pairs, contested counts as ranges.

    ``totals`` is :func:`geo.aggregate.totals` (or ``IncidentIndex.totals``).
    """
    return [(_(spec.label), measure_text(totals, key)) for key, spec in MEASURES.items()]


def area_select(level: str, code: object) -> str:
    """Return the selection key of an area (``area:municipality:VE0101``)."""
    return f"area:{level}:{code}"


def incident_select(incident_id: object) -> str:
    """Return the selection key of an incident marker (``incident:EV0009``)."""
    return f"incident:{incident_id}"


def parse_select(value: object) -> tuple[str, str, str] | None:
    """Split a selection key into ``(kind, level, code)`` (``level`` empty for incidents).

    Returns ``None`` for anything that is not a selection key.
    """
    text = str(value or "")
    kind, _sep, rest = text.partition(":")
    if kind == "incident" and rest:
        return ("incident", "", rest)
    if kind == "area":
        level, _sep, code = rest.partition(":")
        if level in MAP_LEVELS and code:
            return ("area", level, code)
    return None


def _level_shapes(
    level: str, tolerance_deg: float, zones: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, Sequence[Mapping[str, Any]]]:
    """Polygons of ``level`` (columns ``area_code``, ``area_name``, ``state_name``) and
    their GeoJSON geometry dicts."""
    if level == "zone":
        frame = simplified_zones(load_shipped_zones() if zones is None else zones, tolerance_deg)
        frame = frame.rename(columns={"zone_id": "area_code", "name": "area_name"})
        frame["state_name"] = ""
        return frame, [shapely.geometry.mapping(g) for g in frame.geometry]
    admin: AdminLevel = level  # type: ignore[assignment]
    return simplified_layer(admin, tolerance_deg), _geometry_mappings(admin, tolerance_deg)


def choropleth_features(
    shapes: gpd.GeoDataFrame,
    geometries: Sequence[Mapping[str, Any]],
    table: Any,
    *,
    level: str,
    measure: str,
    breaks: Sequence[float],
) -> dict[str, Any]:
    """Return a FeatureCollection of the areas of ``level`` coloured by ``measure``.

    ``table`` is an :func:`geo.aggregate.aggregate` table at ``level``. Properties:
    ``area_code``, ``fill`` (colour), ``value`` (the measure's text), ``tooltip``
    (escaped HTML) and :data:`SELECT_PROPERTY`.
    """
    spec = MEASURES[measure]
    rows = {str(row["area_code"]): row for row in table.to_dict("records")}
    features = []
    for code, name, state, geometry in zip(
        shapes["area_code"], shapes["area_name"], shapes["state_name"], geometries, strict=True
    ):
        row = rows.get(str(code), {})
        value = float(row.get(spec.low) or 0)
        text = measure_text(row, measure)
        context = "" if level in ("state", "zone") else state
        tooltip = area_tooltip_html(name, context) + "<br>" + escape(f"{_(spec.label)}: {text}")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "area_code": str(code),
                    "fill": color_for(value, breaks),
                    "value": text,
                    "tooltip": tooltip,
                    SELECT_PROPERTY: area_select(level, code),
                },
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def choropleth_legend_entries(breaks: Sequence[float]) -> list[LegendEntry]:
    """Return the legend rows of a choropleth: one per class, then "none"."""
    colors = palette(len(breaks)) if breaks else ()
    entries = [
        LegendEntry(label, "#777", fill=color)
        for label, color in zip(class_labels(breaks), colors, strict=True)
    ]
    entries.append(LegendEntry(_("none"), "#777", fill=NO_DATA_COLOR))
    return entries


def add_choropleth(
    m: folium.Map,
    table: Any,
    *,
    level: str,
    measure: str = "incidents",
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    zones: gpd.GeoDataFrame | None = None,
    k: int = 5,
) -> folium.GeoJson:
    """Add the areas of ``level`` coloured by ``measure`` (quantile classes, see
    :func:`classify`) and a legend with the class breaks and the unit.

    Parameters
    ----------
    table
        :func:`geo.aggregate.aggregate` table at ``level`` (bucket rows are ignored).
    level
        ``state``, ``municipality``, ``parish`` or ``zone``.
    measure
        A key of :data:`MEASURES`.
    tolerance_deg
        Simplification of borders, degrees.
    """
    if level not in MAP_LEVELS or measure not in MEASURES:
        msg = _("unknown level {level!r} or measure {measure!r}").format(
            level=level, measure=measure
        )
        raise ValueError(msg)
    spec = MEASURES[measure]
    shapes, geometries = _level_shapes(level, tolerance_deg, zones)
    codes = set(shapes["area_code"].astype(str))
    values = [
        float(v)
        for code, v in zip(table["area_code"], table[spec.low], strict=True)
        if str(code) in codes
    ]
    breaks = classify(values, k=k)
    features = choropleth_features(
        shapes, geometries, table, level=level, measure=measure, breaks=breaks
    )
    style = {"color": "#8a8a8a", "weight": 0.6, "fillOpacity": 0.75}
    layer = BoundedGeoJson(
        features,
        bounds=_total_bounds(shapes),
        name=_("{measure} by {level}").format(
            measure=_(spec.label), level=_(LEVEL_NAMES[level]).lower()
        ),
        style_function=lambda feature: {**style, "fillColor": feature["properties"]["fill"]},
        highlight_function=_style({"weight": 2.5, "color": "#333333"}),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        smooth_factor=1.0,
    )
    layer.add_to(m)
    title = measure_title(spec)
    if spec.high is not None:
        title += " " + _("by minimum")
    add_legend(m, choropleth_legend_entries(breaks), title=title)
    return layer


def marker_radius(deaths: float | None, *, base: float = 4.0, scale: float = 2.5) -> float:
    """Return a marker's radius in pixels: area grows with deaths (``base`` for none)."""
    if deaths is None or not math.isfinite(deaths) or deaths <= 0:
        return base
    return base + scale * math.sqrt(deaths)


def _count(value: object) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(cast(float, value))


def victims_text(row: Mapping[str, Any]) -> str:
    """Return an incident's victims in words, ranges kept (``14–16 killed, 134 detained``)."""
    low = _count(row.get("civilians_killed_min"))
    high = _count(row.get("civilians_killed_max"))
    parts = []
    if low is not None or high is not None:
        if high is None:
            parts.append(_("at least {n} killed").format(n=format_number(low or 0)))
        elif low is None or low == high:
            parts.append(_("{n} killed").format(n=format_number(high)))
        else:
            parts.append(_("{n} killed").format(n=format_range(low, high)))
    for column, label in (
        ("civilians_injured", N_("{n} injured")),
        ("officers_killed", N_("{n} officers killed")),
        ("officers_injured", N_("{n} officers injured")),
        ("detained", N_("{n} detained")),
    ):
        value = _count(row.get(column))
        if value:
            parts.append(_(label).format(n=format_number(value)))
    return ", ".join(parts) if parts else _("victims not reported")


def _date_text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    return str(value)[:10]


def place_text(row: Mapping[str, Any]) -> str:
    """Return an incident's place as reported (``Cota 905, Libertador, Distrito Capital``)."""
    names = [row.get(c) for c in ("place_name", "parish", "municipality", "state")]
    return ", ".join(str(n) for n in names if n and str(n) != "nan")


_COARSE_PRECISIONS: Final[Mapping[str, str]] = {
    "municipality": N_("municipality"),
    "state": N_("state"),
}


def precision_note(geo_precision: object) -> str:
    """Return a note for incidents drawn at a unit's anchor point, else ``""``."""
    level = _COARSE_PRECISIONS.get(str(geo_precision))
    if level is None:
        return ""
    return _("approximate: known only to the {level}").format(level=_(level))


def incident_tooltip_html(row: Mapping[str, Any]) -> str:
    """Return an incident marker's escaped tooltip: date, place, victims, precision."""
    parts = [
        f"<b>{escape(_date_text(row.get('date')))}</b> {escape(row.get('place_name'))}",
        escape(victims_text(row)),
        escape(row.get("agencies", "")).replace(";", ", "),
    ]
    note = precision_note(row.get("geo_precision"))
    if note:
        parts.append(f"<i>{escape(note)}</i>")
    return "<br>".join(p for p in parts if p)


def incident_features(incidents: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return located incidents as GeoJSON points with ``radius`` (pixels, by deaths),
    ``tooltip`` (escaped HTML), ``approximate`` and :data:`SELECT_PROPERTY`."""
    located = incidents[~(incidents.geometry.isna() | incidents.geometry.is_empty)]
    features = []
    for row in located.to_dict("records"):
        geometry = row.pop("geometry")
        deaths = _count(row.get("civilians_killed_max")) or _count(row.get("civilians_killed_min"))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "radius": round(marker_radius(deaths), 1),
                    "approximate": bool(precision_note(row.get("geo_precision"))),
                    "tooltip": incident_tooltip_html(row),
                    SELECT_PROPERTY: incident_select(row.get("incident_id")),
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(geometry.x), COORDINATE_DECIMALS + 1),
                        round(float(geometry.y), COORDINATE_DECIMALS + 1),
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


class _RadiusStyle(_ScriptElement):
    """Sets each incident circle's radius from its ``radius`` property (GeoJSON styles
    cannot)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this.values.layer }}.eachLayer(function(l) {
                if (l.setRadius && l.feature) { l.setRadius(l.feature.properties.radius); }
            });
        {% endmacro %}
    """)


def add_incident_markers(
    m: folium.Map, incidents: gpd.GeoDataFrame, *, cluster: bool = True
) -> folium.map.Layer | None:
    """Add incident circles sized by deaths (:func:`marker_radius`), clustered.

    Approximate positions (known only to a municipality or state) are dashed and say so
    in their tooltip. Returns ``None`` (and adds nothing) when no incident is located.
    """
    features = incident_features(incidents)
    if not features["features"]:
        return None
    from folium.plugins import MarkerCluster

    name = _("Incidents (sized by deaths)")
    group: folium.map.Layer = (
        MarkerCluster(  # type: ignore[no-untyped-call]
            name=name, options={"maxClusterRadius": 40, "showCoverageOnHover": False}
        )
        if cluster
        else folium.FeatureGroup(name=name)
    )
    group.add_to(m)

    def style(feature: Mapping[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {
            "color": "#4a0d0d",
            "weight": 1,
            "fillColor": "#d62728",
            "fillOpacity": 0.7,
        }
        if feature["properties"]["approximate"]:
            options["dashArray"] = "3 3"
            options["fillOpacity"] = 0.3
        return options

    layer = folium.GeoJson(
        features,
        name=name,
        marker=folium.CircleMarker(radius=5),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        control=False,
    )
    layer.add_to(group)
    m.add_child(_RadiusStyle(layer=layer.get_name()))
    return group


def incident_map(
    table: Any,
    incidents: gpd.GeoDataFrame | None,
    *,
    level: str,
    measure: str = "incidents",
    zones: gpd.GeoDataFrame | None = None,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    base_url: str = VENDOR_URL,
    online_basemap: bool = False,
) -> folium.Map:
    """Return the map page's map: choropleth, state borders, zones, incidents.

    Layers (each toggleable): the choropleth of ``measure`` at ``level`` with its legend;
    state borders; operation and peace zones (approximate ones dashed and labelled);
    incident markers sized by deaths and clustered, unless ``incidents`` is ``None``
    (too many to draw: the caller says so). Offline, with attribution and scale bar.

    Parameters
    ----------
    table
        :func:`geo.aggregate.aggregate` table at ``level`` under the current filter.
    incidents
        Filtered incident frame (EPSG:4326) for the markers, or ``None``.
    level, measure
        See :data:`MAP_LEVELS` and :data:`MEASURES`.
    zones
        Zones to draw (default: the shipped ones).
    tolerance_deg
        Simplification of admin borders, degrees (zones use a quarter of it).
    """
    m = base_map(base_url=base_url, online_basemap=online_basemap)
    add_choropleth(
        m,
        table,
        level=level,
        measure=measure,
        tolerance_deg=tolerance_deg if level != "zone" else tolerance_deg / 4,
        zones=zones,
    )
    if level != "state":
        add_area_layer(
            m,
            "state",
            tolerance_deg=tolerance_deg,
            style={"color": "#555555", "weight": 1.2, "fillOpacity": 0.0},
            name=_("State borders"),
        )
    add_zone_layers(m, zones, tolerance_deg=tolerance_deg / 4)
    if incidents is not None:
        add_incident_markers(m, incidents)
    add_layer_control(m, collapsed=True)  # expanded, it hides Caracas at the national view
    return m


def safe_link(url: object, text: object) -> str:
    """Return an escaped ``<a>`` to an http(s) URL, or the escaped text when the URL is
    anything else (``javascript:`` and friends are never linked)."""
    href = str(url or "").strip()
    label = escape(text) or escape(href)
    if not href.lower().startswith(("http://", "https://")):
        return label
    return f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer">{label}</a>'


def source_html(source: Mapping[str, Any]) -> str:
    """Return one source as escaped HTML: publisher, date, link and quote."""
    head = ", ".join(
        part
        for part in (
            safe_link(source.get("url"), source.get("publisher") or source.get("title")),
            escape(source.get("date")),
        )
        if part
    )
    quote = escape(source.get("quote"))
    body = f'<blockquote class="zonas-quote">{quote}</blockquote>' if quote else ""
    return f'<li class="zonas-source">{head}{body}</li>'


def incident_html(row: Mapping[str, Any], sources: Sequence[Mapping[str, Any]]) -> str:
    """Return one incident of the side panel as escaped HTML (date, place, agencies,
    victims, precision, description and every source)."""
    note = precision_note(row.get("geo_precision"))
    rows = [
        (_("Agencies"), str(row.get("agencies") or "").replace(";", ", ")),
        (_("Victims"), victims_text(row)),
        (_("Operation"), row.get("operation")),
        (_("Location"), note),
        (_("Confidence"), row.get("confidence")),
    ]
    head = (
        f"<b>{escape(_date_text(row.get('date')))}</b> · {escape(place_text(row))} "
        f'<span class="zonas-id">{escape(row.get("incident_id"))}</span>'
    )
    description = escape(row.get("description"))
    items = "".join(source_html(source) for source in sources)
    listing = (
        f"<div>{escape(_('Sources'))}:</div><ul>{items}</ul>"
        if items
        else f"<div><i>{escape(_('No source recorded'))}</i></div>"
    )
    return (
        f'<div class="zonas-incident">{head}{html_table(rows)}<p>{description}</p>{listing}</div>'
    )


def incident_panel_html(
    incidents: Any, sources: Any, *, title: str, total: int | None = None
) -> str:
    """Return the side panel listing ``incidents`` with their sources, all text escaped.

    Parameters
    ----------
    incidents
        Incident rows to list (canonical columns), in the order shown.
    sources
        Sources table (``geo.incidents.SOURCE_COLUMNS``) of at least those incidents.
    title
        What was selected (an area's name, an incident id).
    total
        How many incidents the selection has under the filter, when more than listed.
    """
    by_incident: dict[str, list[Mapping[str, Any]]] = {}
    for source in sources.to_dict("records"):
        by_incident.setdefault(str(source.get("incident_id")), []).append(source)
    listed = len(incidents)
    total = listed if total is None else total
    if total == 0:
        count = _("No incident under the current filter.")
    elif total > listed:
        count = _("{total} incidents under the current filter; the first {listed} by date.")
        count = count.format(total=total, listed=listed)
    else:
        count = _("{total} incidents under the current filter.").format(total=total)
    parts = [
        f'<div class="zonas-panel"><h3>{escape(title)}</h3><p>{escape(count)}</p>',
        *(
            incident_html(row, by_incident.get(str(row.get("incident_id")), []))
            for row in incidents.to_dict("records")
        ),
        "</div>",
    ]
    return "".join(parts)
