"""zonas dashboard: ``streamlit run app.py``.

The entrypoint runs on every rerun: it sets the interface language (``?lang=es|en``,
else the session's, else the browser's), draws the shared filter sidebar, then runs the
chosen page. Pages live in ``views/``; add one by appending to :data:`PAGES` (the first
is the home page). The folder is not called ``pages/`` on purpose: Streamlit treats a
``pages/`` folder next to the entrypoint as a legacy multipage app until ``st.navigation``
has run once in the process, so the first visit after a server start to a link such as
``/timeline`` would run that page alone, without the language and the filter sidebar.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.i18n import N_, _, set_language
from ui.sidebar import filter_sidebar, interface_language

PAGES: list[tuple[str, str, str]] = [
    # (file, title marked with N_ and translated on every run, Material icon)
    ("views/map.py", N_("Map"), ":material/map:"),
    ("views/data.py", N_("Data"), ":material/table:"),
    ("views/timeline.py", N_("Timeline"), ":material/timeline:"),
    ("views/indicators.py", N_("Indicators"), ":material/monitoring:"),
]

# A local favicon: Material-icon favicons would be fetched from fonts.gstatic.com.
ICON = Path(__file__).parent / "static" / "zonas-icon.png"

st.set_page_config(page_title="zonas", page_icon=str(ICON), layout="wide")
set_language(interface_language())
navigation = st.navigation(
    [
        st.Page(path, title=_(title), icon=icon, default=index == 0)
        for index, (path, title, icon) in enumerate(PAGES)
    ]
)
filter_sidebar()
navigation.run()
