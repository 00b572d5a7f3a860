"""Shared test set-up: every test runs against throwaway stores, never var/zonas.gpkg."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from postgis_server import PostgresServer

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="zonas-tests-"))
os.environ["ZONAS_STORE"] = str(_SESSION_DIR / "default-store.gpkg")


# ---------------------------------------------------------------------- PostGIS server
@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 + PostGIS cluster shared by the session (fails if missing)."""
    from postgis_server import running_server

    with running_server() as server:
        yield server
