"""Where things live: shipped data, vendored web assets and the default store.

Every path can be overridden through the environment so that tests, the CLI and a
deployment can point the same code at other files:

``ZONAS_DATA_DIR``
    Folder with the shipped data (default: ``data/`` next to the ``geo`` package).
``ZONAS_STORE``
    The incident store: a GeoPackage path or a ``postgresql://`` URL
    (default: ``var/zonas.gpkg`` under the repository, created on first use from the
    shipped seed data).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
STATIC_DIR = REPO_DIR / "static"
"""Files Streamlit serves under ``/app/static/`` (vendored Leaflet and friends)."""

ATTRIBUTION = (
    "Boundaries © INE Venezuela / UN OCHA (HDX cod-ab-ven, 2021-02-23; parishes via "
    "geoBoundaries), CC BY 3.0 IGO; municipal shapes: Who's On First "
    "(https://whosonfirst.org/docs/licenses/), CC0. Simplified and modified."
)
"""The one-line map footer attribution required by ``data/boundaries/PROVENANCE.md``."""


def data_dir() -> Path:
    """Return the folder holding the shipped data files."""
    return Path(os.environ.get("ZONAS_DATA_DIR", REPO_DIR / "data"))


def default_store_location() -> str:
    """Return the store used when none is given (``ZONAS_STORE`` or ``var/zonas.gpkg``)."""
    return os.environ.get("ZONAS_STORE", str(REPO_DIR / "var" / "zonas.gpkg"))
