"""The PostGIS store against a real throwaway PostgreSQL 15 + PostGIS server.

Every test gets its own fresh database (a copy of the PostGIS-enabled template), so tests
do not see each other's rows. The incidents are three hand-made rows whose filter answers
are worked out by hand in the parametrize tables.
"""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
from shapely.geometry import Point, Polygon

from geo.cli import main
from geo.filters import Filter
from geo.geodata import ZONE_COLUMNS
from geo.incidents import SOURCE_COLUMNS, date_end_for, empty_incidents
from geo.postgis import (
    _WRITE_LOCK_KEY,
    READER_ROLE,
    WRITER_ROLE,
    PostGISError,
    PostGISStore,
    ReadOnlyStoreError,
    mask_password,
)
from geo.store import StoreError, WriteResult, open_store
from tests.postgis_server import PostgresServer

pytestmark = pytest.mark.postgis

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def dsn(postgis_server: PostgresServer) -> str:
    """The session's PostGIS database, emptied: no ``zonas`` schema, no zonas roles."""
    with psycopg.connect(postgis_server.dsn, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS zonas CASCADE")
        for role in ("dashboard", "importer", READER_ROLE, WRITER_ROLE):
            if _role_exists(connection, role):
                connection.execute(f"DROP OWNED BY {role}")
                connection.execute(f"DROP ROLE {role}")
    return postgis_server.dsn


def _role_exists(connection: psycopg.Connection[Any], role: str) -> bool:
    found = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    return found is not None


@pytest.fixture
def store(dsn: str) -> PostGISStore:
    store = PostGISStore(dsn, seed=False)
    store.init_schema()
    return store


def make_incidents(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Build a canonical incident frame; unspecified text is "" and counts unknown."""
    template = empty_incidents()
    records = []
    for row in rows:
        full: dict[str, Any] = dict.fromkeys(template.columns, "")
        full.update({c: pd.NA for c in template.columns if str(template[c].dtype) == "Int64"})
        full.update(lat=float("nan"), lon=float("nan"), geometry=None)
        full.update(row)
        full["date"] = pd.Timestamp(full["date"])
        full["date_end"] = date_end_for(full["date"], full["date_precision"])
        full["content_hash"] = full.get("content_hash") or f"h-{row['incident_id']}"
        records.append(full)
    frame = pd.DataFrame(records, columns=list(template.columns))
    for column in template.columns:
        if column != "geometry":
            frame[column] = frame[column].astype(template[column].dtype)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


INCIDENTS = make_incidents(
    [
        {"incident_id": "EV1", "date": "2015-07-13", "date_precision": "day",
         "operation_family": "OLP", "state_code": "VE-A", "muni_code": "VE0101",
         "zone_ids": "cota-905", "geo_precision": "point", "agencies": "PNB;CICPC",
         "civilians_killed_min": 14, "civilians_killed_max": 15, "confidence": "high",
         "description": "<script>alert(1)</script> text stays text",
         "lat": 10.48, "lon": -66.92, "geometry": Point(-66.92, 10.48)},
        {"incident_id": "EV2", "date": "2015-07-01", "date_precision": "month",
         "operation_family": "OLP", "state_code": "VE-M", "muni_code": "VE1501",
         "geo_precision": "municipality", "agencies": "GNB", "civilians_killed_min": 3,
         "confidence": "medium", "geometry": Point(-66.8, 10.3)},
        {"incident_id": "EV3", "date": "2016-03-02", "date_precision": "day",
         "operation_family": "related", "geo_precision": "unlocated", "agencies": "",
         "detained": 0, "confidence": "low"},
    ]
)  # fmt: skip
SOURCES = pd.DataFrame(
    [
        ["EV1", "Provea", "2015-07-14", "Informe", "https://example.org/1", "«14 fallecidos»"],
        ["EV1", "El Pitazo", "2015-07-15", "Nota", "https://example.org/2", "quote 2"],
        ["EV2", "Efecto Cocuyo", "2015-08-01", "", "https://example.org/3", ""],
        ["EV3", "RunRunes", "2016-03-03", "t", "https://example.org/4", "q"],
    ],
    columns=list(SOURCE_COLUMNS),
).astype("str")


def ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["incident_id"])


# ---------------------------------------------------------------------- schema
def test_init_schema_is_idempotent_and_records_migrations(dsn: str) -> None:
    store = PostGISStore(dsn, seed=False)
    assert store.schema_version() == 0
    assert store.init_schema() == [1]
    assert store.init_schema() == []
    assert store.schema_version() == 1
    with psycopg.connect(dsn) as connection:
        indexes = {
            row[0]: row[1]
            for row in connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'zonas'"
            )
        }
        geometry_columns = set(
            connection.execute(
                "SELECT f_table_name, type, srid FROM geometry_columns "
                "WHERE f_table_schema = 'zonas'"
            ).fetchall()
        )
    assert "USING gist (geom)" in indexes["incidents_geom_idx"]
    assert "USING gin (agencies)" in indexes["incidents_agencies_idx"]
    assert geometry_columns == {("incidents", "POINT", 4326), ("user_zones", "MULTIPOLYGON", 4326)}


def test_a_store_without_schema_says_to_run_db_init(dsn: str) -> None:
    with pytest.raises(PostGISError, match="zonas db init"):
        PostGISStore(dsn).read_incidents()


def test_an_unreachable_server_is_a_clear_error() -> None:
    store = PostGISStore("postgresql://nobody@127.0.0.1:1/none", connect_timeout_s=2)
    with pytest.raises(PostGISError, match="cannot connect to the store"):
        store.read_incidents()


def test_location_never_shows_the_password() -> None:
    assert PostGISStore("postgresql://u:s3cret@h/db").location == "postgresql://u:***@h/db"
    assert mask_password("host=h password=s3cret dbname=x") == "host=h password=*** dbname=x"


# ---------------------------------------------------------------------- round trip
def test_round_trip_keeps_values_and_canonical_dtypes(store: PostGISStore) -> None:
    assert store.write_incidents(INCIDENTS, SOURCES) == WriteResult(inserted=3)
    back = store.read_incidents()
    assert list(back.columns) == list(INCIDENTS.columns)
    assert dict(back.dtypes) == dict(empty_incidents().dtypes)
    assert back.crs == INCIDENTS.crs
    pd.testing.assert_frame_equal(
        pd.DataFrame(back.drop(columns="geometry")),
        pd.DataFrame(INCIDENTS.drop(columns="geometry")),
    )
    assert back.geometry.iloc[0].equals(Point(-66.92, 10.48))
    assert back.geometry.iloc[2] is None  # unlocated stays unlocated
    assert pd.isna(back.loc[1, "civilians_killed_max"])  # unknown stays unknown, never 0
    assert back.loc[2, "detained"] == 0
    pd.testing.assert_frame_equal(store.read_sources(), SOURCES)
    assert list(store.read_sources(["EV1"])["publisher"]) == ["Provea", "El Pitazo"]


def test_rewrite_counts_unchanged_updated_and_replaces_sources(store: PostGISStore) -> None:
    store.write_incidents(INCIDENTS, SOURCES)
    version = store.content_version()
    assert store.write_incidents(INCIDENTS, SOURCES) == WriteResult(unchanged=3)
    assert store.content_version() == version
    changed = INCIDENTS.iloc[[0]].copy()
    changed["civilians_killed_max"] = pd.array([16], dtype="Int64")
    changed["content_hash"] = "h-EV1-v2"
    new_sources = SOURCES.iloc[[1]]
    assert store.write_incidents(changed, new_sources) == WriteResult(updated=1)
    assert store.read_incidents().loc[0, "civilians_killed_max"] == 16
    assert list(store.read_sources(["EV1"])["publisher"]) == ["El Pitazo"]
    assert store.content_version() != version
    assert len(store.read_incidents()) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"civilians_injured": -1}, "civilians_injured_check"),
        ({"civilians_killed_min": 9, "civilians_killed_max": 2}, "killed_range"),
        ({"confidence": "certain"}, "confidence_check"),
    ],
)
def test_a_row_breaking_a_constraint_writes_nothing(
    store: PostGISStore, change: dict[str, Any], message: str
) -> None:
    bad = INCIDENTS.copy()
    for column, value in change.items():
        bad.loc[2, column] = value
    with pytest.raises(StoreError, match=message):
        store.write_incidents(bad, SOURCES)
    assert store.read_incidents().empty
    assert store.read_sources().empty


def test_a_source_for_an_incident_outside_the_batch_is_refused(store: PostGISStore) -> None:
    with pytest.raises(StoreError, match="not in the batch: EV3"):
        store.write_incidents(INCIDENTS.iloc[:2], SOURCES)
    assert store.read_incidents().empty


# ---------------------------------------------------------------------- filters in SQL
@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(), ["EV1", "EV2", "EV3"]),
        (Filter(date_from=date(2015, 7, 1), date_to=date(2015, 7, 31)), ["EV1", "EV2"]),
        # EV2 is "July 2015" (month precision): not inside a single day of July
        (Filter(date_from=date(2015, 7, 13), date_to=date(2015, 7, 13)), ["EV1"]),
        (Filter(date_from=date(2015, 7, 2)), ["EV1", "EV3"]),
        (Filter(agencies=("CICPC",)), ["EV1"]),
        (Filter(agencies=("GNB", "PNB")), ["EV1", "EV2"]),
        (Filter(operations=("OLP",)), ["EV1", "EV2"]),
        (Filter(states=("VE-M",)), ["EV2"]),
        (Filter(municipalities=("VE0101", "VE1501")), ["EV1", "EV2"]),
        (Filter(zones=("cota-905",)), ["EV1"]),
        (Filter(min_confidence="medium"), ["EV1", "EV2"]),
        (Filter(min_confidence="high"), ["EV1"]),
        (Filter(include_low_precision=False), ["EV1"]),
        (Filter(agencies=("GNB",), states=("VE-A",)), []),
    ],
)
def test_filters_run_in_sql_with_the_same_answer_as_filter_mask(
    store: PostGISStore, flt: Filter, expected: list[str]
) -> None:
    store.write_incidents(INCIDENTS, SOURCES)
    assert ids(store.read_incidents(flt)) == expected
    assert ids(flt.apply(INCIDENTS)) == expected


# ---------------------------------------------------------------------- user zones
def test_user_zones_round_trip_and_replace_by_id(store: PostGISStore) -> None:
    square = Polygon([(-67, 10), (-66.9, 10), (-66.9, 10.1), (-67, 10.1)])
    zones = gpd.GeoDataFrame(
        [["mi-barrio", "Mi barrio", "peace_zone", "polygon", "user", float("nan"), "", "",
          "2016-01-01", "", "drawn by hand", "", True, square]],
        columns=ZONE_COLUMNS, geometry="geometry", crs="EPSG:4326",
    )  # fmt: skip
    assert store.write_user_zones(zones) == 1
    renamed = zones.assign(name="Mi barrio (2)")
    assert store.write_user_zones(renamed) == 1
    back = store.read_user_zones()
    assert list(back.columns) == ZONE_COLUMNS
    assert list(back["name"]) == ["Mi barrio (2)"]
    assert back.geometry.iloc[0].equals(square)  # same shape, stored as MultiPolygon
    assert pd.isna(back.loc[0, "radius_m"])
    assert back["user_defined"].dtype == bool


# ---------------------------------------------------------------------- least privilege
def test_the_reader_role_reads_but_cannot_write(
    postgis_server: PostgresServer, store: PostGISStore, dsn: str
) -> None:
    store.write_incidents(INCIDENTS, SOURCES)
    store.init_schema(create_roles=True)
    database = postgis_server.database
    with psycopg.connect(dsn, autocommit=True) as connection:
        for login, group in (("dashboard", READER_ROLE), ("importer", WRITER_ROLE)):
            connection.execute(f"DROP ROLE IF EXISTS {login}")
            connection.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'pw' IN ROLE {group}")
    reader = PostGISStore(postgis_server.dsn_for("dashboard", "pw", database=database))
    writer = PostGISStore(postgis_server.dsn_for("importer", "pw", database=database))
    assert ids(reader.read_incidents()) == ["EV1", "EV2", "EV3"]
    assert len(reader.read_sources()) == 4
    changed = INCIDENTS.iloc[[0]].assign(content_hash="h-new")
    for batch in (INCIDENTS.iloc[[0]], changed):  # unchanged or not: a clear refusal
        with pytest.raises(ReadOnlyStoreError, match=f"dashboard may read.*{WRITER_ROLE}"):
            reader.write_incidents(batch, SOURCES.iloc[:2])
    assert reader.read_incidents().loc[0, "content_hash"] == "h-EV1"
    assert writer.write_incidents(changed, SOURCES.iloc[:2]) == WriteResult(updated=1)


# ---------------------------------------------------------------------- concurrency
WRITER_SCRIPT = """
import dataclasses, json, pickle, sys
from geo.postgis import PostGISStore
with open(sys.argv[2], "rb") as handle:
    incidents, sources = pickle.load(handle)
result = PostGISStore(sys.argv[1], seed=False).write_incidents(incidents, sources)
print(json.dumps(dataclasses.asdict(result)))
"""


def numbered_batch(start: int, stop: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Incidents N{start}..N{stop-1} (copies of EV1), one source each."""
    count = stop - start
    frame = INCIDENTS.iloc[[0] * count].reset_index(drop=True)
    numbers = [f"N{n:06d}" for n in range(start, stop)]
    frame["incident_id"] = pd.array(numbers, dtype="str")
    frame["content_hash"] = pd.array([f"h-{n}" for n in numbers], dtype="str")
    sources = SOURCES.iloc[[0] * count].reset_index(drop=True)
    sources["incident_id"] = pd.array(numbers, dtype="str")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326"), sources


def start_writer(dsn: str, batch: tuple[gpd.GeoDataFrame, pd.DataFrame], path: Path) -> Any:
    with path.open("wb") as handle:
        pickle.dump(batch, handle)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, dsn, str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip


def wait_for(condition: Any, *, timeout_s: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def waiting_writers(dsn: str) -> list[int]:
    """Backend pids of zonas connections waiting for a lock."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'zonas' "
            "AND wait_event_type = 'Lock'"
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.slow
def test_two_importers_at_once_lose_nothing_and_duplicate_nothing(
    store: PostGISStore, dsn: str, tmp_path: Path
) -> None:
    # Hold the writers' lock so that both importers are provably waiting at the same time.
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_WRITE_LOCK_KEY,))
        first = start_writer(dsn, numbered_batch(0, 1500), tmp_path / "a.pickle")
        second = start_writer(dsn, numbered_batch(1000, 2500), tmp_path / "b.pickle")
        wait_for(lambda: len(waiting_writers(dsn)) == 2, what="both importers to queue")
        assert store.read_incidents().empty  # readers are not blocked by queued writers
        holder.execute("SELECT pg_advisory_unlock(%s)", (_WRITE_LOCK_KEY,))
    results = []
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(WriteResult(**json.loads(out)))
    # Whichever ran second found the 500 shared ids already there, unchanged.
    assert sorted(results, key=lambda r: r.unchanged) == [
        WriteResult(inserted=1500),
        WriteResult(inserted=1000, unchanged=500),
    ]
    back = store.read_incidents()
    assert len(back) == 2500
    assert back["incident_id"].is_unique
    sources = store.read_sources()
    assert len(sources) == 2500
    assert sorted(sources["incident_id"]) == sorted(back["incident_id"])


@pytest.mark.slow
def test_a_killed_import_leaves_no_partial_rows_and_never_blocks_readers(
    store: PostGISStore, dsn: str, tmp_path: Path
) -> None:
    store.write_incidents(INCIDENTS, SOURCES)
    before = store.content_version()
    new, new_sources = numbered_batch(0, 1000)
    changed_ev3 = INCIDENTS.iloc[[2]].assign(content_hash="h-EV3-v2", notes="edited")
    batch = pd.concat([new, changed_ev3], ignore_index=True)
    sources = pd.concat([new_sources, SOURCES.iloc[[3]]], ignore_index=True)
    with psycopg.connect(dsn) as blocker:
        # Lock EV3's row: the import inserts its 1000 new rows, then waits on EV3.
        blocker.execute("SELECT 1 FROM zonas.incidents WHERE incident_id = 'EV3' FOR UPDATE")
        writer = start_writer(dsn, (gpd.GeoDataFrame(batch), sources), tmp_path / "k.pickle")
        wait_for(lambda: len(waiting_writers(dsn)) == 1, what="the import to reach EV3")
        (backend,) = waiting_writers(dsn)
        with psycopg.connect(dsn, autocommit=True) as peek:
            waiting_in = peek.execute(
                "SELECT query FROM pg_stat_activity WHERE pid = %s", (backend,)
            ).fetchone()
        assert waiting_in is not None
        assert "INSERT INTO zonas.incidents" in waiting_in[0]  # new rows already inserted
        started = time.monotonic()
        assert ids(store.read_incidents()) == ["EV1", "EV2", "EV3"]
        assert time.monotonic() - started < 5
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        blocker.rollback()
    wait_for(lambda: backend not in _backends(dsn), what="the killed import's session to end")
    assert ids(store.read_incidents()) == ["EV1", "EV2", "EV3"]
    assert store.read_incidents().loc[2, "notes"] == ""
    assert len(store.read_sources()) == 4
    assert store.content_version() == before


def _backends(dsn: str) -> set[int]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        return {row[0] for row in connection.execute("SELECT pid FROM pg_stat_activity")}


# ---------------------------------------------------------------------- zonas db
def test_db_init_creates_seeds_and_then_reports_up_to_date(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "init", "--store", dsn]) == 0
    assert "applied migrations 1" in capsys.readouterr().out
    assert len(PostGISStore(dsn).read_incidents()) == 47  # the shipped seed rows
    assert main(["db", "init", "--store", dsn]) == 0
    assert "up to date" in capsys.readouterr().out
    assert len(PostGISStore(dsn).read_incidents()) == 47


def test_db_init_refuses_a_geopackage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "init", "--store", str(tmp_path / "x.gpkg")]) == 2
    assert "needs a postgresql:// store" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()


def test_db_copy_moves_a_store_both_ways_unchanged(
    dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = open_store(tmp_path / "original.gpkg")  # seeded with the shipped rows
    square = Polygon([(-67, 10), (-66.9, 10), (-66.9, 10.1), (-67, 10.1)])
    zone = gpd.GeoDataFrame(
        [["mi-zona", "Mi zona", "peace_zone", "polygon", "user", 250.0, "", "", "", "", "", "",
          True, square]],
        columns=ZONE_COLUMNS, geometry="geometry", crs="EPSG:4326",
    )  # fmt: skip
    original.write_user_zones(zone)
    assert main(["db", "copy", "--from", original.location, "--to", dsn]) == 0
    assert "copied 47 incidents (47 new" in capsys.readouterr().out
    back_path = tmp_path / "back.gpkg"
    assert main(["db", "copy", "--from", dsn, "--to", str(back_path)]) == 0
    postgis, back = PostGISStore(dsn), open_store(back_path)
    for store in (postgis, back):
        pd.testing.assert_frame_equal(
            pd.DataFrame(store.read_incidents().drop(columns="geometry")),
            pd.DataFrame(original.read_incidents().drop(columns="geometry")),
        )
        assert store.read_incidents().geometry.equals(original.read_incidents().geometry)
        pd.testing.assert_frame_equal(store.read_sources(), original.read_sources())
        assert (
            store.read_user_zones()
            .drop(columns="geometry")
            .equals(original.read_user_zones().drop(columns="geometry"))
        )
        assert store.content_version() == original.content_version()
    flt = Filter(states=("VE-A",), min_confidence="medium")
    assert ids(postgis.read_incidents(flt)) == ids(original.read_incidents(flt))


def test_db_copy_from_a_missing_store_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.gpkg")
    assert main(["db", "copy", "--from", missing, "--to", str(tmp_path / "b.gpkg")]) == 2
    assert "no such store" in capsys.readouterr().err
    assert not (tmp_path / "missing.gpkg").exists()


# ---------------------------------------------------------------------- aggregation in SQL
@pytest.fixture(scope="module")
def synthetic_store(postgis_server: PostgresServer) -> PostGISStore:
    """A database of its own with the seed rows and 3,000 synthetic incidents."""
    from geo.ingest import seed_batch
    from geo.synthetic import synthetic_incidents
    from tests.postgis_server import create_database

    store = PostGISStore(create_database(postgis_server, "aggregate_equality"), seed=True)
    store.init_schema()
    synthetic = synthetic_incidents(3000, seed=7)
    store.write_incidents(synthetic, pd.DataFrame(columns=list(SOURCE_COLUMNS)).astype("str"))
    assert len(store.read_incidents()) == 3000 + len(seed_batch()[0])
    return store


USER_ZONE = gpd.GeoDataFrame(
    [["mi-zona", "Mi zona", "peace_zone", "polygon", "user", float("nan"), "", "", "", "", "",
      "", True, Polygon([(-67.2, 10.3), (-66.7, 10.3), (-66.7, 10.6), (-67.2, 10.6)])]],
    columns=ZONE_COLUMNS, geometry="geometry", crs="EPSG:4326",
)  # fmt: skip


WITH_USER_ZONE = "shipped + user zone"


@pytest.mark.parametrize(
    "case",
    [
        {"level": "state"},
        {"level": "municipality", "period": "month"},
        {"level": "parish", "by_agency": True},
        {"level": "state", "period": "week", "by_agency": True,
         "flt": Filter(date_from=date(2015, 7, 1), date_to=date(2016, 12, 31))},
        {"level": "state", "period": "quarter",
         "flt": Filter(agencies=("FAES",), min_confidence="medium")},
        {"level": "municipality", "period": "year", "flt": Filter(include_low_precision=False)},
        {"level": "state", "period": "day", "flt": Filter(states=("VE-A", "VE-M"))},
        {"level": "zone"},
        {"level": "zone", "period": "year", "by_agency": True},
        {"level": "zone", "zones": WITH_USER_ZONE},
        {"level": "zone", "period": "month", "zones": WITH_USER_ZONE,
         "flt": Filter(zones=("cota-905", "mi-zona"))},
    ],
    ids=lambda case: "-".join(str(v) for v in case.values() if not isinstance(v, Filter)),
)  # fmt: skip
def test_aggregation_in_sql_returns_the_same_table_as_pandas(
    synthetic_store: PostGISStore, case: dict[str, Any]
) -> None:
    from geo.aggregate import aggregate
    from geo.geodata import load_shipped_zones

    options = dict(case)
    if options.get("zones") == WITH_USER_ZONE:
        options["zones"] = pd.concat([load_shipped_zones(), USER_ZONE], ignore_index=True)
    in_sql = synthetic_store.aggregate(**options)
    in_pandas = aggregate(synthetic_store.read_incidents(), **options)
    assert len(in_sql) >= 2
    if "zones" in case:  # the user zone is joined spatially, and holds incidents
        assert "mi-zona" in set(in_sql["area_code"])
    pd.testing.assert_frame_equal(in_sql, in_pandas)


# ---------------------------------------------------------------------- zonas stats on both
STATS_ARGUMENTS = [
    ["--by", "state"],
    ["--by", "municipality", "--period", "month", "--by-agency"],
    ["--by", "zone", "--period", "year"],
    ["--by", "parish", "--from", "2015-07-01", "--to", "2016-12-31"],
    ["--by", "state", "--agency", "CICPC", "--period", "year"],
    ["--by", "state", "--precise-only", "--min-confidence", "medium", "--period", "quarter"],
]


def stats_json(store: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(["stats", "--json", "--store", store, *argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("argv", STATS_ARGUMENTS, ids=" ".join)
def test_stats_are_identical_on_both_backends_for_the_seed_data(
    dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    gpkg = open_store(tmp_path / "seed.gpkg").location  # seeded on creation
    PostGISStore(dsn).init_schema()  # seeded on creation
    on_gpkg = stats_json(gpkg, argv, capsys)
    assert on_gpkg  # the seed data has incidents for every one of these tables
    assert stats_json(dsn, argv, capsys) == on_gpkg


@pytest.fixture(scope="module")
def synthetic_pair(
    postgis_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """The same 100,000 synthetic incidents in a GeoPackage and in a PostGIS store."""
    from geo.synthetic import synthetic_incidents
    from tests.postgis_server import create_database

    incidents = synthetic_incidents(100_000, seed=3)
    sources = pd.DataFrame(columns=list(SOURCE_COLUMNS)).astype("str")
    gpkg = open_store(tmp_path_factory.mktemp("synthetic") / "s.gpkg", seed=False, timeout=600)
    gpkg.write_incidents(incidents, sources)
    postgis = PostGISStore(create_database(postgis_server, "synthetic_100k"), seed=False)
    postgis.init_schema()
    postgis.write_incidents(incidents, sources)
    return gpkg.location, postgis._dsn


@pytest.mark.slow
@pytest.mark.parametrize("argv", STATS_ARGUMENTS, ids=" ".join)
def test_stats_are_identical_on_both_backends_for_100k_synthetic_incidents(
    synthetic_pair: tuple[str, str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    gpkg, postgis = synthetic_pair
    on_gpkg = stats_json(gpkg, argv, capsys)
    assert len(on_gpkg) > 10
    assert stats_json(postgis, argv, capsys) == on_gpkg
