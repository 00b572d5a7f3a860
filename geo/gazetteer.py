"""Names and points to admin units and zones.

The gazetteer answers three questions for the ingest, the CLI and the pages:

* *which place is this name?* :meth:`Gazetteer.find` (accent- and case-insensitive, with
  state and municipality context, since "Libertador" exists in several states);
* *what did you mean?* :meth:`Gazetteer.suggest` (close names by rapidfuzz);
* *where is this point?* :meth:`Gazetteer.locate` and the vectorised
  :meth:`Gazetteer.assign_areas` (parish → municipality → state, plus the zones that
  contain it).

Codes are nested consistently: a point's municipality and state are taken from the parish
it falls in (the shipped layers come from different sources and nest only approximately),
so a count at every level adds up to the same total.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from geo import geodata
from geo.geodata import CRS, Level

_GENERIC_WORDS: Final = re.compile(
    r"\b(estado|edo|municipio|mun|parroquia|pquia|autonomo|bolivariano)\b"
)
_NON_WORD: Final = re.compile(r"[^0-9a-z]+")

STATE_ALIASES: Final[dict[str, str]] = {
    "vargas": "VE-X",  # renamed La Guaira in 2019
    "distrito federal": "VE-A",
    "dtto capital": "VE-A",
    "caracas distrito capital": "VE-A",
    "dependencias federales venezolanas": "VE-W",
}
"""Historical and common alternative state names (normalised) → ISO 3166-2 code."""

PLACE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "VE1512": ("Tomás Lander",),  # INE writes "Lander"; press and locals "Tomás Lander"
    "VE2401": ("Vargas",),
}
"""Other names of admin units, by code, that sources use and INE does not."""


def normalize_name(text: str) -> str:
    """Return a comparison key for a place name: no accents, lower case, no punctuation,
    no generic words ("Estado", "Municipio", "Parroquia"...), single spaces.

    >>> normalize_name("  Municipio  Tomás Lander ")
    'tomas lander'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    stripped = _NON_WORD.sub(" ", stripped)
    stripped = _GENERIC_WORDS.sub(" ", stripped)
    return " ".join(stripped.split())


@dataclass(frozen=True)
class Place:
    """One named place the gazetteer knows: an admin unit or a zone.

    ``lon``/``lat`` (EPSG:4326 degrees) is where an incident known only to this place is
    drawn: the INE label point for parishes, a point inside the polygon otherwise, the
    reference point for buffered zones.
    """

    level: Level
    code: str
    name: str
    state_code: str
    muni_code: str = ""
    parish_code: str = ""
    lon: float = float("nan")
    lat: float = float("nan")


@dataclass(frozen=True)
class Location:
    """The admin units and zones containing a point (empty string: none)."""

    state_code: str = ""
    muni_code: str = ""
    parish_code: str = ""
    zone_ids: tuple[str, ...] = field(default_factory=tuple)


