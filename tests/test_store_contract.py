"""The store contract: every backend in ``conftest.STORE_BACKENDS`` must pass these.

Fixtures are three hand-made incidents whose expected answers can be read off the table:

=====  ==========  =========  =====  ===========  ==============  ======================
id     date        precision  state  agencies     killed min-max  where
=====  ==========  =========  =====  ===========  ==============  ======================
EV-A   2015-07-13  day        VE-A   CICPC;PNB    2-4             point in Caracas
EV-B   2016-02-01  month      VE-V   GNB          unknown         Maracaibo anchor point
EV-C   2017-01-01  year       ""     ""           1-1             unlocated (no geometry)
=====  ==========  =========  =====  ===========  ==============  ======================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.filters import Filter
from geo.geodata import ZONE_COLUMNS
from geo.incidents import COUNT_COLUMNS, INCIDENT_COLUMNS, SOURCE_COLUMNS
from geo.store import Store, StoreError, WriteResult
from tests.conftest import STORE_BACKENDS, make_store

NA = pd.NA
SCRIPT = '<script>alert("x")</script> & "quotes" \'single\''


def incident_rows() -> list[dict[str, Any]]:
    """The three incidents of the module docstring, as plain dicts."""
    base = dict.fromkeys(INCIDENT_COLUMNS, "")
    return [
        {
            **base,
            "incident_id": "EV-A",
            "date": "2015-07-13",
            "date_end": "2015-07-13",
            "date_precision": "day",
            "operation": "OLP Cota 905",
            "operation_family": "OLP",
            "place_name": "Cota 905",
            "state": "Distrito Capital",
            "lat": 10.4881,
            "lon": -66.9192,
            "state_code": "VE-A",
            "muni_code": "VE0101",
            "zone_ids": "cota-905;caracas",
            "geo_precision": "point",
            "agencies": "CICPC;PNB",
            "agencies_reported": "Cicpc, PNB",
            "civilians_killed_min": 2,
            "civilians_killed_max": 4,
            "civilians_injured": NA,
            "officers_killed": 0,
            "officers_injured": NA,
            "detained": 5,
            "fatalities_unsplit": NA,
            "description": SCRIPT,
            "confidence": "high",
            "origin": "test",
            "content_hash": "hash-a1",
            "geometry": Point(-66.9192, 10.4881),
        },
        {
            **base,
            "incident_id": "EV-B",
            "date": "2016-02-01",
            "date_end": "2016-02-29",
            "date_precision": "month",
            "operation": "Operación de Liberación del Pueblo",
            "operation_family": "OLP",
            "municipality": "Maracaibo",
            "state": "Zulia",
            "lat": np.nan,
            "lon": np.nan,
            "state_code": "VE-V",
            "muni_code": "VE2313",
            "geo_precision": "municipality",
            "agencies": "GNB",
            "agencies_reported": "Guardia Nacional",
            "civilians_killed_min": NA,
            "civilians_killed_max": NA,
            "civilians_injured": NA,
            "officers_killed": NA,
            "officers_injured": NA,
            "detained": NA,
            "fatalities_unsplit": 3,
            "description": "Maracaibo — ñandú, 1 línea\nsegunda línea",
            "confidence": "medium",
            "origin": "test",
            "content_hash": "hash-b1",
            "geometry": Point(-71.64, 10.65),
        },
        {
            **base,
            "incident_id": "EV-C",
            "date": "2017-01-01",
            "date_end": "2017-12-31",
            "date_precision": "year",
            "operation": "OLP",
            "operation_family": "OLP",
            "lat": np.nan,
            "lon": np.nan,
            "geo_precision": "unlocated",
            "civilians_killed_min": 1,
            "civilians_killed_max": 1,
            "civilians_injured": NA,
            "officers_killed": NA,
            "officers_injured": NA,
            "detained": NA,
            "fatalities_unsplit": NA,
            "confidence": "low",
            "origin": "test",
            "content_hash": "hash-c1",
            "geometry": None,
        },
    ]


def incident_frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Canonical dtypes: str text, Int64 counts, float lat/lon, datetime64[ns] dates."""
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))
    for column in ("date", "date_end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in ("lat", "lon"):
        frame[column] = frame[column].astype("float64")
    text = [c for c in INCIDENT_COLUMNS if frame[c].dtype == object and c != "geometry"]
    for column in text:
        frame[column] = frame[column].astype("str")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def source_frame(rows: list[tuple[str, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(SOURCE_COLUMNS)).astype("str")


SOURCES = [
    ("EV-A", "Provea", "2015-07-14", "Informe", "https://provea.org/a", "murieron <b>dos</b>"),
    ("EV-A", "El Pitazo", "2015-07-15", "Crónica", "https://elpitazo.net/a", "cuatro"),
    ("EV-B", "Panorama", "2016-02-03", "Zulia", "https://panorama.com.ve/b", ""),
    ("EV-C", "Cofavic", "2017-06-01", "Resumen", "", "una víctima"),
]


def batch(rows: list[dict[str, Any]] | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The three incidents and their four sources (or ``rows`` with the sources of their ids)."""
    rows = incident_rows() if rows is None else rows
    ids = {row["incident_id"] for row in rows}
    return incident_frame(rows), source_frame([s for s in SOURCES if s[0] in ids])


def changed(row: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**row, **values}


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    made: Store = make_store(request.param, tmp_path, request)  # type: ignore[assignment]
    return made


def snapshot(store: Store) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame, str]:
    return (
        store.read_incidents(),
        store.read_sources(),
        store.read_user_zones(),
        store.content_version(),
    )


def assert_same_snapshot(store: Store, before: tuple[Any, ...]) -> None:
    incidents, sources, zones, version = snapshot(store)
    pd.testing.assert_frame_equal(incidents, before[0])
    pd.testing.assert_frame_equal(sources, before[1])
    pd.testing.assert_frame_equal(zones, before[2])
    assert version == before[3]


# ---------------------------------------------------------------------- round trip
def test_every_column_and_dtype_round_trips(store: Store) -> None:
    incidents, sources = batch()
    assert store.write_incidents(incidents, sources) == WriteResult(inserted=3)
    read = store.read_incidents().sort_values("incident_id", ignore_index=True)
    pd.testing.assert_frame_equal(read, incidents)
    assert list(read.columns) == list(INCIDENT_COLUMNS)
    assert read.crs == "EPSG:4326"
    by_id = read.set_index("incident_id")
    # unknown counts stay unknown, a reported zero stays zero
    assert by_id.loc["EV-A", "officers_killed"] == 0
    assert by_id["civilians_injured"].isna().all()
    assert by_id.loc["EV-B", "fatalities_unsplit"] == 3
    # text is text, byte for byte
    assert by_id.loc["EV-A", "description"] == SCRIPT
    assert by_id.loc["EV-C", "state_code"] == ""
    # the unlocated incident has no geometry; the municipality one keeps its anchor point
    assert by_id.loc["EV-C", "geometry"] is None
    assert by_id.loc["EV-B", "geometry"].equals(Point(-71.64, 10.65))
    assert np.isnan(by_id.loc["EV-B", "lat"])


def test_a_read_without_geometry_keeps_everything_else(store: Store) -> None:
    incidents, sources = batch()
    store.write_incidents(incidents, sources)
    flt = Filter(date_to=date(2016, 12, 31))  # EV-A and EV-B
    light = store.read_incidents(flt, geometry=False)
    assert list(light["incident_id"]) == ["EV-A", "EV-B"]
    assert light.geometry.isna().all()  # no point built...
    assert light.crs == "EPSG:4326"
    full = store.read_incidents(flt)
    assert full.geometry.notna().all()
    # ...and every other column as in a full read, coordinates included
    pd.testing.assert_frame_equal(
        pd.DataFrame(light.drop(columns="geometry")), pd.DataFrame(full.drop(columns="geometry"))
    )
    assert light.loc[0, ["lon", "lat"]].tolist() == [-66.9192, 10.4881]


def test_sources_round_trip_and_select_by_incident(store: Store) -> None:
    store.write_incidents(*batch())
    pd.testing.assert_frame_equal(store.read_sources(), source_frame(SOURCES))
    only_a = store.read_sources(["EV-A"])
    assert only_a["url"].tolist() == ["https://provea.org/a", "https://elpitazo.net/a"]
    assert store.read_sources(["EV-B", "EV-C"])["publisher"].tolist() == ["Panorama", "Cofavic"]
    assert store.read_sources(["nope"]).empty


def test_empty_store_reads_empty_canonical_frames(store: Store) -> None:
    incidents = store.read_incidents()
    assert incidents.empty
    assert list(incidents.columns) == list(INCIDENT_COLUMNS)
    assert incidents["civilians_killed_min"].dtype == "Int64"
    assert list(store.read_sources().columns) == list(SOURCE_COLUMNS)
    assert list(store.read_user_zones().columns) == list(ZONE_COLUMNS)


# ---------------------------------------------------------------------- upserts
def test_upsert_counts_inserted_updated_unchanged(store: Store) -> None:
    store.write_incidents(*batch())
    rows = incident_rows()
    rows[1] = changed(rows[1], civilians_killed_max=7, content_hash="hash-b2")
    extra = changed(rows[2], incident_id="EV-D", content_hash="hash-d1")
    result = store.write_incidents(*batch([*rows, extra]))
    assert result == WriteResult(inserted=1, updated=1, unchanged=2)
    read = store.read_incidents().set_index("incident_id")
    assert sorted(read.index) == ["EV-A", "EV-B", "EV-C", "EV-D"]
    assert read.loc["EV-B", "civilians_killed_max"] == 7
    assert read.loc["EV-B", "content_hash"] == "hash-b2"


def test_rewriting_the_same_batch_changes_nothing(store: Store) -> None:
    assert store.write_incidents(*batch()) == WriteResult(inserted=3)
    before = snapshot(store)
    assert store.write_incidents(*batch()) == WriteResult(unchanged=3)
    assert_same_snapshot(store, before)


def test_update_replaces_the_sources_of_changed_incidents_only(store: Store) -> None:
    store.write_incidents(*batch())
    rows = incident_rows()
    rows[0] = changed(rows[0], content_hash="hash-a2")
    new_sources = source_frame(
        [
            ("EV-A", "Runrunes", "2015-08-01", "Nuevo", "https://runrun.es/a", "tres"),
            ("EV-B", "Ignored", "2020-01-01", "same hash", "", "not written"),
        ]
    )
    assert store.write_incidents(incident_frame(rows), new_sources) == WriteResult(
        updated=1, unchanged=2
    )
    assert store.read_sources(["EV-A"])["publisher"].tolist() == ["Runrunes"]
    assert store.read_sources(["EV-B"])["publisher"].tolist() == ["Panorama"]


def test_update_can_move_and_unlocate_an_incident(store: Store) -> None:
    store.write_incidents(*batch())
    rows = incident_rows()
    rows[0] = changed(rows[0], geometry=None, geo_precision="unlocated", content_hash="a3")
    rows[2] = changed(rows[2], geometry=Point(-64.18, 10.46), content_hash="c3")
    store.write_incidents(*batch(rows))
    read = store.read_incidents().set_index("incident_id")
    assert read.loc["EV-A", "geometry"] is None
    assert read.loc["EV-C", "geometry"].equals(Point(-64.18, 10.46))


# ---------------------------------------------------------------------- filters
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(), ["EV-A", "EV-B", "EV-C"]),
        (Filter(states=("VE-A",)), ["EV-A"]),
        (Filter(agencies=("GNB",)), ["EV-B"]),
        (Filter(date_from=date(2016, 1, 1)), ["EV-B", "EV-C"]),
        # EV-B is "February 2016": not inside a window ending mid-February
        (Filter(date_from=date(2016, 2, 1), date_to=date(2016, 2, 15)), []),
        (Filter(min_confidence="medium"), ["EV-A", "EV-B"]),
        (Filter(include_low_precision=False), ["EV-A"]),
        (Filter(zones=("cota-905",)), ["EV-A"]),
    ],
)
def test_filter_is_applied(store: Store, flt: Filter, expected: list[str]) -> None:
    store.write_incidents(*batch())
    read = store.read_incidents(flt)
    assert sorted(read["incident_id"]) == expected
    everything = store.read_incidents()
    assert sorted(flt.apply(everything)["incident_id"]) == expected


# ---------------------------------------------------------------------- user zones
def zone_frame(rows: list[tuple[str, str, Polygon | MultiPolygon]]) -> gpd.GeoDataFrame:
    records = []
    for zone_id, name, geometry in rows:
        record: dict[str, Any] = dict.fromkeys(ZONE_COLUMNS, "")
        record.update(
            zone_id=zone_id,
            name=name,
            roles="peace_zone",
            definition="user",
            precision="user",
            radius_m=np.nan,
            user_defined=True,
            geometry=geometry,
        )
        records.append(record)
    frame = pd.DataFrame(records, columns=list(ZONE_COLUMNS))
    for column in ZONE_COLUMNS:
        if column not in ("radius_m", "user_defined", "geometry"):
            frame[column] = frame[column].astype("str")
    frame["radius_m"] = frame["radius_m"].astype("float64")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


SQUARE = Polygon([(-67, 10), (-66.9, 10), (-66.9, 10.1), (-67, 10.1)])
TWO_SQUARES = MultiPolygon([SQUARE, Polygon([(-66, 10), (-65.9, 10), (-65.9, 10.1), (-66, 10.1)])])


def test_user_zones_round_trip_and_upsert(store: Store) -> None:
    zones = zone_frame([("z1", "Uno", SQUARE), ("z2", "Dos", TWO_SQUARES)])
    assert store.write_user_zones(zones) == 2
    read = store.read_user_zones().sort_values("zone_id", ignore_index=True)
    expected = zones.copy()
    expected["geometry"] = [MultiPolygon([SQUARE]), TWO_SQUARES]  # stored as MultiPolygon
    pd.testing.assert_frame_equal(read, expected)
    assert store.write_user_zones(zone_frame([("z1", "Uno bis", SQUARE)])) == 1
    names = store.read_user_zones().set_index("zone_id")["name"]
    assert names.to_dict() == {"z1": "Uno bis", "z2": "Dos"}


def test_stats_join_points_to_user_zones_and_read_codes_elsewhere(store: Store) -> None:
    """``aggregate_store`` reads points only where it joins them (user zones)."""
    from geo.aggregate import OUTSIDE_CODE, UNLOCATED_CODE, aggregate_store

    incidents, sources = batch()
    store.write_incidents(incidents, sources)
    around_caracas = Polygon([(-67, 10.4), (-66.8, 10.4), (-66.8, 10.6), (-67, 10.6)])
    store.write_user_zones(zone_frame([("mi-barrio", "Mi barrio", around_caracas)]))
    by_zone = aggregate_store(store, level="zone", zones=store.read_user_zones())
    counts = dict(zip(by_zone["area_code"], by_zone["incidents"], strict=True))
    # EV-A is a point inside the drawn zone; EV-B (municipality) and EV-C are not points
    assert counts == {"mi-barrio": 1, UNLOCATED_CODE: 2}
    assert OUTSIDE_CODE not in counts
    by_state = aggregate_store(store, level="state")
    counts = dict(zip(by_state["area_code"], by_state["incidents"], strict=True))
    assert counts == {"VE-A": 1, "VE-V": 1, UNLOCATED_CODE: 1}


# ---------------------------------------------------------------------- content version
def test_content_version_changes_only_when_data_changes(store: Store) -> None:
    empty = store.content_version()
    assert store.content_version() == empty
    store.write_incidents(*batch())
    written = store.content_version()
    assert written != empty
    store.read_incidents()
    store.read_sources()
    assert store.content_version() == written
    store.write_incidents(*batch())  # unchanged
    assert store.content_version() == written
    rows = incident_rows()
    rows[2] = changed(rows[2], content_hash="hash-c2", notes="corrected")
    store.write_incidents(*batch(rows))
    updated = store.content_version()
    assert updated not in {empty, written}
    store.write_user_zones(zone_frame([("z1", "Uno", SQUARE)]))
    assert store.content_version() not in {empty, written, updated}


# ---------------------------------------------------------------------- failures
def _duplicate_ids() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    rows = incident_rows()
    return batch([*rows, changed(rows[0], content_hash="other")])


def _polygon_geometry() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    rows = incident_rows()
    rows[1] = changed(rows[1], geometry=SQUARE, content_hash="poly")
    return batch(rows)


def _unwritable_source_mid_write() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    # passes every check before the transaction and fails when the source row is
    # written, after the new and updated incidents: the rollback must undo them
    rows = incident_rows()
    rows[0] = changed(rows[0], content_hash="hash-a9")
    extra = changed(rows[2], incident_id="EV-E", content_hash="e1")
    incidents, _ = batch([*rows, extra])
    unwritable = [*SOURCES, ("EV-E", "x", "", "", "", {"not": "text"})]
    return incidents, pd.DataFrame(unwritable, columns=list(SOURCE_COLUMNS), dtype=object)


def _source_of_unknown_incident() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    incidents, sources = batch()
    return incidents, pd.concat([sources, source_frame([("EV-Z", "x", "", "", "", "")])])


def _missing_column() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    incidents, sources = batch()
    return incidents.drop(columns=["confidence"]), sources


@pytest.mark.parametrize(
    "bad_batch",
    [
        _duplicate_ids,
        _polygon_geometry,
        _unwritable_source_mid_write,
        _source_of_unknown_incident,
        _missing_column,
    ],
)
def test_a_failing_batch_leaves_the_store_unchanged(
    store: Store, bad_batch: Callable[[], tuple[gpd.GeoDataFrame, pd.DataFrame]]
) -> None:
    store.write_incidents(*batch())
    store.write_user_zones(zone_frame([("z1", "Uno", SQUARE)]))
    before = snapshot(store)
    with pytest.raises(StoreError):
        store.write_incidents(*bad_batch())
    assert_same_snapshot(store, before)
    # and the store still takes a good write afterwards
    rows = incident_rows()
    assert store.write_incidents(*batch([changed(rows[0], content_hash="after")])).updated == 1


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (_duplicate_ids, "repeated in one batch: EV-A"),
        (_polygon_geometry, "EV-B: geometry is a Polygon"),
        (_source_of_unknown_incident, "not in the batch: EV-Z"),
        (_missing_column, "missing columns confidence"),
    ],
)
def test_a_rejected_batch_says_why(
    store: Store, make_bad: Callable[[], tuple[gpd.GeoDataFrame, pd.DataFrame]], message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        store.write_incidents(*make_bad())
