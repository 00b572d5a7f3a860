"""Timeline and indicator charts: tidy chart data and Altair (Vega-Lite) specs.

Pure functions, no Streamlit: the pages call them and hand the specs to
``st.altair_chart``; a notebook can ``chart.save("x.html")`` the same specs. Vega ships
with Streamlit, so the charts render offline.

Chart data
----------
:func:`timeline_data` counts incidents and civilians killed per period (``day``,
``week``, ``month``, ``quarter``) with :func:`geo.aggregate.aggregate`, optionally split
by agency, state or zone. Civilians killed stay a range (minimum and maximum); the chart
draws the minimum as bars and the range up to the maximum as a translucent band.

Selections
----------
The timeline carries two Vega-Lite selection parameters the app reads back:

``brush`` (:data:`BRUSH`)
    an interval on the time axis; :func:`brushed_window` turns it into whole periods
    (first day of the first period, last day of the last), for the shared date filter.
``pick`` (:data:`PICK`)
    a click on a bar; :func:`picked_period` returns that bar's period label.

Dates go to Vega as ``YYYY-MM-DD`` strings on a UTC time scale, so a browser's time zone
never moves a bar to the previous day.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.aggregate import (
    NATIONAL_SCOPE,
    NO_AGENCY_CODE,
    OUTSIDE_CODE,
    UNLOCATED_CODE,
    aggregate,
    compare_peace_zones,
    homicide_share,
    indicators,
    period_keys,
    period_start,
)
from geo.config import data_dir
from geo.filters import Filter
from geo.geodata import Level
from geo.i18n import N_, _, format_number, format_range, vega_locale

TimelinePeriod = Literal["day", "week", "month", "quarter"]
TIMELINE_PERIODS: Final[tuple[TimelinePeriod, ...]] = ("day", "week", "month", "quarter")
GroupBy = Literal["agency", "state", "zone"]
GROUP_BYS: Final[tuple[GroupBy, ...]] = ("agency", "state", "zone")
Measure = Literal["incidents", "civilians_killed"]
MEASURES: Final[tuple[Measure, ...]] = ("incidents", "civilians_killed")

BRUSH: Final = "brush"
"""Name of the timeline's interval selection (a time window)."""
PICK: Final = "pick"
"""Name of the timeline's point selection (a clicked bar)."""

OLP_LAUNCH: Final = date(2015, 7, 13)
"""Launch of the Operación de Liberación del Pueblo (OLP), in Cota 905, Caracas."""

OTHER_GROUP: Final = "_other"
"""Group code of the groups beyond ``max_groups`` in :func:`timeline_data`."""

TIMELINE_COLUMNS: Final = (
    "period",
    "start",
    "end",
    "group",
    "group_name",
    "incidents",
    "civilians_killed_min",
    "civilians_killed_max",
    "civilians_killed_at_least",
    "imprecise_dates",
)
"""Columns of :func:`timeline_data` (``start``/``end``: ``YYYY-MM-DD`` text, ``end`` the
first day of the next period)."""

KEY_DATE_COLUMNS: Final = ("date", "label", "kind", "detail")

STATEMENT_COLUMNS: Final = (
    "agg_id",
    "period_start",
    "period_end",
    "scope",
    "metric",
    "value_min",
    "value_max",
    "source_publisher",
    "source_title",
    "source_url",
    "quote",
)

KILLED_METRIC: Final = re.compile(
    r"^(?!officers).*(?:civilians_killed|killed by|killings|executions)", re.I
)
"""Statement metrics comparable with counted civilians killed (deaths caused by security
forces, however the publisher worded it)."""

_DATE_FORMAT: Final = "%Y-%m-%d"
_BAR_COLOR: Final = "#4c6a8a"
_KILLED_COLOR: Final = "#a50f15"
_RULE_COLOR: Final = "#333333"
_KIND_COLORS: Final = {"launch": "#b35806", "peace_zone": "#1b7837", "statement": "#5e3c99"}


# ------------------------------------------------------------------------------ timeline
def _next_start(start: pd.Timestamp, period: TimelinePeriod) -> pd.Timestamp:
    if period == "day":
        return start + pd.Timedelta(days=1)
    if period == "week":
        return start + pd.Timedelta(days=7)
    if period == "month":
        return start + pd.DateOffset(months=1)
    return start + pd.DateOffset(months=3)


def _check_period(period: str) -> None:
    if period not in TIMELINE_PERIODS:
        raise ValueError(
            _("unknown period {period!r} (use {allowed})").format(
                period=period, allowed=", ".join(TIMELINE_PERIODS)
            )
        )


def _killed_texts(table: pd.DataFrame) -> list[str]:
    """Civilians killed per row as compact range text (``"14–16"``, ``"≥ 3"``), from the
    ``civilians_killed_min``/``_max``/``_at_least`` columns of an aggregate table."""
    return [
        format_range(lo, hi, at_least=bool(al), compact=True)
        for lo, hi, al in zip(
            table["civilians_killed_min"],
            table["civilians_killed_max"],
            table["civilians_killed_at_least"],
            strict=True,
        )
    ]


def _group_labels(code: str, name: str) -> str:
    if code == NO_AGENCY_CODE:
        return _("No agency")
    if code == UNLOCATED_CODE:
        return _("Unlocated at this level")
    if code == OUTSIDE_CODE:
        return _("Outside any zone")
    if code == OTHER_GROUP:
        return _("Other")
    return name


