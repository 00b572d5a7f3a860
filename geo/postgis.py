"""The PostGIS store: incidents on a shared PostgreSQL + PostGIS server.

:class:`PostGISStore` implements :class:`geo.store.Store` for teams that outgrow one
GeoPackage file: several people import and read at once, and the data lives on a server.
Select it with ``ZONAS_STORE=postgresql://user@host/db`` (or ``--store``); every libpq
setting (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, ``~/.pgpass``,
``PGSSLMODE``...) is honoured, so ``postgresql://`` alone connects with the environment.

Layout (schema ``zonas``, created by :meth:`PostGISStore.init_schema` / ``zonas db init``):

``zonas.incidents``        one row per incident; the canonical columns of
                           :mod:`geo.incidents`, with ``agencies`` and ``zone_ids`` as
                           ``text[]`` (GIN indexes), dates as ``date`` and the drawn point
                           as ``geom geometry(Point, 4326)`` (GiST index). Check
                           constraints mirror the validation: allowed codes, non-negative
                           counts, ``civilians_killed_min <= civilians_killed_max``.
``zonas.sources``          the sources of each incident, in order (``position``).
``zonas.user_zones``       zones users imported, ``geom geometry(MultiPolygon, 4326)``.
``zonas.schema_migrations`` which numbered migrations ran (they are idempotent).

Concurrency: a write is one transaction that first takes a transaction-scoped advisory
lock, so writers queue (never interleave, never lose or duplicate rows: upserts are
``INSERT ... ON CONFLICT`` by ``incident_id``, skipping rows whose ``content_hash`` did
not change). Readers never wait: PostgreSQL's MVCC gives them the last committed state.
A writer that dies mid-import leaves nothing behind (the transaction is rolled back).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from psycopg import sql

from geo.aggregate import Period
from geo.filters import CONFIDENCE_RANK, GEO_PRECISIONS, PRECISE_GEO, Filter
from geo.geodata import CRS, ZONE_COLUMNS, Level
from geo.i18n import _
from geo.incidents import (
    CONFIDENCES,
    COUNT_COLUMNS,
    DATE_PRECISIONS,
    INCIDENT_COLUMNS,
    SOURCE_COLUMNS,
    empty_incidents,
    empty_sources,
)
from geo.store import (
    DEFAULT_TIMEOUT_S,
    StoreBusyError,
    StoreError,
    WriteResult,
    digest64,
    encode_gpkg_geometries,
    float_values,
    format_content_version,
    prepare_incidents,
    rows_digest,
    text_values,
    to_storage_crs,
    validate_zones,
)

SCHEMA: Final = "zonas"
SRID: Final = 4326
READER_ROLE: Final = "zonas_reader"
"""Group role that may only read (``SELECT``): for the dashboard."""
WRITER_ROLE: Final = "zonas_writer"
"""Group role that may read and write incidents, sources and user zones: for imports."""

_WRITE_LOCK_KEY: Final = 0x7A6F6E6173  # "zonas": one advisory lock serialises writers
_LIST_COLUMNS: Final = ("agencies", "zone_ids")
_DATE_COLUMNS: Final = ("date", "date_end")
_FLOAT_COLUMNS: Final = ("lat", "lon")
_DATA_COLUMNS: Final = tuple(c for c in INCIDENT_COLUMNS if c != "geometry")
_ZONE_DATA_COLUMNS: Final = tuple(c for c in ZONE_COLUMNS if c != "geometry")
_ZONE_TEXT_COLUMNS: Final = tuple(
    c for c in _ZONE_DATA_COLUMNS if c not in ("radius_m", "user_defined")
)


class PostGISError(StoreError):
    """The server could not be used: not reachable, no schema, no PostGIS."""


class ReadOnlyStoreError(StoreError, PermissionError):
    """The connected role may read but not write (e.g. a member of ``zonas_reader``)."""


# ---------------------------------------------------------------------- schema
def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _text_columns(names: Sequence[str]) -> str:
    return ",\n".join(f"    {name} text NOT NULL DEFAULT ''" for name in names)


_COUNT_DDL: Final = ",\n".join(f"    {c} integer CHECK ({c} >= 0)" for c in COUNT_COLUMNS)

_INCIDENTS_DDL: Final = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.incidents (
    incident_id text PRIMARY KEY CHECK (incident_id <> ''),
    fid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    date date NOT NULL,
    date_end date NOT NULL,
    date_precision text NOT NULL CHECK (date_precision IN ({_quoted(DATE_PRECISIONS)})),
{
    _text_columns(
        ("operation", "operation_family", "place_name", "barrio", "parish", "municipality", "state")
    )
},
    lat double precision CHECK (lat BETWEEN -90 AND 90),
    lon double precision CHECK (lon BETWEEN -180 AND 180),
{_text_columns(("state_code", "muni_code", "parish_code"))},
    zone_ids text[] NOT NULL DEFAULT '{{}}',
    geo_precision text NOT NULL CHECK (geo_precision IN ({_quoted(GEO_PRECISIONS)})),
    agencies text[] NOT NULL DEFAULT '{{}}',
    agencies_reported text NOT NULL DEFAULT '',
{_COUNT_DDL},
    description text NOT NULL DEFAULT '',
    confidence text NOT NULL DEFAULT '' CHECK (confidence IN ('', {_quoted(CONFIDENCES)})),
{_text_columns(("notes", "origin", "content_hash"))},
    geom geometry(Point, {SRID}),
    CONSTRAINT killed_range CHECK (civilians_killed_min <= civilians_killed_max),
    CONSTRAINT date_interval CHECK (date <= date_end)
);
CREATE INDEX IF NOT EXISTS incidents_geom_idx ON {SCHEMA}.incidents USING gist (geom);
CREATE INDEX IF NOT EXISTS incidents_agencies_idx ON {SCHEMA}.incidents USING gin (agencies);
CREATE INDEX IF NOT EXISTS incidents_zone_ids_idx ON {SCHEMA}.incidents USING gin (zone_ids);
CREATE INDEX IF NOT EXISTS incidents_date_idx ON {SCHEMA}.incidents (date, date_end);
CREATE INDEX IF NOT EXISTS incidents_state_idx ON {SCHEMA}.incidents (state_code);
CREATE INDEX IF NOT EXISTS incidents_muni_idx ON {SCHEMA}.incidents (muni_code);
CREATE TABLE IF NOT EXISTS {SCHEMA}.sources (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id text NOT NULL REFERENCES {SCHEMA}.incidents ON DELETE CASCADE,
{_text_columns(SOURCE_COLUMNS[1:])}
);
CREATE INDEX IF NOT EXISTS sources_incident_idx ON {SCHEMA}.sources (incident_id);
CREATE TABLE IF NOT EXISTS {SCHEMA}.user_zones (
    zone_id text PRIMARY KEY CHECK (zone_id <> ''),
{_text_columns(("name", "roles", "definition", "precision"))},
    radius_m double precision CHECK (radius_m > 0),
{
    _text_columns(
        ("admin_codes", "first_operation", "peace_zone_since", "evidence", "source", "notes")
    )
},
    user_defined boolean NOT NULL DEFAULT true,
    geom geometry(MultiPolygon, {SRID}) NOT NULL
);
CREATE INDEX IF NOT EXISTS user_zones_geom_idx ON {SCHEMA}.user_zones USING gist (geom);
CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
"""


