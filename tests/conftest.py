"""Shared test set-up: every test runs against throwaway stores, never var/zonas.gpkg."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.postgis_server import PostgresServer

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="zonas-tests-"))
os.environ["ZONAS_STORE"] = str(_SESSION_DIR / "default-store.gpkg")
# Tests read the English source strings unless they choose a language themselves
# (geo.i18n.use_language, ?lang=es in AppTest/Playwright); the app's own default is Spanish.
os.environ["ZONAS_LANG"] = "en"


# ---------------------------------------------------------------------- PostGIS server
@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 + PostGIS cluster shared by the session (fails if missing)."""
    from tests.postgis_server import running_server

    with running_server() as server:
        yield server


def empty_postgis_store(server: PostgresServer) -> object:
    """Return an empty, unseeded PostGIS store on the session server (tables truncated)."""
    import psycopg

    from geo.postgis import PostGISStore

    store = PostGISStore(server.dsn, seed=False)
    store.init_schema()  # a no-op once the schema exists
    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(
            "TRUNCATE zonas.incidents, zonas.sources, zonas.user_zones, zonas.meta "
            "RESTART IDENTITY CASCADE"
        )
    return store


# ---------------------------------------------------------------------- store backends
# Owned by the store work (tests/test_store_contract.py). Every backend listed here runs
# the whole store contract; a backend adds its name and a branch in make_store.
STORE_BACKENDS = ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]


_EMPTY_GPKG = _SESSION_DIR / "empty-store-template.gpkg"


def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> object:
    """Return an empty, unseeded store of ``backend`` that lives as long as the test."""
    from geo.store import open_store

    if backend == "gpkg":
        if not _EMPTY_GPKG.exists():  # built once per session, then copied (a closed file)
            open_store(str(_EMPTY_GPKG), seed=False)
        path = tmp_path / "store.gpkg"
        shutil.copyfile(_EMPTY_GPKG, path)
        return open_store(str(path), seed=False)
    if backend == "postgis":
        return empty_postgis_store(request.getfixturevalue("postgis_server"))
    msg = f"unknown store backend {backend!r}"
    raise ValueError(msg)