def timeline_data(
    incidents: pd.DataFrame,
    *,
    period: TimelinePeriod = "month",
    by: GroupBy | None = None,
    flt: Filter | None = None,
    zones: gpd.GeoDataFrame | None = None,
    max_groups: int = 8,
) -> pd.DataFrame:
    """Count incidents and civilians killed per period (× agency, state or zone).

    Parameters
    ----------
    incidents
        Canonical incident frame (:mod:`geo.incidents`).
    period
        ``day``, ``week`` (from Monday), ``month`` or ``quarter``; an incident counts in
        the period holding its ``date`` (see :mod:`geo.aggregate`).
    by
        ``None``: one row per period, every incident once. ``"agency"``: a
        multi-agency incident counts once per agency; ``"state"``: the unlocated ones
        in their own group; ``"zone"``: an incident counts in each zone it is in, or
        outside/unlocated.
    flt
        Optional filter applied first.
    zones
        Zone frame for ``by="zone"`` (default: the shipped zones).
    max_groups
        Groups beyond the largest ``max_groups`` (by incidents) are summed as
        :data:`OTHER_GROUP`.

    Returns
    -------
    pandas.DataFrame
        :data:`TIMELINE_COLUMNS`, sorted by ``start`` then group; no row for an empty
        period. ``group`` is ``""`` when ``by`` is ``None``.
    """
    _check_period(period)
    if by is not None and by not in GROUP_BYS:
        raise ValueError(
            _("unknown grouping {by!r} (use {allowed})").format(by=by, allowed=", ".join(GROUP_BYS))
        )
    level: Level = "zone" if by == "zone" else "state"
    table = aggregate(
        incidents, level=level, period=period, by_agency=by == "agency", flt=flt, zones=zones
    )
    table = table[table["period"] != "_undated"]
    values = [
        "incidents",
        "civilians_killed_min",
        "civilians_killed_max",
        "civilians_killed_at_least",
        "imprecise_dates",
    ]
    if by is None:
        table = table.assign(group="", group_name="")
    elif by == "agency":
        table = table.assign(group=table["agency"], group_name=table["agency"])
    else:
        table = table.assign(group=table["area_code"], group_name=table["area_name"])
    if by is not None and max_groups > 0:
        sizes = table.groupby("group")["incidents"].sum().sort_values(ascending=False)
        keep = set(sizes.index[:max_groups])
        other = ~table["group"].isin(keep)
        if other.any():
            table = table.assign(
                group=table["group"].where(~other, OTHER_GROUP),
                group_name=table["group_name"].where(~other, OTHER_GROUP),
            )
    grouped = table.groupby(["period", "period_start", "group", "group_name"], as_index=False).agg(
        {c: "max" if c == "civilians_killed_at_least" else "sum" for c in values}
    )
    starts = pd.to_datetime(grouped["period_start"])
    grouped["start"] = starts.dt.strftime(_DATE_FORMAT)
    grouped["end"] = [_next_start(s, period).strftime(_DATE_FORMAT) for s in starts]
    grouped["group_name"] = [
        _group_labels(str(c), str(n))
        for c, n in zip(grouped["group"], grouped["group_name"], strict=True)
    ]
    grouped = grouped.sort_values(["start", "group"]).reset_index(drop=True)
    for column in values:
        if column != "civilians_killed_at_least":
            grouped[column] = grouped[column].astype(np.int64)
    grouped["civilians_killed_at_least"] = grouped["civilians_killed_at_least"].astype(bool)
    return grouped[list(TIMELINE_COLUMNS)]


# ------------------------------------------------------------------------------ key dates
def load_peace_zone_designations(path: str | Path | None = None) -> pd.DataFrame:
    """Read the dated peace-zone designations of ``data/incidents/peace_zones.csv``.

    Returns
    -------
    pandas.DataFrame
        ``pz_id``, ``name``, ``designated_date`` (datetime64), ``date_precision``,
        ``source_publisher``, ``source_url``; undated rows are left out.
    """
    source = Path(path) if path is not None else data_dir() / "incidents" / "peace_zones.csv"
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    raw = raw[raw["designated_date"].str.strip() != ""]
    return pd.DataFrame(
        {
            "pz_id": raw["pz_id"].to_numpy(),
            "name": raw["name"].to_numpy(),
            "designated_date": pd.to_datetime(raw["designated_date"]).to_numpy(),
            "date_precision": raw["date_precision"].to_numpy(),
            "source_publisher": raw["source_publisher"].to_numpy(),
            "source_url": raw["source_url"].to_numpy(),
        }
    ).reset_index(drop=True)


def _optional_float(text: str) -> float:
    text = text.strip()
    return float(text) if text else math.nan


def load_aggregate_statements(path: str | Path | None = None) -> pd.DataFrame:
    """Read dated aggregate statements (official or NGO totals for a period).

    Reads ``data/incidents/aggregates.csv`` (or ``path``, same columns). These are
    *reported totals*, not counted incidents: never add them to incident counts.

    Returns
    -------
    pandas.DataFrame
        :data:`STATEMENT_COLUMNS`; ``period_start``/``period_end`` datetime64,
        ``value_min`` float, ``value_max`` float (NaN when only a lower bound was
        reported).

    Raises
    ------
    ValueError
        If a row has an unreadable date or number (the message names file, row, column).
    """
    source = Path(path) if path is not None else data_dir() / "incidents" / "aggregates.csv"
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    records = []
    for line, row in enumerate(raw.to_dict("records"), start=2):
        record: dict[str, object] = {c: row.get(c, "") for c in STATEMENT_COLUMNS}
        for column, parse in (
            ("period_start", pd.Timestamp),
            ("period_end", pd.Timestamp),
            ("value_min", _optional_float),
            ("value_max", _optional_float),
        ):
            try:
                record[column] = parse(str(row[column]).strip())
            except (ValueError, KeyError) as error:
                raise ValueError(
                    _("{file}, row {row}, column {column}: {reason}").format(
                        file=source.name, row=line, column=column, reason=error
                    )
                ) from error
        records.append(record)
    frame = pd.DataFrame(records, columns=list(STATEMENT_COLUMNS))
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def scope_label(scope: object) -> str:
    """The scope of a reported total as shown: ``national`` in the reader's language, a
    state's name as written."""
    text = str(scope)
    return _("national") if text.strip().casefold() == "national" else text


