"""The incident store: one small interface, two engines.

:class:`Store` is what every reader and writer uses. :func:`open_store` picks the engine
from the location: a path (``*.gpkg``, the embedded default, one file that opens in QGIS)
or a ``postgresql://`` URL (shared, multi-user deployments, :mod:`geo.postgis`).

The GeoPackage engine (:class:`GeoPackageStore`)
------------------------------------------------
Layers (all in EPSG:4326):

``incidents``   feature table, ``Point``, the columns of :data:`geo.incidents.INCIDENT_COLUMNS`
                (unlocated incidents have a NULL geometry); unique index on ``incident_id``
``sources``     attribute table, :data:`geo.incidents.SOURCE_COLUMNS` (text)
``user_zones``  feature table, ``MultiPolygon``, :data:`geo.geodata.ZONE_COLUMNS`
``zonas_meta``  attribute table of ``key`` / ``value`` text: ``schema_version``,
                ``content_version``, ``updated_at`` and the digests behind the version

Why writes go through :mod:`sqlite3` and not GDAL. GDAL (through pyogrio) creates the
layers, so the file is a standard GeoPackage with its R-tree spatial indexes and opens in
QGIS and ``ogrinfo``; reads go through pyogrio's Arrow path, which is the fast one. But a
pyogrio write is not one transaction spanning an upsert of two tables and a metadata
update, and it cannot wait for another writer. So writes use one :mod:`sqlite3`
connection per call and:

- encode GeoPackage geometry blobs themselves (the ``GP`` header + standard WKB) and
  register the SQL functions the GeoPackage R-tree triggers call (``ST_IsEmpty``,
  ``ST_MinX``, ``ST_MaxX``, ``ST_MinY``, ``ST_MaxY``), which plain SQLite lacks, reading
  the blob header and envelope (or the WKB point) directly;
- run each write as ``BEGIN IMMEDIATE`` ... ``COMMIT``: SQLite's own journal makes it
  atomic, so an exception (rolled back) or a killed process (the uncommitted WAL frames
  are ignored) leaves the store exactly as it was;
- ``BEGIN IMMEDIATE`` takes SQLite's single write lock up front: a second writer waits
  for it (the busy timeout, ``timeout`` seconds) and then fails with
  :class:`StoreBusyError` naming the store, never interleaving or losing rows;
- the database is in WAL mode, so readers (GDAL or SQLite) keep reading the last
  committed state while a write is in progress.

A missing store is built in a temporary file next to the target (layers + seed data) and
published with a hard link, which is atomic and never overwrites: when two processes
create the same store at once, one wins and the other discards its copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from geo.filters import Filter
from geo.geodata import CRS, ZONE_COLUMNS
from geo.i18n import _, format_list
from geo.incidents import COUNT_COLUMNS, INCIDENT_COLUMNS, SOURCE_COLUMNS


@dataclass(frozen=True)
class WriteResult:
    """What one :meth:`Store.write_incidents` transaction did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class StoreError(Exception):
    """The store cannot do what was asked: a bad batch, a file that is not a store, ...

    Every failed write raises this (or a subclass) and leaves the store unchanged.
    """


class StoreBusyError(StoreError):
    """Another writer held the store's write lock for longer than the timeout."""


