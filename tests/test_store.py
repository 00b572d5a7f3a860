"""GeoPackage-specific store behaviour: a real file, real processes, real locks.

The backend-independent contract is in ``test_store_contract.py``; here: the file is a
GeoPackage GDAL can read (layers, R-tree spatial index), first-run creation and seeding,
and what happens with several processes: a killed writer, two writers at once, readers
during a write, a writer that has to wait too long.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.store import (
    GeoPackageStore,
    StoreBusyError,
    StoreError,
    _Envelopes,
    _geometries_from_wkb,
    encode_gpkg_geometries,
    open_store,
)
from tests.conftest import make_store
from tests.test_store_contract import batch, changed, incident_rows

WRITER = textwrap.dedent(
    """
    import sys

    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geo.incidents import COUNT_COLUMNS, INCIDENT_COLUMNS
    from geo.store import open_store

    path, prefix, n, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    seed = len(sys.argv) > 5
    ids = [f"{prefix}{i:07d}" for i in range(n)]
    data = {c: [""] * n for c in INCIDENT_COLUMNS if c != "geometry"}
    data.update(incident_id=ids, content_hash=ids, date_precision=["day"] * n)
    data["date"] = data["date_end"] = pd.Series(["2016-03-01"] * n, dtype="datetime64[ns]")
    lon = np.linspace(-72, -61, n)
    lat = np.linspace(1, 12, n)
    data.update(lat=lat, lon=lon)
    for column in COUNT_COLUMNS:
        data[column] = pd.array([1] * n, dtype="Int64")
    frame = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    sources = pd.DataFrame(
        {"incident_id": ids, "publisher": "p", "date": "", "title": "", "url": "", "quote": "q"}
    )
    store = open_store(path, seed=seed, timeout=timeout)
    print("ready", flush=True)
    result = store.write_incidents(frame[list(INCIDENT_COLUMNS)], sources)
    print(result.inserted, result.updated, result.unchanged, flush=True)
    """
)


@pytest.fixture
def writer_script(tmp_path: Path) -> Path:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    return script


def start_writer(
    script: Path, path: Path, prefix: str, n: int, *, timeout: float = 600, seed: bool = False
) -> subprocess.Popen[str]:
    argv = [sys.executable, str(script), str(path), prefix, str(n), str(timeout)]
    return subprocess.Popen(
        [*argv, "seed"] if seed else argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_lock_held(path: Path) -> bool:
    """True while some connection holds the store's write lock (a write in progress)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        connection.execute("ROLLBACK")
        return False
    finally:
        connection.close()


def wait_until_writing(path: Path, process: subprocess.Popen[str], limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while not write_lock_held(path):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the writer never started its transaction"
        time.sleep(0.02)


@pytest.fixture
def store(tmp_path: Path, request: pytest.FixtureRequest) -> GeoPackageStore:
    made = make_store("gpkg", tmp_path, request)
    assert isinstance(made, GeoPackageStore)
    made.write_incidents(*batch())
    return made


@pytest.fixture
def finished() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; killed if the test fails before they end."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------- the file
def test_the_file_is_a_geopackage_gdal_reads(store: GeoPackageStore) -> None:
    layers = dict(pyogrio.list_layers(store.path).tolist())
    assert layers == {
        "incidents": "Point",
        "user_zones": "MultiPolygon",
        "sources": None,
        "zonas_meta": None,
    }
    info = pyogrio.read_info(store.path, layer="incidents")
    assert info["features"] == 3
    assert info["crs"] == "EPSG:4326"
    assert pyogrio.read_info(store.path, layer="sources")["features"] == 4
    meta = pyogrio.read_dataframe(store.path, layer="zonas_meta")
    assert dict(zip(meta["key"], meta["value"], strict=True))["schema_version"] == "1"


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ((-67.0, 10.4, -66.8, 10.6), ["EV-A"]),  # Caracas
        ((-71.7, 10.6, -71.6, 10.7), ["EV-B"]),  # Maracaibo
        ((-62.0, 5.0, -61.0, 6.0), []),
    ],
)
def test_gdal_spatial_index_finds_points_written_by_the_store(
    store: GeoPackageStore, bbox: tuple[float, float, float, float], expected: list[str]
) -> None:
    found = pyogrio.read_dataframe(store.path, layer="incidents", bbox=bbox)
    assert sorted(found["incident_id"]) == expected


