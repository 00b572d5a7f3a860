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
from typing import Any, Final, Literal

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.config import ATTRIBUTION
from geo.geodata import area_layer, load_shipped_zones, load_states
from geo.i18n import N_, _
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
            ).format(radius=f"{float(radius):,.0f}")
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
    if frame is None:
        features = area_features(
            simplified_layer(level, tolerance_deg),
            level=level,
            geometries=_geometry_mappings(level, tolerance_deg),
        )
    else:
        features = area_features(frame, level=level)
    layer = folium.GeoJson(
        features,
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
    (bool), ``tooltip`` and ``popup`` (HTML, escaped).
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
        low, high = f"{lower:,.0f}", f"{upper:,.0f}"
        labels.append(low if low == high else f"{low}–{high}")
        lower = upper + 1
    return labels
