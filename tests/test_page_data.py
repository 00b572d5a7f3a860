"""The Data page lists the filtered incidents with their sources and searches them."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.ingest import import_bytes
from geo.store import open_store

PAGE = str(Path(__file__).parent.parent / "views" / "data.py")
CSV = (
    "event_id,date,place_name,state,agencies,description,source_publisher,source_url,quote\n"
    "P1,2015-07-13,Cota 905,Distrito Capital,PNB,<b>bold</b> raid,El Nacional,"
    "https://example.org/a,quoted words\n"
    "P2,2016-10-11,Somewhere,Zulia,GNB,another raid,Efecto Cocuyo,https://example.org/b,other\n"
)


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    location = str(tmp_path / "page.gpkg")
    report = import_bytes(CSV.encode(), "in.csv", open_store(location, seed=False))
    assert report.imported == 2
    monkeypatch.setenv("ZONAS_STORE", location)
    return AppTest.from_file(PAGE, default_timeout=60)


def test_lists_incidents_with_their_sources(page: AppTest) -> None:
    page.run()
    assert not page.exception
    table = page.dataframe[0].value
    assert sorted(table["incident_id"]) == ["P1", "P2"]
    row = table.set_index("incident_id").loc["P1"]
    assert (row["publisher"], row["url"], row["quote"]) == (
        "El Nacional", "https://example.org/a", "quoted words",
    )  # fmt: skip
    assert row["description"] == "<b>bold</b> raid"  # plain text, not HTML


def test_search_narrows_the_table(page: AppTest) -> None:
    page.run()
    page.text_input[0].input("cocuyo").run()
    assert list(page.dataframe[0].value["incident_id"]) == ["P2"]


def test_codes_are_shown_as_words_in_the_readers_language(
    page: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZONAS_LANG", "es")
    page.run()
    assert not page.exception
    table = page.dataframe[0].value.set_index("incident_id")
    # both rows are dated to the day; the CSV names their states
    assert list(table.loc[["P1", "P2"], "date_precision"]) == ["día", "día"]
    assert list(table.loc[["P1", "P2"], "state_code"]) == ["Distrito Capital", "Zulia"]