@dataclass(frozen=True)
class Migration:
    """One numbered, idempotent schema change."""

    version: int
    description: str
    statements: str


MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "incidents, sources and user zones with indexes and checks", _INCIDENTS_DDL),
)
"""Applied in order by :meth:`PostGISStore.init_schema`; append, never edit a shipped one."""

_ROLES_SQL: Final = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
        CREATE ROLE {READER_ROLE} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WRITER_ROLE}') THEN
        CREATE ROLE {WRITER_ROLE} NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA {SCHEMA} TO {READER_ROLE}, {WRITER_ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {READER_ROLE}, {WRITER_ROLE};
GRANT INSERT, UPDATE, DELETE ON {SCHEMA}.incidents, {SCHEMA}.sources, {SCHEMA}.user_zones,
    {SCHEMA}.meta TO {WRITER_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT SELECT ON TABLES TO {READER_ROLE};
"""  # noqa: S608 (constants only)


# ---------------------------------------------------------------------- helpers
def mask_password(dsn: str) -> str:
    """Return ``dsn`` with any password replaced by ``***`` (safe to print or export)."""
    dsn = re.sub(r"(postgres(?:ql)?://[^:/@]*:)[^@]*@", r"\1***@", dsn)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", dsn)


def is_postgres_location(location: str) -> bool:
    """True when ``location`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return location.startswith(("postgresql://", "postgres://"))


def _tokens(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [token for token in cell.split(";") if token]


def _hex_ewkb(geometries: Sequence[object] | np.ndarray) -> list[str | None]:
    """Return hex EWKB (SRID 4326) per geometry; ``None`` for missing or empty ones."""
    values = np.asarray(geometries, dtype=object)
    encoded: list[str | None] = [None] * len(values)
    if not len(values):
        return encoded
    present = np.flatnonzero(~(shapely.is_missing(values) | shapely.is_empty(values)))
    if len(present):
        hexes = shapely.to_wkb(shapely.set_srid(values[present], SRID), hex=True, include_srid=True)
        for slot, text in zip(present.tolist(), hexes.tolist(), strict=True):
            encoded[slot] = str(text)
    return encoded


@dataclass(frozen=True)
class _Batch:
    ids: list[str]
    hashes: list[str]
    rows: list[tuple[Any, ...]]
    """Values in the order of ``_DATA_COLUMNS``, then hex EWKB, then the batch position."""
    sources: dict[str, list[tuple[object, ...]]]


def _prepare_batch(incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> _Batch:
    """Validate a batch exactly as the GeoPackage store does and convert it for COPY."""
    batch = prepare_incidents(incidents, sources)
    geometries = _hex_ewkb(to_storage_crs(incidents).array)
    list_slots = [_DATA_COLUMNS.index(column) for column in _LIST_COLUMNS]
    rows = []
    for position, (row, geometry) in enumerate(zip(batch.rows, geometries, strict=True)):
        values = list(row[:-1])
        for slot in list_slots:
            values[slot] = _tokens(values[slot])
        rows.append((*values, geometry, position))
    return _Batch(batch.ids, batch.hashes, rows, batch.sources)


def _zone_rows(zones: gpd.GeoDataFrame) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Validate user zones like the GeoPackage store; return ids and rows for INSERT."""
    ids, geometry = validate_zones(zones)
    columns: list[list[Any]] = []
    for column in _ZONE_DATA_COLUMNS:
        series = zones[column]
        if column == "radius_m":
            columns.append(list(float_values(series, column)))
        elif column == "user_defined":
            columns.append([bool(value) for value in series.fillna(value=False)])
        else:
            columns.append(text_values(series))
    columns.append(list(_hex_ewkb(geometry.array)))
    return ids, list(zip(*columns, strict=True))


def _zones_digest(rows: Sequence[Sequence[Any]]) -> int:
    """The GeoPackage store's digest of user zones, from ``read_user_zones``-style rows.

    Rows are the zone fields then the WKB geometry; the digest hashes the values as the
    GeoPackage stores them (booleans as 0/1, MultiPolygons as GeoPackage blobs), so a
    store copied between engines keeps its content version.
    """
    keys, hashes = [], []
    for row in rows:
        *fields, wkb = row
        values = [int(v) if isinstance(v, bool) else v for v in fields]
        blob = encode_gpkg_geometries([shapely.from_wkb(wkb)])[0]
        keys.append(str(values[0]))
        hashes.append(hashlib.sha256(repr((*values[1:], blob)).encode("utf-8")).hexdigest())
    return rows_digest(keys, hashes)


def filter_sql(flt: Filter | None) -> tuple[sql.SQL, dict[str, Any]]:
    """Return ``(WHERE clause, parameters)`` selecting the incidents that pass ``flt``.

    The same semantics as :meth:`geo.filters.Filter.mask`: an incident counts in a date
    window only when its whole date-precision interval (``date`` .. ``date_end``) lies
    inside it; agencies and zones match when any code overlaps (``&&`` on ``text[]``,
    GIN-indexed); confidence is a floor; ``include_low_precision=False`` keeps
    ``point``, ``barrio`` and ``parish`` precision only.
    """
    if flt is None or flt.is_default():
        return sql.SQL("TRUE"), {}
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if flt.date_from is not None:
        conditions.append("date >= %(date_from)s")
        params["date_from"] = flt.date_from
    if flt.date_to is not None:
        conditions.append("date_end <= %(date_to)s")
        params["date_to"] = flt.date_to
    for name, condition in (
        ("agencies", "agencies && %(agencies)s::text[]"),
        ("operations", "operation_family = ANY(%(operations)s::text[])"),
        ("states", "state_code = ANY(%(states)s::text[])"),
        ("municipalities", "muni_code = ANY(%(municipalities)s::text[])"),
        ("zones", "zone_ids && %(zones)s::text[]"),
    ):
        values = getattr(flt, name)
        if values:
            conditions.append(condition)
            params[name] = list(values)
    if flt.min_confidence is not None:
        floor = CONFIDENCE_RANK[flt.min_confidence]
        conditions.append("confidence = ANY(%(confidences)s::text[])")
        params["confidences"] = [c for c, rank in CONFIDENCE_RANK.items() if rank >= floor]
    if not flt.include_low_precision:
        conditions.append("geo_precision = ANY(%(precise)s::text[])")
        params["precise"] = sorted(PRECISE_GEO)
    return sql.SQL(" AND ".join(conditions)), params


# ---------------------------------------------------------------------- the store
_SELECT_INCIDENTS: Final = (
    ", ".join(f"array_to_string({c}, ';')" if c in _LIST_COLUMNS else c for c in _DATA_COLUMNS)
    + ", ST_X(geom), ST_Y(geom)"
)


class PostGISStore:
    """A :class:`geo.store.Store` on a PostgreSQL + PostGIS server.

    Parameters
    ----------
    dsn
        A libpq connection string or ``postgresql://`` URL. Missing parts come from the
        ``PG*`` environment variables and ``~/.pgpass``.
    seed
        When :meth:`init_schema` creates the schema, fill it with the shipped seed data.
    timeout
        Seconds a writer waits for another writer before :class:`~geo.store.StoreBusyError`.
    connect_timeout_s
        Seconds to wait for the server before giving up.

    Notes
    -----
    Each call opens its own short connection, so one store object can serve many threads
    (Streamlit sessions) at once. ``location`` is the DSN with the password masked.
    """

    def __init__(
        self,
        dsn: str,
        *,
        seed: bool = True,
        timeout: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: int = 10,
    ) -> None:
        self._dsn = dsn
        self.seed = seed
        self.timeout = float(timeout)
        self._connect_timeout_s = connect_timeout_s
        self.location = mask_password(dsn)

    def __repr__(self) -> str:
        return f"PostGISStore({self.location!r})"

    # ------------------------------------------------------------------ connections
    @contextmanager
    def _connect(self) -> Iterator[psycopg.Connection[Any]]:
        """One connection and transaction (committed on success, rolled back on error)."""
        try:
            connection = psycopg.connect(
                self._dsn, connect_timeout=self._connect_timeout_s, application_name="zonas"
            )
        except psycopg.OperationalError as error:
            raise PostGISError(
                _("cannot connect to the store {location}: {error}").format(
                    location=self.location, error=str(error).strip()
                )
            ) from error
        try:
            with connection:
                yield connection
        except psycopg.errors.UndefinedTable as error:
            raise PostGISError(
                _("the store {location} has no zonas schema yet: run `zonas db init --store "
                  "URL` first ({error})").format(location=self.location, error=error)
            ) from error  # fmt: skip
        except psycopg.errors.InsufficientPrivilege as error:
            raise ReadOnlyStoreError(
                _("the database role may not change the store {location} ({error}); connect "
                  "as a member of {writer} to import").format(
                    location=self.location, error=str(error).strip(), writer=WRITER_ROLE)
            ) from error  # fmt: skip
        except psycopg.errors.LockNotAvailable as error:
            raise StoreBusyError(
                _("store {store} is busy: another import has been writing to it for more "
                  "than {seconds:g} s; try again when it has finished").format(
                    store=self.location, seconds=self.timeout)
            ) from error  # fmt: skip
        except psycopg.errors.IntegrityError as error:
            constraint = error.diag.constraint_name or ""
            raise StoreError(
                _("writing to store {store} failed, nothing was written: a row breaks "
                  "{constraint} ({error})").format(
                    store=self.location, constraint=constraint, error=str(error).strip())
            ) from error  # fmt: skip
        except psycopg.Error as error:
            raise StoreError(
                _("store {store}: {error}").format(store=self.location, error=str(error).strip())
            ) from error
        finally:
            connection.close()

    def _lock_writers(
        self, connection: psycopg.Connection[Any], *, table: str = "incidents"
    ) -> None:
        """Check the role may write ``table``, then take the writers' advisory lock for
        this transaction (waiting at most ``timeout`` s)."""
        allowed = connection.execute(
            "SELECT to_regclass(%s) IS NULL OR has_table_privilege(%s, 'INSERT, UPDATE, DELETE')",
            (f"{SCHEMA}.{table}", f"{SCHEMA}.{table}"),
        ).fetchone()
        if not (allowed and allowed[0]):
            role = connection.execute("SELECT current_user").fetchone()
            raise ReadOnlyStoreError(
                _("the database role {role} may read but not change the store {location}; "
                  "connect as a member of {writer} to import").format(
                    role=role[0] if role else "?", location=self.location, writer=WRITER_ROLE)
            )  # fmt: skip
        connection.execute(
            sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{self.timeout * 1000:.0f}"))
        )
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_KEY,))
        connection.execute("SET LOCAL lock_timeout = 0")

    # ------------------------------------------------------------------ schema
    def init_schema(self, *, create_roles: bool = False) -> list[int]:
        """Create or upgrade the ``zonas`` schema; return the migrations applied now.

        Idempotent: running it again applies nothing. Needs a role that may create
        schemas (and the ``postgis`` extension when it is not installed yet). When the
        schema is new and ``seed`` was set, the shipped seed data is written.

        Parameters
        ----------
        create_roles
            Also create the group roles :data:`READER_ROLE` (``SELECT`` only) and
            :data:`WRITER_ROLE` (read and write) and grant them on the schema. Needs
            ``CREATEROLE``. Give people access with ``GRANT zonas_reader TO alice``.
        """
        applied: list[int] = []
        with self._connect() as connection:
            self._lock_writers(connection)
            has_postgis = connection.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'postgis'"
            ).fetchone()
            if has_postgis is None:
                try:
                    with connection.transaction():
                        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except psycopg.Error as error:
                    raise PostGISError(
                        _("the database has no PostGIS and this role cannot add it ({error}); "
                          "ask an administrator to run CREATE EXTENSION postgis").format(
                            error=str(error).strip())
                    ) from error  # fmt: skip
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}".encode())
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_migrations ("
                " version integer PRIMARY KEY, description text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())".encode()
            )
            done = {
                row[0]
                for row in connection.execute(
                    f"SELECT version FROM {SCHEMA}.schema_migrations".encode()  # noqa: S608
                )
            }
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                connection.execute(migration.statements.encode())
                connection.execute(
                    f"INSERT INTO {SCHEMA}.schema_migrations (version, description) "  # noqa: S608
                    "VALUES (%s, %s)".encode(),
                    (migration.version, migration.description),
                )
                applied.append(migration.version)
            if create_roles:
                connection.execute(_ROLES_SQL.encode())
        if 1 in applied and self.seed:
            self._write_seed()
        return applied

    def _write_seed(self) -> None:
        from geo.ingest import seed_batch

        incidents, sources = seed_batch()
        self.write_incidents(incidents, sources)

    def schema_version(self) -> int:
        """Return the highest migration applied (0 when the schema does not exist)."""
        with self._connect() as connection:
            exists = connection.execute(
                "SELECT to_regclass(%s)", (f"{SCHEMA}.schema_migrations",)
            ).fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = connection.execute(
                f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_migrations".encode()  # noqa: S608
            ).fetchone()
            return int(row[0]) if row else 0

    # ------------------------------------------------------------------ incidents
    def read_incidents(
        self, flt: Filter | None = None, *, geometry: bool = True
    ) -> gpd.GeoDataFrame:
        """Return the incidents passing ``flt`` (all when ``None``), in insertion order.

        The filter runs in SQL (see :func:`filter_sql`); the frame has the canonical
        columns and dtypes of :func:`geo.incidents.empty_incidents` (EPSG:4326), the
        same as :meth:`geo.store.GeoPackageStore.read_incidents` (every geometry
        ``None`` with ``geometry=False``).
        """
        where, params = filter_sql(flt)
        query = sql.SQL("SELECT {columns} FROM {table} WHERE {where} ORDER BY fid").format(
            columns=sql.SQL(_SELECT_INCIDENTS),
            table=sql.Identifier(SCHEMA, "incidents"),
            where=where,
        )
        buffer = io.BytesIO()
        with self._connect() as connection:
            # COPY takes no parameters: bind them client-side (quoted literals).
            bound = psycopg.ClientCursor(connection).mogrify(query, params)
            copy_sql = f"COPY ({bound}) TO STDOUT (FORMAT csv)"
            with connection.cursor() as cursor, cursor.copy(copy_sql.encode()) as copy:
                for chunk in copy:
                    buffer.write(chunk)
        buffer.seek(0)
        return _incident_frame(buffer, geometry=geometry)

    def read_sources(self, incident_ids: Collection[str] | None = None) -> pd.DataFrame:
        """Return the sources of the given incidents (all when ``None``), in written order."""
        columns = ", ".join(SOURCE_COLUMNS)
        query = f"SELECT {columns} FROM {SCHEMA}.sources"  # noqa: S608
        params: tuple[Any, ...] = ()
        if incident_ids is not None:
            query += " WHERE incident_id = ANY(%s::text[])"
            params = (sorted({str(value) for value in incident_ids}),)
        query += " ORDER BY fid"
        with self._connect() as connection:
            rows = connection.execute(query.encode(), params).fetchall()
        if not rows:
            return empty_sources()
        return pd.DataFrame(rows, columns=list(SOURCE_COLUMNS), dtype=object).astype("str")

    def write_incidents(self, incidents: gpd.GeoDataFrame, sources: pd.DataFrame) -> WriteResult:
        """Upsert incidents by ``incident_id`` and their sources, in one transaction.

        The same contract as :meth:`geo.store.GeoPackageStore.write_incidents`: new ids
        are inserted; ids whose ``content_hash`` differs are updated and their sources
        replaced; identical rows are left alone. Writers queue on an advisory lock (for
        at most ``timeout`` s); readers are never blocked; if the process dies, the
        transaction is rolled back and nothing is written.

        Raises
        ------
        StoreError
            If the batch is invalid or a row breaks a constraint; nothing is written.
        StoreBusyError
            If another writer held the store for longer than ``timeout`` seconds.
        ReadOnlyStoreError
            If the connected role may not write (e.g. ``zonas_reader``).
        """
        batch = _prepare_batch(incidents, sources)
        if not batch.ids:
            return WriteResult()
        table = f"{SCHEMA}.incidents"
        stage_columns = ", ".join((*_DATA_COLUMNS, "geom"))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_DATA_COLUMNS[1:], "geom"))
        with self._connect() as connection, connection.cursor() as cursor:
            self._lock_writers(connection)
            cursor.execute(
                f"CREATE TEMP TABLE zonas_stage ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {stage_columns}, 0 AS ord FROM {table} WITH NO DATA".encode()
            )
            with cursor.copy(
                f"COPY zonas_stage ({stage_columns}, ord) FROM STDIN".encode()
            ) as copy:
                for row in batch.rows:
                    copy.write_row(row)
            cursor.execute(
                f"SELECT i.incident_id, i.content_hash FROM {table} AS i "  # noqa: S608
                "JOIN zonas_stage USING (incident_id)".encode()
            )
            stored = dict(cursor.fetchall())
            written, digest_delta, inserted = [], 0, 0
            for incident_id, content in zip(batch.ids, batch.hashes, strict=True):
                old = stored.get(incident_id)
                if old == content:
                    continue
                written.append(incident_id)
                digest_delta += digest64(incident_id, content)
                if old is None:
                    inserted += 1
                else:
                    digest_delta -= digest64(incident_id, old)
            if not written:
                return WriteResult(unchanged=len(batch.ids))
            cursor.execute(
                f"""
                INSERT INTO {table} AS old ({stage_columns})
                SELECT {stage_columns} FROM zonas_stage ORDER BY ord
                ON CONFLICT (incident_id) DO UPDATE SET {updates}
                WHERE old.content_hash IS DISTINCT FROM EXCLUDED.content_hash
                """.encode()  # noqa: S608 (constants only)
            )
            changed = set(written)
            cursor.execute(
                f"DELETE FROM {SCHEMA}.sources WHERE incident_id = ANY(%s::text[])".encode(),  # noqa: S608
                (sorted(changed & stored.keys()),),
            )
            source_columns = ", ".join(SOURCE_COLUMNS)
            with cursor.copy(
                f"COPY {SCHEMA}.sources ({source_columns}) FROM STDIN".encode()
            ) as copy:
                for incident_id in written:
                    for source in batch.sources.get(incident_id, []):
                        copy.write_row(source)
            self._add_to_digests(cursor, incidents_delta=digest_delta)
        updated = len(written) - inserted
        return WriteResult(
            inserted=inserted, updated=updated, unchanged=len(batch.ids) - len(written)
        )

    # ------------------------------------------------------------------ user zones
    def _zone_rows(self, cursor: psycopg.Cursor[Any]) -> list[tuple[Any, ...]]:
        columns = ", ".join(_ZONE_DATA_COLUMNS)
        cursor.execute(
            f"SELECT {columns}, ST_AsBinary(geom) FROM {SCHEMA}.user_zones "  # noqa: S608
            "ORDER BY zone_id".encode()
        )
        return cursor.fetchall()

    def read_user_zones(self) -> gpd.GeoDataFrame:
        """Return the user zones (:data:`geo.geodata.ZONE_COLUMNS`, MultiPolygon, EPSG:4326)."""
        with self._connect() as connection, connection.cursor() as cursor:
            rows = self._zone_rows(cursor)
        frame = pd.DataFrame(
            [row[:-1] for row in rows], columns=list(_ZONE_DATA_COLUMNS), dtype=object
        )
        for column in _ZONE_TEXT_COLUMNS:
            frame[column] = frame[column].fillna("").astype("str")
        frame["radius_m"] = frame["radius_m"].astype("float64")
        frame["user_defined"] = frame["user_defined"].fillna(value=False).astype(bool)
        geometry = gpd.GeoSeries(
            shapely.from_wkb(np.asarray([row[-1] for row in rows], dtype=object)), crs=CRS
        )
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)[list(ZONE_COLUMNS)]

    def write_user_zones(self, zones: gpd.GeoDataFrame) -> int:
        """Insert or replace user zones by ``zone_id`` in one transaction; return the count.

        Polygons are stored as ``MultiPolygon`` (SRID 4326).

        Raises
        ------
        StoreError
            If columns are missing, ids are empty or repeated, or a geometry is not
            polygonal; nothing is written.
        """
        ids, rows = _zone_rows(zones)
        if not rows:
            return 0
        columns = ", ".join(_ZONE_DATA_COLUMNS)
        values = ", ".join(["%s"] * len(_ZONE_DATA_COLUMNS))
        with self._connect() as connection, connection.cursor() as cursor:
            self._lock_writers(connection, table="user_zones")
            cursor.execute(
                f"DELETE FROM {SCHEMA}.user_zones WHERE zone_id = ANY(%s::text[])".encode(),  # noqa: S608
                (ids,),
            )
            cursor.executemany(
                f"INSERT INTO {SCHEMA}.user_zones ({columns}, geom) "  # noqa: S608
                f"VALUES ({values}, ST_Multi(%s::geometry))".encode(),
                rows,
            )
            zones_digest = _zones_digest(self._zone_rows(cursor))
            self._add_to_digests(cursor, zones_digest=zones_digest)
        return len(rows)

    # ------------------------------------------------------------------ aggregation
    def aggregate(
        self,
        *,
        level: Level,
        period: Period | None = None,
        by_agency: bool = False,
        flt: Filter | None = None,
        zones: gpd.GeoDataFrame | None = None,
    ) -> pd.DataFrame:
        """Count incidents and victims per area × period × agency inside the database.

        The same table as :func:`geo.aggregate.aggregate` on ``read_incidents()``, but the
        filter, the grouping (on the area codes resolved at ingest) and the sums run in
        SQL, so only the grouped rows travel. User zones (``user_defined``) are joined
        spatially (``ST_CoveredBy``) for point and barrio precision, as there.

        Parameters
        ----------
        level, period, by_agency, flt, zones
            As in :func:`geo.aggregate.aggregate`.
        """
        from geo import aggregate as agg
        from geo.geodata import LEVELS, load_shipped_zones

        if level not in LEVELS or (period is not None and period not in _PERIOD_SQL):
            raise ValueError(
                _("unknown level {level!r} or period {period!r}").format(level=level, period=period)
            )
        query, params = _aggregate_sql(level=level, period=period, by_agency=by_agency, flt=flt)
        if level == "zone":
            frame = load_shipped_zones() if zones is None else zones
            user = frame["user_defined"].fillna(value=False).astype(bool).to_numpy()
            params["shipped_zones"] = sorted(set(frame.loc[~user, "zone_id"].astype(str)))
            params["user_zone_ids"] = frame.loc[user, "zone_id"].astype(str).tolist()
            params["user_zone_wkb"] = [shapely.to_wkb(g) for g in to_storage_crs(frame[user]).array]
        keys = ["area_code", *(["period"] if period else []), *(["agency"] if by_agency else [])]
        with self._connect() as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
        groups = pd.DataFrame(rows, columns=[*keys, *agg.TABLE_COLUMNS], dtype=object)
        return _table_layout(
            groups, names=agg.area_names(level, zones=zones), keys=keys, period=period
        )

    # ------------------------------------------------------------------ versions
    @staticmethod
    def _digests(cursor: psycopg.Cursor[Any]) -> tuple[int, int]:
        cursor.execute(f"SELECT key, value FROM {SCHEMA}.meta".encode())  # noqa: S608
        meta = dict(cursor.fetchall())
        return int(meta.get("incidents_digest", "0"), 16), int(meta.get("zones_digest", "0"), 16)

    def _add_to_digests(
        self,
        cursor: psycopg.Cursor[Any],
        *,
        incidents_delta: int = 0,
        zones_digest: int | None = None,
    ) -> None:
        incidents, zones = self._digests(cursor)
        incidents = (incidents + incidents_delta) % 2**64
        zones = zones if zones_digest is None else zones_digest
        cursor.executemany(
            f"INSERT INTO {SCHEMA}.meta (key, value) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value".encode(),
            [("incidents_digest", f"{incidents:016x}"), ("zones_digest", f"{zones:016x}")],
        )

    def content_version(self) -> str:
        """Return the short content version (12 hex digits; changes on every change).

        Computed like the GeoPackage store's (an order-independent digest of incident ids
        and content hashes, and of the user zones), so ``zonas db copy`` keeps it.
        """
        with self._connect() as connection, connection.cursor() as cursor:
            incidents, zones = self._digests(cursor)
        return format_content_version(incidents, zones)