def test_rtree_follows_updates(store: GeoPackageStore) -> None:
    rows = incident_rows()
    rows[0] = changed(rows[0], geometry=Point(-64.18, 10.46), content_hash="moved")
    rows[1] = changed(rows[1], geometry=None, content_hash="unlocated")
    store.write_incidents(*batch(rows))
    with sqlite3.connect(store.path) as connection:
        entries = connection.execute("SELECT minx, miny FROM rtree_incidents_geom").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert entries == [pytest.approx((-64.18, 10.46), abs=1e-5)]
    caracas = pyogrio.read_dataframe(store.path, layer="incidents", bbox=(-67, 10.4, -66.8, 10.6))
    assert caracas.empty


@pytest.mark.parametrize(
    "geometry",
    [
        Point(-66.9, 10.5),
        Polygon([(-67, 10), (-66, 10), (-66, 11)]),
        MultiPolygon([Polygon([(0, 0), (1, 0), (1, 2)]), Polygon([(5, 5), (6, 5), (6, 7)])]),
    ],
)
def test_envelope_functions_match_shapely_bounds(geometry: shapely.Geometry) -> None:
    (blob,) = encode_gpkg_geometries([geometry])
    assert blob is not None
    minx, miny, maxx, maxy = geometry.bounds
    assert _Envelopes().box(blob) == (minx, maxx, miny, maxy)
    assert shapely.from_wkb(blob[8 if isinstance(geometry, Point) else 40 :]).equals(geometry)


def test_missing_and_empty_geometries_are_null() -> None:
    assert encode_gpkg_geometries([None, Point(), Polygon()]) == [None, None, None]


@pytest.mark.parametrize("binary_type", [pa.binary(), pa.large_binary()])
@pytest.mark.parametrize(
    "shapes",
    [
        [Point(1, 2), None, Point(3, 4)],  # the vectorised point path
        [Point(1, 2), Polygon([(0, 0), (1, 0), (1, 1)]), None],  # the general path
        [None, None],
    ],
)
def test_wkb_column_decodes_to_the_same_geometries(
    binary_type: pa.DataType, shapes: list[shapely.Geometry | None]
) -> None:
    wkb = [b"padding"] + [None if shape is None else shapely.to_wkb(shape) for shape in shapes]
    column = pa.chunked_array([pa.array(wkb, binary_type).slice(1)])  # a non-zero offset
    decoded = _geometries_from_wkb(column)
    assert len(decoded) == len(shapes)
    for got, expected in zip(decoded, shapes, strict=True):
        assert (got is None) if expected is None else got.equals(expected)


@pytest.mark.parametrize("content", [b"not a database", None])
def test_opening_something_that_is_not_a_store_says_so(
    tmp_path: Path, content: bytes | None
) -> None:
    path = tmp_path / "other.gpkg"
    if content is None:  # a GeoPackage, but not one of ours
        other = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
        pyogrio.write_dataframe(other, path)
    else:
        path.write_bytes(content)
    with pytest.raises(StoreError, match="not a zonas store"):
        open_store(str(path))


# ---------------------------------------------------------------------- creation
def test_a_missing_store_is_created_with_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "zonas.gpkg"
    made = open_store(str(path), seed=False)
    assert made.read_incidents().empty
    assert sorted(p.name for p in path.parent.iterdir()) == ["zonas.gpkg"]  # no temp files


def test_first_run_seeds_all_47_shipped_incidents(tmp_path: Path) -> None:
    ingest = pytest.importorskip("geo.ingest", reason="geo.ingest (seed_batch) not written yet")
    assert hasattr(ingest, "seed_batch"), "geo.ingest.seed_batch is missing"
    path = tmp_path / "zonas.gpkg"
    made = open_store(str(path))
    incidents = made.read_incidents()
    assert len(incidents) == 47
    assert incidents["incident_id"].is_unique
    assert set(incidents["incident_id"]) <= set(made.read_sources()["incident_id"])
    assert set(incidents["origin"]) == {"seed"}
    version = made.content_version()
    # opening again neither seeds twice nor changes the data version
    again = open_store(str(path))
    assert len(again.read_incidents()) == 47
    assert again.content_version() == version


