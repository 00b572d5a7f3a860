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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from geo import geodata
from geo.geodata import CRS, Level
from geo.i18n import _

_GENERIC_WORDS: Final = re.compile(
    r"\b(estado|edo|municipio|mun|parroquia|pquia|autonomo|bolivariano"
    r"|state|municipality|parish)\b"
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
    "VE0705": ("Heres", "Ciudad Bolívar"),  # Heres renamed Angostura del Orinoco (2021)
    # Cities the press names instead of their municipality (city → municipality seat).
    "VE0101": ("Caracas",),  # Caracas proper; eastern Caracas lies in Miranda munis
    "VE0503": ("Maracay",),
    "VE0511": ("Turmero",),
    "VE0512": ("Las Tejerías",),
    "VE0513": ("Cagua",),
    "VE0203": ("Puerto Ayacucho",),
    "VE0318": ("Barcelona",),
    "VE0319": ("El Tigre",),
    "VE0407": ("San Fernando de Apure",),
    "VE0701": ("Ciudad Guayana", "Puerto Ordaz", "San Félix"),
    "VE0706": ("Upata",),
    "VE0803": ("Mariara",),
    "VE1105": ("Punto Fijo",),
    "VE1114": ("Coro", "Santa Ana de Coro"),
    "VE1212": ("San Juan de los Morros",),
    "VE1303": ("Barquisimeto",),
    "VE1708": ("Porlamar",),
    "VE1808": ("Acarigua",),
    "VE1905": ("Carúpano",),
    "VE1914": ("Cumaná",),
    "VE2004": ("San Antonio del Táchira",),
    "VE2310": ("Ciudad Ojeda",),
}
"""Other names of admin units, by code, that sources use and INE does not: historical
names and the cities the press names instead of the municipality they lie in."""