def killed_statements(statements: pd.DataFrame) -> pd.DataFrame:
    """Keep the statements about people killed by security forces (:data:`KILLED_METRIC`)."""
    keep = statements["metric"].astype(str).str.contains(KILLED_METRIC)
    return statements[keep].reset_index(drop=True)


def key_dates(
    *,
    designations: pd.DataFrame | None = None,
    statements: pd.DataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return the dates the timeline marks, in date order.

    * ``launch``: the OLP launch (:data:`OLP_LAUNCH`, Cota 905);
    * ``peace_zone``: peace-zone designations, from ``designations``
      (:func:`load_peace_zone_designations`) and the zones' ``peace_zone_since``; several
      on one day make one marker;
    * ``statement``: the end of the period of each statement about people killed
      (:func:`killed_statements`), labelled with its id and reported total.

    Returns
    -------
    pandas.DataFrame
        :data:`KEY_DATE_COLUMNS`: ``date`` (``YYYY-MM-DD``), short ``label``, ``kind``,
        ``detail`` (longer text for the tooltip).
    """
    rows: list[dict[str, str]] = [
        {
            "date": OLP_LAUNCH.isoformat(),
            "label": _("OLP launch"),
            "kind": "launch",
            "detail": _("Operación de Liberación del Pueblo launched in Cota 905, Caracas"),
        }
    ]
    named: dict[str, list[str]] = {}
    if designations is not None:
        for day, name in zip(designations["designated_date"], designations["name"], strict=True):
            named.setdefault(pd.Timestamp(day).strftime(_DATE_FORMAT), []).append(str(name))
    if zones is not None and "peace_zone_since" in zones:
        for since, name in zip(zones["peace_zone_since"], zones["name"], strict=True):
            if isinstance(since, str) and since.strip():
                names = named.setdefault(since.strip(), [])
                if str(name) not in names:
                    names.append(str(name))
    for day, names in named.items():
        rows.append(
            {
                "date": day,
                "label": _("Peace zones ({n})").format(n=len(names)),
                "kind": "peace_zone",
                "detail": "; ".join(names),
            }
        )
    said: dict[str, list[tuple[str, str]]] = {}
    if statements is not None:
        for row in killed_statements(statements).to_dict("records"):
            high = float(row["value_max"])
            total = format_range(
                float(row["value_min"]), None if math.isnan(high) else high, compact=True
            )
            day = pd.Timestamp(row["period_end"]).strftime(_DATE_FORMAT)
            said.setdefault(day, []).append(
                (
                    _("{id}: {total} reported").format(id=row["agg_id"], total=total),
                    f"{row['agg_id']} {total}: {row['metric']} · {scope_label(row['scope'])} · "
                    f"{row['source_publisher']}",
                )
            )
    for day, items in said.items():
        rows.append(
            {
                "date": day,
                "label": items[0][0]
                if len(items) == 1
                else _("{n} reported totals").format(n=len(items)),
                "kind": "statement",
                "detail": " | ".join(detail for _label, detail in items),
            }
        )
    frame = pd.DataFrame(rows, columns=list(KEY_DATE_COLUMNS))
    return frame.sort_values(["date", "kind"], kind="stable").reset_index(drop=True)


def _within(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return frame[(frame["date"] >= start) & (frame["date"] < end)]


# ------------------------------------------------------------------------------ the chart
def _measure_titles(measure: Measure) -> str:
    return _("Incidents") if measure == "incidents" else _("Civilians killed")


def timeline_chart(
    data: pd.DataFrame,
    *,
    measure: Measure = "civilians_killed",
    layout: Literal["stacked", "faceted"] = "stacked",
    marks: pd.DataFrame | None = None,
    window: tuple[date | None, date | None] = (None, None),
    width: int | Literal["container"] = "container",
    height: int = 280,
) -> alt.TopLevelMixin:
    """Build the timeline: bars per period, the killed range as a band, key-date rules.

    Parameters
    ----------
    data
        :func:`timeline_data`.
    measure
        ``"incidents"`` (bars) or ``"civilians_killed"`` (bars at the minimum, a
        translucent band from the minimum to the maximum of the period's total).
    layout
        ``"stacked"`` (groups stacked, one color each) or ``"faceted"`` (one row per
        group, shared time axis).
    marks
        :func:`key_dates`; only those inside the data's time span are drawn, as dashed
        rules (launch orange, peace zones green, statements purple); launch and
        peace-zone rules are labelled, statement rules only have a tooltip (there are
        many, often on the same day).
    window
        The filter's first and last day (``None``: open): the time axis spans them, so
        a narrow filter is not stretched to the few periods that have data.
    width, height
        Size in pixels of the plot (of each row when faceted).

    Returns
    -------
    altair.TopLevelMixin
        A chart with the :data:`BRUSH` (x interval) and :data:`PICK` (click on a bar)
        selection parameters.
    """
    if measure not in MEASURES:
        raise ValueError(
            _("unknown measure {measure!r} (use {allowed})").format(
                measure=measure, allowed=", ".join(MEASURES)
            )
        )
    grouped = bool((data["group"] != "").any()) if len(data) else False
    frame = data.copy()
    frame["killed_text"] = _killed_texts(frame)
    value = "incidents" if measure == "incidents" else "civilians_killed_min"
    first = (
        window[0].isoformat() if window[0] else (str(frame["start"].min()) if len(frame) else None)
    )
    after = (
        (window[1] + timedelta(days=1)).isoformat()
        if window[1]
        else (str(frame["end"].max()) if len(frame) else None)
    )
    scale = (
        alt.Scale(type="utc", domain=[first, after]) if first and after else alt.Scale(type="utc")
    )
    x = alt.X("start:T", title=None, scale=scale)
    y_title = _measure_titles(measure)
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    pick = alt.selection_point(name=PICK, fields=["period"], on="click", clear="dblclick")
    tooltip = [
        alt.Tooltip("period:N", title=_("Period")),
        alt.Tooltip("incidents:Q", title=_("Incidents")),
        alt.Tooltip("killed_text:N", title=_("Civilians killed")),
        alt.Tooltip("imprecise_dates:Q", title=_("Incidents dated only to a longer period")),
    ]
    if grouped:
        tooltip.insert(1, alt.Tooltip("group_name:N", title=_("Group")))
    color: Any = (
        alt.Color("group_name:N", title=None, legend=alt.Legend(orient="bottom"))
        if grouped and layout == "stacked"
        else alt.value(_KILLED_COLOR if measure == "civilians_killed" else _BAR_COLOR)
    )
    base = alt.Chart(frame)
    bars = (
        base.mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            x2="end:T",
            y=alt.Y(
                f"sum({value}):Q",
                title=y_title,
                stack="zero",
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            color=color,
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
            tooltip=tooltip,
        )
        .add_params(brush, pick)
    )
    layers: list[alt.Chart] = [bars]
    if measure == "civilians_killed":
        band = (
            base.transform_aggregate(
                low="sum(civilians_killed_min)",
                high="sum(civilians_killed_max)",
                groupby=["start", "end", "period"],
            )
            .transform_filter("datum.high > datum.low")
            .mark_bar(color=_KILLED_COLOR, opacity=0.22, stroke=_KILLED_COLOR, strokeDash=[3, 2])
            .encode(
                x=alt.X("start:T"),
                x2="end:T",
                y="low:Q",
                y2="high:Q",
                tooltip=[
                    alt.Tooltip("period:N", title=_("Period")),
                    alt.Tooltip("low:Q", title=_("Civilians killed, minimum")),
                    alt.Tooltip("high:Q", title=_("Civilians killed, maximum")),
                ],
            )
        )
        layers.append(band)
    if marks is not None and len(marks) and len(frame):
        shown = _within(marks, str(first), str(after)).copy()
        if len(shown):
            labelled = (shown["kind"] != "statement").to_numpy()
            shown["slot"] = np.where(labelled, np.cumsum(labelled) - 1, 0) % 3
            rules = (
                alt.Chart(shown)
                .mark_rule(strokeDash=[4, 3], strokeWidth=1.2)
                .encode(
                    x=alt.X("date:T"),
                    color=alt.Color(
                        "kind:N",
                        scale=alt.Scale(
                            domain=list(_KIND_COLORS), range=list(_KIND_COLORS.values())
                        ),
                        legend=None,
                    ),
                    tooltip=[
                        alt.Tooltip("date:T", title=_("Date"), format="%Y-%m-%d"),
                        alt.Tooltip("label:N", title=_("Key date")),
                        alt.Tooltip("detail:N", title=_("Details")),
                    ],
                )
            )
            labels = (
                alt.Chart(shown[shown["kind"] != "statement"])
                .mark_text(align="left", baseline="top", dx=3, fontSize=10, color=_RULE_COLOR)
                .encode(
                    x=alt.X("date:T"),
                    y=alt.value(alt.expr("datum.slot * 12 + 2")),
                    text="label:N",
                )
            )
            if layout == "stacked" or not grouped:
                layers += [rules, labels]
    chart: alt.TopLevelMixin
    if grouped and layout == "faceted":
        # facet cells cannot take the container's width: give them a fixed one
        cell = width if isinstance(width, int) else 860
        inner = alt.layer(*layers[:2]).properties(width=cell, height=max(60, height // 3))
        chart = inner.facet(
            row=alt.Row(
                "group_name:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        ).resolve_scale(y="independent")
    else:
        # the key-date rules have their own colors, not the groups'
        chart = (
            alt.layer(*layers)
            .properties(width=width, height=height)
            .resolve_scale(color="independent")
        )
    # month names and separators of the active language (Vega's own are English)
    configured: alt.TopLevelMixin = chart.configure_view(stroke=None).configure(
        locale=vega_locale()
    )
    return configured


# ------------------------------------------------------------------------------ selections
def _to_day(value: object) -> date | None:
    """A Vega selection value (epoch ms, ISO text, date) as a UTC calendar day."""
    day: date | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        day = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)).date()
    elif isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str) and value.strip():
        stamp = pd.Timestamp(value.strip())
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC")
        day = stamp.date()
    return day


def _period_of(day: date, period: TimelinePeriod) -> tuple[date, date]:
    """(first day, last day) of the period holding ``day``."""
    labels, _imprecise = period_keys(pd.Series([pd.Timestamp(day)]), pd.Series([pd.NaT]), period)
    first = pd.Timestamp(str(period_start(str(labels[0]), period)))
    return first.date(), (_next_start(first, period) - pd.Timedelta(days=1)).date()


def brushed_window(
    selection: Mapping[str, object] | None, *, period: TimelinePeriod
) -> tuple[date, date] | None:
    """Return the time window a brush covers, widened to whole periods.

    Parameters
    ----------
    selection
        The chart's selection state (``event.selection`` of ``st.altair_chart``): its
        :data:`BRUSH` entry maps the x field to ``[start, end]`` (epoch milliseconds or
        ISO dates, UTC).
    period
        The timeline's period: the window runs from the first day of the period holding
        the start to the last day of the period holding the end.

    Returns
    -------
    tuple of datetime.date or None
        ``(first, last)``, both included; ``None`` when nothing is brushed.
    """
    _check_period(period)
    if not selection:
        return None
    brush = selection.get(BRUSH)
    if not isinstance(brush, Mapping) or not brush:
        return None
    bounds = next(iter(brush.values()))
    if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
        return None
    ends = [_to_day(bound) for bound in bounds]
    if ends[0] is None or ends[1] is None:
        return None
    low, high = sorted((ends[0], ends[1]))
    return _period_of(low, period)[0], _period_of(high, period)[1]


def picked_period(selection: Mapping[str, object] | None) -> str | None:
    """Return the period label of the clicked bar (:data:`PICK`), or ``None``."""
    if not selection:
        return None
    pick = selection.get(PICK)
    if isinstance(pick, Sequence) and not isinstance(pick, str) and pick:
        first = pick[0]
        if isinstance(first, Mapping) and first.get("period"):
            return str(first["period"])
    return None


def incidents_in_period(
    incidents: pd.DataFrame,
    sources: pd.DataFrame,
    *,
    period: TimelinePeriod,
    label: str,
) -> pd.DataFrame:
    """List the incidents of one timeline period with their sources.

    Parameters
    ----------
    incidents
        Canonical incident frame (already filtered).
    sources
        Their sources (:data:`geo.incidents.SOURCE_COLUMNS`).
    period, label
        The timeline's period and a label of :func:`timeline_data` (``2015-07``).

    Returns
    -------
    pandas.DataFrame
        ``incident_id``, ``date``, ``date_precision``, ``place``, ``agencies``,
        ``civilians_killed`` (range text), ``sources`` (one ``publisher (date): url``
        per line), in date order.
    """
    _check_period(period)
    labels, _imprecise = period_keys(incidents["date"], incidents["date_end"], period)
    chosen = incidents[labels == label].sort_values(["date", "incident_id"])
    by_incident: dict[str, list[str]] = {}
    for row in sources.to_dict("records"):
        text = f"{row['publisher']} ({row['date']})"
        if row["url"]:
            text += f": {row['url']}"
        by_incident.setdefault(str(row["incident_id"]), []).append(text)
    places = []
    for row in chosen.itertuples():
        parts = [str(getattr(row, c)) for c in ("place_name", "municipality", "state")]
        places.append(", ".join(dict.fromkeys(p for p in parts if p and p not in ("nan", "<NA>"))))
    killed = [
        format_range(
            None if pd.isna(lo) else int(lo), None if pd.isna(hi) else int(hi), compact=True
        )
        for lo, hi in zip(
            chosen["civilians_killed_min"], chosen["civilians_killed_max"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "incident_id": chosen["incident_id"].astype(str).to_numpy(),
            "date": pd.to_datetime(chosen["date"]).dt.strftime(_DATE_FORMAT).to_numpy(),
            "date_precision": chosen["date_precision"].astype(str).to_numpy(),
            "place": places,
            "agencies": chosen["agencies"].fillna("").astype(str).to_numpy(),
            "civilians_killed": killed,
            "sources": ["\n".join(by_incident.get(str(i), [])) for i in chosen["incident_id"]],
        }
    )


# ------------------------------------------------------------------------------ coverage
def statement_coverage(
    statements: pd.DataFrame,
    incidents: pd.DataFrame,
    *,
    state_codes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Put each statement about people killed beside the incidents counted for it.

    For every :func:`killed_statements` row, the counted civilians killed are those of
    ``incidents`` whose whole date interval lies in the statement's period, in the whole
    country (scope ``national``...) or in the state its scope names (``state_codes``:
    state name → ISO code, matched case-insensitively at the start of the scope).
    Statements about a smaller place (a parish, a barrio) are not comparable:
    ``counted_*`` are NA there.

    Returns
    -------
    pandas.DataFrame
        ``agg_id``, ``period_start``, ``period_end``, ``scope``, ``metric``,
        ``reported_min``, ``reported_max`` (NaN: open), ``counted_min``,
        ``counted_max`` (``Int64``), ``coverage_min``/``coverage_max`` (counted ÷
        reported, fractions; NaN when not comparable), ``source_publisher``.
    """
    chosen = killed_statements(statements)
    start = pd.to_datetime(incidents["date"])
    end = pd.to_datetime(incidents["date_end"]).fillna(start)
    state = incidents["state_code"].fillna("").astype(str)
    low = pd.to_numeric(incidents["civilians_killed_min"]).fillna(0)
    high = pd.to_numeric(incidents["civilians_killed_max"]).fillna(low)
    names = {name.casefold(): code for name, code in (state_codes or {}).items()}
    records = []
    for row in chosen.itertuples():
        scope = str(row.scope).strip()
        first, last = pd.Timestamp(str(row.period_start)), pd.Timestamp(str(row.period_end))
        inside = (start >= first) & (end <= last)
        if scope.casefold().startswith("national"):
            comparable = True
        else:
            code = next((c for n, c in names.items() if scope.casefold().startswith(n)), None)
            comparable = code is not None
            inside &= state == (code or "")
        counted_min = int(low[inside].sum()) if comparable else None
        counted_max = int(high[inside].sum()) if comparable else None
        reported_min, reported_max = float(str(row.value_min)), float(str(row.value_max))
        records.append(
            {
                "agg_id": row.agg_id,
                "period_start": row.period_start,
                "period_end": row.period_end,
                "scope": scope,
                "metric": row.metric,
                "reported_min": reported_min,
                "reported_max": reported_max,
                "counted_min": counted_min,
                "counted_max": counted_max,
                "coverage_min": (
                    counted_min / (reported_max if not math.isnan(reported_max) else math.inf)
                    if counted_min is not None and reported_min > 0
                    else math.nan
                ),
                "coverage_max": (
                    counted_max / reported_min
                    if counted_max is not None and reported_min > 0
                    else math.nan
                ),
                "source_publisher": row.source_publisher,
            }
        )
    frame = pd.DataFrame(
        records,
        columns=[
            "agg_id", "period_start", "period_end", "scope", "metric", "reported_min",
            "reported_max", "counted_min", "counted_max", "coverage_min", "coverage_max",
            "source_publisher",
        ],
    )  # fmt: skip
    for column in ("counted_min", "counted_max"):
        frame[column] = frame[column].astype("Int64")
    return frame


def coverage_chart(
    coverage: pd.DataFrame, *, width: int | Literal["container"] = "container"
) -> alt.TopLevelMixin:
    """Reported totals beside counted civilians killed, one row per comparable statement.

    The reported total is drawn as a hollow bar labelled "reported total, not counted
    incidents"; the counted minimum as a solid bar inside it, the counted range as a
    tick pair. Non-comparable statements (no counted value) are left out.
    """
    shown = coverage[coverage["counted_min"].notna()].copy()
    reported = _("Reported total, not counted incidents")
    counted = _("Counted incidents (civilians killed)")
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "statement": shown["agg_id"] + " · " + shown["scope"].map(scope_label),
                    "kind": reported,
                    "low": shown["reported_min"].astype(float),
                    "high": shown["reported_max"].astype(float).fillna(shown["reported_min"]),
                    "source": shown["source_publisher"],
                    "metric": shown["metric"],
                }
            ),
            pd.DataFrame(
                {
                    "statement": shown["agg_id"] + " · " + shown["scope"].map(scope_label),
                    "kind": counted,
                    "low": shown["counted_min"].astype(float),
                    "high": shown["counted_max"].astype(float),
                    "source": shown["source_publisher"],
                    "metric": shown["metric"],
                }
            ),
        ],
        ignore_index=True,
    )
    base = alt.Chart(long).encode(
        y=alt.Y("statement:N", title=None, sort=None),
        yOffset=alt.YOffset("kind:N", sort=[reported, counted]),
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(domain=[reported, counted], range=["#9e9e9e", _KILLED_COLOR]),
            legend=alt.Legend(orient="bottom", labelLimit=400),
        ),
        tooltip=[
            alt.Tooltip("statement:N", title=_("Statement")),
            alt.Tooltip("kind:N", title=_("What")),
            alt.Tooltip("low:Q", title=_("Minimum")),
            alt.Tooltip("high:Q", title=_("Maximum")),
            alt.Tooltip("metric:N", title=_("As reported")),
            alt.Tooltip("source:N", title=_("Source")),
        ],
    )
    bars = base.mark_bar(height={"band": 0.45}).encode(
        x=alt.X("low:Q", title=_("Civilians killed"))
    )
    ranges = base.mark_rule(strokeWidth=2, strokeDash=[3, 2]).encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, ranges).properties(width=width)