def _incident_frame(csv: io.BytesIO, *, geometry: bool = True) -> gpd.GeoDataFrame:
    """Build the canonical incident frame from ``COPY ... (FORMAT csv)`` of
    ``_SELECT_INCIDENTS`` (Arrow's multi-threaded CSV reader: a million rows in about
    two seconds, less than half of pandas' C parser).

    Text columns are ``NOT NULL`` in the schema, so an empty CSV field is ``""`` there
    and unknown (NaN / ``<NA>``) in the numeric columns. Quoted fields may hold newlines
    (descriptions, quotes).
    """
    template = empty_incidents()
    if not csv.getbuffer().nbytes:
        return template
    names = [*_DATA_COLUMNS, "_x", "_y"]
    floats = {*_FLOAT_COLUMNS, "_x", "_y"}
    types = {
        c: pa.float64() if c in floats else pa.int64() if c in COUNT_COLUMNS else pa.string()
        for c in names
    }
    table = pa_csv.read_csv(
        csv,
        read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for column in names:
        if column not in floats and column not in COUNT_COLUMNS:
            frame[column] = frame[column].astype("str")
    for column in _DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d").astype(
            template[column].dtype
        )
    x = frame.pop("_x").to_numpy(dtype="float64")
    y = frame.pop("_y").to_numpy(dtype="float64")
    if geometry:
        points = np.asarray(shapely.points(x, y), dtype=object)  # NaN: no point (unlocated)
        points[np.isnan(x)] = None
    else:
        points = np.full(len(frame), None, dtype=object)
    shapes = gpd.GeoSeries(points, crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=shapes, crs=CRS)[list(INCIDENT_COLUMNS)]