def fold_text(text: str) -> str:
    """Return a comparison key for any name: no accents, lower case, punctuation turned
    into single spaces.

    >>> fold_text("Policía del Estado Aragua (PoliAragua)")
    'policia del estado aragua poliaragua'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def normalize_name(text: str) -> str:
    """Return a comparison key for a place name: :func:`fold_text` without the generic
    words ("Estado", "Municipio", "Parroquia", "state"...).

    >>> normalize_name("  Municipio  Tomás Lander ")
    'tomas lander'
    """
    return " ".join(_GENERIC_WORDS.sub(" ", fold_text(text)).split())


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


_OUTSIDE: Final = 0
_TEST: Final = 1
_INSIDE: Final = 2


@dataclass(frozen=True)
class _Layer:
    """Prepared polygons of one level and their bounds, for point-in-polygon tests."""

    polygons: NDArray[np.object_]
    bounds: NDArray[np.float64]

    @classmethod
    def of(cls, frame: gpd.GeoDataFrame) -> _Layer:
        polygons = np.asarray(frame.geometry.to_numpy(), dtype=object)
        shapely.prepare(polygons)
        return cls(polygons, np.asarray(shapely.bounds(polygons), dtype=np.float64))


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
        self._spellings: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._state_names: dict[str, str] = {}
        self._layers = {
            "state": _Layer.of(self.states),
            "municipality": _Layer.of(self.municipalities),
            "parish": _Layer.of(self.parishes),
            "zone": _Layer.of(self.zones),
        }
        self._relation: NDArray[np.int8] | None = None
        self._pieces: dict[tuple[int, int], shapely.Geometry] = {}
        self._zones_by_unit: dict[str, set[str]] = defaultdict(set)
        for zone_id, codes in zip(
            self.zones["zone_id"], self.zones.get("admin_codes", pd.Series()), strict=False
        ):
            for code in str(codes if isinstance(codes, str) else "").split(";"):
                if code.strip():
                    self._zones_by_unit[code.strip()].add(str(zone_id))
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

    def _add(self, place: Place, *names: str, codes: Sequence[str] = ()) -> None:
        """Index ``place`` under its code, its ``names`` (also offered as suggestions) and
        other ``codes`` (looked up, never suggested)."""
        self._by_code[place.code] = place
        for text in (*names, place.code, *codes):
            key = normalize_name(text)
            if key and place not in self._by_name[key]:
                self._by_name[key].append(place)
        for text in names:
            key = normalize_name(text)
            if key:
                self._spellings[key].append((text, place.code))

    def _index_places(self) -> None:
        for row in self.states.itertuples():
            point = row.geometry.representative_point()
            place = Place(
                "state", row.state_code, row.name, row.state_code, lon=point.x, lat=point.y
            )
            self._state_names[row.state_code] = row.name
            ine = getattr(row, "ine_code", None)
            self._add(place, row.name, codes=[ine] if isinstance(ine, str) and ine else [])
        for alias, code in STATE_ALIASES.items():
            if code in self._by_code:
                self._add(self._by_code[code], codes=[alias])
        for row in self.municipalities.itertuples():
            point = row.geometry.representative_point()
            place = Place(
                "municipality",
                row.muni_code,
                row.name,
                row.state_code,
                row.muni_code,
                lon=point.x,
                lat=point.y,
            )
            self._add(place, row.name, *PLACE_ALIASES.get(row.muni_code, ()))
        labels = self._label_points()
        for row in self.parishes.itertuples():
            if row.parish_code in labels:
                lon, lat = labels[row.parish_code]
            else:
                point = row.geometry.representative_point()
                lon, lat = point.x, point.y
            place = Place(
                "parish",
                row.parish_code,
                row.name,
                row.state_code,
                row.muni_code,
                row.parish_code,
                lon=lon,
                lat=lat,
            )
            self._add(place, row.name, *PLACE_ALIASES.get(row.parish_code, ()))
        for row in self.zones.itertuples():
            point = _zone_anchor(row.geometry, str(getattr(row, "definition", "")))
            location = self.locate(point.x, point.y, with_zones=False)
            # Only the state: a zone may span several municipalities and parishes.
            place = Place(
                "zone", row.zone_id, row.name, location.state_code, lon=point.x, lat=point.y
            )
            self._add(place, row.name)

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
            A place name, a historical or city name (``"Maracay"`` finds the municipality
            Girardot), or a code.
        level
            Only places of this level.
        state
            Only places in this state (name, ISO or INE code, historical name). An
            unknown state matches nothing.
        municipality
            Only places in this municipality (name or P-code; resolved within ``state``).

        Returns
        -------
        list of Place
            Ordered state → municipality → parish → zone, then by code; empty when
            nothing matches.
        """
        candidates = list(self._by_name.get(normalize_name(name), []))
        if level is not None:
            candidates = [p for p in candidates if p.level == level]
        if state:
            state_code = self.resolve_state(state)
            candidates = [p for p in candidates if p.state_code == state_code]
        if municipality:
            munis = {
                p.muni_code for p in self.find(municipality, level="municipality", state=state)
            }
            candidates = [p for p in candidates if p.muni_code in munis]
        order = {lvl: i for i, lvl in enumerate(geodata.LEVELS)}
        return sorted(candidates, key=lambda p: (order[p.level], p.code))

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
        min_score: float = 75.0,
    ) -> list[str]:
        """Return up to ``limit`` known names close to ``name`` (best first).

        Names, historical names and city aliases of the places in scope are scored
        against ``name`` after :func:`normalize_name`: the plain edit-distance ratio, or
        90 % of the best partial alignment so that a description that contains a known
        name ("Petare (about ten sectors)") still suggests it. Scores are 0-100; only
        names scoring at least ``min_score`` are returned.
        """
        state_code = self.resolve_state(state) if state else None
        spellings: dict[str, str] = {}
        for key, pairs in self._spellings.items():
            for text, code in pairs:
                place = self._by_code[code]
                if (level is None or place.level == level) and (
                    state_code is None or place.state_code == state_code
                ):
                    spellings.setdefault(key, text)
                    break
        query = normalize_name(name)
        if not query or not spellings:
            return []
        keys = list(spellings)
        scores = _similarity(query, keys)
        ranked = sorted(
            (i for i in range(len(keys)) if scores[i] >= min_score),
            key=lambda i: (-scores[i], keys[i]),
        )
        return [spellings[keys[i]] for i in ranked[:limit]]

    # ------------------------------------------------------------------ points
    def locate(self, lon: float, lat: float, *, with_zones: bool = True) -> Location:
        """Return the admin units (and zones) containing the point (EPSG:4326 degrees)."""
        frame = self.assign_areas(np.array([lon]), np.array([lat]), with_zones=with_zones)
        row = frame.iloc[0]
        zone_ids = tuple(z for z in row["zone_ids"].split(";") if z) if with_zones else ()
        return Location(row["state_code"], row["muni_code"], row["parish_code"], zone_ids)

    def assign_areas(
        self,
        lons: Sequence[float] | NDArray[np.floating],
        lats: Sequence[float] | NDArray[np.floating],
        *,
        with_zones: bool = True,
    ) -> pd.DataFrame:
        """Assign admin codes (and zones) to many points at once (vectorised).

        A point is in a polygon when the polygon covers it (a point on a shared border
        goes to the first polygon of the layer). Points in no parish polygon (the layers
        come from different sources and leave slivers) fall back to the municipality
        layer, then to the state layer. Zone membership of points in parishes a zone
        covers or misses is settled without a geometric test. Several hundred thousand
        points per second on one core (``bench/bench_assign_areas.py``).

        Parameters
        ----------
        lons, lats
            Coordinates in EPSG:4326 degrees, same length.
        with_zones
            Also list the zones containing each point.

        Returns
        -------
        pandas.DataFrame
            One row per point, same order, text columns ``state_code``, ``muni_code``,
            ``parish_code`` and ``zone_ids`` (``;``-separated, sorted); empty strings
            where a point falls in no polygon (sea, outside Venezuela, NaN coordinates).

        Raises
        ------
        ValueError
            If ``lons`` and ``lats`` differ in length.
        """
        lon_array = np.asarray(lons, dtype=np.float64)
        lat_array = np.asarray(lats, dtype=np.float64)
        if lon_array.shape != lat_array.shape or lon_array.ndim != 1:
            msg = _("lons and lats must be one-dimensional and of the same length")
            raise ValueError(msg)
        n = len(lon_array)
        points = _SortedPoints.of(lon_array, lat_array)

        parish_hit = _first_cover(self._layers["parish"], points, n)
        parish_code = _take(self.parishes["parish_code"], parish_hit)
        muni_code = _take(self.parishes["muni_code"], parish_hit)
        state_code = _take(self.parishes["state_code"], parish_hit)

        rest = points.without(parish_hit >= 0)
        if len(rest.order):
            muni_hit = _first_cover(self._layers["municipality"], rest, n)
            found = muni_hit >= 0
            muni_code[found] = _take(self.municipalities["muni_code"], muni_hit[found])
            state_code[found] = _take(self.municipalities["state_code"], muni_hit[found])
            rest = rest.without(found)
            if len(rest.order):
                state_hit = _first_cover(self._layers["state"], rest, n)
                found = state_hit >= 0
                state_code[found] = _take(self.states["state_code"], state_hit[found])

        zone_ids = np.full(n, "", dtype=object)
        if with_zones and len(self.zones):
            point_index, zone_index = _all_covers(
                self._layers["zone"],
                points,
                parish_hit,
                self._zone_parish_relation(),
                self._pieces,
            )
            ids = self.zones["zone_id"].astype(str).to_numpy(dtype=object)
            zone_ids = _join_ids(n, point_index, zone_index, ids)
        return pd.DataFrame(
            {
                "state_code": state_code,
                "muni_code": muni_code,
                "parish_code": parish_code,
                "zone_ids": zone_ids,
            },
            dtype=object,
        )

    def _zone_parish_relation(self) -> NDArray[np.int8]:
        """Return, per zone and parish, whether the zone is disjoint from the parish
        (:data:`_OUTSIDE`), covers it (:data:`_INSIDE`) or overlaps it partly
        (:data:`_TEST`; the overlap is kept in ``self._pieces``). One extra last column
        (:data:`_TEST`) stands for "no parish".

        Computed once, on first use: it lets :meth:`assign_areas` place the points of
        fully covered or disjoint parishes in or out of a zone without a geometric test,
        and test the others against the small overlap instead of the whole zone.
        """
        if self._relation is None:
            parishes = self._layers["parish"].polygons
            tree = shapely.STRtree(parishes)
            relation = np.zeros((len(self.zones), len(parishes) + 1), dtype=np.int8)
            relation[:, -1] = _TEST
            for z, zone in enumerate(self._layers["zone"].polygons):
                if zone is None or shapely.is_empty(zone):
                    continue
                touching = tree.query(zone, predicate="intersects")
                covered = shapely.covers(zone, parishes[touching])
                relation[z, touching] = np.where(covered, _INSIDE, _TEST)
                for parish in touching[~covered]:
                    piece = shapely.intersection(zone, parishes[parish])
                    shapely.prepare(piece)
                    self._pieces[z, int(parish)] = piece
            self._relation = relation
        return self._relation

    def zones_covering(
        self, *, state_code: str = "", muni_code: str = "", parish_code: str = ""
    ) -> tuple[str, ...]:
        """Return the administrative zones that contain a whole admin unit, by code.

        A parish-precision incident is inside a zone made of its parish, of its
        municipality or of its state; a municipality-precision incident only inside a zone
        made of its municipality or state. Buffered (approximate) and user-drawn zones
        never contain a whole unit.
        """
        found: set[str] = set()
        for code in (state_code, muni_code, parish_code):
            if code:
                found |= self._zones_by_unit.get(code, set())
        return tuple(sorted(found))


