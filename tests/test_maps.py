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
