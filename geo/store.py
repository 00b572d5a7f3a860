"""The incident store: one small interface, two engines.

:class:`Store` is what every reader and writer uses. :func:`open_store` picks the engine
from the location: a path (``*.gpkg``, the embedded default, one file that opens in QGIS)
or a ``postgresql://`` URL (shared, multi-user deployments).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import pandas as pd

from geo.filters import Filter


@dataclass(frozen=True)
class WriteResult:
    """What one :meth:`Store.write_incidents` transaction did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class Store(Protocol):
    """A place incidents, their sources and user zones live in."""

    location: str

    def read_incidents(self, flt: Filter | None = None) -> gpd.GeoDataFrame:
        """Return the incidents passing ``flt`` (all when ``None``), canonical columns."""
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
