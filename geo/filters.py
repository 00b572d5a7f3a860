"""One frozen :class:`Filter` value: the single source of truth for a view.

Every page, export and CLI command builds a ``Filter`` and hands it to the store and the
aggregation layer; no other module re-implements filter logic. A filter round-trips to URL
query parameters (:meth:`Filter.to_query_params` / :meth:`Filter.from_query_params`), so a
copied link reopens the same view, and is spelled out in words on every export.

Date semantics: an incident counts in a date window only when its whole date-precision
interval lies inside the window (an incident dated "July 2015" with month precision is
in 2015-07-01..2015-07-31 and in 2015, but not in 2015-07-13..2015-07-13). This never
attributes an imprecise incident to a day it may not have happened on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo.i18n import _

Confidence = Literal["low", "medium", "high"]
CONFIDENCE_RANK: Final[dict[str, int]] = {"low": 0, "medium": 1, "high": 2}

GEO_PRECISIONS: Final = ("point", "barrio", "parish", "municipality", "state", "unlocated")
"""From finest to coarsest. ``unlocated``: the place is unknown (kept, counted nationally)."""
PRECISE_GEO: Final = frozenset({"point", "barrio", "parish"})
"""Precisions shown when ``include_low_precision`` is off."""

_LIST_PARAMS: Final[dict[str, str]] = {
    "agencies": "agency",
    "operations": "operation",
    "states": "state",
    "municipalities": "municipality",
    "zones": "zone",
}


class FilterError(ValueError):
    """A filter value (usually from a URL or the CLI) that cannot be understood."""


def _parse_date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        msg = _("{name}: {text!r} is not a date (use YYYY-MM-DD)").format(name=name, text=text)
        raise FilterError(msg) from error


@dataclass(frozen=True)
class Filter:
    """What subset of incidents a view shows.

    Empty tuples mean "no restriction". Codes, not names: agencies are vocabulary codes
    (``PNB``), operations are ``operation_family`` values (``OLP``), states ISO 3166-2
    codes (``VE-A``), municipalities INE P-codes (``VE0101``), zones zone ids
    (``cota-905``).
    """

    date_from: date | None = None
    date_to: date | None = None
    agencies: tuple[str, ...] = field(default_factory=tuple)
    operations: tuple[str, ...] = field(default_factory=tuple)
    states: tuple[str, ...] = field(default_factory=tuple)
    municipalities: tuple[str, ...] = field(default_factory=tuple)
    zones: tuple[str, ...] = field(default_factory=tuple)
    min_confidence: Confidence | None = None
    include_low_precision: bool = True

    def __post_init__(self) -> None:
        for name in _LIST_PARAMS:
            value = getattr(self, name)
            if isinstance(value, str):
                msg = _("{name} must be a tuple of codes, not the string {value!r}").format(
                    name=name, value=value
                )
                raise FilterError(msg)
            object.__setattr__(self, name, tuple(sorted(set(value))))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            msg = _("from {first} is after to {last}").format(
                first=self.date_from, last=self.date_to
            )
            raise FilterError(msg)
        if self.min_confidence is not None and self.min_confidence not in CONFIDENCE_RANK:
            msg = _("min_confidence must be low, medium or high, not {value!r}").format(
                value=self.min_confidence
            )
            raise FilterError(msg)

    # ------------------------------------------------------------------ URL round trip
    def to_query_params(self) -> dict[str, list[str]]:
        """Return URL query parameters (``from``, ``to``, repeated ``agency``...).

        Only non-default values are written, so the default filter is an empty query.
        """
        params: dict[str, list[str]] = {}
        if self.date_from:
            params["from"] = [self.date_from.isoformat()]
        if self.date_to:
            params["to"] = [self.date_to.isoformat()]
        for name, key in _LIST_PARAMS.items():
            values = getattr(self, name)
            if values:
                params[key] = list(values)
        if self.min_confidence:
            params["min_confidence"] = [self.min_confidence]
        if not self.include_low_precision:
            params["precise_only"] = ["1"]
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | Sequence[str]]) -> Filter:
        """Build a filter from URL query parameters; unknown keys are ignored.

        Accepts repeated keys (``agency=PNB&agency=GNB``) and comma-separated values
        (``agency=PNB,GNB``).

        Raises
        ------
        FilterError
            If a date or confidence value cannot be parsed.
        """

        def values(key: str) -> list[str]:
            raw = params.get(key)
            if raw is None:
                return []
            items = [raw] if isinstance(raw, str) else list(raw)
            return [part.strip() for item in items for part in item.split(",") if part.strip()]

        def single(key: str) -> str | None:
            found = values(key)
            return found[-1] if found else None

        date_from = single("from")
        date_to = single("to")
        confidence = single("min_confidence")
        if confidence is not None and confidence not in CONFIDENCE_RANK:
            msg = _("min_confidence: {value!r} is not low, medium or high").format(value=confidence)
            raise FilterError(msg)
        precise_only = single("precise_only")
        lists = {name: tuple(values(key)) for name, key in _LIST_PARAMS.items()}
        return cls(
            date_from=_parse_date("from", date_from) if date_from else None,
            date_to=_parse_date("to", date_to) if date_to else None,
            min_confidence=confidence,  # type: ignore[arg-type]
            include_low_precision=precise_only not in {"1", "true", "yes"},
            **lists,
        )

    def with_changes(self, **changes: object) -> Filter:
        """Return a copy with some fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def is_default(self) -> bool:
        """True when the filter restricts nothing."""
        return self == Filter()

    # ------------------------------------------------------------------ applying
    def mask(self, incidents: pd.DataFrame) -> np.ndarray:
        """Return a boolean array selecting the incidents that pass the filter.

        ``incidents`` needs the canonical columns of :mod:`geo.incidents`: ``date``,
        ``date_end`` (last day of the date-precision interval), ``agencies``
        (``;``-separated codes), ``operation_family``, ``state_code``, ``muni_code``,
        ``zone_ids`` (``;``-separated), ``confidence`` and ``geo_precision``.
        """
        keep = np.ones(len(incidents), dtype=bool)
        if self.date_from is not None:
            keep &= _days(incidents["date"]) >= np.datetime64(self.date_from, "D")
        if self.date_to is not None:
            keep &= _days(incidents["date_end"]) <= np.datetime64(self.date_to, "D")
        if self.agencies:
            keep &= _any_token_in(incidents["agencies"], self.agencies)
        if self.operations:
            keep &= incidents["operation_family"].isin(self.operations).to_numpy()
        if self.states:
            keep &= incidents["state_code"].isin(self.states).to_numpy()
        if self.municipalities:
            keep &= incidents["muni_code"].isin(self.municipalities).to_numpy()
        if self.zones:
            keep &= _any_token_in(incidents["zone_ids"], self.zones)
        if self.min_confidence is not None:
            floor = CONFIDENCE_RANK[self.min_confidence]
            keep &= _map_cells(incidents["confidence"], CONFIDENCE_RANK, -1) >= floor
        if not self.include_low_precision:
            keep &= incidents["geo_precision"].isin(PRECISE_GEO).to_numpy()
        return keep

    def apply(self, incidents: pd.DataFrame) -> pd.DataFrame:
        """Return the rows of ``incidents`` that pass the filter."""
        return incidents[self.mask(incidents)]


