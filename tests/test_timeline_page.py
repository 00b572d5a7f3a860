"""Timeline and indicators pages wired into the app (AppTest, a tiny real store).

Streamlit's AppTest cannot drag on a Vega chart, so a brush is simulated the way the
browser reports it: a widget state for the chart holding the selection JSON (epoch
milliseconds for a UTC time axis), sent with the next run.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from geo.ingest import import_bytes
from geo.store import open_store

ROOT = Path(__file__).parent.parent
# The app's run without st.navigation (one page, no page switching needed): the shared
# sidebar, then the page file, as app.py runs them.
SCRIPT = """
import runpy
from ui.sidebar import filter_sidebar
filter_sidebar()
runpy.run_path({page!r}, run_name="__page__")
"""
CSV = (
    "event_id,date,place_name,state,agencies,civilians_killed_min,civilians_killed_max,"
    "officers_killed,civilians_injured,description,source_publisher,source_url,quote\n"
    "T1,2015-07-13,Cota 905,Distrito Capital,PNB,14,16,1,0,raid,El Nacional,"
    "https://example.org/t1,quoted\n"
    "T2,2015-07-20,Maracay,Aragua,GNB,2,2,0,1,raid,Efecto Cocuyo,https://example.org/t2,q\n"
    "T3,2015-09-02,Maracay,Aragua,GNB,1,3,0,0,raid,Provea,https://example.org/t3,q\n"
)


def _ms(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    location = str(tmp_path / "timeline.gpkg")
    report = import_bytes(CSV.encode(), "in.csv", open_store(location, seed=False))
    assert report.imported == 3
    monkeypatch.setenv("ZONAS_STORE", location)
    return location


def _open(page: str) -> AppTest:
    app = AppTest.from_string(SCRIPT.format(page=str(ROOT / page)), default_timeout=90)
    app.run()
    assert not app.exception, app.exception
    return app


def _chart_ids(app: AppTest) -> list[str]:
    """Ids of the Vega-Lite charts that report selections (widgets)."""
    ids = []
    for node in app._tree:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", "") in {"arrow_vega_lite_chart", "vega_lite_chart"} and getattr(
            proto, "id", ""
        ):
            ids.append(proto.id)
    return ids


def _select(app: AppTest, selection: dict[str, Any]) -> AppTest:
    """Rerun as if the browser had reported ``selection`` on the timeline chart."""
    (chart_id,) = _chart_ids(app)
    states = app._tree.get_widget_states()
    state = WidgetState(id=chart_id)
    state.string_value = json.dumps({"selection": selection})
    states.widgets.append(state)
    app._run(states)
    assert not app.exception, app.exception
    return app


def test_brushing_sets_the_shared_date_filter_in_whole_months(store: str) -> None:
    app = _open("views/timeline.py")
    window = [_ms(date(2015, 7, 18)), _ms(date(2015, 8, 3))]
    _select(app, {"brush": {"start": window}, "pick": []})
    # July 18 .. August 3 widened to the months they fall in
    assert (app.query_params["from"], app.query_params["to"]) == ("2015-07-01", "2015-08-31")
    assert app.sidebar.date_input[0].value == date(2015, 7, 1)
    assert app.sidebar.date_input[1].value == date(2015, 8, 31)
    # the page now counts only the two July incidents
    assert any("2 incidents" in caption.value for caption in app.caption)


def test_brushing_by_week_snaps_to_mondays(store: str) -> None:
    app = _open("views/timeline.py")
    app.selectbox(key="timeline-period").set_value("week").run()
    _select(app, {"brush": {"start": [_ms(date(2015, 7, 15)), _ms(date(2015, 7, 16))]}})
    assert (app.query_params["from"], app.query_params["to"]) == ("2015-07-13", "2015-07-19")


def test_an_empty_brush_keeps_the_filter(store: str) -> None:
    app = _open("views/timeline.py")
    _select(app, {"brush": {}, "pick": []})
    assert "from" not in app.query_params
    assert app.sidebar.date_input[0].value is None


def test_clicking_a_bar_lists_that_periods_incidents_with_sources(store: str) -> None:
    app = _open("views/timeline.py")
    _select(app, {"brush": {}, "pick": [{"period": "2015-07"}]})
    listing = app.dataframe[0].value
    assert list(listing["incident_id"]) == ["T1", "T2"]
    assert list(listing["civilians_killed"]) == ["14–16", "2"]
    assert "https://example.org/t1" in listing.iloc[0]["sources"]
    assert "El Nacional" in listing.iloc[0]["sources"]


def test_timeline_shows_reported_totals_as_such(store: str) -> None:
    app = _open("views/timeline.py")
    subheaders = [header.value for header in app.subheader]
    assert "Reported totals beside counted incidents" in subheaders
    coverage = app.dataframe[-1].value.set_index("agg_id")
    # PROVEA: 245 killed 13 Jul - 31 Dec 2015 (national); counted here: 14-16 + 2 + 1-3
    assert coverage.loc["AG004", "reported_min"] == 245
    assert (coverage.loc["AG004", "counted_min"], coverage.loc["AG004", "counted_max"]) == (17, 21)


def test_indicators_page_follows_the_level_and_filter(store: str) -> None:
    app = _open("views/indicators.py")
    table = app.dataframe[0].value
    assert list(table["area_name"]) == ["Distrito Capital", "Aragua"]
    assert list(table["killed_per_officer_killed_text"]) == ["14.0–16.0 (14–16 : 1)", "— (3–5 : 0)"]
    # Aragua's ratio has no officer killed to divide by: the cell reads "—", not "None"
    assert pd.isna(table["killed_per_officer_killed_min"].iloc[1])
    assert app.dataframe[0].proto.placeholder == "—"
    app.sidebar.selectbox(key="flt_level").set_value("municipality").run()
    assert not app.exception
    assert app.query_params.get("level") == "municipality"


def test_indicators_page_computes_the_homicide_share_only_with_one_source(store: str) -> None:
    app = _open("views/indicators.py")
    shown_before = len(app.dataframe)  # no source chosen: no homicide table
    source = app.selectbox(key="indicators-homicide-source")
    assert source.value == ""
    assert "Crónica Uno" in source.options  # the shipped totals' publishers
    app.sidebar.multiselect(key="flt_agencies").set_value(["GNB"])
    app.sidebar.date_input(key="flt_from").set_value(date(2015, 7, 1))
    app.sidebar.date_input(key="flt_to").set_value(date(2015, 12, 31))
    source.set_value("Crónica Uno").run()
    assert not app.exception, app.exception
    assert len(app.dataframe) == shown_before + 1
    (share,) = [frame.value for frame in app.dataframe if "homicides" in frame.value.columns]
    # Crónica Uno: 1,442 homicides in Aragua in 2015 (data/context/homicides.csv, HM035).
    # GNB in Aragua in 2015: T2 2 + T3 1–3 = 3–5 killed → 3/1442 = 0.21 % .. 5/1442 = 0.35 %.
    assert share[["scope", "year", "homicides", "civilians_killed", "share"]].to_dict(
        "records"
    ) == [
        {"scope": "Aragua", "year": 2015, "homicides": "1,442", "civilians_killed": "3–5",
         "share": "0.2–0.3 %"}
    ]  # fmt: skip