# ---------------------------------------------------------------------- helpers
def _similarity(query: str, keys: Sequence[str]) -> NDArray[np.float64]:
    """Score ``query`` against every key (0-100): the edit-distance ratio or 90 % of the
    best partial alignment, whichever is higher (partial only when both have 5+
    characters, so that "mara" does not match every name containing it)."""
    ratio = process.cdist([query], keys, scorer=fuzz.ratio, dtype=np.float64)[0]
    partial = process.cdist([query], keys, scorer=fuzz.partial_ratio, dtype=np.float64)[0]
    long_enough = np.fromiter((len(key) >= 5 for key in keys), dtype=bool, count=len(keys))
    partial = np.where(long_enough & (len(query) >= 5), 0.9 * partial, 0.0)
    return np.asarray(np.maximum(ratio, partial), dtype=np.float64)


@dataclass(frozen=True)
class _SortedPoints:
    """Finite points sorted by longitude; ``order`` maps back to the caller's rows."""

    order: NDArray[np.intp]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]

    @classmethod
    def of(cls, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> _SortedPoints:
        finite = np.flatnonzero(np.isfinite(lons) & np.isfinite(lats))
        order = finite[np.argsort(lons[finite])]
        return cls(order, lons[order], lats[order])

    def without(self, done: NDArray[np.bool_]) -> _SortedPoints:
        """Return the points whose caller row is not flagged in ``done`` (still sorted)."""
        keep = ~done[self.order]
        return _SortedPoints(self.order[keep], self.lon[keep], self.lat[keep])


def _candidates(layer: _Layer, points: _SortedPoints) -> Iterator[tuple[int, NDArray[np.intp]]]:
    """Yield ``(polygon, sorted positions of the points in its bounding box)``.

    A binary search on longitude and a latitude mask: no point geometries are created.
    """
    if len(points.order) == 0 or len(layer.polygons) == 0:
        return
    starts = np.searchsorted(points.lon, layer.bounds[:, 0], side="left")
    stops = np.searchsorted(points.lon, layer.bounds[:, 2], side="right")
    for i in np.flatnonzero(starts < stops):
        start, stop = int(starts[i]), int(stops[i])
        band = points.lat[start:stop]
        inside_box = (band >= layer.bounds[i, 1]) & (band <= layer.bounds[i, 3])
        candidates = np.flatnonzero(inside_box) + start
        if candidates.size:
            yield int(i), candidates


def _first_cover(layer: _Layer, points: _SortedPoints, n: int) -> NDArray[np.int64]:
    """Return, for each of the caller's ``n`` rows, the first polygon of ``layer``
    covering the point (boundary included), or -1. Prepared point-in-polygon tests;
    points already placed are not tested again."""
    hits = np.full(n, -1, dtype=np.int64)
    placed = np.zeros(len(points.order), dtype=bool)
    for i, candidates in _candidates(layer, points):
        free = candidates[~placed[candidates]]
        if free.size == 0:
            continue
        inside = shapely.intersects_xy(layer.polygons[i], points.lon[free], points.lat[free])
        covered = free[inside]
        placed[covered] = True
        hits[points.order[covered]] = i
    return hits


def _all_covers(
    layer: _Layer,
    points: _SortedPoints,
    parish_hit: NDArray[np.int64],
    relation: NDArray[np.int8],
    pieces: dict[tuple[int, int], shapely.Geometry],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(caller row, polygon)`` for every polygon of ``layer`` covering a point
    (boundary included); for overlapping layers such as zones.

    ``relation[i, parish]`` (see :meth:`Gazetteer._zone_parish_relation`) settles the
    points of parishes polygon ``i`` covers or misses; the points of partly covered
    parishes are tested against the overlap ``pieces[i, parish]``, points in no parish
    against the whole polygon.
    """
    rows: list[NDArray[np.int64]] = []
    polygons: list[NDArray[np.int64]] = []
    for i, candidates in _candidates(layer, points):
        caller_rows = points.order[candidates]
        parish = parish_hit[caller_rows]
        status = relation[i, parish]  # parish -1 → the last column: _TEST
        found = [caller_rows[status == _INSIDE]]
        test = candidates[status == _TEST]
        test_parish = parish[status == _TEST]
        by_parish = np.argsort(test_parish, kind="stable")
        test, test_parish = test[by_parish], test_parish[by_parish]
        starts = np.flatnonzero(np.r_[True, test_parish[1:] != test_parish[:-1]])
        for group in np.split(np.arange(len(test)), starts[1:]):
            if group.size == 0:
                continue
            code = int(test_parish[group[0]])
            shape = layer.polygons[i] if code < 0 else pieces[i, code]
            group_points = test[group]
            inside = shapely.intersects_xy(
                shape, points.lon[group_points], points.lat[group_points]
            )
            found.append(points.order[group_points[inside]])
        covered = np.concatenate(found).astype(np.int64)
        rows.append(covered)
        polygons.append(np.full(len(covered), i, dtype=np.int64))
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(rows), np.concatenate(polygons)


def _join_ids(
    n: int,
    point_index: NDArray[np.int64],
    item_index: NDArray[np.int64],
    ids: NDArray[np.object_],
) -> NDArray[np.object_]:
    """Return, for each of ``n`` points, the sorted ``;``-joined ids of its items.

    Each point's set of items is encoded as a bit mask so that the strings are built once
    per distinct combination, not once per point.
    """
    out = np.full(n, "", dtype=object)
    if point_index.size == 0:
        return out
    by_id = np.argsort(ids.astype(str), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_id] = np.arange(len(ids))
    touched = np.flatnonzero(np.bincount(point_index, minlength=n))
    row_of_point = np.full(n, -1, dtype=np.int64)
    row_of_point[touched] = np.arange(len(touched))
    bit = rank[item_index]
    masks = np.zeros((len(touched), (len(ids) + 63) // 64), dtype=np.uint64)
    flags = np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))
    np.bitwise_or.at(masks, (row_of_point[point_index], bit // 64), flags)
    if masks.shape[1] == 1:
        words, combo_of_row = np.unique(masks[:, 0], return_inverse=True)
        combos = words.reshape(-1, 1)
    else:
        combos, combo_of_row = np.unique(masks, axis=0, return_inverse=True)
    labels = np.empty(len(combos), dtype=object)
    for c, combo in enumerate(combos):
        ranks = [
            w * 64 + b for w, word in enumerate(combo) for b in range(64) if int(word) >> b & 1
        ]
        labels[c] = ";".join(str(ids[by_id[r]]) for r in ranks)
    out[touched] = labels[np.ravel(combo_of_row)]
    return out


def _take(values: pd.Series, index: NDArray[np.int64]) -> NDArray[np.object_]:
    """``values[index]`` as text, with ``""`` where ``index`` is -1."""
    with_blank = np.append(values.astype(str).to_numpy(dtype=object), "")
    taken: NDArray[np.object_] = with_blank[index]  # -1 picks the appended ""
    return taken


def _zone_anchor(geometry: shapely.Geometry, definition: str) -> shapely.Point:
    """Return the point where an incident known only to a zone is drawn.

    For a buffered zone the centroid (the centre of a circle) when it lies inside;
    otherwise (a corridor, an admin union, a user polygon) a point guaranteed inside.
    """
    if definition == "buffer":
        centroid = shapely.centroid(geometry)
        if shapely.within(centroid, geometry):
            return centroid
    point: shapely.Point = shapely.point_on_surface(geometry)
    return point


def build_gazetteer(*, zones: gpd.GeoDataFrame | None = None) -> Gazetteer:
    """Build a gazetteer over the shipped boundaries and ``zones`` (default: shipped zones).

    Pass ``zones=geo.zones.all_zones(store_location=...)`` to include the user's zones.
    """
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
