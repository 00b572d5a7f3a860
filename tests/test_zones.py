"""Zone construction (buffers, admin unions) and user zones: validation, import, listing."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from geo import geodata, i18n
from geo.cli import main
from geo.gazetteer import build_gazetteer
from geo.store import open_store
from geo.zones import (
    ZoneProblem,
    all_zones,
    import_user_zones,
    read_user_zones,
    validate_user_zones,
)
from tests.fixtures_geo import (
    feature,
    square,
    tiny_municipalities,
    tiny_parishes,
    tiny_states,
    tiny_zone_definitions,
    tiny_zones,
    write_feature_collection,
)

GEOD = pyproj.Geod(ellps="WGS84")
CARACAS = (-66.90, 10.50)  # a free spot in Libertador, away from the shipped zones


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with i18n.use_language("en"):
        yield


def empty_store(tmp_path: Path) -> str:
    """A new GeoPackage store without the seed incidents (fast to create)."""
    location = str(tmp_path / "store.gpkg")
    open_store(location, seed=False)
    return location


def geodesic_area_m2(geometry: shapely.Geometry) -> float:
    area, _ = GEOD.geometry_area_perimeter(geometry)
    return abs(area)


def offset(lon: float, lat: float, azimuth: float, metres: float) -> Point:
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return Point(end_lon, end_lat)


# ---------------------------------------------------------------------- construction
@pytest.mark.parametrize("radius_m", [100.0, 1000.0, 1500.0, 20000.0])
@pytest.mark.parametrize("centre", [(-66.75, 10.25), (-61.0, 8.0), (-72.3, 7.8)])
def test_buffer_is_a_circle_of_the_radius_in_metres(
    radius_m: float, centre: tuple[float, float]
) -> None:
    circle = geodata.buffer_in_metres(Point(centre), radius_m)
    assert geodesic_area_m2(circle) == pytest.approx(math.pi * radius_m**2, rel=0.01)
    # In the right place: centred on the point, reaching the radius in every direction.
    assert GEOD.inv(*centre, circle.centroid.x, circle.centroid.y)[2] < radius_m * 0.001
    for azimuth in (0, 45, 90, 180, 270):
        assert circle.contains(offset(*centre, azimuth, radius_m * 0.97))
        assert not circle.contains(offset(*centre, azimuth, radius_m * 1.03))


def test_fixture_zones_are_built_as_defined() -> None:
    zones = tiny_zones().set_index("zone_id")
    assert list(zones.index) == ["circulo", "union-ab", "estado-b"]
    circle = zones.loc["circulo"]
    assert circle["precision"] == "approximate"
    assert circle["radius_m"] == 1000.0
    assert geodesic_area_m2(circle.geometry) == pytest.approx(math.pi * 1000**2, rel=0.01)
    assert circle.geometry.contains(Point(-66.75, 10.25))
    # The union of the two Libertador parishes is exactly the Libertador rectangle.
    union = zones.loc["union-ab"]
    assert union["precision"] == "administrative"
    assert union.geometry.symmetric_difference(box(-67, 10, -66.5, 11)).area < 1e-12
    assert zones.loc["estado-b"].geometry.equals(box(-66, 10, -65, 11))
    assert not zones["user_defined"].any()
    assert list(tiny_zones().columns) == geodata.ZONE_COLUMNS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"definition": "polygon"}, "unknown definition 'polygon'"),
        ({"radius_m": "0"}, "radius_m must be positive"),
        ({"radius_m": "-5"}, "radius_m must be positive"),
    ],
)
def test_bad_zone_definitions_are_refused(change: dict[str, str], message: str) -> None:
    definitions = tiny_zone_definitions().head(1)
    for column, value in change.items():
        definitions.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        geodata.build_zones(
            definitions,
            states=tiny_states(),
            municipalities=tiny_municipalities(),
            parishes=tiny_parishes(),
        )


def test_admin_union_of_an_unknown_unit_is_refused() -> None:
    definitions = tiny_zone_definitions().iloc[[1]].reset_index(drop=True)
    definitions.loc[0, "admin_codes"] = "VE010101;VE019999"
    with pytest.raises(KeyError, match="VE019999"):
        geodata.build_zones(
            definitions,
            states=tiny_states(),
            municipalities=tiny_municipalities(),
            parishes=tiny_parishes(),
        )


@pytest.mark.parametrize(
    ("code", "level"),
    [("VE-D", "state"), ("VE-DA", "state"), ("VE1508", "municipality"), ("VE010110", "parish")],
)
def test_admin_level_of(code: str, level: str) -> None:
    assert geodata.admin_level_of(code) == level


@pytest.mark.parametrize("code", ["VE15", "Miranda", "VE01011", "XX-D"])
def test_admin_level_of_refuses_other_codes(code: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 3166-2 state code"):
        geodata.admin_level_of(code)


# ---------------------------------------------------------------------- validation
GOOD = feature({"zone_id": "barrio-uno", "name": "Barrio Uno"}, {
    "type": "Polygon", "coordinates": square(*CARACAS)})  # fmt: skip


def validate(
    tmp_path: Path, *features: dict[str, object], crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[ZoneProblem]]:
    path = write_feature_collection(tmp_path / "zones.geojson", features, crs=crs)
    return validate_user_zones(path)


def test_a_good_file_gives_user_zones(tmp_path: Path) -> None:
    second = feature(
        {"zone_id": "barrio-dos", "name": "Barrio Dos", "roles": "peace_zone, operation_zone",
         "notes": "drawn in QGIS", "source": "field visit"},
        {"type": "MultiPolygon", "coordinates": [square(-66.88, 10.50)]},
    )  # fmt: skip
    zones, problems = validate(tmp_path, GOOD, second)
    assert problems == []
    assert list(zones.columns) == geodata.ZONE_COLUMNS
    assert zones.crs == "EPSG:4326"
    assert zones["zone_id"].tolist() == ["barrio-uno", "barrio-dos"]
    assert zones["roles"].tolist() == ["operation_zone", "peace_zone;operation_zone"]
    assert zones["precision"].tolist() == ["user", "user"]
    assert zones["user_defined"].tolist() == [True, True]
    assert zones["notes"].tolist() == ["", "drawn in QGIS"]
    assert zones["source"].tolist() == ["", "field visit"]
    assert zones.geometry.iloc[0].equals(box(-66.90, 10.50, -66.89, 10.51))


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[-66.90, 10.50], [-66.89, 10.51], [-66.89, 10.50], [-66.90, 10.51],
                     [-66.90, 10.50]]],
}  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (feature({"zone_id": "", "name": "X"}, GOOD["geometry"]), "has no zone_id"),
        (feature({"zone_id": None, "name": "X"}, GOOD["geometry"]), "has no zone_id"),
        (feature({"zone_id": "Barrio Tres", "name": "X"}, GOOD["geometry"]),
         "zone_id 'Barrio Tres' is not a slug: use lower-case letters, digits and hyphens "
         "only, e.g. 'barrio-tres'"),
        (feature({"zone_id": "tres--x", "name": "X"}, GOOD["geometry"]), "is not a slug"),
        (feature({"zone_id": "cota-905", "name": "X"}, GOOD["geometry"]),
         "zone_id 'cota-905' is a shipped zone; choose another id"),
        (feature({"zone_id": "tres", "name": ""}, GOOD["geometry"]), "has no name"),
        (feature({"zone_id": "tres", "name": "X", "roles": "olp"}, GOOD["geometry"]),
         "unknown role(s) 'olp'; use operation_zone, peace_zone, region"),
        (feature({"zone_id": "tres", "name": "X"}, None), "has no geometry"),
        (feature({"zone_id": "tres", "name": "X"}, {"type": "Point", "coordinates": CARACAS}),
         "is a point, not a polygon; draw the zone as an area"),
        (feature({"zone_id": "tres", "name": "X"},
                 {"type": "LineString", "coordinates": [CARACAS, (-66.8, 10.6)]}),
         "is a line, not a polygon"),
        (feature({"zone_id": "tres", "name": "X"}, BOWTIE),
         "the polygon is not valid: Self-intersection at lon -66.895, lat 10.505; fix it"),
        (feature({"zone_id": "tres", "name": "X"},
                 {"type": "Polygon", "coordinates": square(-3.70, 40.40)}),
         "lies outside Venezuela (around lon -3.695"),
        (feature({"zone_id": "tres", "name": "X"},  # in the Caribbean, 70 km offshore
                 {"type": "Polygon", "coordinates": square(-66.90, 11.25)}),
         "lies outside Venezuela"),
        (feature({"zone_id": "tres", "name": "X"},  # Caracas to 200 km out at sea
                 {"type": "Polygon", "coordinates": square(-66.90, 10.50, 2.0)}),
         "extends beyond Venezuela's borders or coast"),
    ],
)  # fmt: skip
def test_each_bad_feature_is_explained_and_the_good_one_kept(
    tmp_path: Path, bad: dict[str, object], reason: str
) -> None:
    zones, problems = validate(tmp_path, GOOD, bad)
    assert zones["zone_id"].tolist() == ["barrio-uno"]
    assert len(problems) == 1
    (problem,) = problems
    assert problem.index == 1
    assert reason in problem.reason
    assert str(problem).startswith("feature 2")


def test_duplicate_ids_reject_every_feature_that_uses_them(tmp_path: Path) -> None:
    twin = feature({"zone_id": "barrio-uno", "name": "Barrio Uno bis"}, GOOD["geometry"])
    zones, problems = validate(tmp_path, GOOD, twin)
    assert zones.empty
    assert [(p.index, p.reason) for p in problems] == [
        (0, "zone_id 'barrio-uno' is also used by feature(s) 2; ids must be unique"),
        (1, "zone_id 'barrio-uno' is also used by feature(s) 1; ids must be unique"),
    ]
    assert str(problems[1]) == (
        "feature 2 (zone_id 'barrio-uno', name 'Barrio Uno bis'): zone_id 'barrio-uno' is "
        "also used by feature(s) 1; ids must be unique"
    )


def test_a_feature_with_several_problems_lists_them_all(tmp_path: Path) -> None:
    bad = feature({"zone_id": "Cota 905", "name": None}, {"type": "Point", "coordinates": CARACAS})
    _, problems = validate(tmp_path, bad)
    assert [p.index for p in problems] == [0, 0, 0]
    assert "is not a slug" in problems[0].reason
    assert "has no name" in problems[1].reason
    assert "is a point" in problems[2].reason


def test_a_file_in_another_crs_is_reprojected(tmp_path: Path) -> None:
    """A square drawn in UTM 19N (EPSG:32619) metres comes back in lon/lat degrees."""
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True)
    x, y = to_utm.transform(*CARACAS)
    metres = [[[x, y], [x + 500, y], [x + 500, y + 500], [x, y + 500], [x, y]]]
    zones, problems = validate(
        tmp_path,
        feature({"zone_id": "utm", "name": "UTM"}, {"type": "Polygon", "coordinates": metres}),
        crs="urn:ogc:def:crs:EPSG::32619",
    )
    assert problems == []
    (geometry,) = zones.geometry
    assert geometry.exterior.coords[0] == pytest.approx(CARACAS, abs=1e-7)
    assert geodesic_area_m2(geometry) == pytest.approx(500 * 500, rel=0.01)


def test_projected_coordinates_without_a_crs_are_explained(tmp_path: Path) -> None:
    metres = [[[700000, 1160000], [700500, 1160000], [700500, 1160500], [700000, 1160000]]]
    _, problems = validate(
        tmp_path, feature({"zone_id": "m", "name": "M"}, {"type": "Polygon", "coordinates": metres})
    )
    assert [p.reason for p in problems] == [
        "coordinates (700000, 1160000) are not longitude/latitude degrees; save the file in "
        "EPSG:4326 or declare its CRS"
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        ("this is not json {", "cannot be read as GeoJSON or another GIS format"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
         '{"id": "a"}, "geometry": {"type": "Point", "coordinates": [-66.9, 10.5]}}]}',
         "the features have no zone_id and name property"),
    ],
)  # fmt: skip
def test_unusable_files_are_one_file_level_problem(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "zones.geojson"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    zones, problems = validate_user_zones(path)
    assert zones.empty
    assert len(problems) == 1
    assert problems[0].index is None
    assert reason in str(problems[0])
    assert str(path) in str(problems[0])


def test_zone_problem_without_names() -> None:
    assert str(ZoneProblem(4, "", "", "has no geometry")) == "feature 5: has no geometry"


# ---------------------------------------------------------------------- import and listing
@pytest.mark.slow  # creates and seeds a real store, as a first import does
def test_import_stores_valid_zones_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store.gpkg")
    path = write_feature_collection(tmp_path / "z.geojson", [GOOD])
    assert import_user_zones(path, store_location=store) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"1 zone stored in {store}, 0 rejected."
    assert err == ""
    stored = read_user_zones(store_location=store)
    assert stored["zone_id"].tolist() == ["barrio-uno"]
    assert stored["user_defined"].tolist() == [True]
    assert stored.geometry.iloc[0].equals(shapely.MultiPolygon([box(-66.90, 10.50, -66.89, 10.51)]))


def test_import_with_rejected_features_stores_the_rest_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = empty_store(tmp_path)
    bad = feature({"zone_id": "fuera", "name": "Fuera"},
                  {"type": "Polygon", "coordinates": square(-3.70, 40.40)})  # fmt: skip
    path = write_feature_collection(tmp_path / "z.geojson", [GOOD, bad])
    assert import_user_zones(path, store_location=store) == 1
    out, err = capsys.readouterr()
    assert "1 zone stored" in out
    assert "1 rejected" in out
    assert "feature 2 (zone_id 'fuera', name 'Fuera'): lies outside Venezuela" in err
    assert read_user_zones(store_location=store)["zone_id"].tolist() == ["barrio-uno"]


def test_import_of_an_unreadable_file_exits_2_and_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store.gpkg"
    assert import_user_zones(tmp_path / "missing.geojson", store_location=str(store)) == 2
    assert "no such file" in capsys.readouterr().err
    assert not store.exists()


def test_reimporting_an_id_replaces_the_zone(tmp_path: Path) -> None:
    store = empty_store(tmp_path)
    first = write_feature_collection(tmp_path / "a.geojson", [GOOD])
    moved = feature({"zone_id": "barrio-uno", "name": "Barrio Uno (redrawn)"},
                    {"type": "Polygon", "coordinates": square(-66.85, 10.48)})  # fmt: skip
    second = write_feature_collection(tmp_path / "b.geojson", [moved])
    assert import_user_zones(first, store_location=store) == 0
    assert import_user_zones(second, store_location=store) == 0
    stored = read_user_zones(store_location=store)
    assert stored["name"].tolist() == ["Barrio Uno (redrawn)"]


def test_all_zones_are_shipped_then_user_zones(tmp_path: Path) -> None:
    store = str(tmp_path / "store.gpkg")
    shipped = geodata.load_shipped_zones()
    assert all_zones(store_location=store)["zone_id"].tolist() == shipped["zone_id"].tolist()
    assert not (tmp_path / "store.gpkg").exists()  # listing does not create a store
    import_user_zones(
        write_feature_collection(tmp_path / "z.geojson", [GOOD]), store_location=store
    )
    zones = all_zones(store_location=store)
    assert zones["zone_id"].tolist() == [*shipped["zone_id"], "barrio-uno"]
    assert zones["user_defined"].tolist() == [False] * len(shipped) + [True]
    assert list(zones.columns) == geodata.ZONE_COLUMNS


def test_user_zones_are_usable_in_the_gazetteer(tmp_path: Path) -> None:
    store = empty_store(tmp_path)
    import_user_zones(
        write_feature_collection(tmp_path / "z.geojson", [GOOD]), store_location=store
    )
    gazetteer = build_gazetteer(zones=all_zones(store_location=store))
    (place,) = gazetteer.find("barrio uno")
    assert (place.level, place.code, place.state_code, place.muni_code) == (
        "zone", "barrio-uno", "VE-A", "")  # fmt: skip
    assert "barrio-uno" in gazetteer.locate(-66.895, 10.505).zone_ids
    frame = gazetteer.assign_areas([-66.895, -66.88], [10.505, 10.50])
    assert frame["zone_ids"].tolist() == ["barrio-uno", ""]


def test_cli_lists_zones_with_approximate_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = empty_store(tmp_path)
    import_user_zones(
        write_feature_collection(tmp_path / "z.geojson", [GOOD]), store_location=store
    )
    capsys.readouterr()
    assert main(["zones", "--store", store]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["zone", "id", "name", "roles", "precision"]
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert set(rows) == {*geodata.load_shipped_zones()["zone_id"], "barrio-uno"}
    assert rows["cota-905"].split() == [
        "cota-905", "Cota", "905", "operation_zone,", "peace_zone", "~", "approximate"]  # fmt: skip
    assert rows["el-valle"].endswith("administrative")
    assert rows["barrio-uno"].endswith("drawn by a user")
    assert "Barrio Uno" in rows["barrio-uno"]
    assert lines[-1].startswith("~ approximate: a circle or corridor")
    # Same through "zones list".
    assert main(["zones", "list", "--store", store]) == 0
    assert capsys.readouterr().out.splitlines() == lines


def test_cli_imports_zones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = empty_store(tmp_path)
    path = write_feature_collection(tmp_path / "z.geojson", [GOOD])
    assert main(["zones", "import", str(path), "--store", store]) == 0
    assert "1 zone stored" in capsys.readouterr().out
    assert main(["zones", "import", str(tmp_path / "nope.geojson"), "--store", store]) == 2
