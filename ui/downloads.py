"""Download buttons: each exports exactly what is on screen, through :mod:`geo.export`.

Pages call :func:`export_downloads` with the view they show (filter, level, measure and,
for the map, its current bounds). Files are produced by
:func:`geo.export.render_export` — the same code path as ``zonas export`` — only when a
button is clicked (deferred data), and cached per store version and view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import streamlit as st

from geo.export import (
    DEFAULT_DPI,
    FORMATS,
    MEDIA_TYPES,
    ExportFormat,
    ExportView,
    collect_export_data,
    default_title,
    export_file_name,
    render_export,
)
from geo.i18n import N_, _, get_language
from ui import cache

BUTTON_LABELS: dict[str, str] = {
    "png": N_("Map (PNG)"),
    "svg": N_("Map (SVG)"),
    "pdf": N_("Map (PDF)"),
    "report": N_("Report (PDF)"),
    "html": N_("Interactive map (HTML)"),
    "csv": N_("Incidents (CSV)"),
    "geojson": N_("Incidents (GeoJSON)"),
}
DPI_CHOICES: tuple[int, ...] = (100, 150, 200, 300, 600)


@st.cache_data(show_spinner=False, max_entries=16)
def _export_bytes(version: str, fmt: ExportFormat, view: ExportView, dpi: int) -> bytes:
    del version  # part of the cache key only: a new import makes new files
    store = cache.get_store()
    data = collect_export_data(
        store,
        view.flt,
        incidents=cache.all_incidents(),
        zones=cache.all_zones(),
        all_sources=fmt in ("csv", "geojson"),
    )
    return render_export(store, fmt, view, dpi=dpi, data=data)


def export_downloads(
    view: ExportView,
    *,
    formats: Sequence[ExportFormat] = FORMATS,
    key: str = "export",
) -> None:
    """Render an "Export" panel with an editable title, a dpi choice and one download
    button per format in ``formats``, all exporting ``view``."""
    with st.expander(_("Export this view"), expanded=False):
        title = st.text_input(_("Title"), value=default_title(view), key=f"{key}-title")
        dpi = DEFAULT_DPI
        if "png" in formats:
            dpi = st.select_slider(
                _("PNG resolution (dpi)"), options=DPI_CHOICES, value=DEFAULT_DPI,
                key=f"{key}-dpi",
            )  # fmt: skip
        shown = replace(view, title=title or None, lang=view.lang or get_language())
        columns = st.columns(min(len(formats), 4))
        for index, fmt in enumerate(formats):
            columns[index % len(columns)].download_button(
                _(BUTTON_LABELS[fmt]),
                data=partial(_export_bytes, cache.store_version(), fmt, shown, dpi),
                file_name=export_file_name(fmt, shown),
                mime=MEDIA_TYPES[fmt],
                key=f"{key}-{fmt}",
                on_click="ignore",
                width="stretch",
            )
