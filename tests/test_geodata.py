"""The shipped boundaries and zones: counts, codes, validity and well-known places."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from geo import geodata
from geo.gazetteer import Gazetteer, default_gazetteer

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def test_25_states_with_unique_iso_codes() -> None:
    states = geodata.load_states()
    assert len(states) == 25
    assert states["state_code"].is_unique
    assert states["state_code"].str.fullmatch(r"VE-[A-Z]").all()
    assert states["ine_code"].is_unique
    assert {"VE-A", "VE-M", "VE-D", "VE-X", "VE-W"} <= set(states["state_code"])


def test_335_municipalities_nested_in_known_states() -> None:
    munis = geodata.load_municipalities()
    assert len(munis) == 335
    assert munis["muni_code"].is_unique
    assert munis["muni_code"].str.fullmatch(r"VE\d{4}").all()
    assert set(munis["state_code"]) <= set(geodata.load_states()["state_code"])


def test_1112_parishes_with_unique_codes_of_their_municipality() -> None:
    parishes = geodata.load_parishes()
    assert len(parishes) == 1112
    assert parishes["parish_code"].is_unique
    assert parishes["parish_code"].str.fullmatch(r"VE\d{6}").all()
    assert (parishes["parish_code"].str[:6] == parishes["muni_code"]).all()
    assert set(parishes["muni_code"]) <= set(geodata.load_municipalities()["muni_code"])


@pytest.mark.parametrize("level", ["state", "municipality", "parish"])
def test_admin_layers_are_valid_polygons_in_lon_lat(level: geodata.Level) -> None:
    layer = geodata.area_layer(level)
    assert layer.crs == "EPSG:4326"
    assert list(layer.columns) == ["area_code", "area_name", "state_code", "geometry"]
    assert layer.is_valid.all()
    assert not layer.is_empty.any()
    assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    min_x, min_y, max_x, max_y = layer.total_bounds
    assert -74 < min_x < max_x < -59  # Venezuela, in degrees
    assert 0 < min_y < max_y < 16


def test_parish_label_points_fall_in_their_state_and_mostly_their_parish(
    gaz: Gazetteer,
) -> None:
    points = geodata.load_parish_points()
    found = gaz.assign_areas(points.geometry.x, points.geometry.y, with_zones=False)
    assert (found["state_code"].to_numpy() == points["state_code"].to_numpy()).all()
    same_parish = (found["parish_code"].to_numpy() == points["parish_code"].to_numpy()).mean()
    assert same_parish > 0.95  # the layers come from different sources (see PROVENANCE)


def test_every_shipped_zone_is_a_valid_non_empty_polygon() -> None:
    zones = geodata.load_shipped_zones()
    definitions = geodata.load_zone_definitions()
    assert zones["zone_id"].tolist() == definitions["zone_id"].tolist()
    assert zones["zone_id"].is_unique
    assert list(zones.columns) == geodata.ZONE_COLUMNS
    assert zones.crs == "EPSG:4326"
    assert zones.is_valid.all()
    assert not zones.is_empty.any()
    assert set(zones.geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(zones["precision"]) <= {"approximate", "administrative"}
    for roles in zones["roles"]:
        assert set(roles.split(";")) <= set(geodata.ZONE_ROLES)
    buffers = zones["definition"] == "buffer"
    assert (zones.loc[buffers, "precision"] == "approximate").all()
    assert (zones.loc[~buffers, "precision"] == "administrative").all()


def test_point_zones_are_circles_of_their_radius() -> None:
    zones = geodata.load_shipped_zones()
    definitions = geodata.load_zone_definitions().set_index("zone_id")
    circles = zones[zones["definition"] == "buffer"]
    circles = circles[definitions.loc[circles["zone_id"], "wkt"].str.startswith("POINT").to_numpy()]
    assert len(circles) >= 3
    for zone in circles.itertuples():
        area = abs(GEOD.geometry_area_perimeter(zone.geometry)[0])
        assert area == pytest.approx(math.pi * zone.radius_m**2, rel=0.01), zone.zone_id
        centre = shapely.from_wkt(definitions.loc[zone.zone_id, "wkt"])
        assert zone.geometry.contains(centre)


def test_admin_union_zones_equal_their_units() -> None:
    zones = geodata.load_shipped_zones().set_index("zone_id")
    parishes = geodata.load_parishes().set_index("parish_code")
    states = geodata.load_states().set_index("state_code")
    assert zones.loc["el-valle"].geometry.equals(parishes.loc["VE010110"].geometry)
    assert zones.loc["aragua"].geometry.equals(states.loc["VE-D"].geometry)
    munis = geodata.load_municipalities().set_index("muni_code")
    tuy = shapely.union_all(
        munis.loc[zones.loc["valles-del-tuy", "admin_codes"].split(";")].geometry
    )
    assert zones.loc["valles-del-tuy"].geometry.symmetric_difference(tuy).area < 1e-9


@pytest.mark.parametrize(
    ("what", "lon", "lat", "expected"),
    [
        ("Cota 905", -66.9299, 10.48595, ("VE-A", "VE0101", None)),
        ("Charallave", -66.858, 10.242, ("VE-M", "VE1508", "VE150801")),
        ("Maracay (Plaza Bolívar)", -67.5967, 10.2469, ("VE-D", "VE0503", None)),
        ("Petare (casco)", -66.8076, 10.4766, ("VE-M", "VE1519", "VE151901")),
        ("El Valle", -66.9094, 10.4453, ("VE-A", "VE0101", "VE010110")),
    ],
)
def test_well_known_places(
    gaz: Gazetteer, what: str, lon: float, lat: float, expected: tuple[str, str, str | None]
) -> None:
    state, muni, parish = expected
    where = gaz.locate(lon, lat)
    assert (where.state_code, where.muni_code) == (state, muni), what
    if parish:
        assert where.parish_code == parish, what


def test_cota_905_zone_lies_in_distrito_capital(gaz: Gazetteer) -> None:
    zone = geodata.load_shipped_zones().set_index("zone_id").loc["cota-905"]
    capital = geodata.load_states().set_index("state_code").loc["VE-A"].geometry
    assert zone.geometry.intersection(capital).area / zone.geometry.area > 0.99
    place = gaz.place("cota-905")
    assert place is not None
    assert (place.level, place.state_code) == ("zone", "VE-A")


@pytest.mark.parametrize(
    ("code", "state", "muni"), [("VE151901", "VE-M", "VE1519"), ("VE010110", "VE-A", "VE0101")]
)
def test_parish_label_points_of_petare_and_el_valle(
    gaz: Gazetteer, code: str, state: str, muni: str
) -> None:
    place = gaz.place(code)
    assert place is not None
    where = gaz.locate(place.lon, place.lat)
    assert (where.state_code, where.muni_code, where.parish_code) == (state, muni, code)


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("Charallave", {}, ["VE150801"]),
        ("Maracay", {}, ["VE0503"]),  # a city: its municipality, Girardot
        ("Vargas", {"level": "state"}, ["VE-X"]),  # La Guaira since 2019
        ("Tomás Lander", {}, ["VE1512"]),  # INE writes "Lander"
        ("Libertador", {"state": "Distrito Capital"}, ["VE0101"]),
        ("Sucre", {"state": "Miranda", "level": "municipality"}, ["VE1519"]),
        ("cota 905", {}, ["cota-905"]),
    ],
)
def test_shipped_names(
    gaz: Gazetteer, name: str, options: dict[str, str], expected: list[str]
) -> None:
    assert [place.code for place in gaz.find(name, **options)] == expected


def test_libertador_is_ambiguous_without_a_state(gaz: Gazetteer) -> None:
    states = {p.state_code for p in gaz.find("Libertador", level="municipality")}
    assert len(states) >= 5


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("Charalave", "Charallave"), ("Barquisimeto", "Barquisimeto"), ("Maracai", "Maracay")],
)
def test_shipped_suggestions(gaz: Gazetteer, typo: str, expected: str) -> None:
    assert expected in gaz.suggest(typo)


@pytest.mark.parametrize(
    ("lon", "lat", "utm"), [(-66.9, 10.5, 32619), (-71.6, 10.6, 32619), (-61.0, 8.0, 32620),
                            (-72.5, 7.8, 32618), (-67.0, -1.0, 32719)],
)  # fmt: skip
def test_utm_zone_of_a_point(lon: float, lat: float, utm: int) -> None:
    assert geodata.utm_epsg(lon, lat) == utm
    assert pyproj.CRS.from_epsg(utm).utm_zone == f"{utm % 100}{'N' if lat >= 0 else 'S'}"


def test_zone_area_layer_has_state_and_marks() -> None:
    layer = geodata.area_layer("zone").set_index("area_code")
    assert layer.loc["cota-905", "state_code"] == "VE-A"
    assert layer.loc["petare", "state_code"] == "VE-M"
    assert layer.loc["cota-905", "precision"] == "approximate"
    assert layer.loc["aragua", "roles"] == "operation_zone;region"


def test_assign_areas_on_shipped_zones_agrees_with_a_naive_loop(gaz: Gazetteer) -> None:
    """Points around Caracas and the Tuy valleys: same zones as testing each polygon."""
    rng = np.random.default_rng(3)
    lons = np.concatenate([rng.normal(-66.9, 0.06, 1500), rng.uniform(-67.2, -66.0, 1500)])
    lats = np.concatenate([rng.normal(10.48, 0.04, 1500), rng.uniform(10.0, 10.7, 1500)])
    frame = gaz.assign_areas(lons, lats)
    zones = geodata.load_shipped_zones()
    points = shapely.points(lons, lats)
    expected = [[] for _ in range(len(points))]  # type: list[list[str]]
    for zone_id, geometry in zip(zones["zone_id"], zones.geometry, strict=True):
        for i in np.flatnonzero(shapely.covers(geometry, points)):
            expected[i].append(zone_id)
    assert frame["zone_ids"].tolist() == [";".join(sorted(ids)) for ids in expected]
