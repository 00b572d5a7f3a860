"""The incident schema: one row per incident, its sources in a table of their own.

Inspired by ACLED's atomic events and by lethal-force monitors. Unknown counts stay
empty (``<NA>``), never 0; contested death tolls are ranges (``civilians_killed_min`` /
``_max``); time and place precision are explicit codes.

Columns of the incident frame (:data:`INCIDENT_COLUMNS`, a GeoDataFrame in EPSG:4326):

``incident_id``          stable id (``EV0009``, ``ACLED:VEN1234``, or ``H:<content hash>``)
``date``                 first day of the date-precision interval (datetime64)
``date_end``             last day of that interval (derived from ``date_precision``)
``date_precision``       ``day`` | ``week`` | ``month`` | ``year``
``operation``            operation as reported (free text)
``operation_family``     ``OLP`` | ``pre-OLP`` | ``Gran Cacique Guaicaipuro`` | ``related`` | ...
``place_name`` ...       reported place names: ``place_name``, ``barrio``, ``parish``,
                         ``municipality``, ``state`` (kept verbatim, never translated)
``lat``, ``lon``         reported coordinates (NaN when the source gives none)
``state_code``           ISO 3166-2 (``""`` when unknown); ``muni_code``, ``parish_code``
                         INE P-codes; ``zone_ids`` ``;``-separated zone ids
``geo_precision``        ``point`` | ``barrio`` | ``parish`` | ``municipality`` | ``state``
                         | ``unlocated``: the finest level the place is known to
``agencies``             ``;``-separated vocabulary codes (``data/agencies.csv``)
``agencies_reported``    the agency text as reported
``civilians_killed_min`` ... victim counts, nullable integers (see :data:`COUNT_COLUMNS`)
``fatalities_unsplit``   a total not split by side (ACLED ``fatalities``), never guessed apart
``description``, ``confidence`` (``low`` | ``medium`` | ``high``), ``notes``
``origin``               where the row came from (``seed``, an imported file name)
``content_hash``         hash of the row's content (idempotent re-import)
``geometry``             where the incident is drawn: the reported point, or the anchor
                         point of the finest unit known (see ``geo_precision``); empty
                         (None) when unlocated
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa
from pandera.engines.geopandas_engine import Geometry

from geo.filters import GEO_PRECISIONS
from geo.geodata import CRS
from geo.i18n import N_, _

DATE_PRECISIONS: Final = ("day", "week", "month", "year")
CONFIDENCES: Final = ("low", "medium", "high")

PRECISION_LABELS: Final[Mapping[str, str]] = {
    # date_precision: the date is known to the ...
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
    "year": N_("year"),
    # geo_precision: the place is known to the ...
    "point": N_("point"),
    "barrio": N_("barrio"),
    "parish": N_("parish"),
    "municipality": N_("municipality"),
    "state": N_("state"),
    "unlocated": N_("unlocated"),
}
"""Readable names of the ``date_precision`` and ``geo_precision`` codes (translate with
:func:`precision_label`)."""


def precision_label(code: object) -> str:
    """Return a precision code (``"month"``, ``"parish"``...) in the reader's language;
    an unknown code is returned as it is; a missing one (``None``, NaN) as ``""``."""
    text = "" if not isinstance(code, str) else code  # None, NaN, <NA>: no precision
    return _(PRECISION_LABELS[text]) if text in PRECISION_LABELS else text


COUNT_COLUMNS: Final = (
    "civilians_killed_min",
    "civilians_killed_max",
    "civilians_injured",
    "officers_killed",
    "officers_injured",
    "detained",
    "fatalities_unsplit",
)
"""Victim counts, nullable ``Int64``: empty means unknown, never zero."""

PLACE_COLUMNS: Final = ("place_name", "barrio", "parish", "municipality", "state")
CODE_COLUMNS: Final = ("state_code", "muni_code", "parish_code", "zone_ids")

INCIDENT_COLUMNS: Final = (
    "incident_id",
    "date",
    "date_end",
    "date_precision",
    "operation",
    "operation_family",
    *PLACE_COLUMNS,
    "lat",
    "lon",
    *CODE_COLUMNS,
    "geo_precision",
    "agencies",
    "agencies_reported",
    *COUNT_COLUMNS,
    "description",
    "confidence",
    "notes",
    "origin",
    "content_hash",
    "geometry",
)

SOURCE_COLUMNS: Final = ("incident_id", "publisher", "date", "title", "url", "quote")
"""Columns of the sources table: one row per source of an incident (text columns)."""

TEXT_COLUMNS: Final = tuple(
    column
    for column in INCIDENT_COLUMNS
    if column not in ("date", "date_end", "lat", "lon", *COUNT_COLUMNS, "geometry")
)
"""Columns holding text (all but dates, coordinates, counts and geometry); missing text
is ``""`` (never NaN)."""

HASHED_COLUMNS: Final = tuple(
    column
    for column in INCIDENT_COLUMNS
    if column not in ("incident_id", "date_end", "origin", "content_hash", "geometry")
)
"""Columns whose values make up :func:`content_hash` (derived and bookkeeping columns left out)."""


def _min_not_above_max(frame: pd.DataFrame) -> pd.Series:
    low = frame["civilians_killed_min"]
    high = frame["civilians_killed_max"]
    return (low.isna() | high.isna() | (low <= high)).fillna(True).astype(bool)


def _date_not_after_end(frame: pd.DataFrame) -> pd.Series:
    return (frame["date_end"] >= frame["date"]).fillna(True).astype(bool)


def _text(*, allowed: tuple[str, ...] | None = None, unique: bool = False) -> pa.Column:
    checks = (
        [pa.Check.isin(allowed, error="allowed values: " + ", ".join(allowed))] if allowed else []
    )
    return pa.Column(str, checks=checks, unique=unique, nullable=False)


def _count() -> pa.Column:
    return pa.Column("Int64", pa.Check.ge(0, error="negative count"), nullable=True, coerce=True)


INCIDENT_SCHEMA: Final = pa.DataFrameSchema(
    {
        **{column: _text() for column in TEXT_COLUMNS},
        "incident_id": pa.Column(
            str, pa.Check.str_length(min_value=1, error="empty id"), unique=True
        ),
        "date": pa.Column("datetime64[ns]", coerce=True, nullable=False),
        "date_end": pa.Column("datetime64[ns]", coerce=True, nullable=False),
        "date_precision": _text(allowed=DATE_PRECISIONS),
        "geo_precision": _text(allowed=GEO_PRECISIONS),
        "confidence": _text(allowed=(*CONFIDENCES, "")),
        "lat": pa.Column(float, pa.Check.in_range(-90, 90), nullable=True, coerce=True),
        "lon": pa.Column(float, pa.Check.in_range(-180, 180), nullable=True, coerce=True),
        **{column: _count() for column in COUNT_COLUMNS},
        "geometry": pa.Column(Geometry(crs=CRS), nullable=True),
    },
    checks=[
        pa.Check(
            _min_not_above_max,
            name="civilians_killed_min",
            error="civilians_killed_min is greater than civilians_killed_max",
        ),
        pa.Check(_date_not_after_end, name="date_end", error="date_end is before date"),
    ],
    strict=True,
    ordered=False,
    name="incidents",
)
"""The canonical incident frame (pandera): types, allowed codes, non-negative counts,
``civilians_killed_min <= civilians_killed_max``, unique ids, EPSG:4326 geometry.

