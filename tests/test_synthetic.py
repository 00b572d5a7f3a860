"""Synthetic incidents: canonical, reproducible, spread over the real parishes, with codes
assigned the way ingest assigns them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.gazetteer import default_gazetteer
from geo.incidents import INCIDENT_COLUMNS
from geo.synthetic import synthetic_incidents

N = 3000


@pytest.fixture(scope="module")
def frame():
    return synthetic_incidents(N, seed=11)


def test_canonical_columns_and_schema(frame):
    from geo.incidents import INCIDENT_SCHEMA

    assert list(frame.columns) == list(INCIDENT_COLUMNS)
    assert len(frame) == N
    assert frame.crs.to_epsg() == 4326
    INCIDENT_SCHEMA.validate(frame, lazy=True)


def test_same_seed_same_frame_other_seed_other_frame(frame):
    again = synthetic_incidents(N, seed=11)
    pd.testing.assert_frame_equal(
        pd.DataFrame(frame.drop(columns="geometry")), pd.DataFrame(again.drop(columns="geometry"))
    )
    other = synthetic_incidents(N, seed=12)
    assert not frame["lon"].equals(other["lon"])


def test_dates_in_2014_2023_with_precise_intervals(frame):
    assert frame["date"].min() >= pd.Timestamp("2014-01-01")
    assert frame["date_end"].max() <= pd.Timestamp("2023-12-31")
    assert (frame["date_end"] >= frame["date"]).all()
    month = frame[frame["date_precision"] == "month"]
    assert (month["date"].dt.day == 1).all()
    assert (month["date_end"] == month["date"] + pd.offsets.MonthEnd(0)).all()
    day = frame[frame["date_precision"] == "day"]
    assert (day["date"] == day["date_end"]).all()
    assert set(frame["date_precision"]) == {"day", "week", "month", "year"}


def test_precision_mix_and_codes(frame):
    shares = frame["geo_precision"].value_counts(normalize=True)
    assert 0.45 < shares["point"] < 0.55
    assert set(shares.index) == {"point", "barrio", "parish", "municipality", "state", "unlocated"}
    pointlike = frame[frame["geo_precision"].isin(["point", "barrio"])]
    assert (pointlike["parish_code"] != "").mean() > 0.99  # sampled inside parishes
    coarse = frame[frame["geo_precision"] == "municipality"]
    assert (coarse["parish_code"] == "").all()
    assert (coarse["muni_code"] != "").all()
    state_only = frame[frame["geo_precision"] == "state"]
    assert (state_only["muni_code"] == "").all()
    unlocated = frame[frame["geo_precision"] == "unlocated"]
    assert (unlocated["state_code"] == "").all()
    assert unlocated.geometry.isna().all()
    assert unlocated["lon"].isna().all()


def test_codes_are_what_the_gazetteer_assigns(frame):
    pointlike = frame[frame["geo_precision"] == "point"].head(300)
    again = default_gazetteer().assign_areas(pointlike["lon"], pointlike["lat"])
    for column in ("state_code", "muni_code", "parish_code", "zone_ids"):
        assert again[column].tolist() == pointlike[column].tolist()


def test_spread_over_the_country(frame):
    assert frame.loc[frame["state_code"] != "", "state_code"].nunique() >= 20
    assert frame["parish_code"].nunique() > 500


def test_counts_are_ranges_with_unknowns(frame):
    kmin = frame["civilians_killed_min"]
    kmax = frame["civilians_killed_max"]
    both = kmin.notna() & kmax.notna()
    assert (kmin[both] <= kmax[both]).all()
    assert (kmin[both] < kmax[both]).any()  # contested tolls
    assert (kmin.notna() & kmax.isna()).any()  # "at least"
    assert kmin.isna().any()  # unknown
    multi = frame["agencies"].str.contains(";")
    assert 0.1 < multi.mean() < 0.5
    assert np.all(frame["incident_id"].is_unique)
