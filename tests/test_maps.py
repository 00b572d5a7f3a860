"""Map builders (geo.maps) and vendored web assets (geo.webassets) on tiny fixtures."""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import pytest
import shapely
from branca.colormap import LinearColormap
from folium.plugins import MarkerCluster
from shapely.geometry import Point, box

from geo import maps, webassets
from geo.config import ATTRIBUTION
from geo.geodata import ZONE_COLUMNS, buffer_in_metres

EVIL_NAME = "<script>alert('name')</script>"
EVIL_NOTES = '<img src=x onerror="alert(1)">'


def _zone(**values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(ZONE_COLUMNS, "")
    row.update(radius_m=None, user_defined=False)
    row.update(values)
    return row


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    """A 1.2 km circle (operation + peace zone, approximate, hostile text) and a square
    administrative operation zone."""
    circle = buffer_in_metres(Point(-66.93, 10.486), 1200)
    rows = [
        _zone(
            zone_id="circle",
            name=EVIL_NAME,
            roles="operation_zone;peace_zone",
            definition="buffer",
            precision="approximate",
            radius_m=1200.0,
            source="public gazetteer",
            notes=EVIL_NOTES,
            geometry=circle,
        ),
        _zone(
            zone_id="square",
            name="Plaza",
            roles="operation_zone",
            definition="admin_union",
            precision="administrative",
            first_operation="2015-07-13",
            geometry=box(-67.0, 10.0, -66.9, 10.1),
        ),
    ]
    return gpd.GeoDataFrame(rows, columns=ZONE_COLUMNS, geometry="geometry", crs="EPSG:4326")


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    """Two unit squares side by side, one with a hostile name."""
    return gpd.GeoDataFrame(
        {
            "area_code": ["VE-X", "VE-Y"],
            "area_name": ["Oeste", "<b>Este</b>"],
            "state_name": ["", ""],
        },
        geometry=[box(-67, 8, -66, 9), box(-66, 8, -65, 9)],
        crs="EPSG:4326",
    )


@pytest.fixture
def small_map(areas: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> folium.Map:
    m = maps.base_map()
    maps.add_area_layer(m, "state", frame=areas)
    maps.add_zone_layers(m, zones)
    maps.add_layer_control(m)
    return m


def _features_by_id(collection: dict[str, object]) -> dict[str, dict[str, object]]:
    features = collection["features"]
    assert isinstance(features, list)
    return {feature["properties"]["zone_id"]: feature["properties"] for feature in features}


# ---------------------------------------------------------------------- layers
def test_map_has_layers_scale_attribution_and_legend(small_map: folium.Map) -> None:
    page = maps.render_html(small_map)
    for layer in ("States", "Operation zones", "Peace zones"):
        assert f'"{layer}"' in page
    assert "L.control.layers" in page
    assert "L.control.scale" in page
    assert "attributionControl.addAttribution" in page
    assert "INE Venezuela / UN OCHA" in page
    assert "zonas-legend" in page
    assert "Approximate (circle around a reference point)" in page


def test_zone_with_both_roles_is_in_both_layers(zones: gpd.GeoDataFrame) -> None:
    layers = maps.add_zone_layers(maps.base_map(), zones, legend=False)
    operation = _features_by_id(layers["operation_zone"].data)
    peace = _features_by_id(layers["peace_zone"].data)
    assert set(operation) == {"circle", "square"}
    assert set(peace) == {"circle"}


def test_no_zone_of_a_role_means_no_layer(zones: gpd.GeoDataFrame) -> None:
    only_square = zones[zones["zone_id"] == "square"]
    layers = maps.add_zone_layers(maps.base_map(), only_square)
    assert set(layers) == {"operation_zone"}


def test_no_tile_server_unless_asked() -> None:
    offline = maps.render_html(maps.base_map())
    assert "tile.openstreetmap.org" not in offline
    online_map = maps.base_map(online_basemap=True)
    maps.add_layer_control(online_map)
    online = maps.render_html(online_map)
    assert "tile.openstreetmap.org" in online
    assert "needs internet" in online


# ---------------------------------------------------------------------- approximate zones
def test_approximate_zone_labelled_in_tooltip_and_popup(zones: gpd.GeoDataFrame) -> None:
    props = _features_by_id(maps.zone_features(zones))
    assert "approximate" in str(props["circle"]["tooltip"])
    assert "a circle of 1,200 m around a reference point" in str(props["circle"]["popup"])
    assert props["circle"]["approximate"] is True
    assert "approximate" not in str(props["square"]["tooltip"])
    assert "administrative" in str(props["square"]["popup"])


@pytest.mark.parametrize(
    ("role", "approximate", "dashed"),
    [
        ("operation_zone", True, True),
        ("operation_zone", False, False),
        ("peace_zone", True, True),
        ("peace_zone", False, False),
    ],
)
def test_zone_style_dashes_only_approximate_zones(
    role: str, approximate: bool, dashed: bool
) -> None:
    style = maps.zone_style(role, approximate=approximate)
    assert ("dashArray" in style) is dashed
    assert style["color"] == maps.ZONE_COLORS[role]


def test_operation_and_peace_zones_look_different() -> None:
    operation = maps.zone_style("operation_zone", approximate=False)
    peace = maps.zone_style("peace_zone", approximate=False)
    assert operation["color"] != peace["color"]


# ---------------------------------------------------------------------- escaping
def test_popup_and_tooltip_text_is_escaped(zones: gpd.GeoDataFrame) -> None:
    props = _features_by_id(maps.zone_features(zones))["circle"]
    for text in (str(props["tooltip"]), str(props["popup"])):
        assert "<script" not in text
        assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in text
    assert "<img" not in str(props["popup"])
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in str(props["popup"])


def test_area_tooltip_is_escaped(areas: gpd.GeoDataFrame) -> None:
    features = maps.area_features(areas, level="state")["features"]
    tooltips = [feature["properties"]["tooltip"] for feature in features]
    assert tooltips == ["<b>Oeste</b>", "<b>&lt;b&gt;Este&lt;/b&gt;</b>"]


def test_rendered_page_cannot_be_broken_out_of(small_map: folium.Map) -> None:
    page = maps.render_html(small_map)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "</script><script>" not in page.replace("</script>\n<script>", "")


# ---------------------------------------------------------------------- offline assets
def test_rendered_page_loads_nothing_from_the_internet(small_map: folium.Map) -> None:
    MarkerCluster(name="incidents").add_to(small_map)
    page = maps.render_html(small_map)
    urls = webassets.asset_urls(page)
    assert any(url.endswith("leaflet@1.9.3/leaflet.js") for url in urls)
    assert any(url.endswith("leaflet.markercluster.js") for url in urls)
    assert [url for url in urls if webassets.is_remote(url)] == []
    assert all(url.startswith("/app/static/vendor/") for url in urls)
    # the only http(s) text left is the data's own source link in the attribution
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {
        "https://whosonfirst.org/docs/licenses/"
    }


def test_folium_classes_keep_their_cdn_lists(small_map: folium.Map) -> None:
    maps.render_html(small_map)
    assert folium.Map.default_js[0][1].startswith("https://")


@pytest.mark.parametrize("relative", sorted(set(webassets.VENDORED.values())))
def test_every_vendored_file_exists_with_a_licence(relative: str) -> None:
    file = webassets.vendor_dir() / relative
    assert file.is_file()
    package = webassets.vendor_dir() / relative.split("/", maxsplit=1)[0]
    assert any(package.glob("*LICEN[CS]E*")), f"{package} has no licence file"


def test_every_folium_default_asset_is_vendored() -> None:
    links = [*folium.Map.default_js, *folium.Map.default_css]
    links += [*MarkerCluster.default_js, *MarkerCluster.default_css]
    assert [url for _name, url in links if url not in webassets.VENDORED] == []


def test_unvendored_url_is_refused() -> None:
    with pytest.raises(webassets.UnvendoredAssetError, match="not vendored"):
        webassets.local_url("https://cdn.example.org/lib.js")
    assert webassets.local_url("/app/static/x.js") == "/app/static/x.js"


def test_colormap_is_refused_because_streamlit_folium_would_fetch_d3() -> None:
    m = maps.base_map()
    LinearColormap(["white", "red"], vmin=0, vmax=1).add_to(m)
    with pytest.raises(webassets.UnvendoredAssetError, match="d3"):
        webassets.localize_assets(m)


def test_inline_assets_makes_one_self_contained_file(small_map: folium.Map) -> None:
    m = maps.base_map(assets="leaflet")
    maps.add_zone_layers(m, maps.simplified_zones(small_map_zones(), 0))
    page = webassets.inline_assets(maps.render_html(m))
    assert webassets.asset_urls(page) == []
    assert "L.map(" in page
    assert "Leaflet 1.9.3" in page or "leafletjs" in page
    assert 'url("data:image/png;base64,' in page  # leaflet.css images embedded
    assert len(page) < 1_000_000


def small_map_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [_zone(zone_id="z", name="Z", roles="peace_zone", precision="approximate",
               geometry=box(-66, 10, -65.9, 10.1))],
        columns=ZONE_COLUMNS, geometry="geometry", crs="EPSG:4326",
    )  # fmt: skip


# ---------------------------------------------------------------------- geometry
def test_tolerance_for_zoom_is_half_a_pixel() -> None:
    assert maps.tolerance_for_zoom(0, pixels=1) == pytest.approx(360 / 256)
    assert maps.tolerance_for_zoom(6) == pytest.approx(0.5 * 360 / 256 / 64)
    with pytest.raises(ValueError, match="zoom"):
        maps.tolerance_for_zoom(-1)


def test_simplified_states_keep_shared_borders_and_shrink() -> None:
    full = maps.simplified_layer("state", 0.0)
    simple = maps.simplified_layer("state", 0.01)
    assert len(simple) == len(full) == 25
    assert shapely.get_num_coordinates(simple.geometry.to_numpy()).sum() < (
        shapely.get_num_coordinates(full.geometry.to_numpy()).sum() / 5
    )
    # coverage simplification: neighbours still share borders (no gaps, no overlaps)
    simple_parts = simple.geometry.to_numpy()
    union = shapely.union_all(simple_parts)
    assert union.area == pytest.approx(shapely.union_all(full.geometry.to_numpy()).area, rel=0.01)
    assert shapely.area(simple_parts).sum() == pytest.approx(union.area, rel=0.001)
    assert maps.simplified_layer("state", 0.01) is simple  # cached


def test_overview_map_payload_is_small() -> None:
    page = maps.render_html(maps.overview_map())
    assert page.count('"area_code"') >= 25 + 335
    assert len(page) < 1_500_000  # 0.70 MB measured at 0.01 degrees


# ---------------------------------------------------------------------- classes
@pytest.mark.parametrize(
    ("values", "k", "breaks"),
    [
        ([1, 2, 3, 4, 5], 5, (1.0, 2.0, 3.0, 4.0, 5.0)),
        ([0, 0, 0], 5, ()),
        ([], 3, ()),
        ([1, 1, 1], 4, (1.0,)),
        (list(range(1, 11)), 2, (5.0, 10.0)),
        ([0.5, 1.5], 1, (1.5,)),
    ],
)
def test_classify(values: list[float], k: int, breaks: tuple[float, ...]) -> None:
    assert maps.classify(values, k) == breaks


@pytest.mark.parametrize(
    ("value", "expected"), [(0, None), (None, None), (1, 0), (6, 0), (7, 1), (10, 1), (99, 1)]
)
def test_class_index(value: float | None, expected: int | None) -> None:
    assert maps.class_index(value, (6.0, 10.0)) == expected


def test_palette_and_colors() -> None:
    colors = maps.palette(5)
    assert len(set(colors)) == 5
    assert colors[0] == maps.SEQUENTIAL_PALETTE[0]
    assert colors[-1] == maps.SEQUENTIAL_PALETTE[-1]
    assert maps.color_for(0, (6.0, 10.0)) == maps.NO_DATA_COLOR
    assert maps.color_for(8, (6.0, 10.0)) == maps.palette(2)[1]
    assert maps.class_labels((1.0, 5.0, 20.0)) == ["1", "2–5", "6–20"]
    with pytest.raises(ValueError, match="between 1 and 7"):
        maps.classify([1], 8)


def test_attribution_is_the_provenance_line() -> None:
    page = maps.render_html(maps.base_map())
    found = re.search(r"addAttribution\(\s*(\"[^\"]*\")\s*\)", page)
    assert found is not None
    assert html.unescape(json.loads(found.group(1))) == ATTRIBUTION


# ---------------------------------------------------------------------- incident map
def _incidents() -> gpd.GeoDataFrame:
    """Two incidents: a located one with a contested toll and hostile text, and one known
    only to its municipality."""
    rows = [
        {
            "incident_id": "A1",
            "date": "2015-07-13",
            "place_name": "Cota 905",
            "parish": "",
            "municipality": "Libertador",
            "state": "Distrito Capital",
            "geo_precision": "barrio",
            "agencies": "PNB;CICPC",
            "operation": "OLP",
            "confidence": "high",
            "civilians_killed_min": 14,
            "civilians_killed_max": 16,
            "detained": 134,
            "civilians_injured": None,
            "officers_killed": None,
            "officers_injured": 1,
            "description": EVIL_NOTES,
            "geometry": Point(-66.93, 10.486),
        },
        {
            "incident_id": "B2",
            "date": "2015-08-01",
            "place_name": EVIL_NAME,
            "parish": "",
            "municipality": "Sucre",
            "state": "Miranda",
            "geo_precision": "municipality",
            "agencies": "GNB",
            "operation": "OLP",
            "confidence": "low",
            "civilians_killed_min": 3,
            "civilians_killed_max": None,
            "detained": None,
            "civilians_injured": None,
            "officers_killed": None,
            "officers_injured": None,
            "description": "",
            "geometry": Point(-66.8, 10.45),
        },
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    for column in ("civilians_killed_min", "civilians_killed_max", "detained"):
        frame[column] = frame[column].astype("Int64")
    return frame


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"civilians_killed_min": 14, "civilians_killed_max": 16}, "14–16"),
        ({"civilians_killed_min": 4, "civilians_killed_max": 4}, "4"),
        (
            {
                "civilians_killed_min": 3,
                "civilians_killed_max": 5,
                "civilians_killed_at_least": True,
            },
            "3–5+",
        ),
        ({}, "0"),
    ],
)
def test_contested_tolls_are_shown_as_ranges(row: dict[str, object], expected: str) -> None:
    assert maps.measure_text(row, "civilians_killed") == expected