# ------------------------------------------------------------------------------ indicators
INDICATORS: Final[tuple[tuple[str, str, str, float | None], ...]] = (
    (
        "killed_per_officer_killed",
        N_("Civilians killed per officer killed"),
        N_(
            "How many civilians security forces killed for each officer killed. In "
            "genuine armed confrontations both sides suffer losses; Chevigny's rule of "
            "thumb is that a ratio above 10 : 1 suggests force used beyond self-defence."
        ),
        10.0,
    ),
    (
        "lethality_index",
        N_("Lethality index (killed ÷ injured civilians)"),
        N_(
            "Civilians killed for each civilian injured. Firearms usually wound more "
            "people than they kill, so an index above 1 (more dead than wounded) "
            "suggests an intent to kill rather than to stop."
        ),
        1.0,
    ),
    (
        "killed_per_incident",
        N_("Civilians killed per incident"),
        N_(
            "Average civilians killed per incident. Several deaths per operation with "
            "no one wounded or arrested is a warning sign; there is no standard threshold."
        ),
        None,
    ),
    (
        "share_deaths_no_officer_casualties",
        N_("Share of incidents with deaths and no officer casualties"),
        N_(
            "Share of incidents in which civilians died and no officer was killed or "
            "injured. A high share contradicts accounts of armed confrontation."
        ),
        None,
    ),
)
"""(column stem, label, plain explanation with its usual threshold, threshold or None).

The share of all homicides caused by security forces (above about 10 % is considered
abnormal) needs homicide totals: see :func:`geo.aggregate.homicide_share`."""