Validate lazily to collect every failure at once::

    INCIDENT_SCHEMA.validate(frame, lazy=True)  # raises pandera.errors.SchemaErrors
"""

SOURCE_SCHEMA: Final = pa.DataFrameSchema(
    {column: pa.Column(str, nullable=False) for column in SOURCE_COLUMNS},
    strict=True,
    name="sources",
)
"""The sources table: text columns, one row per source of an incident."""


def empty_incidents() -> gpd.GeoDataFrame:
    """Return an empty incident frame with the canonical columns and dtypes (EPSG:4326)."""
    data: dict[str, pd.Series] = {}
    for column in INCIDENT_COLUMNS:
        if column == "geometry":
            continue
        if column in ("date", "date_end"):
            data[column] = pd.Series([], dtype="datetime64[ns]")
        elif column in ("lat", "lon"):
            data[column] = pd.Series([], dtype="float64")
        elif column in COUNT_COLUMNS:
            data[column] = pd.Series([], dtype="Int64")
        else:
            data[column] = pd.Series([], dtype="str")
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)[
        list(INCIDENT_COLUMNS)
    ]


def empty_sources() -> pd.DataFrame:
    """Return an empty sources table (:data:`SOURCE_COLUMNS`, text)."""
    return pd.DataFrame({column: pd.Series([], dtype="str") for column in SOURCE_COLUMNS})


def date_end_for(day: date | pd.Timestamp, precision: str) -> pd.Timestamp:
    """Return the last day of the ``precision`` interval that starts at ``day``.

    ``day`` precision is the day itself; ``week`` the 7-day interval starting at ``day``
    (ACLED's convention: the date is within the week); ``month`` and ``year`` the last day
    of the calendar month or year ``day`` falls in.

    >>> date_end_for(date(2016, 2, 1), "month")
    Timestamp('2016-02-29 00:00:00')
    """
    start = pd.Timestamp(day).normalize()
    if precision == "day":
        return start
    if precision == "week":
        return start + pd.Timedelta(days=6)
    if precision == "month":
        return start + pd.offsets.MonthEnd(0)
    if precision == "year":
        return pd.Timestamp(year=start.year, month=12, day=31)
    raise ValueError(
        _("unknown date precision {precision!r} (use {allowed})").format(
            precision=precision, allowed=", ".join(DATE_PRECISIONS)
        )
    )


def _canonical(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return repr(round(value, 7))
    return str(value)


def content_hash(row: Mapping[str, object], sources: Iterable[Mapping[str, object]] = ()) -> str:
    """Return a stable SHA-256 hex digest of an incident's content (and its sources).

    The id, ``date_end``, ``origin``, ``content_hash`` and ``geometry`` do not count, so
    the same reported facts always hash the same (idempotent re-import); text is hashed
    verbatim, coordinates rounded to 1e-7 degrees.
    """
    parts = [f"{column}={_canonical(row.get(column))}" for column in HASHED_COLUMNS]
    for source in sources:
        parts.append("source:" + "|".join(_canonical(source.get(c)) for c in SOURCE_COLUMNS[1:]))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


SEARCHED_COLUMNS: Final = (
    "incident_id",
    "operation",
    *PLACE_COLUMNS,
    "agencies",
    "agencies_reported",
    "description",
    "notes",
)


def _search_key(series: pd.Series) -> pd.Series:
    from geo.gazetteer import normalize_name

    return series.fillna("").astype(str).map(normalize_name)


def incidents_with_sources(
    incidents: pd.DataFrame, sources: pd.DataFrame, *, query: str = ""
) -> pd.DataFrame:
    """Return one row per incident source: the incident's key columns and its source.

    Incidents without a source keep one row with empty source columns. ``query`` keeps
    the rows whose incident text (ids, places, agencies, description, notes) or source
    (publisher, title, quote, URL) contains every word of it, ignoring case and accents.
    Text is returned as plain text (never interpreted as HTML).
    """
    columns = ["incident_id", "date", "date_precision", "geo_precision", "place_name",
               "state_code", "agencies", "civilians_killed_min", "civilians_killed_max",
               "fatalities_unsplit", "description"]  # fmt: skip
    base = pd.DataFrame(incidents.drop(columns="geometry", errors="ignore"))
    renamed = sources.rename(columns={"date": "source_date"})
    joined = base.merge(renamed, on="incident_id", how="left")
    source_columns = ["publisher", "source_date", "title", "url", "quote"]
    for column in source_columns:
        joined[column] = joined[column].fillna("").astype(str)
    words = [word for word in _search_key(pd.Series([query])).iloc[0].split() if word]
    if words:
        haystack = _search_key(
            joined[[*SEARCHED_COLUMNS, "publisher", "title", "quote", "url"]]
            .astype(str)
            .agg(" ".join, axis=1)
        )
        keep = pd.Series(True, index=joined.index)
        for word in words:
            keep &= haystack.str.contains(word, regex=False)
        joined = joined[keep]
    return joined[[*columns, *source_columns]].reset_index(drop=True)
