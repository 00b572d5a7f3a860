"""Timeline page: incidents and civilians killed over time, key dates, reported totals.

Brushing a time window on the chart sets the shared date filter (the sidebar's dates and
the URL's ``from``/``to``, which the map page reads); clicking a bar lists that period's
incidents with their sources.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import charts
from geo.filters import Filter
from geo.i18n import _, format_number, format_period, get_language, ngettext
from geo.incidents import precision_label
from ui import cache
from ui.sidebar import current_filter, set_dates
from ui.tables import show_table

CHART_KEY = "timeline-chart"
PERIOD_KEY = "timeline-period"


@st.cache_data(show_spinner=False, max_entries=32)
def _timeline(
    version: str, flt: Filter, period: charts.TimelinePeriod, by: charts.GroupBy | None
) -> pd.DataFrame:
    del version  # part of the cache key only
    return charts.timeline_data(
        cache.all_incidents(), period=period, by=by, flt=flt, zones=cache.all_zones()
    )


@st.cache_data(show_spinner=False)
def _statements() -> pd.DataFrame:
    return charts.load_aggregate_statements()


@st.cache_data(show_spinner=False, max_entries=4)
def _key_dates(version: str, lang: str) -> pd.DataFrame:
    del version, lang  # cache key only (labels are translated)
    return charts.key_dates(
        designations=charts.load_peace_zone_designations(),
        statements=_statements(),
        zones=cache.all_zones(),
    )


def _on_select(key: str) -> None:
    """A brush on the chart becomes the shared date window (whole periods)."""
    state = st.session_state.get(key)
    selection = state.get("selection") if state is not None else None
    window = charts.brushed_window(selection, period=st.session_state[PERIOD_KEY])
    if window is not None:
        set_dates(*window)


st.title(_("Timeline"))
flt = current_filter()
period_labels = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
}
split_labels = {
    "": _("Nothing"),
    "agency": _("Agency"),
    "state": _("State"),
    "zone": _("Zone"),
}
measure_labels = {"civilians_killed": _("Civilians killed"), "incidents": _("Incidents")}
col_measure, col_period, col_split, col_layout = st.columns([2, 1, 1, 1])
measure = col_measure.radio(
    _("Show"),
    list(measure_labels),
    format_func=measure_labels.__getitem__,
    horizontal=True,
    key="timeline-measure",
)
period = col_period.selectbox(
    _("Per"),
    list(period_labels),
    index=2,
    format_func=period_labels.__getitem__,
    key=PERIOD_KEY,
)
split = col_split.selectbox(
    _("Split by"), list(split_labels), format_func=split_labels.__getitem__, key="timeline-by"
)
layout = col_layout.radio(
    _("Groups"),
    ["stacked", "faceted"],
    format_func=lambda value: _("Stacked") if value == "stacked" else _("One row each"),
    horizontal=True,
    key="timeline-layout",
    disabled=not split,
)

version = cache.store_version()
incidents = cache.all_incidents()
selected = incidents[flt.mask(incidents)]
data = _timeline(version, flt, period, split or None)
st.caption(
    ngettext(
        "{period} · {n} incident · drag across the chart to set the date filter (the map follows)",
        "{period} · {n} incidents · drag across the chart to set the date filter (the map follows)",
        len(selected),
    ).format(period=format_period(flt.date_from, flt.date_to), n=format_number(len(selected)))
)  # fmt: skip
if data.empty:
    st.info(_("No incidents under this filter."))
else:
    marks = _key_dates(version, get_language())
    chart = charts.timeline_chart(
        data, measure=measure, layout=layout, marks=marks, window=(flt.date_from, flt.date_to)
    )
    # A new key per date window: once a brush has become the filter, the chart redraws
    # the new window without the old brush on it.
    key = f"{CHART_KEY}-{flt.date_from}-{flt.date_to}"
    event = st.altair_chart(
        chart,
        key=key,
        on_select=lambda: _on_select(key),
        selection_mode=[charts.BRUSH, charts.PICK],
        width="stretch",
    )
    notes = []
    if measure == "civilians_killed":
        notes.append(
            _("Bars: civilians killed (minimum). Shaded band: up to the maximum reported.")
        )
    if split == "agency":
        notes.append(_("An incident involving several agencies counts once for each of them."))
    if split == "zone":
        notes.append(_("Zones overlap: an incident counts once in each zone it is in."))
    imprecise = int(data["imprecise_dates"].sum())
    if imprecise:
        notes.append(
            ngettext(
                "{n} incident is dated only to a longer period and shown at its start.",
                "{n} incidents are dated only to a longer period and shown at their start.",
                imprecise,
            ).format(n=imprecise)
        )
    notes.append(
        _(
            "Dashed lines: OLP launch (orange), peace-zone designations (green), end of the "
            "period of a reported total (purple; point at it for details)."
        )
    )
    st.caption(" ".join(notes))

    picked = charts.picked_period(event.get("selection") if event else None)
    if picked:
        ids = selected["incident_id"].astype(str).tolist()
        listing = charts.incidents_in_period(
            selected, cache.get_store().read_sources(ids), period=period, label=picked
        )
        st.subheader(_("Incidents in {period}").format(period=picked))
        show_table(
            listing.assign(date_precision=listing["date_precision"].map(precision_label)),
            column_config={
                "incident_id": _("Incident"),
                "date": _("Date"),
                "date_precision": _("Date known to"),
                "place": _("Place"),
                "agencies": _("Agencies"),
                "civilians_killed": _("Civilians killed"),
                "sources": st.column_config.TextColumn(_("Sources"), width="large"),
            },
        )
    else:
        st.caption(_("Click a bar to list that period's incidents and their sources."))

st.subheader(_("Reported totals beside counted incidents"))
st.caption(
    _(
        "Official and NGO statements give totals for a period: they are reported totals, not "
        "counted incidents. The counted figure adds up the civilians killed in this table's "
        "incidents in the same period and place (the sidebar filter is not applied), so you "
        "can see how much of the reported toll the incident table covers."
    )
)
coverage = charts.statement_coverage(
    _statements(), incidents, state_codes={v: k for k, v in cache.state_names().items()}
)
comparable = coverage[coverage["counted_min"].notna()]
if len(comparable):
    st.altair_chart(charts.coverage_chart(comparable), width="stretch")
show_table(
    coverage.assign(
        period_start=coverage["period_start"].dt.date,
        period_end=coverage["period_end"].dt.date,
        scope=coverage["scope"].map(charts.scope_label),
    ),
    column_config={
        "agg_id": _("Statement"),
        "period_start": _("From"),
        "period_end": _("To"),
        "scope": _("Scope"),
        "metric": _("As reported"),
        "reported_min": st.column_config.NumberColumn(_("Reported total, minimum")),
        "reported_max": st.column_config.NumberColumn(_("Reported total, maximum")),
        "counted_min": st.column_config.NumberColumn(_("Counted, minimum")),
        "counted_max": st.column_config.NumberColumn(_("Counted, maximum")),
        "coverage_min": st.column_config.NumberColumn(_("Coverage, minimum"), format="percent"),
        "coverage_max": st.column_config.NumberColumn(_("Coverage, maximum"), format="percent"),
        "source_publisher": _("Source"),
    },
)