HOMICIDE_SHARE_HELP: Final = N_(
    "Share of all homicides caused by security forces, against the homicide totals of one "
    "source. More than about one homicide in ten is usually taken as a sign of abusive use "
    "of lethal force."
)


def _ratio_text(low: float, high: float) -> str:
    if math.isnan(low):
        return "—"
    lo, hi = f"{low:.1f}", f"{high:.1f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _share_text(low: float, high: float) -> str:
    if math.isnan(low):
        return "—"
    lo, hi = round(low * 100), round(high * 100)
    return f"{lo} %" if lo == hi else f"{lo}–{hi} %"


def _homicide_share_text(low: float, high: float, *, at_least: bool) -> str:
    """A homicide share with one decimal (shares are often below 1 %), open-ended like
    the counts it comes from: ``"0.2 %"``, ``"16.0–18.0 %"``, ``"≥ 10.0 %"``,
    ``"1.5–2.0+ %"``; numbers formatted for the language."""
    lo, hi = format_number(low * 100, decimals=1), format_number(high * 100, decimals=1)
    if lo == hi:
        return ("≥ " if at_least else "") + lo + " %"
    return f"{lo}–{hi}{'+' if at_least else ''} %"


def homicide_share_table(
    incidents: pd.DataFrame,
    homicides: pd.DataFrame,
    *,
    state_names: Mapping[str, str],
    flt: Filter | None = None,
) -> pd.DataFrame:
    """The share of homicides caused by security forces, one row per scope and year.

    :func:`geo.aggregate.homicide_share` of the incidents under ``flt`` against the
    ``homicides`` of one source (:func:`geo.aggregate.load_homicide_totals`). The filter
    applies except its dates: a homicide total is for a whole year, so each year counts
    its whole incidents, and only the years that meet the filter's window are kept. With
    no totals the table is empty: the indicator is absent, never zero.

    Returns
    -------
    pandas.DataFrame
        ``scope`` (state name, or "Venezuela (whole country)"), ``year``, ``homicides``
        (range text), ``civilians_killed`` (range text), ``share_min``/``share_max``
        (fractions, for sorting), ``share`` (percent text with one decimal, open-ended when
        a count is)
        and ``source``; national rows first, then by state and year.
    """
    if flt is not None:
        incidents = incidents[
            dataclasses.replace(flt, date_from=None, date_to=None).mask(incidents)
        ]
        first = flt.date_from.year if flt.date_from else None
        last = flt.date_to.year if flt.date_to else None
        years = homicides["year"].astype(int)
        homicides = homicides[(years >= (first or years.min())) & (years <= (last or years.max()))]
    share = homicide_share(incidents, homicides)
    national = share["scope_code"] == NATIONAL_SCOPE
    out = pd.DataFrame(
        {
            "scope": [
                _("Venezuela (whole country)")
                if code == NATIONAL_SCOPE
                else state_names.get(code, code)
                for code in share["scope_code"]
            ],
            "year": share["year"].astype(np.int64),
            "homicides": [
                format_range(int(lo), int(hi), compact=True)
                for lo, hi in zip(share["homicides_min"], share["homicides_max"], strict=True)
            ],
            "civilians_killed": _killed_texts(share) if len(share) else [],
            "share_min": share["share_min"].astype(float),
            "share_max": share["share_max"].astype(float),
            "share": [
                _homicide_share_text(float(lo), float(hi), at_least=bool(at_least))
                for lo, hi, at_least in zip(
                    share["share_min"],
                    share["share_max"],
                    share["civilians_killed_at_least"],
                    strict=True,
                )
            ],
            "source": share["source"].astype(str),
            "_national": national.to_numpy(dtype=bool),
        }
    )
    out = out.sort_values(["_national", "scope", "year"], ascending=[False, True, True])
    return out.drop(columns="_national").reset_index(drop=True)


