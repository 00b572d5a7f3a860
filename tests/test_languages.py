"""The app and its outputs in Spanish and in English (issue 10).

AppTest runs the real ``app.py`` with ``?lang=es`` / ``?lang=en``; the formatting tests use
tiny hand-made inputs whose Spanish and English texts are written out here by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo import charts, maps
from geo.export import describe_filter, indicator_rows, sources_line
from geo.filters import Filter
from geo.i18n import use_language
from tests.test_aggregate import make_incidents

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 120  # the first run creates the seeded store and loads the boundaries
FIRST_OLP_DAY = {"agency": "PNB", "from": "2015-07-13", "to": "2015-07-13"}

# What a reader sees on the map page for the first OLP day of the PNB (EV0009: Cota 905,
# 14–16 killed, 134 detained; EV0010: El Cementerio, 4 killed, detentions not reported).
SHOWN = {
    "es": {
        "title": "Zonas de operativos y zonas de paz",
        "sidebar": "Filtro",
        "headline": {"Incidentes": "2", "Fallecidos civiles": "18–20", "Detenidos": "134+"},
        "timeline": "Línea de tiempo",
        "caption": "13 de julio de 2015 · 2 incidentes · arrastre sobre el gráfico",
    },
    "en": {
        "title": "Operation zones and peace zones",
        "sidebar": "Filter",
        "headline": {"Incidents": "2", "Civilians killed": "18–20", "Detained": "134+"},
        "timeline": "Timeline",
        "caption": "13 July 2015 · 2 incidents · drag across the chart",
    },
}


def _run_app(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for key, value in {"lang": lang, **FIRST_OLP_DAY}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_map_page_speaks_the_language_of_the_link(lang: str) -> None:
    at = _run_app(lang)
    shown = SHOWN[lang]
    assert [title.value for title in at.title] == [shown["title"]]
    assert [header.value for header in at.sidebar.header] == [shown["sidebar"]]
    headline = {metric.label: metric.value for metric in at.metric}
    assert shown["headline"].items() <= headline.items()
    assert at.button_group(key="ui_language").value == lang  # the switch shows it
    assert at.query_params["lang"] == lang  # and the link keeps it


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_timeline_page_speaks_the_language_of_the_link(lang: str) -> None:
    at = _run_app(lang)
    # AppTest replays the widgets' format_func (translated labels) in this thread, not in
    # the script's: give it the same language, as the server's one thread per session has
    with use_language(lang):
        at.switch_page("views/timeline.py").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = SHOWN[lang]
    assert [title.value for title in at.title] == [shown["timeline"]]
    # the date of the filter in words, and the count with its plural, in that language
    assert any(caption.value.startswith(shown["caption"]) for caption in at.caption), [
        caption.value for caption in at.caption
    ]


def test_the_language_of_the_environment_is_not_used_when_the_link_says() -> None:
    at = _run_app("es")  # tests run with ZONAS_LANG=en
    assert "Incidents" not in {metric.label for metric in at.metric}


# ---------------------------------------------------------------------- numbers and dates
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", [("Incidentes", "1.234"), ("Fallecidos civiles", "1.200–1.500+"),
                ("Detenidos", "2.000")]),
        ("en", [("Incidents", "1,234"), ("Civilians killed", "1,200–1,500+"),
                ("Detained", "2,000")]),
    ],
)  # fmt: skip
def test_the_headline_formats_numbers_for_the_language(
    lang: str, expected: list[tuple[str, str]]
) -> None:
    totals = {
        "incidents": 1234,
        "civilians_killed_min": 1200,
        "civilians_killed_max": 1500,
        "civilians_killed_at_least": True,
        "detained": 2000,
    }
    with use_language(lang):
        items = dict(maps.headline_items(totals))
    assert [(label, items[label]) for label, _value in expected] == expected


@pytest.mark.parametrize(
    ("lang", "subtitle", "sources"),
    [
        ("es", "PNB · 13–20 de julio de 2015", "Fuentes: 1.234 incidentes, cada uno"),
        ("en", "PNB · 13–20 Jul 2015", "Sources: 1,234 incidents, each"),
    ],
)
def test_export_texts_format_dates_and_numbers_for_the_language(
    lang: str, subtitle: str, sources: str
) -> None:
    flt = Filter(date_from=date(2015, 7, 13), date_to=date(2015, 7, 20), agencies=("PNB",))
    assert describe_filter(flt, lang=lang) == subtitle
    with use_language(lang):
        assert sources_line(None, incidents=1234).startswith(sources)


# (id, start, end, state, muni, parish, zones, precision, agencies, killed min, max,
#  injured, officers killed, officers injured, detained, lon, lat)
ONE_BIG_INCIDENT = ("E1", "2015-07-13", "2015-07-13", "VE01", "VE0101", "", "", "3", "PNB",
                    1234, 1500, 1, 0, 0, 2000, float("nan"), float("nan"))  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", {"Incidentes": "1", "Detenidos": "2.000",
                "Fallecidos civiles por incidente": "1.234,0–1.500,0 (1 incidente)"}),
        ("en", {"Incidents": "1", "Detained": "2,000",
                "Civilians killed per incident": "1,234.0–1,500.0 (1 incident)"}),
    ],
)  # fmt: skip
def test_export_indicator_table_speaks_the_language(lang: str, expected: dict[str, str]) -> None:
    incidents = make_incidents([ONE_BIG_INCIDENT])
    with use_language(lang):
        rows = dict(indicator_rows(incidents))
    assert {label: rows[label] for label in expected} == expected


@pytest.mark.parametrize(
    ("lang", "month", "decimal", "thousands"),
    [("es", "julio", ",", "."), ("en", "July", ".", ",")],
)
def test_timeline_axes_use_the_month_names_of_the_language(
    lang: str, month: str, decimal: str, thousands: str
) -> None:
    """Vega's own month names are English: the chart carries its locale (no fetch)."""
    incidents = make_incidents([ONE_BIG_INCIDENT])
    with use_language(lang):
        spec: dict[str, Any] = charts.timeline_chart(charts.timeline_data(incidents)).to_dict()
    locale = spec["config"]["locale"]
    assert locale["time"]["months"][6] == month
    assert len(locale["time"]["days"]) == 7
    assert (locale["number"]["decimal"], locale["number"]["thousands"]) == (decimal, thousands)