class Store(Protocol):
    """A place incidents, their sources and user zones live in."""

    location: str

    def read_incidents(
        self, flt: Filter | None = None, *, geometry: bool = True
    ) -> gpd.GeoDataFrame:
        """Return the incidents passing ``flt`` (all when ``None``), canonical columns.

        With ``geometry=False`` the geometry column is left empty (``None``): a large read
        skips building a point per row. Only for callers that do no spatial work (a
        snapshot at an admin level, a timeline); ``lat``/``lon`` are still there.
        """
        ...

    def read_sources(self, incident_ids: Collection[str] | None = None) -> pd.DataFrame:
        """Return the sources of the given incidents (all when ``None``)."""
        ...

    def write_incidents(self, incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> WriteResult:
        """Insert or update incidents (by ``incident_id``) and replace their sources,
        all in one transaction: on any error nothing is written."""
        ...

    def read_user_zones(self) -> gpd.GeoDataFrame:
        """Return the zones users imported (columns of :data:`geo.geodata.ZONE_COLUMNS`)."""
        ...

    def write_user_zones(self, zones: gpd.GeoDataFrame) -> int:
        """Insert or replace user zones (by ``zone_id``) in one transaction; return count."""
        ...

    def content_version(self) -> str:
        """Return a short hash of the store contents (the data version on exports)."""
        ...


# ====================================================================== schema
SCHEMA_VERSION: Final = 1
_WRITE_CACHE_KIB: Final = 65_536
DEFAULT_TIMEOUT_S: Final = 60.0
"""How long a writer waits for another writer to finish before giving up (seconds)."""

INCIDENTS: Final = "incidents"
SOURCES: Final = "sources"
USER_ZONES: Final = "user_zones"
META: Final = "zonas_meta"
GEOMETRY_COLUMN: Final = "geom"
SRS_ID: Final = 4326

DATE_COLUMNS: Final = ("date", "date_end")
FLOAT_COLUMNS: Final = ("lat", "lon")
INCIDENT_TEXT_COLUMNS: Final = tuple(
    column
    for column in INCIDENT_COLUMNS
    if column not in (*DATE_COLUMNS, *FLOAT_COLUMNS, *COUNT_COLUMNS, "geometry")
)
"""Incident columns stored as text (missing text reads back as ``""``)."""
INCIDENT_FIELDS: Final = tuple(column for column in INCIDENT_COLUMNS if column != "geometry")
ZONE_FIELDS: Final = tuple(column for column in ZONE_COLUMNS if column != "geometry")
ZONE_FLOAT_COLUMNS: Final = ("radius_m",)
ZONE_BOOL_COLUMNS: Final = ("user_defined",)
ZONE_TEXT_COLUMNS: Final = tuple(
    column for column in ZONE_FIELDS if column not in (*ZONE_FLOAT_COLUMNS, *ZONE_BOOL_COLUMNS)
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _names(columns: Sequence[str]) -> str:
    return ", ".join(map(_quote, columns))


def _marks(count: int) -> str:
    return ", ".join("?" * count)


# Every statement is built once, here, from the constant table and column names above;
# values are always bound as parameters. Lists of ids are bound as one JSON array
# (``json_each``), so no statement text depends on the data.
_INCIDENT_WRITE_FIELDS: Final = (*INCIDENT_FIELDS, GEOMETRY_COLUMN)
_ZONE_WRITE_FIELDS: Final = (*ZONE_FIELDS, GEOMETRY_COLUMN)
_IDS: Final = "(SELECT value FROM json_each(?))"
_SQL_INSERT_INCIDENT: Final = (
    f"INSERT INTO {INCIDENTS} ({_names(_INCIDENT_WRITE_FIELDS)}) "  # noqa: S608
    f"VALUES ({_marks(len(_INCIDENT_WRITE_FIELDS))})"
)
_SQL_UPDATE_INCIDENT: Final = (
    f"UPDATE {INCIDENTS} SET "  # noqa: S608
    + ", ".join(f"{_quote(f)} = ?" for f in _INCIDENT_WRITE_FIELDS if f != "incident_id")
    + " WHERE incident_id = ?"
)
_SQL_STORED_HASHES: Final = (
    f"SELECT incident_id, content_hash FROM {INCIDENTS} WHERE incident_id IN {_IDS}"  # noqa: S608
)
_SQL_INSERT_SOURCE: Final = (
    f"INSERT INTO {SOURCES} ({_names(SOURCE_COLUMNS)}) VALUES ({_marks(len(SOURCE_COLUMNS))})"  # noqa: S608
)
_SQL_DELETE_SOURCES: Final = f"DELETE FROM {SOURCES} WHERE incident_id IN {_IDS}"  # noqa: S608
_SQL_SELECT_SOURCES: Final = f"SELECT {_names(SOURCE_COLUMNS)} FROM {SOURCES}"  # noqa: S608
_SQL_SELECT_SOURCES_OF: Final = f"{_SQL_SELECT_SOURCES} WHERE incident_id IN {_IDS}"
_SQL_DELETE_ZONES: Final = f"DELETE FROM {USER_ZONES} WHERE zone_id IN {_IDS}"  # noqa: S608
_SQL_INSERT_ZONE: Final = (
    f"INSERT INTO {USER_ZONES} ({_names(_ZONE_WRITE_FIELDS)}) "  # noqa: S608
    f"VALUES ({_marks(len(_ZONE_WRITE_FIELDS))})"
)
_SQL_SELECT_ZONES: Final = f"SELECT {_names(_ZONE_WRITE_FIELDS)} FROM {USER_ZONES}"  # noqa: S608
_SQL_SELECT_META: Final = f"SELECT key, value FROM {META}"  # noqa: S608
_SQL_UPSERT_META: Final = (
    f"INSERT INTO {META} (key, value) VALUES (?, ?) "  # noqa: S608
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def _incident_arrow_schema() -> pa.Schema:
    types: dict[str, pa.DataType] = {}
    for column in INCIDENT_FIELDS:
        if column in DATE_COLUMNS:
            types[column] = pa.date32()
        elif column in FLOAT_COLUMNS:
            types[column] = pa.float64()
        elif column in COUNT_COLUMNS:
            types[column] = pa.int64()
        else:
            types[column] = pa.string()
    return pa.schema([*types.items(), (GEOMETRY_COLUMN, pa.binary())])


def _zone_arrow_schema() -> pa.Schema:
    fields: list[tuple[str, pa.DataType]] = []
    for column in ZONE_FIELDS:
        if column in ZONE_FLOAT_COLUMNS:
            fields.append((column, pa.float64()))
        elif column in ZONE_BOOL_COLUMNS:
            fields.append((column, pa.bool_()))
        else:
            fields.append((column, pa.string()))
    return pa.schema([*fields, (GEOMETRY_COLUMN, pa.binary())])


def _text_schema(columns: Sequence[str]) -> pa.Schema:
    return pa.schema([(column, pa.string()) for column in columns])


# ====================================================================== GeoPackage blobs
# GeoPackage geometry blob (spec 2.1.3): b"GP", version 0, flags, int32 srs_id, optional
# envelope of 4/6/8 doubles, then standard WKB. Flags: bit 0 byte order (1 = little
# endian), bits 1-3 envelope kind (0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm), bit 4 empty.
_ENVELOPE_DOUBLES: Final = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
_POINT_HEADER: Final = b"GP\x00\x01" + struct.pack("<i", SRS_ID)
_ENVELOPE_HEADER: Final = b"GP\x00\x03" + struct.pack("<i", SRS_ID)
_EMPTY_HEADER: Final = b"GP\x00\x11" + struct.pack("<i", SRS_ID)


def encode_gpkg_geometries(geometries: Sequence[object] | np.ndarray) -> list[bytes | None]:
    """Return GeoPackage geometry blobs for shapely geometries (EPSG:4326 lon/lat).

    Points are written without an envelope (as GDAL does); other geometries carry an xy
    envelope. ``None`` and empty geometries become ``None`` (SQL ``NULL``).
    """
    array = np.asarray(geometries, dtype=object)
    missing = shapely.is_missing(array) | shapely.is_empty(array)
    present = array[~missing]
    wkbs = shapely.to_wkb(present, byte_order=1, output_dimension=2, flavor="iso")
    bounds = shapely.bounds(present)
    is_point = shapely.get_type_id(present) == 0
    encoded: list[bytes | None] = [None] * len(array)
    for slot, wkb, point, box in zip(
        np.flatnonzero(~missing).tolist(), wkbs.tolist(), is_point.tolist(), bounds, strict=True
    ):
        if point:
            encoded[slot] = _POINT_HEADER + wkb
        else:
            minx, miny, maxx, maxy = box.tolist()
            encoded[slot] = _ENVELOPE_HEADER + struct.pack("<4d", minx, maxx, miny, maxy) + wkb
    return encoded


def _blob_parts(blob: bytes) -> tuple[str, int, bool, int]:
    """Return (byte order char, envelope kind, empty flag, WKB offset) of a GPKG blob."""
    if len(blob) < 8 or blob[:2] != b"GP":
        msg = "not a GeoPackage geometry blob"
        raise ValueError(msg)
    flags = blob[3]
    order = "<" if flags & 1 else ">"
    kind = (flags >> 1) & 7
    return order, kind, bool(flags & 16), 8 + 8 * _ENVELOPE_DOUBLES[kind]


class _Envelopes:
    """The SQL functions GeoPackage R-tree triggers call, for a plain sqlite3 connection.

    The triggers call ``ST_MinX`` ... ``ST_MaxY`` one after the other on the same blob, so
    the last envelope is memoised; little-endian points without an envelope (what
    :func:`encode_gpkg_geometries` writes) take a fixed-offset fast path.
    """

    def __init__(self) -> None:
        self._blob: bytes | None = None
        self._box: tuple[float, float, float, float] = (np.nan,) * 4

    def box(self, blob: bytes) -> tuple[float, float, float, float]:
        """Return ``(minx, maxx, miny, maxy)`` of a GeoPackage blob."""
        if blob == self._blob:
            return self._box
        if len(blob) == _POINT_BLOB_SIZE and blob.startswith(_POINT_HEADER + _WKB_POINT_LE):
            x, y = _XY.unpack_from(blob, len(_POINT_HEADER) + len(_WKB_POINT_LE))
            box = (x, x, y, y)
        else:
            box = _slow_box(blob)
        self._blob, self._box = blob, box
        return box

    def register(self, connection: sqlite3.Connection) -> None:
        """Register ``ST_IsEmpty`` and ``ST_MinX``/``MaxX``/``MinY``/``MaxY``."""

        def is_empty(blob: bytes | None) -> int | None:
            return None if blob is None else int(bool(blob[3] & 16))

        connection.create_function("ST_IsEmpty", 1, is_empty, deterministic=True)
        for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
            connection.create_function(name, 1, self._coordinate(index), deterministic=True)

    def _coordinate(self, index: int) -> Callable[[bytes | None], float | None]:
        def value(blob: bytes | None) -> float | None:
            return None if blob is None else self.box(blob)[index]

        return value


_WKB_POINT_LE: Final = b"\x01\x01\x00\x00\x00"
_XY: Final = struct.Struct("<2d")
_POINT_BLOB_SIZE: Final = len(_POINT_HEADER) + len(_WKB_POINT_LE) + _XY.size


def _slow_box(blob: bytes) -> tuple[float, float, float, float]:
    """Return ``(minx, maxx, miny, maxy)`` of any GeoPackage blob (header envelope or WKB)."""
    order, kind, _empty, offset = _blob_parts(blob)
    if kind:
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    left, bottom, right, top = shapely.from_wkb(blob[offset:]).bounds
    return left, right, bottom, top


# ====================================================================== content version
def digest64(*parts: str) -> int:
    """Return a 64-bit hash of ``parts`` (joined by U+001F): one term of :func:`rows_digest`.

    Both engines add and subtract these terms to keep a store's digest in O(batch).
    """
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:8], "big")


def rows_digest(keys: Iterable[str], hashes: Iterable[str]) -> int:
    """Return an order-independent digest of ``(key, content hash)`` pairs.

    The sum (mod 2**64) of a 64-bit hash per pair: a write adds the digests of new rows
    and swaps those of updated ones, so the store's version is maintained in O(batch).
    """
    return sum(digest64(key, value) for key, value in zip(keys, hashes, strict=True)) % 2**64


def format_content_version(incidents_digest: int, zones_digest: int) -> str:
    """Return the short content version (12 hex digits) of a store's two digests."""
    text = f"v{SCHEMA_VERSION}:{incidents_digest:016x}:{zones_digest:016x}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:12]


def _fallback_content_hash(row: Sequence[object], sources: Iterable[Sequence[object]]) -> str:
    parts = ["" if value is None else repr(value) for value in row]
    parts += ["|".join(str(value) for value in source) for source in sources]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# ====================================================================== batch preparation
# Validation and conversion of a write batch, shared by both engines (geo.postgis calls
# prepare_incidents, validate_zones, to_storage_crs, text_values and float_values), so a
# batch one store refuses is refused by the other with the same message.
def text_values(series: pd.Series) -> list[object]:
    """Values of a text column, missing as ``""`` (other values passed through)."""
    values = series.astype(object).to_numpy(copy=True)
    missing = pd.isna(series).to_numpy()
    values[missing] = ""
    return values.tolist()


def _date_values(series: pd.Series, column: str) -> list[str | None]:
    try:
        days = pd.to_datetime(series)
    except (ValueError, TypeError) as error:
        raise StoreError(
            _("column {column}: not a date ({error})").format(column=column, error=error)
        ) from error
    text = days.dt.strftime("%Y-%m-%d")
    return [None if pd.isna(value) else str(value) for value in text.tolist()]


def _count_values(series: pd.Series, column: str) -> list[int | None]:
    try:
        counts = series.astype("Int64")
    except (ValueError, TypeError) as error:
        raise StoreError(
            _("column {column}: counts must be whole numbers ({error})").format(
                column=column, error=error
            )
        ) from error
    missing = counts.isna().to_numpy()
    values: list[int | None] = list(counts.to_numpy(dtype="int64", na_value=0).tolist())
    for slot in np.flatnonzero(missing).tolist():
        values[slot] = None
    return values


def float_values(series: pd.Series, column: str) -> list[float | None]:
    """Values of a numeric column as floats, missing as ``None``.

    Raises
    ------
    StoreError
        If a value is not a number (the message names ``column``).
    """
    try:
        numbers = pd.to_numeric(series).astype("float64").to_numpy()
    except (ValueError, TypeError) as error:
        raise StoreError(
            _("column {column}: not a number ({error})").format(column=column, error=error)
        ) from error
    return [None if np.isnan(value) else value for value in numbers.tolist()]


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise StoreError(
            _("{what}: missing columns {columns}").format(what=what, columns=", ".join(missing))
        )


def _check_ids(ids: pd.Series, what: str, id_column: str) -> list[str]:
    values = text_values(ids)
    for row, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise StoreError(
                _("{what}: row {row}, {column}: empty id").format(
                    what=what, row=row + 1, column=id_column
                )
            )
    duplicated = sorted(set(ids[ids.duplicated()].astype(str)))
    if duplicated:
        raise StoreError(
            _("{what}: {column} repeated in one batch: {ids}").format(
                what=what, column=id_column, ids=", ".join(duplicated[:10])
            )
        )
    return [str(value) for value in values]


def to_storage_crs(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Return the frame's geometry in the storage CRS (EPSG:4326, lon/lat degrees)."""
    geometry = frame.geometry
    if geometry.crs is not None and not geometry.crs.equals(CRS):
        geometry = geometry.to_crs(CRS)
    return geometry


def _check_geometry_types(
    geometry: gpd.GeoSeries, ids: Sequence[str], allowed: tuple[str, ...], what: str
) -> None:
    kinds = geometry.geom_type.to_numpy()
    present = ~(shapely.is_missing(geometry.array) | shapely.is_empty(geometry.array))
    for slot in np.flatnonzero(present).tolist():
        if kinds[slot] not in allowed:
            raise StoreError(
                _("{what} {id}: geometry is a {kind}, expected {allowed}").format(
                    what=what,
                    id=ids[slot],
                    kind=kinds[slot],
                    allowed=format_list(allowed, style="or"),
                )
            )


def validate_zones(zones: gpd.GeoDataFrame) -> tuple[list[str], gpd.GeoSeries]:
    """Check a batch of user zones; return their ids and geometry in EPSG:4326.

    Raises
    ------
    StoreError
        If a column of :data:`geo.geodata.ZONE_COLUMNS` is missing, a ``zone_id`` is empty
        or repeated, or a geometry is not a (Multi)Polygon.
    """
    _require_columns(zones, ZONE_COLUMNS, _("zones"))
    ids = _check_ids(zones["zone_id"], _("zones"), "zone_id")
    geometry = to_storage_crs(zones)
    _check_geometry_types(geometry, ids, ("Polygon", "MultiPolygon"), _("zone"))
    return ids, geometry


@dataclass(frozen=True)
class IncidentBatch:
    """A validated incident batch (:func:`prepare_incidents`): ids, content hashes, rows."""

    ids: list[str]
    hashes: list[str]
    rows: list[tuple[object, ...]]
    """Values in the order of :data:`INCIDENT_FIELDS` followed by the geometry blob."""
    sources: dict[str, list[tuple[object, ...]]]
    bounds: tuple[float, float, float, float] | None


def prepare_incidents(incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> IncidentBatch:
    """Validate and convert a batch to SQLite values; raise :class:`StoreError` early.

    Geometries are GeoPackage blobs in EPSG:4326; a missing ``content_hash`` is computed.
    """
    _require_columns(incidents, INCIDENT_COLUMNS, _("incidents"))
    _require_columns(sources, SOURCE_COLUMNS, _("sources"))
    ids = _check_ids(incidents["incident_id"], _("incidents"), "incident_id")
    geometry = to_storage_crs(incidents)
    _check_geometry_types(geometry, ids, ("Point",), _("incident"))
    known = set(ids)
    source_ids = text_values(sources["incident_id"])
    strays = sorted({str(value) for value in source_ids if value not in known})
    if strays:
        raise StoreError(
            _("sources: incident_id not in the batch: {ids}").format(ids=", ".join(strays[:10]))
        )
    columns: list[list[object]] = []
    for column in INCIDENT_FIELDS:
        series = incidents[column]
        if column in DATE_COLUMNS:
            columns.append(list(_date_values(series, column)))
        elif column in FLOAT_COLUMNS:
            columns.append(list(float_values(series, column)))
        elif column in COUNT_COLUMNS:
            columns.append(list(_count_values(series, column)))
        else:
            columns.append(text_values(series))
    columns.append(list(encode_gpkg_geometries(geometry.array)))
    source_rows: dict[str, list[tuple[object, ...]]] = {}
    source_values = [text_values(sources[column]) for column in SOURCE_COLUMNS]
    for source in zip(*source_values, strict=True):
        source_rows.setdefault(str(source[0]), []).append(tuple(source))
    rows = list(zip(*columns, strict=True))
    hash_slot = INCIDENT_FIELDS.index("content_hash")
    hashes: list[str] = []
    for slot, row in enumerate(rows):
        value = row[hash_slot]
        if not (isinstance(value, str) and value):
            value = _fallback_content_hash(row[:-1], source_rows.get(ids[slot], []))
            rows[slot] = (*row[:hash_slot], value, *row[hash_slot + 1 :])
        hashes.append(str(value))
    present = geometry[~(geometry.is_empty | geometry.isna())]
    bounds = None if present.empty else tuple(float(v) for v in present.total_bounds)
    return IncidentBatch(ids, hashes, rows, source_rows, bounds)  # type: ignore[arg-type]


# ====================================================================== the store
class GeoPackageStore:
    """The embedded store: one GeoPackage file (see the module docstring for the layout).

    Each call opens its own short SQLite connection, so one object can serve many threads
    (Streamlit sessions) and processes at once.

    Parameters
    ----------
    path
        The ``.gpkg`` file. It must exist and be a zonas store; use :func:`open_store`
        (or :func:`create_geopackage_store`) to create one.
    timeout
        Seconds a writer waits for another writer before raising :class:`StoreBusyError`.

    Raises
    ------
    StoreError
        If ``path`` does not exist, is not a zonas store, or has a newer schema.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT_S):
        self.path = Path(path)
        self.location = str(self.path)
        self.timeout = float(timeout)
        if not self.path.is_file():
            raise StoreError(_("store {store} does not exist").format(store=self.location))
        version = self._meta().get("schema_version")
        if version is None:
            raise StoreError(
                _("{store} is not a zonas store (no {table} table)").format(
                    store=self.location, table=META
                )
            )
        if int(version) > SCHEMA_VERSION:
            raise StoreError(
                _("store {store} has schema version {found}; this zonas reads {known}").format(
                    store=self.location, found=version, known=SCHEMA_VERSION
                )
            )

    def __repr__(self) -> str:
        return f"GeoPackageStore({self.location!r})"

    # ------------------------------------------------------------------ connections
    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
        connection = sqlite3.connect(
            uri, uri=True, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        if not readonly:
            _Envelopes().register(connection)
            # a bigger page cache for the R-tree and id index of large batches (KiB)
            connection.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
        return connection

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(readonly=True)
        try:
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the store's write lock; rolled back on error."""
        connection = self._connect(readonly=False)
        try:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" in str(error) or "busy" in str(error):
                    raise StoreBusyError(
                        _(
                            "store {store} is busy: another import has been writing to it "
                            "for more than {seconds:g} s; try again when it has finished"
                        ).format(store=self.location, seconds=self.timeout)
                    ) from error
                raise StoreError(
                    _("cannot write to store {store}: {error}").format(
                        store=self.location, error=error
                    )
                ) from error
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException as error:
                connection.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise StoreError(
                        _("writing to store {store} failed, nothing was written: {error}").format(
                            store=self.location, error=error
                        )
                    ) from error
                raise
        finally:
            connection.close()

    def _meta(self) -> dict[str, str]:
        with self._reading() as connection:
            try:
                rows = connection.execute(_SQL_SELECT_META).fetchall()
            except sqlite3.DatabaseError:
                return {}
        return {str(key): str(value) for key, value in rows}

    # ------------------------------------------------------------------ reading
    def _read_layer(
        self, layer: str, columns: Sequence[str], *, geometry: bool = True
    ) -> gpd.GeoDataFrame:
        """Read a feature layer through GDAL's Arrow stream (the fast path); without
        ``geometry`` the blobs are not read and every geometry is ``None``."""
        meta, table = pyogrio.read_arrow(
            self.path, layer=layer, columns=list(columns), read_geometry=geometry
        )
        name = meta["geometry_name"] or "wkb_geometry"
        present = name in table.column_names
        frame = (table.drop_columns([name]) if present else table).to_pandas(
            types_mapper={pa.int64(): pd.Int64Dtype()}.get, date_as_object=False
        )
        shapes = (
            _geometries_from_wkb(table.column(name))
            if present
            else np.full(len(frame), None, dtype=object)
        )
        return gpd.GeoDataFrame(frame, geometry=shapes, crs=CRS)

    def read_incidents(
        self, flt: Filter | None = None, *, geometry: bool = True
    ) -> gpd.GeoDataFrame:
        """Return the incidents passing ``flt`` (all when ``None``), in insertion order.

        Columns are :data:`geo.incidents.INCIDENT_COLUMNS` with canonical dtypes: text as
        ``str`` (``""`` when empty), counts as nullable ``Int64`` (``<NA>`` = unknown),
        ``lat``/``lon`` float (NaN), ``date``/``date_end`` ``datetime64[ns]``, geometry in
        EPSG:4326 (``None`` for unlocated incidents, and for every row with
        ``geometry=False``, which does not read the geometry blobs at all). The filter is
        applied with :meth:`geo.filters.Filter.mask`, the single filter implementation.
        """
        frame = _canonical_incidents(
            self._read_layer(INCIDENTS, INCIDENT_FIELDS, geometry=geometry)
        )
        if flt is not None and not flt.is_default():
            frame = frame[flt.mask(frame)].reset_index(drop=True)
        return frame

    def read_sources(self, incident_ids: Collection[str] | None = None) -> pd.DataFrame:
        """Return the sources of ``incident_ids`` (all when ``None``) as text columns.

        Columns are :data:`geo.incidents.SOURCE_COLUMNS`, in the order they were written.
        """
        with self._reading() as connection:
            if incident_ids is None:
                rows = connection.execute(_SQL_SELECT_SOURCES + " ORDER BY fid").fetchall()
            else:
                wanted = json.dumps(sorted({str(value) for value in incident_ids}))
                rows = connection.execute(
                    _SQL_SELECT_SOURCES_OF + " ORDER BY fid", (wanted,)
                ).fetchall()
        frame = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS), dtype=object)
        return frame.fillna("").astype("str")

    def read_user_zones(self) -> gpd.GeoDataFrame:
        """Return the user zones (:data:`geo.geodata.ZONE_COLUMNS`, MultiPolygon, EPSG:4326)."""
        frame = self._read_layer(USER_ZONES, ZONE_FIELDS)
        for column in ZONE_TEXT_COLUMNS:
            frame[column] = frame[column].fillna("").astype("str")
        for column in ZONE_FLOAT_COLUMNS:
            frame[column] = frame[column].astype("float64")
        for column in ZONE_BOOL_COLUMNS:
            frame[column] = frame[column].astype("boolean").fillna(value=False).astype(bool)
        return gpd.GeoDataFrame(frame[list(ZONE_COLUMNS)], geometry="geometry", crs=CRS)

    def content_version(self) -> str:
        """Return the short content version kept in ``zonas_meta`` (changes on every change)."""
        return self._meta().get("content_version", format_content_version(0, 0))

    def metadata(self) -> dict[str, str]:
        """Return the ``zonas_meta`` key/value pairs (schema and content version, ...)."""
        return self._meta()

    # ------------------------------------------------------------------ writing
    def write_incidents(self, incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> WriteResult:
        """Upsert incidents by ``incident_id`` and their sources, in one transaction.

        New ids are inserted; ids whose ``content_hash`` differs are updated and their
        sources replaced; identical rows are left alone (their ``sources`` rows in the
        batch are ignored). Rows with an empty ``content_hash`` get one computed from
        their values and sources.

        Raises
        ------
        StoreError
            If the batch is invalid (missing columns, empty or repeated ids, a geometry
            that is not a point, sources of incidents not in the batch) or the write
            fails; nothing is written.
        StoreBusyError
            If another writer held the store for longer than ``timeout`` seconds.
        """
        batch = prepare_incidents(incidents, sources)
        if not batch.ids:
            return WriteResult()
        id_slot = INCIDENT_FIELDS.index("incident_id")
        with self._transaction() as connection:
            stored = dict(
                connection.execute(_SQL_STORED_HASHES, (json.dumps(batch.ids),)).fetchall()
            )
            inserts, updates, written, replaced = [], [], [], []
            digest_delta = 0
            for incident_id, content, row in zip(batch.ids, batch.hashes, batch.rows, strict=True):
                old = stored.get(incident_id)
                if old is None:
                    inserts.append(row)
                    written.append(incident_id)
                    digest_delta += digest64(incident_id, content)
                elif old != content:
                    updates.append((*row[:id_slot], *row[id_slot + 1 :], incident_id))
                    written.append(incident_id)
                    replaced.append(incident_id)
                    digest_delta += digest64(incident_id, content) - digest64(incident_id, old)
            if not written:
                return WriteResult(unchanged=len(batch.ids))
            connection.executemany(_SQL_INSERT_INCIDENT, inserts)
            connection.executemany(_SQL_UPDATE_INCIDENT, updates)
            connection.execute(_SQL_DELETE_SOURCES, (json.dumps(replaced),))
            connection.executemany(
                _SQL_INSERT_SOURCE,
                (source for key in written for source in batch.sources.get(key, [])),
            )
            _touch_contents(connection, INCIDENTS, batch.bounds)
            _touch_contents(connection, SOURCES, None)
            meta = dict(connection.execute(_SQL_SELECT_META).fetchall())
            _set_meta(
                connection,
                incidents_digest=(int(meta.get("incidents_digest", "0"), 16) + digest_delta),
                zones_digest=int(meta.get("zones_digest", "0"), 16),
            )
        return WriteResult(
            inserted=len(inserts),
            updated=len(updates),
            unchanged=len(batch.ids) - len(inserts) - len(updates),
        )

    def write_user_zones(self, zones: gpd.GeoDataFrame) -> int:
        """Insert or replace user zones by ``zone_id`` in one transaction; return the count.

        Polygons are stored as MultiPolygons (EPSG:4326).

        Raises
        ------
        StoreError
            If columns are missing, ids are empty or repeated, or a geometry is not
            polygonal; nothing is written.
        """
        ids, rows, bounds = _prepare_zones(zones)
        if not rows:
            return 0
        with self._transaction() as connection:
            connection.execute(_SQL_DELETE_ZONES, (json.dumps(ids),))
            connection.executemany(_SQL_INSERT_ZONE, rows)
            _touch_contents(connection, USER_ZONES, bounds)
            stored = connection.execute(_SQL_SELECT_ZONES).fetchall()
            zones_digest = rows_digest(
                (str(row[0]) for row in stored),
                (hashlib.sha256(repr(row[1:]).encode("utf-8")).hexdigest() for row in stored),
            )
            meta = dict(connection.execute(_SQL_SELECT_META).fetchall())
            _set_meta(
                connection,
                incidents_digest=int(meta.get("incidents_digest", "0"), 16),
                zones_digest=zones_digest,
            )
        return len(rows)


def _prepare_zones(
    zones: gpd.GeoDataFrame,
) -> tuple[list[str], list[tuple[object, ...]], tuple[float, float, float, float] | None]:
    """Validate user zones; return their ids, SQLite rows and bounds (lon/lat degrees)."""
    ids, geometry = validate_zones(zones)
    multi = [
        shapely.MultiPolygon([shape]) if isinstance(shape, shapely.Polygon) else shape
        for shape in geometry.array
    ]
    columns: list[list[object]] = []
    for column in ZONE_FIELDS:
        series = zones[column]
        if column in ZONE_FLOAT_COLUMNS:
            columns.append(list(float_values(series, column)))
        elif column in ZONE_BOOL_COLUMNS:
            columns.append([int(bool(value)) for value in series.fillna(value=False)])
        else:
            columns.append(text_values(series))
    columns.append(list(encode_gpkg_geometries(multi)))
    present = geometry[~(geometry.is_empty | geometry.isna())]
    bounds = None if present.empty else _bounds(present)
    return ids, list(zip(*columns, strict=True)), bounds


def _bounds(geometry: gpd.GeoSeries) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(value) for value in geometry.total_bounds)
    return minx, miny, maxx, maxy


def _geometries_from_wkb(wkb: pa.ChunkedArray) -> np.ndarray:
    """Decode a WKB column to shapely geometries; 2D little-endian points vectorised."""
    array = wkb.combine_chunks()
    valid = ~np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    geometries = np.full(len(array), None, dtype=object)
    if not valid.any():
        return geometries
    present = array.filter(pa.array(valid))
    lengths = pc.binary_length(present).to_numpy(zero_copy_only=False)
    if (lengths == len(_WKB_POINT_LE) + _XY.size).all():
        offset_type = np.int64 if pa.types.is_large_binary(present.type) else np.int32
        offsets = np.frombuffer(present.buffers()[1], dtype=offset_type)[
            present.offset : present.offset + len(present) + 1
        ]
        data = np.frombuffer(present.buffers()[2], dtype=np.uint8)
        start = int(offsets[0])
        records = data[start : start + 21 * len(present)].reshape(-1, 21)
        if (records[:, :5] == np.frombuffer(_WKB_POINT_LE, dtype=np.uint8)).all():
            xy = records[:, 5:].copy().view("<f8")
            geometries[valid] = shapely.points(xy)
            return geometries
    geometries[valid] = shapely.from_wkb(present.to_numpy(zero_copy_only=False))
    return geometries


def _touch_contents(
    connection: sqlite3.Connection,
    table: str,
    bounds: tuple[float, float, float, float] | None,
) -> None:
    """Update ``gpkg_contents``: ``last_change`` and the extent grown by ``bounds``."""
    connection.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE table_name = ?",
        (table,),
    )
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        connection.execute(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1), "
            "min_y = min(coalesce(min_y, ?2), ?2), max_x = max(coalesce(max_x, ?3), ?3), "
            "max_y = max(coalesce(max_y, ?4), ?4) WHERE table_name = ?5",
            (minx, miny, maxx, maxy, table),
        )