def test_headline_lists_every_measure_with_ranges() -> None:
    totals = {
        "incidents": 2,
        "civilians_killed_min": 18,
        "civilians_killed_max": 20,
        "detained": 134,
        "civilians_injured": 1,
        "officers_killed": 0,
    }
    items = dict(maps.headline_items(totals))
    assert items == {
        "Incidents": "2",
        "Civilians killed": "18–20",
        "Detained": "134",
        "Civilians injured": "1",
        "Officers killed": "0",
    }


def test_headline_never_shows_an_unknown_count_as_zero() -> None:
    from datetime import date

    from geo.aggregate import totals
    from geo.filters import Filter
    from geo.ingest import seed_batch

    incidents, _sources = seed_batch()
    pnb_day = Filter(agencies=("PNB",), date_from=date(2015, 7, 13), date_to=date(2015, 7, 13))
    items = dict(maps.headline_items(totals(incidents, flt=pnb_day)))
    # EV0009 (14-16 killed, 1 injured, 134 detained, officers not reported) and
    # EV0010 (4 killed, nothing else reported), by hand from data/incidents/events.csv.
    assert items == {
        "Incidents": "2",
        "Civilians killed": "18–20",
        "Detained": "134+",
        "Civilians injured": "1+",
        "Officers killed": "not reported",
    }


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        (maps.area_select("municipality", "VE0101"), ("area", "municipality", "VE0101")),
        (maps.area_select("zone", "cota-905"), ("area", "zone", "cota-905")),
        (maps.incident_select("ACLED:VEN1"), ("incident", "", "ACLED:VEN1")),
        ("area:county:X", None),
        ("area:state:", None),
        ("", None),
        (None, None),
    ],
)
def test_selection_keys_round_trip(key: object, parsed: tuple[str, str, str] | None) -> None:
    assert maps.parse_select(key) == parsed


