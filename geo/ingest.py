"""Import incidents: parse, validate, geocode and report rejects row by row.

One code path serves the CLI (``zonas import``), the Data page upload and the first-run
seed (:func:`seed_batch`)::

    bytes ──► _read_records (CSV | XLSX | GeoJSON)  ──►  _zonas_row / _acled_row
          ──► _geocode (gazetteer)  ──►  INCIDENT_SCHEMA (pandera)  ──►  store.write_incidents

Conventions
-----------
Rows
    ``row N`` is the N-th *data* record of the file, counted from 1 (the header is not
    counted; in a spreadsheet it is on sheet row N + 1; in GeoJSON it is feature N).
Errors and warnings
    An error rejects the row (it goes to the rejects CSV with ``file``, ``row``,
    ``column``, ``reason``); a warning keeps it. A place the gazetteer does not know is
    a warning: the row is kept at the coarser level that did resolve, or ``unlocated``.
    ``strict=True`` turns warnings into errors.
Place precision (no coordinates)
    The finest place named: a shipped zone whose name appears in ``place_name`` or
    ``barrio`` (a buffered zone gives ``barrio`` precision; a zone made of admin units
    gives the level of the unit it is made of, or the common parent of several units),
    a parish, a municipality (within the state), the state (old names such as
    ``Vargas`` accepted). Names in ``place_name``/``barrio`` are matched to parishes
    and municipalities only within a known state. Several parishes or municipalities
    (``Guacara; San Diego``) give their common municipality or state, with a note.
    With coordinates, the precision is ``point`` and the areas come from the point.
Ids
    ``event_id``/``incident_id`` when given (ACLED: ``ACLED:<event_id_cnty>``), else
    ``H:`` + the first 16 hex digits of the SHA-256 of the row as written, so
    re-importing a file without ids changes nothing. An id repeated within one file
    rejects every row carrying it.
ACLED exports
    ``time_precision`` 1/2/3 → ``day``/``week``/``month`` (month dates are moved to the
    first of the month; a week is the 7 days starting at ``event_date``).
    ``geo_precision`` 1 → ``point``; 2 ("near" a town, or a part of a region) →
    ``municipality`` of the coordinates; 3 (a whole region or its capital) → ``state``
    of the coordinates. ``fatalities`` → ``fatalities_unsplit``
    (never split by side); ``actor1``/``actor2`` → agencies through the vocabulary;
    actors that are not state forces (``inter`` other than 1) and are not in the
    vocabulary (civilians, rioters...) are kept only in ``agencies_reported``;
    unknown state-force actors give a warning. ``source`` → source publisher.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa
import shapely
from rapidfuzz import fuzz, process

from geo.agencies import load_agencies, resolve_agency
from geo.config import data_dir
from geo.csvsafe import restore_cell
from geo.filters import GEO_PRECISIONS
from geo.gazetteer import Gazetteer, Place, default_gazetteer, normalize_name
from geo.geodata import CRS
from geo.i18n import N_, _, format_list
from geo.incidents import (
    COUNT_COLUMNS,
    INCIDENT_COLUMNS,
    INCIDENT_SCHEMA,
    PLACE_COLUMNS,
    SOURCE_COLUMNS,
    content_hash,
    date_end_for,
    empty_incidents,
    empty_sources,
)

if TYPE_CHECKING:
    from geo.store import Store

Format = Literal["auto", "zonas", "acled"]
Severity = Literal["error", "warning"]

MAX_FIELD_CHARS: Final = 10_000
"""Longest accepted text in one cell (characters)."""

VENEZUELA_BOUNDS: Final = (-73.5, 0.5, -59.5, 16.0)
"""Rough lon/lat box around Venezuela; points outside every state are rejected anyway."""

REJECT_COLUMNS: Final = ("file", "row", "column", "reason")

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        [
            ("january", "enero", "jan", "ene"),
            ("february", "febrero", "feb"),
            ("march", "marzo", "mar"),
            ("april", "abril", "apr", "abr"),
            ("may", "mayo"),
            ("june", "junio", "jun"),
            ("july", "julio", "jul"),
            ("august", "agosto", "aug", "ago"),
            ("september", "septiembre", "setiembre", "sep", "sept"),
            ("october", "octubre", "oct"),
            ("november", "noviembre", "nov"),
            ("december", "diciembre", "dec", "dic"),
        ],
        start=1,
    )
    for name in names
}
_ISO_DATE: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY_DATE: Final = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_TEXT_DATE: Final = re.compile(r"^(\d{1,2})(?:\s+de)?[\s-]+([A-Za-zé]+)\.?(?:\s+de)?[\s-]+(\d{4})$")
_ACLED_TIME_PRECISION: Final = {"1": "day", "2": "week", "3": "month"}
_ACLED_GEO_PRECISION: Final = {"1": "point", "2": "municipality", "3": "state"}
_COORDINATE_PRECISIONS: Final = tuple(p for p in GEO_PRECISIONS if p != "unlocated")
"""Place precisions a row's coordinates can stand for (its ``geo_precision`` column)."""
_SOURCE_FIELDS: Final = SOURCE_COLUMNS[1:]
"""The fields of one source (publisher, date, title, url, quote)."""
_STATE_FORCES_INTER: Final = {"1", "state forces"}
_PART_SPLIT: Final = re.compile(r"\s*(?:[,;/()]|\band\b|\by\b)\s*")


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file or one of its rows.

    ``row`` is the 1-based data row (header not counted), ``None`` for the whole file.
    """

    file: str
    row: int | None
    column: str
    message: str
    severity: Severity = "error"
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += _(": row {row}").format(row=self.row)
        if self.column:
            where += f", {self.column}"
        label = _("warning") if self.severity == "warning" else _("error")
        return f"{where}: {self.message} [{label}]"


@dataclass
class PreparedBatch:
    """Parsed, validated and geocoded rows of one file, before writing."""

    incidents: gpd.GeoDataFrame
    sources: pd.DataFrame
    problems: list[Problem]
    rejects: pd.DataFrame
    rows: int = 0
    unreadable: bool = False
    fmt: str = "zonas"


@dataclass
class ImportReport:
    """What :func:`import_file` did (or would do, for a dry run)."""

    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejects_path: Path | None = None
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    unreadable: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        """Return the one-line summary ``imported N, unchanged M, rejected K, warnings W``."""
        text = _("imported {n}, unchanged {m}, rejected {k}, warnings {w}").format(
            n=self.imported, m=self.unchanged, k=self.rejected, w=self.warnings
        )
        return text + (_(" (dry run: nothing written)") if self.dry_run else "")

    def exit_code(self) -> int:
        """Return the CLI exit status: 2 unreadable, 1 some rows rejected, else 0."""
        if self.unreadable:
            return 2
        return 1 if self.rejected else 0


@dataclass
class _Row:
    """One input record on its way to a canonical incident."""

    number: int
    raw: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    sources: list[dict[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def error(self, file: str, column: str, message: str, suggestions: Sequence[str] = ()) -> None:
        self.problems.append(
            Problem(file, self.number, column, message, "error", tuple(suggestions))
        )

    def warn(self, file: str, column: str, message: str, suggestions: Sequence[str] = ()) -> None:
        self.problems.append(
            Problem(file, self.number, column, message, "warning", tuple(suggestions))
        )

    @property
    def rejected(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


# ---------------------------------------------------------------------- reading
class _UnreadableError(Exception):
    """The file as a whole cannot be used (empty, not text, broken structure)."""


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); undecodable bytes kept as surrogates for row checks."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape")


def _bad_bytes(text: str) -> str | None:
    """Return the first undecodable byte as ``0xNN`` (surrogate-escaped), if any."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return f"0x{ord(char) - 0xDC00:02x}"
    return None


