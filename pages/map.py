"""Map page: states, municipalities and zones on an offline Leaflet map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.export import ExportView
from geo.i18n import _
from ui import cache
from ui.downloads import export_downloads
from ui.sidebar import current_filter

st.title(_("Operation zones and peace zones"))
online = st.sidebar.toggle(
    _("Online basemap (OpenStreetMap; needs internet)"),
    value=False,
    help=_("Off by default: the map works offline, with no tile server."),
)
overview = maps.overview_map(zones=cache.all_zones(), online_basemap=online)
st_folium(
    overview,
    key="overview-map",
    height=640,
    use_container_width=True,
    returned_objects=[],  # moving or zooming the map does not rerun the page
    render=False,  # st_folium renders the map itself once; skip its extra full-page render
)
st.caption(
    _(
        "Dashed outlines are approximate zones: circles around a reference point, "
        "not surveyed boundaries."
    )
)
# Downloads (geo.export via ui.downloads): pass the page's level, measure and bounds.
export_downloads(ExportView(flt=current_filter()), key="map-export")
