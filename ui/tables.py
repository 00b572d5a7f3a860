"""Tables as every page shows them: no index column, the page's full width, and a missing
value (an unknown count, a ratio whose denominator is zero) shown as "—", never "None".
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import streamlit as st

MISSING: Final = "—"


def show_table(data: pd.DataFrame, **options: Any) -> Any:
    """Draw ``data`` with :func:`st.dataframe`; ``options`` (``column_config``,
    ``on_select``, ``key``...) are passed on. Returns what ``st.dataframe`` returns."""
    return st.dataframe(data, hide_index=True, width="stretch", placeholder=MISSING, **options)
