"""Gazetteer on the tiny hand-drawn layers of ``fixtures_geo`` (answers checked on paper)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo import i18n
from geo.gazetteer import Gazetteer, Location, Place, fold_text, normalize_name
from tests.fixtures_geo import tiny_gazetteer, tiny_municipalities, tiny_parishes, tiny_states


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return tiny_gazetteer()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with i18n.use_language("en"):
        yield


def codes(places: list[Place]) -> list[str]:
    return [place.code for place in places]


# ---------------------------------------------------------------------- names
def test_fold_text_keeps_generic_words_for_non_place_names() -> None:
    assert fold_text("Policía del Estado Aragua") == "policia del estado aragua"
    assert normalize_name("Policía del Estado Aragua") == "policia del aragua"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Municipio  Tomás Lander ", "tomas lander"),
        ("ESTADO MÉRIDA", "merida"),
        ("Parroquia Santa Rosalía", "santa rosalia"),
        ("23 de Enero", "23 de enero"),
        ("San José (Caracas)", "san jose caracas"),
        ("Miranda state", "miranda"),
    ],
)
def test_normalize_name_drops_accents_case_punctuation_and_generic_words(
    text: str, expected: str
) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("Santa Rosalía", {}, ["VE010102"]),
        ("santa rosalia", {}, ["VE010102"]),
        ("SANTA ROSALIA", {}, ["VE010102"]),
        ("Parroquia Santa Rosalía", {}, ["VE010102"]),
        # Libertador exists in both states: both, until a state narrows it down.
        ("Libertador", {}, ["VE0101", "VE0201"]),
        ("Libertador", {"state": "Ávila"}, ["VE0101"]),
        ("Libertador", {"state": "bolivar sur"}, ["VE0201"]),
        ("Libertador", {"state": "VE-B"}, ["VE0201"]),
        ("Libertador", {"state": "02"}, ["VE0201"]),
        ("Libertador", {"state": "Atlantis"}, []),
        # San José parishes in both states, narrowed by municipality name or code.
        ("San José", {}, ["VE010101", "VE020101"]),
        ("San José", {"municipality": "Libertador", "state": "VE-A"}, ["VE010101"]),
        ("San José", {"municipality": "VE0201"}, ["VE020101"]),
        # Levels come ordered state → municipality → parish → zone.
        ("Ávila", {}, ["VE-A"]),
        ("Sucre", {"level": "municipality"}, ["VE0102"]),
        ("Sucre", {"level": "parish"}, []),
        ("Círculo", {}, ["circulo"]),
        ("circulo", {}, ["circulo"]),
        ("VE010201", {}, ["VE010201"]),
        ("Nowhere", {}, []),
    ],
)
def test_find(gaz: Gazetteer, name: str, options: dict[str, str], expected: list[str]) -> None:
    assert codes(gaz.find(name, **options)) == expected


def test_find_returns_where_to_draw_a_place(gaz: Gazetteer) -> None:
    (san_jose,) = gaz.find("San José", state="VE-A")
    assert (san_jose.lon, san_jose.lat) == (-66.9, 10.1)  # the INE label point
    assert (san_jose.muni_code, san_jose.state_code) == ("VE0101", "VE-A")
    (santa_rosalia,) = gaz.find("Santa Rosalía")  # no label point: a point inside
    assert -67 < santa_rosalia.lon < -66.5
    assert 10.5 < santa_rosalia.lat < 11
    (circle,) = gaz.find("Círculo")
    assert circle.lon == pytest.approx(-66.75, abs=1e-6)
    assert circle.lat == pytest.approx(10.25, abs=1e-6)
    assert (circle.state_code, circle.parish_code) == ("VE-A", "")  # zones: state only


def test_historical_state_names_resolve_on_real_codes() -> None:
    """Vargas (renamed La Guaira in 2019) → VE-X, Distrito Federal → VE-A."""
    states = tiny_states()
    states.loc[1, ["state_code", "name"]] = ["VE-X", "La Guaira"]
    states.loc[0, "name"] = "Distrito Capital"
    munis = tiny_municipalities().assign(state_code=["VE-A", "VE-A", "VE-X"])
    parishes = tiny_parishes().assign(state_code=["VE-A", "VE-A", "VE-A", "VE-X"])
    gaz = Gazetteer(states=states, municipalities=munis, parishes=parishes)
    assert gaz.resolve_state("Vargas") == "VE-X"
    assert gaz.resolve_state("Estado Vargas") == "VE-X"
    assert gaz.resolve_state("la guaira") == "VE-X"
    assert gaz.resolve_state("Distrito Federal") == "VE-A"
    assert gaz.resolve_state("ve-x") == "VE-X"
    assert gaz.resolve_state("Narnia") is None
    assert codes(gaz.find("Libertador", state="Vargas")) == ["VE0201"]
    assert gaz.state_name("VE-X") == "La Guaira"
    assert gaz.state_name("VE-Q") == "VE-Q"


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("Santa Rosalia", {}, ["Santa Rosalía"]),  # accents alone: perfect score
        ("Sta Rosalía", {}, ["Santa Rosalía"]),
        ("Libertadr", {}, ["Libertador"]),
        ("Petare (about ten sectors)", {}, ["Petare"]),
        ("Bolivar Sr", {"level": "state"}, ["Bolívar Sur"]),
        ("San Jos", {"state": "VE-B"}, ["San José"]),
        ("Petar", {"state": "VE-B"}, []),  # Petare is in VE-A
        ("Xyzzy", {}, []),
        ("", {}, []),
    ],
)
def test_suggest_close_names(
    gaz: Gazetteer, name: str, options: dict[str, str], expected: list[str]
) -> None:
    assert gaz.suggest(name, **options) == expected


def test_suggest_orders_best_first_and_honours_limit(gaz: Gazetteer) -> None:
    found = gaz.suggest("San", limit=5, min_score=0)
    assert len(found) == 5
    assert found[0] == "San José"
    assert gaz.suggest("San", limit=1, min_score=0) == ["San José"]


# ---------------------------------------------------------------------- points
@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (-66.75, 10.25, Location("VE-A", "VE0101", "VE010101", ("circulo", "union-ab"))),
        (-66.74, 10.26, Location("VE-A", "VE0101", "VE010101", ("union-ab",))),  # ~1.5 km off
        (-66.75, 10.75, Location("VE-A", "VE0101", "VE010102", ("union-ab",))),
        (-66.25, 10.90, Location("VE-A", "VE0102", "VE010201", ())),
        (-65.50, 10.25, Location("VE-B", "VE0201", "VE020101", ("estado-b",))),
        # No parish there: the municipality, then the state, still tell where it is.
        (-65.50, 10.60, Location("VE-B", "VE0201", "", ("estado-b",))),
        (-65.50, 10.90, Location("VE-B", "", "", ("estado-b",))),
        # Sea and abroad: nothing.
        (-66.50, 12.00, Location()),
        (-70.00, 10.50, Location()),
    ],
)
def test_locate(gaz: Gazetteer, lon: float, lat: float, expected: Location) -> None:
    assert gaz.locate(lon, lat) == expected


def test_locate_without_zones(gaz: Gazetteer) -> None:
    assert gaz.locate(-66.75, 10.25, with_zones=False) == Location("VE-A", "VE0101", "VE010101")


def test_a_point_on_a_shared_border_goes_to_the_first_polygon(gaz: Gazetteer) -> None:
    """(-66.5, 10.25) lies on the edge of San José and Petare: counted once, not lost."""
    assert gaz.locate(-66.5, 10.25, with_zones=False) == Location("VE-A", "VE0101", "VE010101")


def test_assign_areas_keeps_row_order_and_handles_missing_coordinates(gaz: Gazetteer) -> None:
    lons = [-65.5, math.nan, -66.25, -66.5, np.inf, -66.75]
    lats = [10.25, 10.2, 10.90, 12.0, 10.5, 10.25]
    frame = gaz.assign_areas(lons, lats)
    assert frame["parish_code"].tolist() == ["VE020101", "", "VE010201", "", "", "VE010101"]
    assert frame["muni_code"].tolist() == ["VE0201", "", "VE0102", "", "", "VE0101"]
    assert frame["state_code"].tolist() == ["VE-B", "", "VE-A", "", "", "VE-A"]
    assert frame["zone_ids"].tolist() == ["estado-b", "", "", "", "", "circulo;union-ab"]


def test_assign_areas_of_no_points(gaz: Gazetteer) -> None:
    frame = gaz.assign_areas([], [])
    assert frame.empty
    assert list(frame.columns) == ["state_code", "muni_code", "parish_code", "zone_ids"]


def test_assign_areas_refuses_mismatched_lengths(gaz: Gazetteer) -> None:
    with pytest.raises(ValueError, match="same length"):
        gaz.assign_areas([-66.0, -66.1], [10.0])


def test_assign_areas_agrees_with_point_by_point_tests(gaz: Gazetteer) -> None:
    """Many random points: the vectorised answer equals a naive shapely loop."""
    rng = np.random.default_rng(7)
    lons = rng.uniform(-67.2, -64.8, 3000)
    lats = rng.uniform(9.8, 11.2, 3000)
    frame = gaz.assign_areas(lons, lats)
    parishes = tiny_parishes()
    zones = gaz.zones
    for i in range(0, 3000, 37):
        where = Point(lons[i], lats[i])
        expected_parish = [c for c, g in zip(parishes.parish_code, parishes.geometry, strict=True)
                           if g.covers(where)][:1]  # fmt: skip
        expected_zones = sorted(z for z, g in zip(zones.zone_id, zones.geometry, strict=True)
                                if g.covers(where))  # fmt: skip
        assert frame["parish_code"][i] == (expected_parish[0] if expected_parish else "")
        assert frame["zone_ids"][i] == ";".join(expected_zones)


def test_many_zones_are_joined_in_id_order() -> None:
    """More than 64 overlapping zones (several words of the bit mask) still list right."""
    ids = [f"z{i:03d}" for i in range(70)][::-1]
    zones = gpd.GeoDataFrame(
        {"zone_id": ids, "name": ids, "admin_codes": [""] * 70},
        geometry=[box(-67, 10, -66.9 + (0.001 if i % 2 else 0.5), 10.1) for i in range(70)],
        crs="EPSG:4326",
    )
    gaz = tiny_gazetteer(zones=zones)
    frame = gaz.assign_areas([-66.95, -66.5, -65.0], [10.05, 10.05, 10.05])
    assert frame["zone_ids"][0] == ";".join(sorted(ids))
    assert frame["zone_ids"][1] == ";".join(sorted(ids[i] for i in range(70) if i % 2 == 0))
    assert frame["zone_ids"][2] == ""


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ({"parish_code": "VE010101", "muni_code": "VE0101", "state_code": "VE-A"}, ("union-ab",)),
        ({"muni_code": "VE0101", "state_code": "VE-A"}, ()),  # the zone is two parishes
        ({"parish_code": "VE020101", "muni_code": "VE0201", "state_code": "VE-B"}, ("estado-b",)),
        ({"state_code": "VE-B"}, ("estado-b",)),
        ({}, ()),
    ],
)
def test_zones_covering_a_whole_unit(
    gaz: Gazetteer, units: dict[str, str], expected: tuple[str, ...]
) -> None:
    """Buffered zones never contain a whole unit; admin unions contain their units."""
    assert gaz.zones_covering(**units) == expected
