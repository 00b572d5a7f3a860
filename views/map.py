"""Map page: choropleth, zones and incidents under the shared filter; click for sources.

Thin: the filter comes from the sidebar (:func:`ui.sidebar.current_filter`), numbers from
:mod:`ui.cache` (cached ``geo.aggregate`` calls), the map from :func:`geo.maps.incident_map`
and the side panel from :func:`geo.maps.incident_panel_html`. Level and measure live in
the URL next to the filter (``?level=parish&measure=civilians_killed``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.export import ExportView
from geo.i18n import _
from ui import cache
from ui.downloads import export_downloads
from ui.sidebar import current_filter, view_selectbox

_SELECTION = "map_selection"
_LAST_CLICK = "map_last_click"
_PANEL_LIMIT = 50

flt = current_filter()
st.sidebar.divider()
level = view_selectbox(
    _("Level"),
    "level",
    maps.MAP_LEVELS,
    default="municipality",
    format_func=lambda value: _(maps.LEVEL_NAMES[value]),
)
measure = view_selectbox(
    _("Measure"),
    "measure",
    list(maps.MEASURES),
    default="incidents",
    format_func=lambda value: _(maps.MEASURES[value].label),
)
online = st.sidebar.toggle(
    _("Online basemap (OpenStreetMap; needs internet)"),
    value=False,
    help=_("Off by default: the map works offline, with no tile server."),
)

st.title(_("Operation zones and peace zones"))

# ------------------------------------------------------------------ headline strip
totals = cache.filter_totals(flt)
strip = st.container(key="headline")
for column, (label, value) in zip(
    strip.columns(len(maps.MEASURES)), maps.headline_items(totals), strict=True
):
    column.metric(label, value)

count, rows = cache.filtered_rows(flt, limit=maps.MAX_MARKERS)
incidents = cache.all_incidents()
shown = None if rows is None else incidents.iloc[rows]

map_column, panel_column = st.columns([3, 2], gap="medium")
with map_column:
    if shown is None:
        st.info(
            _(
                "{count} incidents match the filter: too many to draw one by one, so the map "
                "shows them per area. Narrow the filter to see markers."
            ).format(count=f"{count:,}")
        )
    zones = cache.all_zones()
    figure = maps.incident_map(
        cache.area_table(flt, level),
        shown,
        level=level,
        measure=measure,
        zones=zones,
        online_basemap=online,
    )
    clicked: dict[str, Any] = st_folium(
        figure,
        key="incident-map",
        height=620,
        use_container_width=True,
        returned_objects=["last_active_drawing"],  # clicks only: moving/zooming never rerun
        render=False,  # st_folium renders the map itself once
    )
    st.caption(
        _(
            "Click an area or a marker to list its incidents and sources. Dashed outlines "
            "and markers are approximate."
        )
    )

# ------------------------------------------------------------------ selection
drawing = (clicked or {}).get("last_active_drawing") or {}
picked = (drawing.get("properties") or {}).get(maps.SELECT_PROPERTY)
if picked and picked != st.session_state.get(_LAST_CLICK):
    st.session_state[_LAST_CLICK] = picked
    st.session_state[_SELECTION] = picked
selection = maps.parse_select(st.session_state.get(_SELECTION))

with panel_column:
    if selection is None:
        st.markdown(_("**No selection.** Click an area or a marker on the map."))
    else:
        kind, sel_level, code = selection
        if kind == "area":
            area_rows = cache.rows_in_area(sel_level, code)  # type: ignore[arg-type]
            keep = area_rows[cache.incident_index().mask(flt)[area_rows]]
            names = cache.incident_index().names.get(sel_level, {})
            title = names.get(code, code)
        else:
            match = (incidents["incident_id"] == code).to_numpy().nonzero()[0]
            keep = match[cache.incident_index().mask(flt)[match]]
            title = _("Incident {id}").format(id=code)
        if kind == "incident" and len(keep) == 0:
            st.session_state.pop(_SELECTION, None)
            st.markdown(_("The selected incident is not under the current filter."))
        else:
            picked_rows = incidents.iloc[keep].sort_values("date").head(_PANEL_LIMIT)
            ids = tuple(str(i) for i in picked_rows["incident_id"])
            st.html(
                maps.incident_panel_html(
                    picked_rows,
                    cache.sources_of(ids),
                    title=title,
                    total=len(keep),
                )
            )
            if st.button(_("Clear selection"), key="map-clear"):
                st.session_state.pop(_SELECTION, None)
                st.rerun()

# Downloads (geo.export via ui.downloads): the view on screen.
export_downloads(
    ExportView(flt=flt, level=level, measure=measure),  # type: ignore[arg-type]
    key="map-export",
)