class Gazetteer:
    """Look up places by name and points by position.

    Build one with :func:`default_gazetteer` for the shipped data, or pass tiny frames in
    tests. Frames need the columns of the :mod:`geo.geodata` loaders.
    """

    def __init__(
        self,
        *,
        states: gpd.GeoDataFrame,
        municipalities: gpd.GeoDataFrame,
        parishes: gpd.GeoDataFrame,
        parish_points: gpd.GeoDataFrame | None = None,
        zones: gpd.GeoDataFrame | None = None,
    ) -> None:
        self.states = states.reset_index(drop=True)
        self.municipalities = municipalities.reset_index(drop=True)
        self.parishes = parishes.reset_index(drop=True)
        self.zones = (
            zones.reset_index(drop=True)
            if zones is not None
            else gpd.GeoDataFrame(columns=geodata.ZONE_COLUMNS, geometry="geometry", crs=CRS)
        )
        self._parish_points = parish_points
        self._by_name: dict[str, list[Place]] = defaultdict(list)
        self._by_code: dict[str, Place] = {}
        self._state_names: dict[str, str] = {}
        self._trees = {
            "state": shapely.STRtree(self.states.geometry.to_numpy()),
            "municipality": shapely.STRtree(self.municipalities.geometry.to_numpy()),
            "parish": shapely.STRtree(self.parishes.geometry.to_numpy()),
            "zone": shapely.STRtree(self.zones.geometry.to_numpy()),
        }
        self._index_places()

    # ------------------------------------------------------------------ building
    def _label_points(self) -> dict[str, tuple[float, float]]:
        if self._parish_points is None:
            return {}
        return {
            code: (geom.x, geom.y)
            for code, geom in zip(
                self._parish_points["parish_code"], self._parish_points.geometry, strict=True
            )
        }

    def _add(self, place: Place, *names: str) -> None:
        self._by_code[place.code] = place
        for name in names:
            key = normalize_name(name)
            if key and place not in self._by_name[key]:
                self._by_name[key].append(place)

    def _index_places(self) -> None:
        for row in self.states.itertuples():
            point = row.geometry.representative_point()
            place = Place("state", row.state_code, row.name, row.state_code, lon=point.x, lat=point.y)
            self._state_names[row.state_code] = row.name
            self._add(place, row.name, row.state_code)
            ine = getattr(row, "ine_code", None)
            if isinstance(ine, str) and ine:
                self._add(place, ine)
        for alias, code in STATE_ALIASES.items():
            if code in self._by_code:
                self._by_name[alias].append(self._by_code[code])
        for row in self.municipalities.itertuples():
            point = row.geometry.representative_point()
            place = Place(
                "municipality", row.muni_code, row.name, row.state_code, row.muni_code,
                lon=point.x, lat=point.y,
            )  # fmt: skip
            self._add(place, row.name, row.muni_code, *PLACE_ALIASES.get(row.muni_code, ()))
        labels = self._label_points()
        for row in self.parishes.itertuples():
            lon, lat = labels.get(row.parish_code, (np.nan, np.nan))
            if np.isnan(lon):
                point = row.geometry.representative_point()
                lon, lat = point.x, point.y
            place = Place(
                "parish", row.parish_code, row.name, row.state_code, row.muni_code,
                row.parish_code, lon=lon, lat=lat,
            )  # fmt: skip
            self._add(place, row.name, row.parish_code)
        for row in self.zones.itertuples():
            point = _zone_anchor(row.geometry, getattr(row, "definition", ""))
            location = self.locate(point.x, point.y, with_zones=False)
            place = Place(
                "zone", row.zone_id, row.name, location.state_code,
                lon=point.x, lat=point.y,
            )  # fmt: skip
            self._add(place, row.name, row.zone_id)

    # ------------------------------------------------------------------ names
    def resolve_state(self, text: str) -> str | None:
        """Return the ISO 3166-2 code for a state name, ISO or INE code, or historical
        name (``"Vargas"`` → ``"VE-X"``), or ``None`` when unknown."""
        stripped = text.strip()
        if stripped.upper() in self._by_code and self._by_code[stripped.upper()].level == "state":
            return stripped.upper()
        for place in self._by_name.get(normalize_name(stripped), []):
            if place.level == "state":
                return place.code
        return None

    def state_name(self, code: str) -> str:
        """Return the display name of a state code (the code itself when unknown)."""
        return self._state_names.get(code, code)

    def place(self, code: str) -> Place | None:
        """Return the place with this code (ISO, P-code or zone id), if any."""
        return self._by_code.get(code)

    def find(
        self,
        name: str,
        *,
        level: Level | None = None,
        state: str | None = None,
        municipality: str | None = None,
    ) -> list[Place]:
        """Return the places called ``name`` (accent- and case-insensitive).

        Parameters
        ----------
        name
            A place name or code.
        level
            Only places of this level.
        state
            Only places in this state (name, ISO or INE code, historical name).
        municipality
            Only places in this municipality (name or P-code; resolved within ``state``).

        Returns
        -------
        list of Place
            Ordered state → municipality → parish → zone; empty when nothing matches.
        """
        candidates = list(self._by_name.get(normalize_name(name), []))
        if level is not None:
            candidates = [p for p in candidates if p.level == level]
        if state:
            state_code = self.resolve_state(state)
            candidates = [p for p in candidates if p.state_code == state_code]
        if municipality:
            munis = {
                p.muni_code
                for p in self.find(municipality, level="municipality", state=state)
            }
            candidates = [p for p in candidates if p.muni_code in munis]
        order = {lvl: i for i, lvl in enumerate(geodata.LEVELS)}
        return sorted(candidates, key=lambda p: order[p.level])

    def names(self, *, level: Level | None = None, state: str | None = None) -> list[str]:
        """Return the display names of the places in scope (for suggestions and pickers)."""
        state_code = self.resolve_state(state) if state else None
        return sorted(
            {
                place.name
                for place in self._by_code.values()
                if (level is None or place.level == level)
                and (state_code is None or place.state_code == state_code)
            }
        )

    def suggest(
        self,
        name: str,
        *,
        level: Level | None = None,
        state: str | None = None,
        limit: int = 3,
        min_score: float = 70.0,
    ) -> list[str]:
        """Return up to ``limit`` known names close to ``name`` (best first)."""
        choices = self.names(level=level, state=state)
        keys = [normalize_name(choice) for choice in choices]
        matches = process.extract(
            normalize_name(name), keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=min_score
        )
        return [choices[index] for _, _, index in matches]

    # ------------------------------------------------------------------ points
    def locate(self, lon: float, lat: float, *, with_zones: bool = True) -> Location:
        """Return the admin units (and zones) containing the point (EPSG:4326 degrees)."""
        frame = self.assign_areas(np.array([lon]), np.array([lat]), with_zones=with_zones)
        row = frame.iloc[0]
        zone_ids = tuple(z for z in row["zone_ids"].split(";") if z) if with_zones else ()
        return Location(row["state_code"], row["muni_code"], row["parish_code"], zone_ids)

    def _first_hit(self, level: str, points: np.ndarray) -> np.ndarray:
        """Index of the first polygon of ``level`` containing each point, or -1."""
        hits = np.full(len(points), -1, dtype=np.int64)
        if len(points) == 0:
            return hits
        point_index, polygon_index = self._trees[level].query(points, predicate="within")
        # Keep the first polygon per point (polygons of one layer do not overlap).
        order = np.argsort(point_index, kind="stable")[::-1]
        hits[point_index[order]] = polygon_index[order]
        return hits

    def assign_areas(
        self, lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray,
        *, with_zones: bool = True,
    ) -> pd.DataFrame:  # fmt: skip
        """Assign admin codes (and zones) to many points at once (vectorised).

        Returns a frame with one row per point and text columns ``state_code``,
        ``muni_code``, ``parish_code`` and ``zone_ids`` (``;``-separated); empty strings
        where a point falls in no polygon (sea, outside Venezuela, NaN coordinates).
        """
        lon_array = np.asarray(lons, dtype=float)
        lat_array = np.asarray(lats, dtype=float)
        points = shapely.points(lon_array, lat_array)
        valid = ~(np.isnan(lon_array) | np.isnan(lat_array))
        n = len(points)
        parish_hit = np.full(n, -1, dtype=np.int64)
        parish_hit[valid] = self._first_hit("parish", points[valid])
        parish_code = _take(self.parishes["parish_code"], parish_hit)
        muni_code = _take(self.parishes["muni_code"], parish_hit)
        state_code = _take(self.parishes["state_code"], parish_hit)

        no_parish = valid & (parish_hit < 0)
        muni_hit = np.full(n, -1, dtype=np.int64)
        muni_hit[no_parish] = self._first_hit("municipality", points[no_parish])
        muni_code = np.where(muni_hit >= 0, _take(self.municipalities["muni_code"], muni_hit), muni_code)
        state_code = np.where(muni_hit >= 0, _take(self.municipalities["state_code"], muni_hit), state_code)

        no_muni = no_parish & (muni_hit < 0)
        state_hit = np.full(n, -1, dtype=np.int64)
        state_hit[no_muni] = self._first_hit("state", points[no_muni])
        state_code = np.where(state_hit >= 0, _take(self.states["state_code"], state_hit), state_code)

        zone_ids = np.full(n, "", dtype=object)
        if with_zones and len(self.zones) and valid.any():
            point_index, zone_index = self._trees["zone"].query(points[valid], predicate="within")
            valid_positions = np.flatnonzero(valid)
            ids = self.zones["zone_id"].to_numpy()
            collected: dict[int, list[str]] = defaultdict(list)
            for p, z in zip(valid_positions[point_index], zone_index, strict=True):
                collected[int(p)].append(str(ids[z]))
            for p, found in collected.items():
                zone_ids[p] = ";".join(sorted(found))
        return pd.DataFrame(
            {
                "state_code": state_code.astype(object),
                "muni_code": muni_code.astype(object),
                "parish_code": parish_code.astype(object),
                "zone_ids": zone_ids,
            }
        )

    def zones_covering(
        self, *, state_code: str = "", muni_code: str = "", parish_code: str = ""
    ) -> tuple[str, ...]:
        """Return the administrative zones that contain a whole admin unit, by code.

        A parish-precision incident is inside a zone made of its parish, of its
        municipality or of its state; a municipality-precision incident only inside a zone
        made of its municipality or state. Buffered (approximate) zones never contain a
        whole unit.
        """
        units = {code for code in (state_code, muni_code, parish_code) if code}
        if not units:
            return ()
        found = []
        for row in self.zones.itertuples():
            codes = {c.strip() for c in str(row.admin_codes or "").split(";") if c.strip()}
            if codes & units:
                found.append(row.zone_id)
        return tuple(sorted(found))