_VALUES_SQL: Final = """
    1 AS incidents,
    coalesce(civilians_killed_min, 0) AS civilians_killed_min,
    coalesce(civilians_killed_max, civilians_killed_min, 0) AS civilians_killed_max,
    coalesce(civilians_injured, 0) AS civilians_injured,
    coalesce(officers_killed, 0) AS officers_killed,
    coalesce(officers_injured, 0) AS officers_injured,
    coalesce(detained, 0) AS detained,
    coalesce(fatalities_unsplit, 0) AS fatalities_unsplit,
    (civilians_killed_min IS NOT NULL AND civilians_killed_max IS NULL)::int
        AS civilians_killed_at_least,
    (civilians_killed_min IS NULL AND civilians_killed_max IS NULL)::int
        AS civilians_killed_unknown,
    (civilians_injured IS NULL)::int AS civilians_injured_unknown,
    (officers_killed IS NULL)::int AS officers_killed_unknown,
    (officers_injured IS NULL)::int AS officers_injured_unknown,
    (detained IS NULL)::int AS detained_unknown,
    coalesce(coalesce(civilians_killed_min, 0) > 0
             AND officers_killed = 0 AND officers_injured = 0, false)::int
        AS deaths_no_officer_casualties_min,
    ((coalesce(civilians_killed_max, civilians_killed_min, 0) > 0
      OR civilians_killed_max IS NULL)
     AND NOT coalesce(officers_killed > 0, false)
     AND NOT coalesce(officers_injured > 0, false))::int
        AS deaths_no_officer_casualties_max
"""
"""Per-incident values summed by the tables (the rules of :func:`geo.aggregate.incident_values`)."""

