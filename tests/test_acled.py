"""ACLED exports: the variants users have all map to the same canonical incidents.

Expected values are read off the hand-written files in tests/data/: VEN1001 is the
first OLP at Cota 905 (a point in El Paraíso parish VE010108, inside the Cota 905
circle), VEN1002 is a month-precision event "near" San Cristóbal, Táchira
(ACLED geo_precision 2 → municipality VE2023).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.ingest import prepare_file

DATA = Path(__file__).parent / "data"
VARIANTS = ["acled_iso.csv", "acled_textdate.csv", "acled_old.csv"]


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> pd.DataFrame:
    batch = prepare_file(DATA / request.param)
    assert batch.fmt == "acled"
    assert not [p for p in batch.problems if p.severity == "error"], batch.problems
    return batch.incidents.set_index("incident_id")


def test_every_variant_gives_the_same_point_event(variant: pd.DataFrame) -> None:
    row = variant.loc["ACLED:VEN1001"]
    assert row["date"] == pd.Timestamp("2015-07-13")
    assert row["date_precision"] == "day"
    assert row["geo_precision"] == "point"
    assert (row["state_code"], row["muni_code"], row["parish_code"]) == (
        "VE-A",
        "VE0101",
        "VE010108",
    )
    assert "cota-905" in row["zone_ids"].split(";")
    assert row["agencies"] == "PNB"
    assert "Civilians (Venezuela)" in row["agencies_reported"]


def test_fatalities_stay_unsplit(variant: pd.DataFrame) -> None:
    row = variant.loc["ACLED:VEN1001"]
    assert row["fatalities_unsplit"] == 14
    for column in ("civilians_killed_min", "civilians_killed_max", "officers_killed"):
        assert pd.isna(row[column]), column


def test_month_precision_and_near_a_town(variant: pd.DataFrame) -> None:
    row = variant.loc["ACLED:VEN1002"]
    # time_precision 3: the month of 20 October 2016, stored from its first day.
    assert row["date"] == pd.Timestamp("2016-10-01")
    assert row["date_end"] == pd.Timestamp("2016-10-31")
    assert row["date_precision"] == "month"
    # geo_precision 2: the municipality the coordinates fall in, no parish.
    assert (row["geo_precision"], row["muni_code"], row["parish_code"]) == (
        "municipality",
        "VE2023",
        "",
    )
    assert row["state"] == "Tachira"  # kept verbatim, resolved through the coordinates
    assert row["agencies"] == "FAES"


def test_sources_come_from_the_source_column() -> None:
    batch = prepare_file(DATA / "acled_iso.csv")
    sources = batch.sources.set_index("incident_id")
    assert sources.loc["ACLED:VEN1001", "publisher"] == "El Nacional"


def test_unknown_state_actor_and_admin1_disagreement_are_warnings() -> None:
    batch = prepare_file(DATA / "acled_iso.csv")
    row = batch.incidents.set_index("incident_id").loc["ACLED:VEN1003"]
    assert row["geo_precision"] == "state"
    assert row["state_code"] == "VE-S"
    assert row["agencies"] == ""
    assert "Orinoco Mining Arc Command" in row["agencies_reported"]
    assert row["fatalities_unsplit"] == 0
    warnings = {(p.row, p.column): p.message for p in batch.problems if p.severity == "warning"}
    assert "unknown agency" in warnings[(3, "agencies")]
    assert "FANB" in warnings[(3, "agencies")]  # suggestion
    assert 'admin1 "Merida" is VE-L' in warnings[(3, "admin1")]
    assert "VE-S" in warnings[(3, "admin1")]
    # Civilians and unidentified groups are not agencies: no warning for them.
    assert not [p for p in batch.problems if "Civilians" in p.message]


def test_strict_rejects_the_row_with_warnings() -> None:
    batch = prepare_file(DATA / "acled_iso.csv", strict=True)
    assert set(batch.incidents["incident_id"]) == {"ACLED:VEN1001", "ACLED:VEN1002"}
    assert batch.rejects["row"].tolist() == ["3"]
