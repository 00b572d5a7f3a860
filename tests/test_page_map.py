"""The map page's wiring in Streamlit's AppTest: URL ⇄ sidebar ⇄ headline and panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "views" / "map.py")
TIMEOUT_S = 120  # the first run creates the seeded store and loads the boundaries
# app.py without st.navigation (AppTest drops the entrypoint's sidebar on reruns under
# st.navigation): the shared sidebar, then the page, as app.py runs them.
SCRIPT = f"""
import runpy
from ui.sidebar import filter_sidebar
filter_sidebar()
runpy.run_path({PAGE!r}, run_name="__page__")
"""


def _app() -> AppTest:
    return AppTest.from_string(SCRIPT, default_timeout=TIMEOUT_S)


def _run(**params: str | list[str]) -> AppTest:
    at = _app()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _headline(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_typed_link_sets_the_filter_and_the_headline() -> None:
    at = _run(agency="PNB", **{"from": "2015-07-13", "to": "2015-07-13"})
    assert at.multiselect(key="flt_agencies").value == ["PNB"]
    # EV0009 (Cota 905, 14–16 killed, 134 detained) and EV0010 (El Cementerio, 4 killed)
    headline = _headline(at)
    assert headline["Incidents"] == "2"
    assert headline["Civilians killed"] == "18–20"
    assert headline["Detained"] == "134+"  # EV0010 did not report detentions


def test_changing_the_filter_changes_the_numbers_and_the_url() -> None:
    at = _run(agency="PNB", **{"from": "2015-07-13", "to": "2015-07-13"})
    at.multiselect(key="flt_agencies").set_value(["CICPC"]).run()
    assert _headline(at)["Incidents"] == "1"
    assert _headline(at)["Civilians killed"] == "14–16"
    assert at.query_params["agency"] == "CICPC"


@pytest.mark.parametrize(("name", "value"), [("level", "parish"), ("measure", "detained")])
def test_level_and_measure_round_trip_through_the_url(name: str, value: str) -> None:
    at = _run(**{name: value})
    assert at.selectbox(key=f"flt_{name}").value == value
    assert at.query_params[name] == value
    default = "municipality" if name == "level" else "incidents"
    at.selectbox(key=f"flt_{name}").set_value(default).run()
    assert name not in at.query_params  # the default view keeps the link short


def test_unknown_level_in_a_link_falls_back_to_the_default() -> None:
    at = _run(level="county")
    assert at.selectbox(key="flt_level").value == "municipality"


def test_presets_set_the_date_range() -> None:
    at = _run()
    at.button_group(key="flt_preset").set_value("olp").run()
    assert at.query_params["from"] == "2015-07-13"
    assert at.query_params["to"] == "2015-08-12"
    at.button_group(key="flt_preset").set_value("all").run()
    assert "from" not in at.query_params
    assert "to" not in at.query_params


def test_selection_lists_sources_and_survives_a_filter_change() -> None:
    at = _app()
    at.query_params["from"] = "2015-07-13"
    at.query_params["to"] = "2015-07-13"
    at.session_state["map_selection"] = "area:municipality:VE0101"
    at.run()
    panel = " ".join(element.proto.body for element in at.get("html"))
    assert "Cota 905" in panel
    assert "El Cementerio" in panel
    assert "asmenlinea.blogspot.com" in panel
    at.multiselect(key="flt_agencies").set_value(["CICPC"]).run()
    panel = " ".join(element.proto.body for element in at.get("html"))
    assert "Cota 905" in panel
    assert "El Cementerio" not in panel
    assert at.session_state["map_selection"] == "area:municipality:VE0101"


def test_selected_incident_is_dropped_when_the_filter_leaves_it_out() -> None:
    at = _app()
    at.session_state["map_selection"] = "incident:EV0009"
    at.run()
    panel = " ".join(element.proto.body for element in at.get("html"))
    assert "Cota 905" in panel
    assert "El Cementerio" not in panel  # only the clicked incident
    at.multiselect(key="flt_agencies").set_value(["FAES"]).run()
    assert not at.get("html")
    assert any("not under the current filter" in m.value for m in at.markdown)
    assert "map_selection" not in at.session_state


def test_too_many_incidents_for_markers_are_mapped_per_area(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from geo import maps

    at = _run(agency="PNB", **{"from": "2015-07-13", "to": "2015-07-13"})
    assert not at.info  # 2 incidents: drawn one by one
    monkeypatch.setattr(maps, "MAX_MARKERS", 1)
    at.run()
    assert "2 incidents match the filter: too many to draw one by one" in at.info[0].value