_PERIOD_SQL: Final[dict[str, tuple[str, str]]] = {
    # period: (label, first day of the next period)
    "day": ("to_char(date, 'YYYY-MM-DD')", "date + 1"),
    "week": (
        "to_char(date - (extract(isodow FROM date)::int - 1), 'YYYY-MM-DD')",
        "date - (extract(isodow FROM date)::int - 1) + 7",
    ),
    "month": ("to_char(date, 'YYYY-MM')", "(date_trunc('month', date) + interval '1 month')::date"),
    "quarter": (
        "to_char(date, 'YYYY') || '-Q' || extract(quarter FROM date)::int",
        "(date_trunc('quarter', date) + interval '3 months')::date",
    ),
    "year": ("to_char(date, 'YYYY')", "(date_trunc('year', date) + interval '1 year')::date"),
}

_ADMIN_LEVELS: Final[dict[str, tuple[str, int]]] = {
    # level: (code column, coarsest precision rank located at that level)
    "parish": ("parish_code", 2),
    "municipality": ("muni_code", 3),
    "state": ("state_code", 4),
}
_POINT_MAX_RANK: Final = 1  # point, barrio


def _aggregate_sql(
    *, level: str, period: str | None, by_agency: bool, flt: Filter | None
) -> tuple[sql.Composed, dict[str, Any]]:
    """Return the grouped-sums query behind :meth:`PostGISStore.aggregate`."""
    where, params = filter_sql(flt)
    params["precisions"] = list(GEO_PRECISIONS)
    value_columns = [
        "incidents", "civilians_killed_min", "civilians_killed_max", "civilians_injured",
        "officers_killed", "officers_injured", "detained", "fatalities_unsplit",
    ]  # fmt: skip
    if period is None:
        period_columns = "0 AS imprecise_dates"
    else:
        label, following = _PERIOD_SQL[period]
        period_columns = f"{label} AS period, (date_end >= {following})::int AS imprecise_dates"
    if level == "zone":
        membership = f"""
            hits AS (
                SELECT DISTINCT i.fid, z.code AS area_code
                FROM inc AS i CROSS JOIN LATERAL unnest(i.zone_ids) AS z(code)
                WHERE z.code = ANY(%(shipped_zones)s::text[])
                UNION
                SELECT i.fid, u.zone_id
                FROM inc AS i
                JOIN unnest(%(user_zone_ids)s::text[], %(user_zone_wkb)s::bytea[])
                    AS u(zone_id, wkb) ON true
                WHERE i.rank <= {_POINT_MAX_RANK} AND i.geom IS NOT NULL
                    AND NOT ST_IsEmpty(i.geom)
                    AND ST_CoveredBy(i.geom, ST_GeomFromWKB(u.wkb, {SRID}))
            ),
            member AS (
                SELECT fid, area_code FROM hits
                UNION ALL
                SELECT i.fid, CASE WHEN i.rank <= {_POINT_MAX_RANK}
                                   THEN '_outside' ELSE '_unlocated' END
                FROM inc AS i WHERE NOT EXISTS (SELECT 1 FROM hits AS h WHERE h.fid = i.fid)
            )"""  # noqa: S608
    else:
        column, max_rank = _ADMIN_LEVELS[level]
        membership = f"""
            member AS (
                SELECT fid, CASE WHEN rank <= {max_rank} AND {column} <> ''
                                 THEN {column} ELSE '_unlocated' END AS area_code
                FROM inc
            )"""  # noqa: S608
    agency_join = ""
    keys = ["m.area_code"]
    if period is not None:
        keys.append("i.period")
    if by_agency:
        agency_join = """
            CROSS JOIN LATERAL (
                SELECT DISTINCT a AS agency FROM unnest(
                    CASE WHEN cardinality(i.agencies) = 0 THEN ARRAY['_none']
                         ELSE i.agencies END) AS a
            ) AS ag"""
        keys.append("ag.agency")
    sums = ", ".join(f"sum(i.{c})::bigint" for c in value_columns)
    unknowns = ", ".join(
        f"sum(i.{c})::bigint"
        for c in (
            "civilians_killed_unknown", "civilians_injured_unknown", "officers_killed_unknown",
            "officers_injured_unknown", "detained_unknown", "deaths_no_officer_casualties_min",
            "deaths_no_officer_casualties_max", "imprecise_dates",
        )
    )  # fmt: skip
    text = f"""
        WITH inc AS (
            SELECT fid, geom, zone_ids, agencies, state_code, muni_code, parish_code,
                coalesce(array_position(%(precisions)s::text[], geo_precision) - 1,
                         {len(GEO_PRECISIONS) - 1}) AS rank,
                {period_columns},
                {_VALUES_SQL}
            FROM {SCHEMA}.incidents
            WHERE {{where}}
        ),
        {membership}
        SELECT {", ".join(keys)}, {sums}, max(i.civilians_killed_at_least)::bigint, {unknowns}
        FROM member AS m JOIN inc AS i USING (fid){agency_join}
        GROUP BY {", ".join(keys)}
    """  # noqa: S608 (constants only; values are parameters)
    return sql.SQL(text).format(where=where), params