def indicator_table(
    incidents: pd.DataFrame,
    *,
    level: Level,
    flt: Filter | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Counts and lethal-force indicators per area of ``level``, one row per area.

    :func:`geo.aggregate.aggregate` then :func:`geo.aggregate.indicators`; each ratio
    keeps its minimum and maximum (numbers, for sorting) and a text with the counts
    (``"14–16 : 1"``). A ratio with a zero denominator is NaN (never infinite).

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``area_name``, ``incidents``, ``civilians_killed``
        (range text), ``civilians_killed_min``/``_max``, ``civilians_injured``,
        ``officers_killed``, ``officers_injured``, then for each of :data:`INDICATORS`
        ``<stem>_min``, ``<stem>_max`` and ``<stem>_text``; sorted by civilians killed
        (maximum, then minimum), the buckets last.
    """
    table = indicators(aggregate(incidents, level=level, flt=flt, zones=zones))
    out = pd.DataFrame(
        {
            "area_code": table["area_code"].astype(str),
            "area_name": [
                _group_labels(str(c), str(n))
                for c, n in zip(table["area_code"], table["area_name"], strict=True)
            ],
            "incidents": table["incidents"].astype(np.int64),
            "civilians_killed": _killed_texts(table),
            "civilians_killed_min": table["civilians_killed_min"].astype(np.int64),
            "civilians_killed_max": table["civilians_killed_max"].astype(np.int64),
            "civilians_injured": table["civilians_injured"].astype(np.int64),
            "officers_killed": table["officers_killed"].astype(np.int64),
            "officers_injured": table["officers_injured"].astype(np.int64),
        }
    )
    for stem, _label, _help, _threshold in INDICATORS:
        low = [float(v) for v in table[f"{stem}_min"]]
        high = [float(v) for v in table[f"{stem}_max"]]
        out[f"{stem}_min"], out[f"{stem}_max"] = low, high
        if stem.startswith("share"):
            out[f"{stem}_text"] = [_share_text(a, b) for a, b in zip(low, high, strict=True)]
        elif f"{stem}_text" in table:
            out[f"{stem}_text"] = [
                f"{_ratio_text(a, b)} ({t})"
                for a, b, t in zip(low, high, table[f"{stem}_text"], strict=True)
            ]
        else:
            out[f"{stem}_text"] = [_ratio_text(a, b) for a, b in zip(low, high, strict=True)]
    bucket = out["area_code"].str.startswith("_")
    out = out.assign(_bucket=bucket).sort_values(
        ["_bucket", "civilians_killed_max", "civilians_killed_min", "area_name"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    return out.drop(columns="_bucket").reset_index(drop=True)


def indicator_small_multiples(
    table: pd.DataFrame, *, max_areas: int = 12, width: int = 180
) -> alt.TopLevelMixin:
    """One panel per indicator, one row per area: the min–max range and the threshold.

    Parameters
    ----------
    table
        :func:`indicator_table`; the ``max_areas`` first real areas are drawn (buckets
        and areas whose indicator has no denominator are left out of that panel).
    """
    areas = table[~table["area_code"].str.startswith("_")].head(max_areas)
    order = list(areas["area_name"])
    rows = []
    for stem, label, _help, threshold in INDICATORS:
        for area in areas.itertuples():
            low = float(getattr(area, f"{stem}_min"))
            high = float(getattr(area, f"{stem}_max"))
            if math.isnan(low):
                continue
            rows.append(
                {
                    "indicator": _(label),
                    "area_name": area.area_name,
                    "low": low,
                    "high": high,
                    "text": getattr(area, f"{stem}_text"),
                    "threshold": threshold if threshold is not None else math.nan,
                }
            )
    long = pd.DataFrame(
        rows, columns=["indicator", "area_name", "low", "high", "text", "threshold"]
    )
    y = alt.Y("area_name:N", title=None, sort=order)
    base = alt.Chart().encode(
        y=y,
        tooltip=[
            alt.Tooltip("area_name:N", title=_("Area")),
            alt.Tooltip("indicator:N", title=_("Indicator")),
            alt.Tooltip("text:N", title=_("Value")),
        ],
    )
    span = base.mark_rule(strokeWidth=3, color=_KILLED_COLOR).encode(
        x=alt.X("low:Q", title=None), x2="high:Q"
    )
    low_point = base.mark_point(filled=True, color=_KILLED_COLOR, size=40).encode(x="low:Q")
    high_point = base.mark_point(color=_KILLED_COLOR, size=40).encode(x="high:Q")
    threshold = (
        alt.Chart()
        .transform_filter("isValid(datum.threshold) && isFinite(datum.threshold)")
        .mark_rule(color=_RULE_COLOR, strokeDash=[4, 3])
        .encode(x="threshold:Q")
    )
    layered = alt.layer(span, low_point, high_point, threshold, data=long).properties(width=width)
    chart: alt.TopLevelMixin = layered.facet(
        column=alt.Column(
            "indicator:N",
            title=None,
            sort=[_(label) for _stem, label, _help, _threshold in INDICATORS],
            header=alt.Header(labelLimit=width),
        ),
    ).resolve_scale(x="independent")
    return chart


# ------------------------------------------------------------------------------ peace zones
def peace_zone_table(
    incidents: pd.DataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    ring_m: float | None = None,
) -> pd.DataFrame:
    """The peace-zone comparison (:func:`geo.aggregate.compare_peace_zones`) with text.

    Adds ``civilians_killed`` (range text) and translated ``place_label`` and
    ``phase_label``; only the ``inside``/``ring`` × ``all``/``before``/``after`` rows.
    """
    kwargs = {} if ring_m is None else {"ring_m": ring_m}
    table = compare_peace_zones(incidents, zones=zones, **kwargs)
    places = {"inside": _("Inside the zone"), "ring": _("Surrounding ring")}
    phases = {
        "all": _("All dates"),
        "before": _("Before designation"),
        "after": _("After designation"),
        "straddling": _("Spanning the designation"),
    }
    table = table[table["phase"].isin(["all", "before", "after"])].copy()
    table["place_label"] = table["place"].map(places)
    table["phase_label"] = table["phase"].map(phases)
    table["civilians_killed"] = _killed_texts(table)
    return table.reset_index(drop=True)


def peace_zone_chart(table: pd.DataFrame, *, width: int = 160) -> alt.TopLevelMixin:
    """Small multiples per peace zone: civilians killed inside vs. in the ring, per phase.

    Bars at the minimum, a translucent band up to the maximum (:func:`peace_zone_table`).
    """
    inside, ring = _("Inside the zone"), _("Surrounding ring")
    base = alt.Chart().encode(
        x=alt.X("phase_label:N", title=None, sort=None),
        xOffset=alt.XOffset("place_label:N", sort=[inside, ring]),
        color=alt.Color(
            "place_label:N",
            title=None,
            scale=alt.Scale(domain=[inside, ring], range=[_KILLED_COLOR, "#9e9e9e"]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("zone_name:N", title=_("Zone")),
            alt.Tooltip("place_label:N", title=_("Where")),
            alt.Tooltip("phase_label:N", title=_("When")),
            alt.Tooltip("incidents:Q", title=_("Incidents")),
            alt.Tooltip("civilians_killed:N", title=_("Civilians killed")),
        ],
    )
    bars = base.mark_bar().encode(y=alt.Y("civilians_killed_min:Q", title=_("Civilians killed")))
    band = base.mark_bar(opacity=0.25).encode(
        y="civilians_killed_min:Q", y2="civilians_killed_max:Q"
    )
    layered = alt.layer(bars, band, data=table.drop(columns=["geometry"], errors="ignore"))
    chart: alt.TopLevelMixin = layered.properties(width=width, height=160).facet(
        facet=alt.Facet("zone_name:N", title=None), columns=4
    )
    return chart