def _state_table(values: dict[str, int]) -> object:
    import pandas as pd

    return pd.DataFrame(
        {
            "area_code": [*list(values), "_unlocated"],
            "area_name": [*list(values), "Unlocated"],
            "incidents": [*list(values.values()), 99],
        }
    )


def test_choropleth_colours_areas_by_class_and_legend_gives_breaks_and_unit() -> None:
    # three states with 1, 2 and 10 incidents, k=3 classes: breaks (1, 2, 10)
    table = _state_table({"VE-A": 1, "VE-M": 2, "VE-X": 10})
    m = maps.base_map()
    layer = maps.add_choropleth(m, table, level="state", measure="incidents", k=3)
    props = {f["properties"]["area_code"]: f["properties"] for f in layer.data["features"]}
    assert len(props) == 25  # every state is drawn, with or without incidents
    colours = maps.palette(3)
    assert props["VE-A"]["fill"] == colours[0]
    assert props["VE-M"]["fill"] == colours[1]
    assert props["VE-X"]["fill"] == colours[2]
    assert props["VE-Z"]["fill"] == maps.NO_DATA_COLOR
    assert props["VE-X"]["select"] == "area:state:VE-X"
    assert "Incidents: 10" in props["VE-X"]["tooltip"]
    legends = [c for c in m._children.values() if isinstance(c, maps.Legend)]
    legend = legends[-1].values["html"]
    assert '<div class="title">Incidents</div>' in legend  # the unit repeats the measure
    for label in ("1", "2", "3–10", "none"):
        assert f"</svg>{label}</div>" in legend
    assert "_unlocated" not in props  # buckets have no polygon