def _table_layout(
    groups: pd.DataFrame, *, names: dict[str, str], keys: list[str], period: Period | None
) -> pd.DataFrame:
    """Lay grouped sums out as :func:`geo.aggregate.aggregate` does: key columns, area
    names, period starts, int64 values (the ``at_least`` flag as bool), real areas sorted
    by code before the ``_`` buckets, then by period and agency."""
    from geo.aggregate import TABLE_COLUMNS, period_start

    codes = groups["area_code"].astype(str).to_numpy()
    bucket = np.char.startswith(codes.astype("U"), "_") if len(codes) else np.zeros(0, bool)
    order = np.lexsort([*(groups[k].astype(str).to_numpy() for k in reversed(keys)), bucket])
    table = pd.DataFrame(
        {
            "area_code": pd.array(codes[order], dtype="str"),
            "area_name": pd.array([names.get(c, c) for c in codes[order]], dtype="str"),
        }
    )
    if period is not None:
        labels = groups["period"].astype(str).to_numpy()[order]
        starts = {label: period_start(label, period) for label in set(labels.tolist())}
        table["period"] = pd.array(labels, dtype="str")
        table["period_start"] = pd.Series([starts[x] for x in labels], dtype="datetime64[ns]")
    if "agency" in keys:
        table["agency"] = pd.array(groups["agency"].astype(str).to_numpy()[order], dtype="str")
    for column in TABLE_COLUMNS:
        values = groups[column].to_numpy(dtype=np.int64)[order]
        table[column] = values > 0 if column == "civilians_killed_at_least" else values
    return table
