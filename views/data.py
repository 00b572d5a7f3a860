"""Data page: the incidents under the current filters with their sources, and the import.

Thin: the filter comes from the shared sidebar, the table from
:func:`geo.incidents.incidents_with_sources`, the import from :func:`geo.ingest.import_bytes`
(the same code path as ``zonas import``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.i18n import _, format_number, ngettext
from geo.incidents import incidents_with_sources, precision_label
from geo.ingest import Format, import_bytes
from ui import cache
from ui.sidebar import current_filter
from ui.tables import show_table

st.title(_("Incidents and sources"))

flt = current_filter()
incidents = flt.apply(cache.all_incidents())
store = cache.get_store()
query = st.text_input(_("Search"), placeholder=_("place, agency, publisher, words of a quote..."))
sources = store.read_sources(incidents["incident_id"].tolist())
table = incidents_with_sources(incidents, sources, query=query)
incident_count, source_count = int(table["incident_id"].nunique()), len(table)
st.caption(
    _("{incidents}, {sources} (filters from the sidebar)").format(
        incidents=ngettext("{n} incident", "{n} incidents", incident_count).format(
            n=format_number(incident_count)
        ),
        sources=ngettext("{n} source row", "{n} source rows", source_count).format(
            n=format_number(source_count)
        ),
    )
)
states = cache.state_names()
show_table(
    table.assign(
        date_precision=table["date_precision"].map(precision_label),
        geo_precision=table["geo_precision"].map(precision_label),
        state_code=table["state_code"].map(lambda code: states.get(code, code)),
    ),
    column_config={
        "incident_id": st.column_config.TextColumn(_("Incident")),
        "date": st.column_config.DateColumn(_("Date")),
        "date_precision": st.column_config.TextColumn(_("Date precision")),
        "geo_precision": st.column_config.TextColumn(_("Place precision")),
        "place_name": st.column_config.TextColumn(_("Place")),
        "state_code": st.column_config.TextColumn(_("State")),
        "agencies": st.column_config.TextColumn(_("Agencies")),
        "civilians_killed_min": st.column_config.NumberColumn(_("Killed (min)")),
        "civilians_killed_max": st.column_config.NumberColumn(_("Killed (max)")),
        "fatalities_unsplit": st.column_config.NumberColumn(_("Fatalities (not split)")),
        "description": st.column_config.TextColumn(_("Description")),
        "publisher": st.column_config.TextColumn(_("Publisher")),
        "source_date": st.column_config.TextColumn(_("Source date")),
        "title": st.column_config.TextColumn(_("Title")),
        "url": st.column_config.LinkColumn(_("Link")),
        "quote": st.column_config.TextColumn(_("Quote")),
    },
)

st.header(_("Import incidents"))
st.caption(
    _(
        "CSV (the columns of data/incidents/events.csv), XLSX, GeoJSON points or an ACLED "
        "export. Valid rows are written in one transaction; rejected rows are listed below "
        "with a reason and can be downloaded, fixed and imported again."
    )
)
with st.form("import", clear_on_submit=False):
    upload = st.file_uploader(_("File"), type=["csv", "xlsx", "geojson", "json"])
    formats: list[Format] = ["auto", "zonas", "acled"]
    labels = {"auto": _("detect"), "zonas": _("zonas columns"), "acled": _("ACLED export")}
    fmt = st.selectbox(_("Format"), formats, format_func=labels.__getitem__)
    strict = st.checkbox(_("Strict: reject rows with warnings (unknown places...)"))
    dry_run = st.checkbox(_("Dry run: check only, write nothing"))
    submitted = st.form_submit_button(_("Import"))

if submitted and upload is not None:
    report = import_bytes(
        upload.getvalue(), upload.name, store, fmt=fmt, strict=strict, dry_run=dry_run
    )
    if report.unreadable:
        st.error(report.problems[0].message if report.problems else _("unreadable file"))
    elif report.rejected:
        st.warning(report.summary())
    else:
        st.success(report.summary())
    if report.problems:
        problems = pd.DataFrame(
            [
                {
                    _("row"): p.row,
                    _("column"): p.column,
                    _("severity"): _("warning") if p.severity == "warning" else _("error"),
                    _("message"): p.message,
                }
                for p in report.problems
            ]
        )
        show_table(problems)
    if not report.rejects.empty:
        st.download_button(
            _("Download rejected rows (CSV)"),
            report.rejects.to_csv(index=False).encode("utf-8"),
            file_name=upload.name.rsplit(".", 1)[0] + ".rejects.csv",
            mime="text/csv",
        )
elif submitted:
    st.info(_("Choose a file first."))