def _take(values: pd.Series, index: np.ndarray) -> np.ndarray:
    """``values[index]`` with ``""`` where ``index`` is -1."""
    array = values.to_numpy(dtype=object)
    out = np.full(len(index), "", dtype=object)
    hit = index >= 0
    out[hit] = array[index[hit]]
    return out


def _zone_anchor(geometry: shapely.Geometry, definition: str) -> shapely.Point:
    """The point where an incident known only to a zone is drawn."""
    if definition == "buffer":
        # The buffered reference geometry's centre: the centroid of a circle is its centre.
        return geometry.centroid if geometry.centroid.within(geometry) else geometry.representative_point()
    return geometry.representative_point()


def build_gazetteer(*, zones: gpd.GeoDataFrame | None = None) -> Gazetteer:
    """Build a gazetteer over the shipped boundaries and ``zones`` (default: shipped zones)."""
    return Gazetteer(
        states=geodata.load_states(),
        municipalities=geodata.load_municipalities(),
        parishes=geodata.load_parishes(),
        parish_points=geodata.load_parish_points(),
        zones=geodata.load_shipped_zones() if zones is None else zones,
    )


@cache
def default_gazetteer() -> Gazetteer:
    """Return the (cached) gazetteer over the shipped boundaries and zones."""
    return build_gazetteer()

