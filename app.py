"""zonas dashboard: ``streamlit run app.py``.

The entrypoint runs on every rerun: it sets the interface language (``?lang=es|en``,
else the browser's), draws the shared filter sidebar, then runs the chosen page. Pages
live in ``pages/``; add one by appending to :data:`PAGES` (the first is the home page).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.i18n import N_, _, language_from_params, set_language
from ui.sidebar import filter_sidebar, query_params

PAGES: list[tuple[str, str, str]] = [
    # (file, title marked with N_ and translated on every run, Material icon)
    ("pages/map.py", N_("Map"), ":material/map:"),
    ("pages/data.py", N_("Data"), ":material/table:"),
    ("pages/timeline.py", N_("Timeline"), ":material/timeline:"),
    ("pages/indicators.py", N_("Indicators"), ":material/monitoring:"),
]

# A local favicon: Material-icon favicons would be fetched from fonts.gstatic.com.
ICON = Path(__file__).parent / "static" / "zonas-icon.png"

st.set_page_config(page_title="zonas", page_icon=str(ICON), layout="wide")
set_language(
    language_from_params(query_params(), accept_language=st.context.headers.get("Accept-Language"))
)
navigation = st.navigation(
    [
        st.Page(path, title=_(title), icon=icon, default=index == 0)
        for index, (path, title, icon) in enumerate(PAGES)
    ]
)
filter_sidebar()
navigation.run()