def _repair(text: str) -> str:
    """Replace undecodable bytes (surrogate escapes) by their Windows-1252 character."""
    if _bad_bytes(text) is None:
        return text
    return "".join(
        bytes([ord(ch) - 0xDC00]).decode("cp1252", "replace") if "\udc80" <= ch <= "\udcff" else ch
        for ch in text
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        table = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise _UnreadableError(
            _("not a readable CSV file ({error})").format(error=error)
        ) from error
    if not table:
        raise _UnreadableError(_("the file is empty"))
    header = [_repair(name.strip()) for name in table[0]]
    if len(set(header)) != len(header):
        raise _UnreadableError(_("the header repeats a column name"))
    records = []
    for cells in table[1:]:
        record = {
            name: (restore_cell(cells[i]) if i < len(cells) else "")
            for i, name in enumerate(header)
        }
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            record["\x00extra"] = ",".join(cells[len(header) :])
        records.append(record)
    return header, records


def _read_xlsx(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        table = [
            [_cell_text(v) for v in row]
            for row in sheet.iter_rows(values_only=True)
            if any(v not in (None, "") for v in row)
        ]
    except Exception as error:  # openpyxl raises many kinds on broken files
        raise _UnreadableError(
            _("not a readable XLSX file ({error})").format(error=error)
        ) from error
    if not table:
        raise _UnreadableError(_("the file is empty"))
    header = [name.strip() for name in table[0]]
    return header, [dict(zip(header, row, strict=False)) for row in table[1:]]


def _read_geojson(text: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _UnreadableError(
            _("not a readable GeoJSON file ({error})").format(error=error)
        ) from error
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise _UnreadableError(_("not a GeoJSON FeatureCollection"))
    if not features:
        raise _UnreadableError(_("the file is empty"))
    header: list[str] = []
    records = []
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        record = {
            str(k): json.dumps(v, ensure_ascii=False) if str(k) == "sources" else _cell_text(v)
            for k, v in (properties or {}).items()
        }
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict):
            coords = geometry.get("coordinates")
            if geometry.get("type") != "Point" or not (
                isinstance(coords, list) and len(coords) >= 2
            ):
                record["\x00geometry"] = str(geometry.get("type"))
            elif "lat" not in record and "lon" not in record:
                # the point is the place; a file with lat/lon properties (our export) says
                # itself where the incident was reported, the point may be an area's anchor
                record["lon"], record["lat"] = _cell_text(coords[0]), _cell_text(coords[1])
        for name in record:
            if name not in header and not name.startswith("\x00"):
                header.append(name)
        records.append(record)
    return header, records


def _read_records(data: bytes, name: str) -> tuple[list[str], list[dict[str, str]]]:
    if not data.strip():
        raise _UnreadableError(_("the file is empty"))
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    text = _decode(data)
    stripped = text.lstrip()
    if suffix in (".geojson", ".json") or stripped.startswith("{"):
        return _read_geojson(text)
    return _read_csv(text)


def _detect_format(header: Sequence[str]) -> Literal["zonas", "acled"]:
    names = {h.lower() for h in header}
    return "acled" if "event_date" in names and ({"event_id_cnty", "actor1"} & names) else "zonas"


# ---------------------------------------------------------------------- fields
def parse_date(text: str) -> date | None:
    """Return the date in ``text`` or ``None``.

    Accepted: ISO ``2016-02-29``, ``dd/mm/yyyy`` (old ACLED exports, Spanish usage) and
    ``dd Month yyyy`` in English or Spanish (``14 July 2015``, ``14 de julio de 2015``).
    """
    value = text.strip()
    try:
        if match := _ISO_DATE.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY_DATE.match(value):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _TEXT_DATE.match(value):
            month = _MONTHS.get(normalize_name(match[2]))
            return date(int(match[3]), month, int(match[1])) if month else None
    except ValueError:
        return None
    return None


def _interval_start(day: date, precision: str) -> date:
    if precision == "month":
        return day.replace(day=1)
    if precision == "year":
        return day.replace(month=1, day=1)
    return day


def _parse_count(row: _Row, file: str, column: str, text: str) -> object:
    value = text.strip().replace(",", "") if text else ""
    if not value:
        return pd.NA
    try:
        number = float(value)
    except ValueError:
        row.error(file, column, _("{text!r} is not a whole number").format(text=text))
        return pd.NA
    if not number.is_integer():
        row.error(file, column, _("{text!r} is not a whole number").format(text=text))
        return pd.NA
    return int(number)


def _parse_float(row: _Row, file: str, column: str, text: str) -> float:
    if not text.strip():
        return float("nan")
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        row.error(file, column, _("{text!r} is not a number").format(text=text))
        return float("nan")
    if not np.isfinite(value):
        row.error(file, column, _("{text!r} is not a number").format(text=text))
        return float("nan")
    return value


@dataclass(frozen=True)
class AgencyParse:
    """Agency text mapped to vocabulary codes."""

    codes: tuple[str, ...]
    unknown: tuple[str, ...]


def _agency_choices() -> dict[str, str]:
    choices: dict[str, str] = {}
    for agency in load_agencies():
        for name in (agency.code, *agency.aliases):
            choices.setdefault(name, agency.code)
    return choices


def suggest_agency(text: str, *, limit: int = 3) -> list[str]:
    """Return up to ``limit`` vocabulary codes whose code or alias is close to ``text``."""
    choices = _agency_choices()
    names = list(choices)
    matches = process.extract(
        normalize_name(text),
        [normalize_name(n) for n in names],
        scorer=fuzz.WRatio,
        limit=limit * 3,
        score_cutoff=70,
    )
    codes: list[str] = []
    best = matches[0][1] if matches else 0.0
    for _match, score, index in matches:
        if score < best - 5:  # only the names about as close as the closest one
            break
        code = choices[names[index]]
        if code not in codes:
            codes.append(code)
    return codes[:limit]


def parse_agencies(text: str) -> AgencyParse:
    """Map reported agency text to vocabulary codes.

    Parts are split on ``;``; a part that is not a known name is split further on
    ``" and "`` and ``,`` when every piece is known (``"FANB (ZODI Lara) and other
    security bodies"``). Codes keep first-seen order without repeats.
    """
    codes: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code = resolve_agency(part)
        if code is not None:
            found = [code]
        else:
            pieces = [p.strip() for p in re.split(r"\s+and\s+|\s+y\s+|,", part) if p.strip()]
            resolved = [resolve_agency(p) for p in pieces]
            if len(pieces) > 1 and all(resolved):
                found = [c for c in resolved if c]
            else:
                unknown.append(part)
                found = []
        codes.extend(c for c in found if c not in codes)
    return AgencyParse(tuple(codes), tuple(unknown))


# ---------------------------------------------------------------------- row mapping
def _get(raw: Mapping[str, str], *names: str) -> str:
    lowered = {k.lower(): v for k, v in raw.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return value.strip()
    return ""


def _common_checks(row: _Row, file: str) -> None:
    for column, value in row.raw.items():
        if column == "\x00extra":
            row.error(file, "", _("more cells than header columns"))
            continue
        if column == "\x00geometry":
            row.error(
                file,
                "geometry",
                _("{kind} geometry: only Point features can be imported").format(kind=value),
            )
            continue
        if len(value) > MAX_FIELD_CHARS:
            row.error(
                file, column,
                _("field is {n} characters long (at most {limit})").format(
                    n=len(value), limit=MAX_FIELD_CHARS),
            )  # fmt: skip
        if (byte := _bad_bytes(value)) is not None:
            row.error(
                file, _repair(column),
                _("not UTF-8 text (byte {byte}); save the file as UTF-8").format(byte=byte),
            )  # fmt: skip
    # Keep going with readable text (the row is rejected; its rejects line stays legible).
    row.raw = {_repair(k): _repair(v) for k, v in row.raw.items()}


def _set_date(row: _Row, file: str, column: str, text: str, precision: str) -> None:
    if not text:
        row.error(file, column, _("missing date"))
        return
    day = parse_date(text)
    if day is None:
        row.error(file, column, _("{text!r} is not a date").format(text=text).replace("'", '"'))
        return
    row.values["date_precision"] = precision
    try:
        start = _interval_start(day, precision)
        row.values["date"] = pd.Timestamp(start)
        row.values["date_end"] = date_end_for(start, precision)
    except ValueError:
        row.error(
            file, "date_precision",
            _("{text!r} is not a date precision (day, week, month, year)").format(text=precision),
        )  # fmt: skip


def _set_agencies(row: _Row, file: str, text: str, *, acled: bool = False) -> None:
    parsed = parse_agencies(text)
    row.values["agencies"] = ";".join(parsed.codes)
    row.values["agencies_reported"] = text
    for part in parsed.unknown:
        hints = suggest_agency(part)
        message = _('unknown agency "{text}"').format(text=part)
        if hints:
            message += _(" — did you mean {hint}?").format(hint=format_list(hints, style="or"))
        if acled:
            row.warn(file, "agencies", message + _(" (kept as reported)"), hints)
        else:
            row.error(file, "agencies", message, hints)


def _zonas_row(row: _Row, file: str) -> None:
    raw = row.raw
    row.values["incident_id"] = _get(raw, "incident_id", "event_id")
    precision = _get(raw, "date_precision") or "day"
    _set_date(row, file, "date", _get(raw, "date"), precision.lower())
    for column in ("operation", "operation_family", *PLACE_COLUMNS, "description", "notes"):
        row.values[column] = _get(raw, column)
    row.values["confidence"] = _get(raw, "confidence").lower()
    row.values["lat"] = _parse_float(row, file, "lat", _get(raw, "lat", "latitude"))
    row.values["lon"] = _parse_float(row, file, "lon", _get(raw, "lon", "longitude"))
    stated = _get(raw, "geo_precision").lower()
    if stated in _COORDINATE_PRECISIONS:
        row.values["_coarse_geo"] = stated  # what the coordinates stand for (CSV export)
    elif stated and stated not in GEO_PRECISIONS:
        row.error(
            file, "geo_precision",
            _("{text!r} is not a place precision (use {allowed})").format(
                text=stated, allowed=format_list(GEO_PRECISIONS, style="or")),
        )  # fmt: skip
    _set_agencies(row, file, _get(raw, "agencies"))
    reported = _get(raw, "agencies_reported")
    if reported:  # the text the source used, kept by a CSV export (agencies: its codes)
        row.values["agencies_reported"] = reported
    for column in COUNT_COLUMNS:
        row.values[column] = _parse_count(row, file, column, _get(raw, column))
    source = {
        "publisher": _get(raw, "source_publisher", "publisher"),
        "date": _get(raw, "source_date"),
        "title": _get(raw, "source_title", "title"),
        "url": _get(raw, "source_url", "url"),
        "quote": _get(raw, "quote", "source_quote"),
    }
    listed = _listed_sources(raw.get("sources", ""))
    if listed and not (source["url"] or source["publisher"]):
        row.sources = listed  # a GeoJSON export: every source in one "sources" property
        return
    if not (source["url"] or source["publisher"]):
        row.error(file, "source_url", _("missing source: give source_url or source_publisher"))
    row.sources = [source, *_numbered_sources(raw)]


def _listed_sources(cell: str) -> list[dict[str, str]]:
    """The sources of a ``sources`` cell holding a JSON list of objects (publisher, date,
    title, url, quote), as a GeoJSON export writes them; ``[]`` for anything else."""
    try:
        value = json.loads(cell) if cell.strip().startswith("[") else None
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        if isinstance(item, dict) and (item.get("publisher") or item.get("url")):
            found.append({f: _cell_text(item.get(f)) for f in _SOURCE_FIELDS})
    return found


def _numbered_sources(raw: Mapping[str, str]) -> list[dict[str, str]]:
    """Further sources written as ``source_2_publisher``, ``source_2_url``... (CSV export)."""
    found = []
    number = 2
    while any(f"source_{number}_{field}" in raw for field in ("publisher", "url")):
        source = {field: _get(raw, f"source_{number}_{field}") for field in _SOURCE_FIELDS}
        if source["publisher"] or source["url"]:
            found.append(source)
        number += 1
    return found


def _acled_row(row: _Row, file: str, gazetteer: Gazetteer) -> None:
    raw = row.raw
    event_id = _get(raw, "event_id_cnty")
    row.values["incident_id"] = f"ACLED:{event_id}" if event_id else ""
    time_precision = _get(raw, "time_precision") or "1"
    precision = _ACLED_TIME_PRECISION.get(time_precision)
    if precision is None:
        row.error(
            file, "time_precision", _("{text!r} is not 1, 2 or 3").format(text=time_precision)
        )
        precision = "day"
    _set_date(row, file, "event_date", _get(raw, "event_date"), precision)
    row.values["operation"] = " / ".join(
        t for t in (_get(raw, "event_type"), _get(raw, "sub_event_type")) if t
    )
    row.values["operation_family"] = ""
    row.values["place_name"] = _get(raw, "location")
    row.values["barrio"] = ""
    row.values["parish"] = _get(raw, "admin3")
    row.values["municipality"] = _get(raw, "admin2")
    row.values["state"] = _get(raw, "admin1")
    row.values["lat"] = _parse_float(row, file, "latitude", _get(raw, "latitude"))
    row.values["lon"] = _parse_float(row, file, "longitude", _get(raw, "longitude"))
    actors: list[str] = []
    state_actors: list[str] = []
    for side in ("1", "2"):
        actor = _get(raw, f"actor{side}")
        if not actor:
            continue
        actors.append(actor)
        inter = _get(raw, f"inter{side}").lower()
        if resolve_agency(actor) or inter in _STATE_FORCES_INTER or not inter:
            state_actors.append(actor)
    _set_agencies(row, file, "; ".join(state_actors), acled=True)
    row.values["agencies_reported"] = "; ".join(actors)
    for column in COUNT_COLUMNS:
        row.values[column] = pd.NA
    row.values["fatalities_unsplit"] = _parse_count(
        row, file, "fatalities", _get(raw, "fatalities")
    )
    row.values["description"] = _get(raw, "notes")
    row.values["confidence"] = ""
    # Stored notes are data, kept in English whatever the UI language (N_ marks, never
    # translates): the same file must give the same content hash from the CLI and the app.
    row.values["notes"] = N_("ACLED geo_precision {g}, time_precision {t}").format(
        g=_get(raw, "geo_precision") or "?", t=time_precision
    )
    publisher = _get(raw, "source")
    if not publisher:
        row.error(file, "source", _("missing source: the ACLED source column is empty"))
    row.sources = [
        {
            "publisher": publisher,
            "date": _get(raw, "event_date"),
            "title": _("ACLED event {id}").format(id=event_id) if event_id else "",
            "url": "",
            "quote": "",
        }
    ]
    geo_precision = _get(raw, "geo_precision") or "1"
    row.values["_coarse_geo"] = _ACLED_GEO_PRECISION.get(geo_precision, "point")
    del gazetteer  # areas are assigned from the coordinates in _geocode


# ---------------------------------------------------------------------- geocoding
@dataclass(frozen=True)
class _Unit:
    level: str  # "state" | "municipality" | "parish"
    state_code: str
    muni_code: str = ""
    parish_code: str = ""

    @property
    def code(self) -> str:
        return self.parish_code or self.muni_code or self.state_code

    def contains(self, other: _Unit) -> bool:
        return (
            other != self and other.code.startswith(self.code)
            if self.level != "state"
            else (other.state_code == self.state_code and other != self)
        )


def _unit_of(place: Place) -> _Unit:
    if place.level == "parish":
        return _Unit("parish", place.state_code, place.muni_code, place.code)
    if place.level == "municipality":
        return _Unit("municipality", place.state_code, place.code)
    return _Unit("state", place.state_code)


def _common_unit(units: Iterable[_Unit]) -> _Unit | None:
    """The finest unit containing all ``units`` (after dropping ancestors of others)."""
    pool = set(units)
    finest = [u for u in pool if not any(u.contains(v) for v in pool)]
    if not finest:
        return None
    if len(finest) == 1:
        return finest[0]
    states = {u.state_code for u in finest}
    if len(states) != 1:
        return None
    munis = {u.muni_code for u in finest}
    if len(munis) == 1 and "" not in munis:
        return _Unit("municipality", finest[0].state_code, munis.pop())
    return _Unit("state", states.pop())


def _parts(text: str) -> list[str]:
    return [p for p in (s.strip() for s in _PART_SPLIT.split(text)) if p]


def _zone_units(gazetteer: Gazetteer, zone_id: str) -> list[_Unit]:
    row = gazetteer.zones.loc[gazetteer.zones["zone_id"] == zone_id].iloc[0]
    if row.get("definition") == "buffer":
        return []
    units = []
    for code in str(row.get("admin_codes") or "").split(";"):
        place = gazetteer.place(code.strip())
        if place is not None:
            units.append(_unit_of(place))
    return units


def _named_zones(gazetteer: Gazetteer, text: str) -> list[str]:
    """Shipped zones (not whole-state regions) whose name appears as words in ``text``."""
    haystack = f" {normalize_name(text)} "
    found = []
    for zone in gazetteer.zones.itertuples():
        if "region" in str(zone.roles).split(";"):
            continue
        key = normalize_name(str(zone.name))
        if key and f" {key} " in haystack:
            found.append(str(zone.zone_id))
    return found


@dataclass
class _Geo:
    precision: str = "unlocated"
    state_code: str = ""
    muni_code: str = ""
    parish_code: str = ""
    zone_ids: tuple[str, ...] = ()
    lon: float = float("nan")
    lat: float = float("nan")


def _resolve_listed(
    row: _Row, file: str, gazetteer: Gazetteer, column: str,
    level: Literal["parish", "municipality"], *, state: str, municipality: str = "",
) -> list[_Unit]:  # fmt: skip
    text = str(row.values.get(column) or "")
    units: list[_Unit] = []
    names = [p.strip() for p in text.split(";") if p.strip()]
    for name in names:
        found = gazetteer.find(
            name, level=level, state=state or None, municipality=municipality or None
        )
        if len(found) == 1:
            units.append(_unit_of(found[0]))
        elif len(found) > 1:
            row.warn(
                file, column,
                _('"{name}" matches {n} places; give the state').format(name=name, n=len(found)),
            )  # fmt: skip
        else:
            hints = gazetteer.suggest(name, level=level, state=state or None)
            message = _('unknown {level} "{name}"').format(level=_(level), name=name)
            if hints:
                message += _(" — did you mean {hint}?").format(hint=format_list(hints, style="or"))
            row.warn(file, column, message + _(" (kept at a coarser level)"), hints)
    if len(units) > 1:
        row.values["notes"] = _join_note(
            str(row.values.get("notes") or ""),
            N_("several {level} names ({names}): located at their common area").format(
                level=level, names="; ".join(names)),
        )  # fmt: skip
    return units


def _join_note(notes: str, extra: str) -> str:
    return f"{notes} {extra}".strip() if extra not in notes else notes


def _resolve_state_column(row: _Row, file: str, gazetteer: Gazetteer) -> str:
    state_text = str(row.values.get("state") or "")
    if not state_text:
        return ""
    state_code = gazetteer.resolve_state(state_text) or ""
    if not state_code:
        hints = gazetteer.suggest(state_text, level="state")
        message = _('unknown state "{name}"').format(name=state_text)
        if hints:
            message += _(" — did you mean {hint}?").format(hint=format_list(hints, style="or"))
        row.warn(file, "state", message + _(" (kept unlocated)"), hints)
    return state_code


@dataclass
class _Named:
    """What the admin name columns resolved to."""

    state_code: str
    units: list[_Unit]
    muni_context: str
    listed_several: bool


def _admin_units(row: _Row, file: str, gazetteer: Gazetteer) -> _Named:
    state_code = _resolve_state_column(row, file, gazetteer)
    units: list[_Unit] = [_Unit("state", state_code)] if state_code else []
    munis = _resolve_listed(row, file, gazetteer, "municipality", "municipality", state=state_code)
    muni_unit = _common_unit(munis) if munis else None
    if muni_unit is not None:
        units.append(muni_unit)
        state_code = state_code or muni_unit.state_code
    muni_context = muni_unit.muni_code if muni_unit and muni_unit.level == "municipality" else ""
    parishes: list[_Unit] = []
    if state_code:
        parishes = _resolve_listed(
            row, file, gazetteer, "parish", "parish", state=state_code, municipality=muni_context
        )
        parish_unit = _common_unit(parishes) if parishes else None
        if parish_unit is not None:
            units.append(parish_unit)
    return _Named(state_code, units, muni_context, len(munis) > 1 or len(parishes) > 1)


def _zone_places(gazetteer: Gazetteer, zones: Sequence[str]) -> tuple[list[_Unit], list[Place]]:
    """The admin unit each named zone implies, and the buffered zones' anchor places."""
    zone_units: list[_Unit] = []
    buffer_places: list[Place] = []
    for zone_id in zones:
        admin = _zone_units(gazetteer, zone_id)
        place = gazetteer.place(zone_id)
        if admin:
            common = _common_unit(admin)
            if common is not None:
                zone_units.append(common)
        elif place is not None and place.state_code:
            buffer_places.append(place)
            loc = gazetteer.locate(place.lon, place.lat, with_zones=False)
            zone_units.append(_Unit("parish", loc.state_code, loc.muni_code, loc.parish_code))
    return zone_units, buffer_places


def _free_text_units(gazetteer: Gazetteer, text: str, named: _Named) -> list[_Unit]:
    """Parishes/municipalities named in free text, unique within the known state."""
    units = []
    for part in _parts(text):
        found = gazetteer.find(
            part, state=named.state_code, municipality=named.muni_context or None
        )
        admin_found = [p for p in found if p.level in ("parish", "municipality")]
        if len(admin_found) == 1:
            units.append(_unit_of(admin_found[0]))
    return units


def _geocode_names(row: _Row, file: str, gazetteer: Gazetteer) -> _Geo:
    named = _admin_units(row, file, gazetteer)
    units = list(named.units)
    # Free text (place_name, barrio): shipped zones anywhere, admin names only in the state.
    free_text = " ; ".join(str(row.values.get(c) or "") for c in ("place_name", "barrio"))
    zones = _named_zones(gazetteer, free_text)
    zone_units, buffer_places = _zone_places(gazetteer, zones)
    if named.state_code:
        zone_units = [u for u in zone_units if u.state_code == named.state_code]
    # Several units listed explicitly: their common area is as precise as it gets.
    if named.listed_several:
        zone_units = []
    elif named.state_code:
        units.extend(_free_text_units(gazetteer, free_text, named))
    admin_unit = _common_unit(units) if units else None
    zone_unit = _common_unit(zone_units) if zone_units else None
    if zone_unit is not None and (
        admin_unit is None or admin_unit == zone_unit or admin_unit.contains(zone_unit)
    ):
        admin_unit = zone_unit
    geo = _Geo()
    if admin_unit is None:
        return geo
    if (
        len(zones) == 1
        and buffer_places
        and admin_unit.level == "parish"
        and (
            admin_unit.parish_code
            == gazetteer.locate(buffer_places[0].lon, buffer_places[0].lat).parish_code
        )
    ):
        place = buffer_places[0]
        location = gazetteer.locate(place.lon, place.lat)
        return _Geo(
            "barrio", location.state_code, location.muni_code, location.parish_code,
            tuple(sorted({*location.zone_ids, *zones})), place.lon, place.lat,
        )  # fmt: skip
    anchor = gazetteer.place(admin_unit.code)
    covering = gazetteer.zones_covering(
        state_code=admin_unit.state_code, muni_code=admin_unit.muni_code,
        parish_code=admin_unit.parish_code,
    )  # fmt: skip
    same_state = [
        z for z in zones if (p := gazetteer.place(z)) and p.state_code == admin_unit.state_code
    ]
    return _Geo(
        admin_unit.level, admin_unit.state_code, admin_unit.muni_code, admin_unit.parish_code,
        tuple(sorted({*covering, *same_state})),
        anchor.lon if anchor else float("nan"), anchor.lat if anchor else float("nan"),
    )  # fmt: skip


@dataclass(frozen=True)
class _Location:
    state_code: str
    muni_code: str
    parish_code: str
    zone_ids: str


def _geocode_points(rows: Sequence[_Row], file: str, gazetteer: Gazetteer) -> dict[int, _Geo]:
    lons = np.array([_coordinates(r)[0] for r in rows], dtype=float)
    lats = np.array([_coordinates(r)[1] for r in rows], dtype=float)
    areas = gazetteer.assign_areas(lons, lats)
    result: dict[int, _Geo] = {}
    columns = [
        [str(v) for v in areas[c].tolist()]
        for c in ("state_code", "muni_code", "parish_code", "zone_ids")
    ]
    for row, lon, lat, *area_codes in zip(rows, lons, lats, *columns, strict=True):
        area = _Location(*area_codes)
        if not area.state_code:
            message = _("coordinates ({lat}, {lon}) are outside Venezuela").format(lat=lat, lon=lon)
            swapped = gazetteer.locate(lat, lon, with_zones=False)
            if swapped.state_code:
                message += _(" — are lat and lon swapped?")
            row.error(file, "lat", message)
            continue
        # the precision the file gives the coordinates (ACLED's geo_precision, or the
        # geo_precision column of our own CSV): a point never stands for more than that
        level = str(row.values.pop("_coarse_geo", "point"))
        geo = _Geo("point", area.state_code, area.muni_code, area.parish_code,
                   tuple(z for z in str(area.zone_ids).split(";") if z), lon, lat)  # fmt: skip
        if level == "barrio":
            geo = replace(geo, precision="barrio")
        elif level == "parish":
            covering = gazetteer.zones_covering(
                state_code=area.state_code, muni_code=area.muni_code, parish_code=area.parish_code
            )
            geo = replace(geo, precision="parish", zone_ids=covering)
        elif level in ("municipality", "state"):
            unit = _Unit(level, area.state_code, area.muni_code if level == "municipality" else "")
            anchor = gazetteer.place(unit.code)
            covering = gazetteer.zones_covering(
                state_code=unit.state_code, muni_code=unit.muni_code
            )
            geo = _Geo(level, unit.state_code, unit.muni_code, "", covering,
                       anchor.lon if anchor else lon, anchor.lat if anchor else lat)  # fmt: skip
        reported_state = str(row.values.get("state") or "")
        if reported_state:
            code = gazetteer.resolve_state(reported_state)
            if code != area.state_code:
                row.warn(
                    file, "admin1",
                    _('admin1 "{name}" is {code} but the coordinates fall in '
                      "{actual} ({actual_name})").format(
                        name=reported_state, code=code or _("unknown"), actual=area.state_code,
                        actual_name=gazetteer.state_name(area.state_code)),
                )  # fmt: skip
        result[row.number] = geo
    return result


def _geocode_names_cached(
    row: _Row, file: str, gazetteer: Gazetteer,
    memo: dict[tuple[str, ...], tuple[_Geo, list[Problem], str]],
) -> _Geo:  # fmt: skip
    """:func:`_geocode_names`, computed once per distinct set of place names in a file."""
    key = tuple(str(row.values.get(c) or "") for c in PLACE_COLUMNS)
    if key not in memo:
        scratch = _Row(0, {}, {c: row.values.get(c, "") for c in PLACE_COLUMNS})
        geo = _geocode_names(scratch, file, gazetteer)
        memo[key] = (geo, scratch.problems, str(scratch.values.get("notes") or ""))
    geo, problems, note = memo[key]
    row.problems.extend(replace(p, row=row.number) for p in problems)
    if note:
        row.values["notes"] = _join_note(str(row.values.get("notes") or ""), note)
    return geo


def _coordinates(row: _Row) -> tuple[float, float]:
    """The row's parsed (lon, lat), NaN where missing."""
    lon, lat = row.values.get("lon"), row.values.get("lat")
    return (
        lon if isinstance(lon, float) else float("nan"),
        lat if isinstance(lat, float) else float("nan"),
    )


def _geocode(rows: Sequence[_Row], file: str, gazetteer: Gazetteer) -> None:
    """Locate every row (rejected ones too, so that all of a row's problems are reported)."""
    with_point: list[_Row] = []
    for row in rows:
        lon, lat = _coordinates(row)
        if np.isnan(lon) != np.isnan(lat):
            row.error(
                file, "lon" if np.isnan(lon) else "lat", _("give both lat and lon, or neither")
            )
        elif not np.isnan(lon):
            with_point.append(row)
    points = _geocode_points(with_point, file, gazetteer)
    located = {row.number for row in with_point}
    by_names: dict[tuple[str, ...], tuple[_Geo, list[Problem], str]] = {}
    for row in rows:
        geo = points.get(row.number)
        if geo is None and row.number in located:
            continue  # outside Venezuela: already rejected
        if geo is None:
            row.values.pop("_coarse_geo", None)
            geo = _geocode_names_cached(row, file, gazetteer, by_names)
        row.values.update(
            geo_precision=geo.precision, state_code=geo.state_code, muni_code=geo.muni_code,
            parish_code=geo.parish_code, zone_ids=";".join(geo.zone_ids),
            _anchor=(geo.lon, geo.lat),
        )  # fmt: skip


# ---------------------------------------------------------------------- assembling
def _schema_message(frame: pd.DataFrame, column: str, check: str, value: object, index: int) -> str:
    """A person-readable message for one pandera failure case."""
    if "greater than" in check:
        return _(
            "civilians_killed_min ({low}) is greater than civilians_killed_max ({high})"
        ).format(
            low=frame["civilians_killed_min"].iloc[index],
            high=frame["civilians_killed_max"].iloc[index],
        )
    if "before date" in check:
        return _("date_end is before date")
    if "negative" in check:
        return _("{value} is negative (counts are 0 or more; leave empty if unknown)").format(
            value=value
        )
    if "field_uniqueness" in check:
        return _('duplicate id "{value}" in this file').format(value=value)
    if "allowed values" in check:
        return _('"{value}" is not one of the {check}').format(value=value, check=check)
    return _('"{value}" is not valid for {column} ({check})').format(
        value=value, column=column, check=check
    )


def _schema_problems(frame: pd.DataFrame, numbers: Sequence[int], file: str) -> list[Problem]:
    """Validate ``frame`` with :data:`INCIDENT_SCHEMA`; one problem per row and column."""
    try:
        INCIDENT_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems: dict[tuple[int | None, str, str], Problem] = {}
        for case in errors.failure_cases.itertuples():
            check = str(case.check)
            column = str(case.column or "")
            if case.schema_context == "DataFrameSchema":  # a row-wise check over columns
                column = "civilians_killed_min" if "civilians_killed" in check else "date_end"
            if case.index is None or pd.isna(case.index):
                key: tuple[int | None, str, str] = (None, column, check)
                problems.setdefault(key, Problem(file, None, column, check))
                continue
            index = int(case.index)
            message = _schema_message(frame, column, check, case.failure_case, index)
            key = (numbers[index], column, message)
            problems.setdefault(key, Problem(file, numbers[index], column, message))
        return list(problems.values())
    return []


def _frame(rows: Sequence[_Row], origin: str) -> gpd.GeoDataFrame:
    records = []
    for row in rows:
        values = {c: row.values.get(c, "") for c in INCIDENT_COLUMNS if c != "geometry"}
        values["origin"] = origin
        for column in ("lat", "lon"):
            values[column] = float(values[column]) if values[column] != "" else float("nan")  # type: ignore[arg-type]
        for column in COUNT_COLUMNS:
            values[column] = row.values.get(column, pd.NA)
        records.append(values)
    if not records:
        return empty_incidents()
    frame = pd.DataFrame.from_records(records)
    for column in ("date", "date_end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in COUNT_COLUMNS:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    text_columns = [
        c for c in frame.columns if c not in (*COUNT_COLUMNS, "date", "date_end", "lat", "lon")
    ]
    for column in text_columns:
        frame[column] = frame[column].fillna("").astype("str")
    points = []
    for row in rows:
        anchor = row.values.get("_anchor")
        lon, lat = anchor if isinstance(anchor, tuple) else (float("nan"), float("nan"))
        points.append(None if np.isnan(lon) or np.isnan(lat) else shapely.Point(lon, lat))
    geometry = gpd.GeoSeries(points, crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)[list(INCIDENT_COLUMNS)]


def _rejects_frame(rows: Sequence[_Row], header: Sequence[str], file: str) -> pd.DataFrame:
    records = []
    for row in rows:
        errors = [p for p in row.problems if p.severity == "error"]
        if not errors:
            continue
        record = {name: row.raw.get(name, "") for name in header}
        record.update(
            file=file, row=str(row.number),
            column=" | ".join(dict.fromkeys(p.column for p in errors)),
            reason=" | ".join(p.message for p in errors),
        )  # fmt: skip
        records.append(record)
    columns = [*header, *(c for c in REJECT_COLUMNS if c not in header)]
    return pd.DataFrame.from_records(records, columns=columns).astype(str)


def _validate(rows: Sequence[_Row], file: str, origin: str) -> list[Problem]:
    """Give ids (or ``H:<hash>``), validate with the schema; return file-level problems."""
    for row in (r for r in rows if not r.rejected):
        row.values["content_hash"] = content_hash(row.values, row.sources)
        if not row.values.get("incident_id"):
            # From the row as written (not from geocoding), so ids survive gazetteer updates.
            raw = json.dumps(row.raw, sort_keys=True, ensure_ascii=False)
            row.values["incident_id"] = "H:" + hashlib.sha256(raw.encode()).hexdigest()[:16]
    candidates = [r for r in rows if not r.rejected]
    frame = _frame(candidates, origin)
    by_row: dict[int | None, list[Problem]] = {}
    for problem in _schema_problems(frame, [r.number for r in candidates], file):
        by_row.setdefault(problem.row, []).append(problem)
    for row in candidates:
        row.problems.extend(by_row.get(row.number, []))
    return by_row.get(None, [])


def prepare_bytes(
    data: bytes,
    *,
    name: str,
    fmt: Format = "auto",
    strict: bool = False,
    origin: str | None = None,
    gazetteer: Gazetteer | None = None,
) -> PreparedBatch:
    """Parse, validate and geocode the rows of one file (CSV, XLSX or GeoJSON points).

    Never raises on bad input: problems (file-level ones with ``row=None``) are returned
    and ``unreadable`` is set when nothing could be read.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, a BOM is accepted).
    name
        The file name used in messages and to pick the reader (``.xlsx``, ``.geojson``).
    fmt
        ``zonas`` (our columns, see ``data/incidents/README.md``), ``acled`` (an ACLED
        export) or ``auto`` (decided from the header).
    strict
        Turn warnings (unknown places, unknown ACLED actors...) into rejects.
    origin
        Stored in the ``origin`` column (default: the file name).
    gazetteer
        Default: :func:`geo.gazetteer.default_gazetteer`.
    """
    file = Path(name).name
    try:
        header, records = _read_records(data, name)
    except _UnreadableError as error:
        problem = Problem(file, None, "", str(error))
        return PreparedBatch(
            empty_incidents(), empty_sources(), [problem], pd.DataFrame(), 0, unreadable=True
        )
    if not records:
        problem = Problem(file, None, "", _("the file has a header but no rows"))
        return PreparedBatch(
            empty_incidents(), empty_sources(), [problem], pd.DataFrame(), 0, unreadable=True
        )
    kind = _detect_format(header) if fmt == "auto" else fmt
    gazetteer = gazetteer or default_gazetteer()
    rows = [_Row(i, record) for i, record in enumerate(records, start=1)]
    for row in rows:
        _common_checks(row, file)
        if kind == "acled":
            _acled_row(row, file, gazetteer)
        else:
            _zonas_row(row, file)
    _geocode(rows, file, gazetteer)
    if strict:
        for row in rows:
            row.problems = [replace(p, severity="error") for p in row.problems]
    file_problems = _validate(rows, file, origin or file)
    keep = [r for r in rows if not r.rejected]
    incidents = _frame(keep, origin or file)
    sources = pd.DataFrame.from_records(
        [{"incident_id": r.values["incident_id"], **s} for r in keep for s in r.sources],
        columns=list(SOURCE_COLUMNS),
    ).astype(str) if keep else empty_sources()  # fmt: skip
    problems = [p for r in rows for p in r.problems] + file_problems
    return PreparedBatch(
        incidents, sources, problems, _rejects_frame(rows, header, file), len(rows), fmt=kind
    )


def prepare_file(path: str | Path, *, fmt: Format = "auto", strict: bool = False) -> PreparedBatch:
    """:func:`prepare_bytes` on a file on disk (an unreadable path is a file problem)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = Problem(
            path.name, None, "", _("cannot read the file ({error})").format(error=error.strerror)
        )
        return PreparedBatch(
            empty_incidents(), empty_sources(), [problem], pd.DataFrame(), unreadable=True
        )
    return prepare_bytes(data, name=path.name, fmt=fmt, strict=strict)


def write_batch(
    batch: PreparedBatch, store: Store | None, *, dry_run: bool = False,
    rejects_path: Path | None = None,
) -> ImportReport:  # fmt: skip
    """Write a prepared batch's valid rows in one transaction and its rejects CSV."""
    rejected = len(batch.rejects)
    warnings = sum(1 for p in batch.problems if p.severity == "warning")
    report = ImportReport(
        rejected=rejected, warnings=warnings, problems=list(batch.problems),
        rejects=batch.rejects, unreadable=batch.unreadable, dry_run=dry_run,
    )  # fmt: skip
    if batch.unreadable:
        return report
    if dry_run or store is None:
        report.imported = len(batch.incidents)
    elif len(batch.incidents):
        result = store.write_incidents(batch.incidents, batch.sources)
        report.imported = result.inserted + result.updated
        report.unchanged = result.unchanged
    if rejected and rejects_path is not None:
        rejects_path.parent.mkdir(parents=True, exist_ok=True)
        with rejects_path.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out:
            batch.rejects.to_csv(out, index=False)
        report.rejects_path = rejects_path
    return report


def default_rejects_path(path: str | Path) -> Path:
    """Return ``<name>.rejects.csv`` next to the input file."""
    path = Path(path)
    return path.with_name(path.stem + ".rejects.csv")


def import_file(
    path: str | Path,
    store: Store | None,
    *,
    fmt: Format = "auto",
    dry_run: bool = False,
    strict: bool = False,
    rejects_path: str | Path | None = None,
) -> ImportReport:
    """Import one file of incidents into ``store``.

    Valid rows are written in one ``store.write_incidents`` transaction (inserted or
    updated by ``incident_id``; a row whose content did not change is counted as
    unchanged, so re-importing a file changes nothing). Rejected rows are written to
    ``rejects_path`` (default ``<name>.rejects.csv`` next to the input) with their
    original columns plus ``file``, ``row``, ``column`` and ``reason``.

    Parameters
    ----------
    path
        CSV, XLSX or GeoJSON (points, EPSG:4326) file.
    store
        Where to write; with ``dry_run`` nothing is written (may be ``None``).
    fmt, strict
        See :func:`prepare_bytes`.
    dry_run
        Validate and report only.
    rejects_path
        Where to write rejected rows.
    """
    batch = prepare_file(path, fmt=fmt, strict=strict)
    target = Path(rejects_path) if rejects_path is not None else default_rejects_path(path)
    return write_batch(batch, store, dry_run=dry_run, rejects_path=None if dry_run else target)


def import_bytes(
    data: bytes,
    name: str,
    store: Store | None,
    *,
    fmt: Format = "auto",
    dry_run: bool = False,
    strict: bool = False,
) -> ImportReport:
    """Import an uploaded file's bytes (the Data page): like :func:`import_file`, but the
    rejected rows are only returned (``report.rejects``), not written next to an input."""
    batch = prepare_bytes(data, name=name, fmt=fmt, strict=strict)
    return write_batch(batch, store, dry_run=dry_run)


def seed_batch() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return the 47 shipped seed incidents (``data/incidents/events.csv``) and sources.

    Ids are the file's ``event_id``; ``origin`` is ``seed``.

    Raises
    ------
    RuntimeError
        If a shipped row does not validate (a data bug, never expected).
    """
    path = data_dir() / "incidents" / "events.csv"
    batch = prepare_bytes(path.read_bytes(), name=path.name, fmt="zonas", origin="seed")
    errors = [p for p in batch.problems if p.severity == "error"]
    if errors or batch.unreadable:
        raise RuntimeError("; ".join(str(p) for p in errors or batch.problems))
    return batch.incidents, batch.sources