def test_choropleth_of_a_range_is_classed_by_its_minimum() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "area_code": ["VE-A"],
            "area_name": ["Distrito Capital"],
            "civilians_killed_min": [18],
            "civilians_killed_max": [20],
        }
    )
    m = maps.base_map()
    layer = maps.add_choropleth(m, table, level="state", measure="civilians_killed")
    capital = next(f for f in layer.data["features"] if f["properties"]["area_code"] == "VE-A")
    assert capital["properties"]["value"] == "18–20"
    legend = [c for c in m._children.values() if isinstance(c, maps.Legend)][-1]
    assert "Civilians killed (people) by minimum" in legend.values["html"]


def test_unknown_level_or_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        maps.add_choropleth(maps.base_map(), _state_table({}), level="county")
    with pytest.raises(ValueError, match="measure"):
        maps.add_choropleth(maps.base_map(), _state_table({}), level="state", measure="x")


def test_markers_are_sized_by_deaths_clustered_and_approximate_ones_say_so() -> None:
    m = maps.base_map()
    group = maps.add_incident_markers(m, _incidents())
    assert isinstance(group, MarkerCluster)
    features = maps.incident_features(_incidents())["features"]
    by_id = {f["properties"]["select"]: f["properties"] for f in features}
    located, approximate = by_id["incident:A1"], by_id["incident:B2"]
    assert located["radius"] == round(maps.marker_radius(16), 1) > approximate["radius"]
    assert maps.marker_radius(None) == maps.marker_radius(0) < maps.marker_radius(1)
    assert not located["approximate"]
    assert approximate["approximate"]
    assert "approximate: known only to the municipality" in approximate["tooltip"]
    assert "14–16 killed, 1 officers injured, 134 detained" in located["tooltip"]
    assert "at least 3 killed" in approximate["tooltip"]


