"""The canonical incident schema (pandera), interval ends and content hashes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandera.pandas as pa
import pytest
import shapely

from geo.incidents import (
    COUNT_COLUMNS,
    INCIDENT_COLUMNS,
    INCIDENT_SCHEMA,
    content_hash,
    date_end_for,
    empty_incidents,
)


@pytest.mark.parametrize(
    ("day", "precision", "end"),
    [
        (date(2015, 7, 13), "day", date(2015, 7, 13)),
        (date(2015, 7, 13), "week", date(2015, 7, 19)),
        (date(2016, 2, 1), "month", date(2016, 2, 29)),  # leap year
        (date(2015, 2, 1), "month", date(2015, 2, 28)),
        (date(2015, 12, 1), "month", date(2015, 12, 31)),
        (date(2016, 1, 1), "year", date(2016, 12, 31)),
    ],
)
def test_date_end_for(day: date, precision: str, end: date) -> None:
    assert date_end_for(day, precision) == pd.Timestamp(end)


def test_date_end_for_rejects_unknown_precision() -> None:
    with pytest.raises(ValueError, match="decade"):
        date_end_for(date(2015, 1, 1), "decade")


def _one(**changes: object) -> pd.DataFrame:
    frame = empty_incidents()
    row: dict[str, object] = dict.fromkeys(INCIDENT_COLUMNS, "")
    row.update(
        incident_id="EV1",
        date=pd.Timestamp("2015-07-13"),
        date_end=pd.Timestamp("2015-07-13"),
        date_precision="day",
        geo_precision="point",
        confidence="high",
        lat=10.5,
        lon=-66.9,
        geometry=shapely.Point(-66.9, 10.5),
    )
    for column in COUNT_COLUMNS:
        row[column] = pd.NA
    row.update(changes)
    built = pd.DataFrame([row])
    for column in frame.columns:
        if column != "geometry":
            built[column] = built[column].astype(frame[column].dtype)
    return frame.__class__(built, geometry="geometry", crs=frame.crs)


def test_empty_and_valid_frames_pass() -> None:
    INCIDENT_SCHEMA.validate(empty_incidents())
    INCIDENT_SCHEMA.validate(_one(civilians_killed_min=3, civilians_killed_max=10))


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"detained": -1}, "detained"),
        ({"civilians_killed_min": 5, "civilians_killed_max": 2}, "civilians_killed_max"),
        ({"date_precision": "decade"}, "date_precision"),
        ({"geo_precision": "street"}, "geo_precision"),
        ({"confidence": "certain"}, "confidence"),
        ({"incident_id": ""}, "incident_id"),
    ],
)
def test_schema_rejects(changes: dict[str, object], column: str) -> None:
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        INCIDENT_SCHEMA.validate(_one(**changes), lazy=True)
    assert column in set(caught.value.failure_cases["column"])


def test_schema_rejects_duplicate_ids() -> None:
    frame = pd.concat([_one(), _one()], ignore_index=True)
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        INCIDENT_SCHEMA.validate(frame, lazy=True)
    assert "incident_id" in set(caught.value.failure_cases["column"])


def test_content_hash_ignores_id_and_origin_but_not_content() -> None:
    base = {"incident_id": "A", "description": "x", "origin": "a.csv", "detained": 3}
    same = {**base, "incident_id": "B", "origin": "b.csv"}
    assert content_hash(base) == content_hash(same)
    assert content_hash(base) != content_hash({**base, "detained": 4})
    assert content_hash(base) != content_hash(base, [{"url": "https://example.org"}])
    # Unknown (NA) and zero are different facts.
    assert content_hash({**base, "detained": pd.NA}) != content_hash({**base, "detained": 0})


def test_incidents_with_sources_joins_and_searches() -> None:
    from geo.incidents import incidents_with_sources

    incidents = pd.concat(
        [_one(incident_id="A", description="Raid in Petare"), _one(incident_id="B")],
        ignore_index=True,
    )
    sources = pd.DataFrame(
        {
            "incident_id": ["A", "A"],
            "publisher": ["Efecto Cocuyo", "Runrunes"],
            "date": ["2016", ""],
            "title": ["", ""],
            "url": ["https://a", "https://b"],
            "quote": ["según testigos", ""],
        }
    )
    table = incidents_with_sources(incidents, sources)
    assert table["incident_id"].tolist() == ["A", "A", "B"]  # B has no source: one row
    assert table.loc[2, "publisher"] == ""
    assert incidents_with_sources(incidents, sources, query="SEGUN cocuyo")["url"].tolist() == [
        "https://a"
    ]
    assert incidents_with_sources(incidents, sources, query="petare")["incident_id"].nunique() == 1


@pytest.mark.parametrize(
    ("lang", "codes", "shown"),
    [
        ("es", ["month", "parish", "unlocated", "", None, "galaxy"],
         ["mes", "parroquia", "sin ubicación", "", "", "galaxy"]),
        ("en", ["month", "parish"], ["month", "parish"]),
    ],
)  # fmt: skip
def test_precision_codes_read_as_words(lang: str, codes: list[object], shown: list[str]) -> None:
    from geo.i18n import use_language
    from geo.incidents import precision_label

    with use_language(lang):
        assert [precision_label(code) for code in codes] == shown