@pytest.mark.slow
def test_two_processes_creating_the_same_store_lose_nothing(
    tmp_path: Path, writer_script: Path, finished: list[subprocess.Popen[str]]
) -> None:
    pytest.importorskip("geo.ingest", reason="geo.ingest (seed_batch) not written yet")
    path = tmp_path / "new" / "zonas.gpkg"
    finished += [start_writer(writer_script, path, p, 25, seed=True) for p in ("P", "Q")]
    outputs = [process.communicate(timeout=600) for process in finished]
    assert [p.returncode for p in finished] == [0, 0], outputs
    assert [out.split()[-3:] for out, _err in outputs] == [["25", "0", "0"]] * 2
    incidents = GeoPackageStore(path).read_incidents()
    assert len(incidents) == 47 + 50
    assert sorted(p.name for p in path.parent.iterdir()) == ["zonas.gpkg"]


# ---------------------------------------------------------------------- processes
@pytest.mark.slow
def test_a_killed_writer_leaves_the_store_unchanged_and_usable(
    store: GeoPackageStore, writer_script: Path, finished: list[subprocess.Popen[str]]
) -> None:
    before = (store.read_incidents(), store.read_sources(), store.content_version())
    writer = start_writer(writer_script, store.path, "K", 60_000)
    finished.append(writer)
    wait_until_writing(store.path, writer)
    time.sleep(0.3)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL
    pd.testing.assert_frame_equal(store.read_incidents(), before[0])
    pd.testing.assert_frame_equal(store.read_sources(), before[1])
    assert store.content_version() == before[2]
    rows = incident_rows()
    assert store.write_incidents(*batch([changed(rows[0], content_hash="x")])).updated == 1
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.slow
def test_two_concurrent_writers_both_land_completely(
    store: GeoPackageStore, writer_script: Path, finished: list[subprocess.Popen[str]]
) -> None:
    finished += [start_writer(writer_script, store.path, p, 5_000) for p in ("L", "R")]
    outputs = [process.communicate(timeout=600) for process in finished]
    assert [p.returncode for p in finished] == [0, 0], outputs
    assert [out.split()[-3:] for out, _err in outputs] == [["5000", "0", "0"]] * 2
    ids = store.read_incidents()["incident_id"]
    assert len(ids) == 3 + 10_000
    assert ids.is_unique
    assert ids.str[0].value_counts().to_dict() == {"L": 5000, "R": 5000, "E": 3}
    assert len(store.read_sources()) == 4 + 10_000


@pytest.mark.slow
def test_readers_keep_reading_the_last_commit_during_a_write(
    store: GeoPackageStore, writer_script: Path, finished: list[subprocess.Popen[str]]
) -> None:
    version = store.content_version()
    writer = start_writer(writer_script, store.path, "W", 30_000)
    finished.append(writer)
    wait_until_writing(store.path, writer)
    started = time.monotonic()
    assert sorted(store.read_incidents()["incident_id"]) == ["EV-A", "EV-B", "EV-C"]
    assert len(store.read_sources(["EV-A"])) == 2
    assert store.content_version() == version
    assert write_lock_held(store.path), "the write should still be in progress"
    assert time.monotonic() - started < 30
    _out, err = writer.communicate(timeout=600)
    assert writer.returncode == 0, err
    assert len(store.read_incidents()) == 30_003
    assert store.content_version() != version


def test_a_second_writer_waits_then_fails_naming_the_store(store: GeoPackageStore) -> None:
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        impatient = GeoPackageStore(store.path, timeout=0.5)
        rows = incident_rows()
        started = time.monotonic()
        with pytest.raises(StoreBusyError, match=r"store .*store\.gpkg is busy"):
            impatient.write_incidents(*batch([changed(rows[0], content_hash="late")]))
        assert time.monotonic() - started >= 0.5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.read_incidents().set_index("incident_id").loc["EV-A", "content_hash"] != "late"


def test_a_second_writer_proceeds_when_the_first_finishes(store: GeoPackageStore) -> None:
    holder = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    patient = GeoPackageStore(store.path, timeout=30)
    rows = incident_rows()
    result = patient.write_incidents(*batch([changed(rows[0], content_hash="waited")]))
    release.join()
    assert result.updated == 1