def test_no_located_incident_adds_no_marker_layer() -> None:
    frame = _incidents()
    frame["geometry"] = None
    assert maps.add_incident_markers(maps.base_map(), frame) is None


def test_marker_and_panel_text_is_escaped_and_only_web_links_are_links() -> None:
    import pandas as pd

    incidents = _incidents()
    tooltip = maps.incident_features(incidents)["features"][1]["properties"]["tooltip"]
    assert "<script>" not in tooltip
    assert html.escape(EVIL_NAME) in tooltip
    sources = pd.DataFrame(
        {
            "incident_id": ["A1", "A1", "B2"],
            "publisher": ["El Nacional", EVIL_NAME, "Provea"],
            "date": ["2015-07-14", "2015-07-15", ""],
            "title": ["", "", ""],
            "url": ["https://example.org/a?x=1&y=2", "javascript:alert(1)", ""],
            "quote": ["Quince muertos", EVIL_NOTES, ""],
        }
    )
    panel = maps.incident_panel_html(incidents, sources, title=EVIL_NAME, total=3)
    assert "<script" not in panel
    assert "<img" not in panel
    assert html.escape(EVIL_NOTES) in panel  # the description and quote shown as text
    assert '<a href="https://example.org/a?x=1&amp;y=2"' in panel
    assert "javascript:" not in panel.split("href=")[-1].split(">")[0]
    assert panel.count("<a ") == 1
    assert "Quince muertos" in panel
    assert "3 incidents under the current filter; the first 2 by date." in panel
    assert "14–16 killed" in panel


def test_incident_map_has_every_layer_and_no_markers_when_told() -> None:
    table = _state_table({"VE-A": 2})
    with_markers = maps.render_html(maps.incident_map(table, _incidents(), level="municipality"))
    without = maps.render_html(maps.incident_map(table, None, level="municipality"))
    for name in ("Incidents by municipality", "State borders", "Operation zones", "Peace zones"):
        assert name in with_markers
        assert name in without
    assert "markerClusterGroup" in with_markers
    assert "markerClusterGroup" not in without
    assert '"maxZoom": 18' in with_markers  # MarkerCluster needs it without a tile layer


def test_clicking_a_zone_selects_it(zones: gpd.GeoDataFrame) -> None:
    features = maps.zone_features(zones)["features"]
    selected = [maps.parse_select(f["properties"]["select"]) for f in features]
    assert selected == [("area", "zone", "circle"), ("area", "zone", "square")]