def _days(column: pd.Series) -> np.ndarray:
    """A date column as ``datetime64[D]`` (NaT compares false, so undated rows drop out)."""
    values = column.to_numpy()
    if values.dtype.kind != "M":
        values = pd.to_datetime(column).to_numpy()
    days: np.ndarray = values.astype("datetime64[D]")
    return days


def _cells_and_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct cells of ``column`` and each row's position among them (-1: NA).

    Categorical columns (as :class:`geo.aggregate.IncidentIndex` keeps them) reuse their
    categories and codes; other columns are factorized once. Either way a per-cell test
    runs once per distinct value, not once per row.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories.to_numpy(dtype=object), column.cat.codes.to_numpy()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(uniques, dtype=object), codes


def _any_token_in(column: pd.Series, wanted: Sequence[str]) -> np.ndarray:
    """True where the ``;``-separated tokens of a cell include any of ``wanted``."""
    wanted_set = set(wanted)
    cells, codes = _cells_and_codes(column)
    per_cell = np.fromiter(
        (bool(wanted_set.intersection(cell.split(";"))) if isinstance(cell, str) else False
         for cell in cells),
        dtype=bool,
        count=len(cells),
    )  # fmt: skip
    found: np.ndarray = np.append(per_cell, False)[codes]
    return found


def _map_cells(column: pd.Series, mapping: Mapping[str, int], default: int) -> np.ndarray:
    """Map each cell through ``mapping`` (``default`` for NA and unknown values)."""
    cells, codes = _cells_and_codes(column)
    per_cell = np.fromiter(
        (mapping.get(cell, default) if isinstance(cell, str) else default for cell in cells),
        dtype=np.int64,
        count=len(cells),
    )
    mapped: np.ndarray = np.append(per_cell, default)[codes]
    return mapped


FILTER_FIELDS: Final = tuple(f.name for f in fields(Filter))
