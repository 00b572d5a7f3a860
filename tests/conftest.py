"""Shared test set-up: every test runs against throwaway stores, never var/zonas.gpkg."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="zonas-tests-"))
os.environ["ZONAS_STORE"] = str(_SESSION_DIR / "default-store.gpkg")