def _set_meta(connection: sqlite3.Connection, *, incidents_digest: int, zones_digest: int) -> None:
    incidents_digest %= 2**64
    values = {
        "schema_version": str(SCHEMA_VERSION),
        "incidents_digest": f"{incidents_digest:016x}",
        "zones_digest": f"{zones_digest:016x}",
        "content_version": format_content_version(incidents_digest, zones_digest),
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    connection.executemany(_SQL_UPSERT_META, values.items())


def _canonical_incidents(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give a frame read from the ``incidents`` layer the canonical columns and dtypes."""
    for column in INCIDENT_TEXT_COLUMNS:
        frame[column] = frame[column].fillna("").astype("str")
    for column in DATE_COLUMNS:
        frame[column] = frame[column].astype("datetime64[ns]")
    for column in FLOAT_COLUMNS:
        frame[column] = frame[column].astype("float64")
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return gpd.GeoDataFrame(frame[list(INCIDENT_COLUMNS)], geometry="geometry", crs=CRS)


# ====================================================================== creating a store
def _empty_layer(schema: pa.Schema) -> pa.Table:
    return pa.table({field.name: pa.array([], field.type) for field in schema}, schema=schema)


def _create_layers(path: Path) -> None:
    """Create the four layers, indexes and metadata of an empty store at ``path``."""
    features = {
        INCIDENTS: (_incident_arrow_schema(), "Point"),
        USER_ZONES: (_zone_arrow_schema(), "MultiPolygon"),
    }
    for layer, (schema, kind) in features.items():
        pyogrio.write_arrow(
            _empty_layer(schema),
            path,
            layer=layer,
            driver="GPKG",
            geometry_name=GEOMETRY_COLUMN,
            geometry_type=kind,
            crs=CRS,
        )
    for layer, columns in ((SOURCES, SOURCE_COLUMNS), (META, ("key", "value"))):
        pyogrio.write_arrow(_empty_layer(_text_schema(columns)), path, layer=layer, driver="GPKG")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            f"CREATE UNIQUE INDEX {INCIDENTS}_incident_id ON {INCIDENTS} (incident_id)"
        )
        connection.execute(f"CREATE INDEX {SOURCES}_incident_id ON {SOURCES} (incident_id)")
        connection.execute(f"CREATE UNIQUE INDEX {USER_ZONES}_zone_id ON {USER_ZONES} (zone_id)")
        connection.execute(f"CREATE UNIQUE INDEX {META}_key ON {META} (key)")
        _set_meta(connection, incidents_digest=0, zones_digest=0)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _seed(store: GeoPackageStore) -> None:
    try:
        from geo.ingest import seed_batch
    except ImportError as error:
        raise StoreError(
            _("cannot seed store {store}: the seed data loader is missing ({error})").format(
                store=store.location, error=error
            )
        ) from error
    incidents, sources = seed_batch()
    store.write_incidents(incidents, sources)


def create_geopackage_store(
    path: str | os.PathLike[str], *, seed: bool = True, timeout: float = DEFAULT_TIMEOUT_S
) -> GeoPackageStore:
    """Create the GeoPackage store at ``path`` (and its folders) unless it exists.

    The store is built (layers, then the shipped seed data when ``seed``) in a temporary
    file next to ``path`` and published with a hard link: atomic, and never overwriting a
    store another process published first (that one is kept and this copy discarded).
    """
    target = Path(path)
    if target.exists():
        return GeoPackageStore(target, timeout=timeout)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=".tmp.gpkg", dir=target.parent
    )
    os.close(handle)
    building = Path(name)
    building.unlink()
    try:
        _create_layers(building)
        if seed:
            _seed(GeoPackageStore(building, timeout=timeout))
        _publish(building, target)
    finally:
        for leftover in (building, *(Path(f"{building}{end}") for end in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    return GeoPackageStore(target, timeout=timeout)


def _publish(building: Path, target: Path) -> None:
    """Make ``building`` appear as ``target`` atomically, unless ``target`` exists."""
    for journal in ("-wal", "-shm", "-journal"):
        if Path(f"{building}{journal}").exists() and journal != "-shm":
            raise StoreError(
                _("store {store} was not closed cleanly while being built").format(store=target)
            )
    try:
        os.link(building, target)
    except FileExistsError:
        return
    except OSError:  # a file system without hard links
        if not target.exists():
            os.replace(building, target)


def open_store(
    location: str | os.PathLike[str] | None = None,
    *,
    seed: bool = True,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Store:
    """Open the store at ``location``, creating an embedded one when it is missing.

    Parameters
    ----------
    location
        A ``postgresql://`` URL (:class:`geo.postgis.PostGISStore`) or a GeoPackage path;
        ``None`` means :func:`geo.config.default_store_location` (``ZONAS_STORE``).
    seed
        Fill a newly created GeoPackage with the shipped seed data.
    timeout
        Seconds a writer waits for another writer before :class:`StoreBusyError`.
    """
    if location is None:
        from geo.config import default_store_location

        location = default_store_location()
    text = os.fspath(location)
    if text.startswith(("postgresql://", "postgres://")):
        from geo.postgis import PostGISStore

        store: Store = PostGISStore(text, seed=seed, timeout=timeout)
        return store
    return create_geopackage_store(text, seed=seed, timeout=timeout)
