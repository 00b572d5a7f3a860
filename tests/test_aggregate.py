"""Aggregation: hand-computed counts on a dozen incidents, indicators, peace zones,
fast path == plain path == naive spatial join."""

from __future__ import annotations

import io
import json
import math
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.aggregate import (
    NO_AGENCY_CODE,
    OUTSIDE_CODE,
    UNLOCATED_CODE,
    IncidentIndex,
    aggregate,
    aggregate_by_spatial_join,
    compare_peace_zones,
    format_range,
    homicide_publishers,
    homicide_share,
    indicators,
    load_homicide_totals,
    totals,
)
from geo.filters import Filter
from geo.geodata import CRS, ZONE_COLUMNS
from geo.incidents import COUNT_COLUMNS, INCIDENT_COLUMNS

NA = None
# id, date, date_end, state, muni, parish, zone_ids, geo_precision, agencies,
# killed_min, killed_max, injured, officers_killed, officers_injured, detained, lon, lat
ROWS = [
    ("E01", "2015-07-13", "2015-07-13", "VE-A", "VE0101", "VE010110", "z1", "point", "PNB",
     3, 3, 1, 0, 0, 2, -66.95, 10.45),
    ("E02", "2015-07-20", "2015-07-20", "VE-A", "VE0101", "VE010110", "", "point", "PNB;GNB;FAES",
     2, 5, 0, 1, NA, NA, -66.72, 10.45),
    ("E03", "2015-08-01", "2015-08-31", "VE-A", "VE0101", "", "", "municipality", "GNB",
     1, NA, NA, 0, 0, 0, -66.90, 10.50),
    ("E04", "2016-01-05", "2016-01-05", "VE-M", "VE1508", "VE150801", "", "barrio", "CICPC",
     0, 0, 2, 0, 1, 5, -66.78, 10.45),
    ("E05", "2016-03-10", "2016-03-10", "VE-M", "", "", "", "state", "",
     NA, NA, NA, NA, NA, NA, -66.50, 10.30),
    ("E06", "2015-01-01", "2015-12-31", "", "", "", "", "unlocated", "PNB",
     4, 4, 0, 0, 0, 0, math.nan, math.nan),
    ("E07", "2016-02-14", "2016-02-14", "VE-M", "VE1508", "VE150801", "z1", "point", "GNB;PNB",
     5, 6, 0, 0, 0, 1, -66.93, 10.42),
    ("E08", "2016-02-20", "2016-02-20", "VE-M", "VE1508", "VE150802", "", "point", "FAES",
     1, 1, 0, 2, 0, 0, -66.60, 10.45),
    ("E09", "2016-05-01", "2016-05-31", "VE-M", "VE1508", "VE150802", "", "parish", "CICPC",
     2, 2, 1, 0, 0, 3, -66.79, 10.45),
    ("E10", "2017-03-03", "2017-03-03", "VE-D", "VE0501", "VE050101", "", "point", "GNB",
     0, 0, 0, 0, 0, 10, -66.80, 10.30),
    ("E11", "2016-01-20", "2016-01-26", "VE-A", "VE0101", "VE010110", "z1", "point", "POLICARACAS",
     1, 2, NA, NA, NA, NA, -66.98, 10.48),
    ("E12", "2015-12-28", "2016-01-03", "VE-A", "VE0101", "VE010110", "", "point", "PNB",
     0, 0, 0, 0, 0, 0, -66.89, 10.45),
]  # fmt: skip


def make_incidents(rows: list[tuple[object, ...]]) -> gpd.GeoDataFrame:
    """A canonical incident frame from compact tuples (see ROWS)."""
    records = []
    for row in rows:
        (iid, start, end, state, muni, parish, zones, precision, agencies,
         kmin, kmax, injured, ok, oi, detained, lon, lat) = row  # fmt: skip
        records.append(
            {
                "incident_id": iid, "date": start, "date_end": end, "state_code": state,
                "muni_code": muni, "parish_code": parish, "zone_ids": zones,
                "geo_precision": precision, "agencies": agencies,
                "civilians_killed_min": kmin, "civilians_killed_max": kmax,
                "civilians_injured": injured, "officers_killed": ok, "officers_injured": oi,
                "detained": detained, "fatalities_unsplit": None, "lon": lon, "lat": lat,
                "operation_family": "OLP", "confidence": "high",
            }
        )  # fmt: skip
    frame = pd.DataFrame(records)
    for column in INCIDENT_COLUMNS:
        if column not in frame and column != "geometry":
            frame[column] = ""
    frame["date"] = pd.to_datetime(frame["date"])
    frame["date_end"] = pd.to_datetime(frame["date_end"])
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    geometry = [
        None if math.isnan(lon) else shapely.Point(lon, lat)
        for lon, lat in zip(frame["lon"], frame["lat"], strict=True)
    ]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)[list(INCIDENT_COLUMNS)]


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def make_zones() -> gpd.GeoDataFrame:
    """z1 (shipped-style, joined by zone_ids; a peace zone since 2016-01-01); z2 and z3
    user zones (joined spatially) overlapping on -66.75..-66.70."""
    rows = [
        ("z1", "Zone one", "operation_zone;peace_zone", "2016-01-01", False,
         square(-67.0, 10.4, -66.9, 10.5)),
        ("z2", "Zone two", "operation_zone", "", True, square(-66.8, 10.4, -66.7, 10.5)),
        ("z3", "Zone three", "operation_zone", "", True, square(-66.75, 10.4, -66.65, 10.5)),
    ]  # fmt: skip
    frame = gpd.GeoDataFrame(
        [
            {
                "zone_id": z,
                "name": n,
                "roles": r,
                "peace_zone_since": s,
                "user_defined": u,
                "geometry": g,
                "definition": "user",
                "precision": "user",
            }
            for z, n, r, s, u, g in rows
        ],
        geometry="geometry",
        crs=CRS,
    )
    for column in ZONE_COLUMNS:
        if column not in frame:
            frame[column] = ""
    return frame[ZONE_COLUMNS]


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return make_incidents(ROWS)


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return make_zones()


def counts(table: pd.DataFrame, key: str = "area_code") -> dict[str, int]:
    return dict(zip(table[key], table["incidents"].astype(int), strict=True))


# ---------------------------------------------------------------------- levels
@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("state", {"VE-A": 5, "VE-M": 5, "VE-D": 1, UNLOCATED_CODE: 1}),
        ("municipality", {"VE0101": 5, "VE1508": 4, "VE0501": 1, UNLOCATED_CODE: 2}),
        (
            "parish",
            {"VE010110": 4, "VE150801": 2, "VE150802": 2, "VE050101": 1, UNLOCATED_CODE: 3},
        ),
        ("zone", {"z1": 3, "z2": 2, "z3": 1, OUTSIDE_CODE: 3, UNLOCATED_CODE: 4}),
    ],
)
def test_counts_per_level(incidents, zones, level, expected):
    table = aggregate(incidents, level=level, zones=zones)
    assert counts(table) == expected
    # Buckets come last, clearly labelled.
    assert table["area_code"].iloc[-1].startswith("_")
    names = dict(zip(table["area_code"], table["area_name"], strict=True))
    assert names[UNLOCATED_CODE] == "Unlocated at this level"


def test_zone_outside_bucket_is_labelled(incidents, zones):
    table = aggregate(incidents, level="zone", zones=zones)
    names = dict(zip(table["area_code"], table["area_name"], strict=True))
    assert names[OUTSIDE_CODE] == "Outside any zone"
    assert names["z2"] == "Zone two"


def test_state_sums_and_ranges(incidents):
    table = aggregate(incidents, level="state").set_index("area_code")
    capital = table.loc["VE-A"]
    assert capital["area_name"] == "Distrito Capital"
    # E01 3/3, E02 2/5, E03 1/unknown ("at least 1"), E11 1/2, E12 0/0
    assert (capital["civilians_killed_min"], capital["civilians_killed_max"]) == (7, 11)
    assert bool(capital["civilians_killed_at_least"])
    miranda = table.loc["VE-M"]
    assert (miranda["civilians_killed_min"], miranda["civilians_killed_max"]) == (8, 9)
    assert not bool(miranda["civilians_killed_at_least"])
    assert miranda["civilians_killed_unknown"] == 1  # E05
    assert miranda["officers_killed"] == 2  # E08
    assert miranda["detained"] == 9  # 5 + 1 + 3, E05 unknown
    assert miranda["detained_unknown"] == 1


def test_totals_count_each_incident_once(incidents):
    assert totals(incidents) == {
        "incidents": 12,
        "civilians_killed_min": 19,
        "civilians_killed_max": 24,
        "civilians_injured": 4,
        "officers_killed": 3,
        "officers_injured": 1,
        "detained": 21,
        "fatalities_unsplit": 0,
        "civilians_killed_unknown": 1,
        "civilians_injured_unknown": 3,
        "officers_killed_unknown": 2,
        "officers_injured_unknown": 3,
        "detained_unknown": 3,
        "deaths_no_officer_casualties_min": 5,
        "deaths_no_officer_casualties_max": 7,
        "civilians_killed_at_least": True,
    }


def test_multi_agency_incident_counts_once_per_agency(incidents):
    table = aggregate(incidents, level="state", by_agency=True)
    per_agency = table.groupby("agency")["incidents"].sum().to_dict()
    assert per_agency == {
        "PNB": 5, "GNB": 4, "FAES": 2, "CICPC": 2, "POLICARACAS": 1, NO_AGENCY_CODE: 1
    }  # fmt: skip
    # 12 incidents; E02 has three agencies (+2), E07 two (+1).
    assert sum(per_agency.values()) == 15
    assert aggregate(incidents, level="state")["incidents"].sum() == 12
    capital_pnb = table[(table["area_code"] == "VE-A") & (table["agency"] == "PNB")]
    assert int(capital_pnb["incidents"].iloc[0]) == 3  # E01, E02, E12


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("month", {"2015-07": (2, 0), "2015-08": (1, 0), "2015-12": (1, 1), "2016-01": (1, 0)}),
        ("day", {"2015-07-13": (1, 0), "2015-07-20": (1, 0), "2015-08-01": (1, 1),
                 "2015-12-28": (1, 1), "2016-01-20": (1, 1)}),
        ("week", {"2015-07-13": (1, 0), "2015-07-20": (1, 0), "2015-07-27": (1, 1),
                  "2015-12-28": (1, 0), "2016-01-18": (1, 1)}),
        ("quarter", {"2015-Q3": (3, 0), "2015-Q4": (1, 1), "2016-Q1": (1, 0)}),
        ("year", {"2015": (4, 1), "2016": (1, 0)}),
    ],
)  # fmt: skip
def test_periods_by_start_date_with_imprecise_flag(incidents, period, expected):
    """Capital's incidents per period: (incidents, imprecise_dates). E03 is month
    precision (Aug 2015), E11 a week from Wed 20 Jan 2016, E12 a week across New Year."""
    table = aggregate(incidents, level="state", period=period)
    capital = table[table["area_code"] == "VE-A"]
    got = {
        p: (int(n), int(i))
        for p, n, i in zip(
            capital["period"], capital["incidents"], capital["imprecise_dates"], strict=True
        )
    }
    assert got == expected
    assert capital["period_start"].notna().all()


def test_period_start_column(incidents):
    table = aggregate(incidents, level="state", period="quarter")
    row = table[(table["area_code"] == "VE-A") & (table["period"] == "2015-Q4")].iloc[0]
    assert row["period_start"] == pd.Timestamp("2015-10-01")


def test_filter_is_applied_first(incidents):
    flt = Filter(date_from=date(2016, 1, 1), agencies=("PNB",))
    table = aggregate(incidents, level="state", flt=flt)
    assert counts(table) == {"VE-M": 1}  # E07 only (E12 starts in 2015)


def test_unknown_level_and_period_are_refused(incidents):
    with pytest.raises(ValueError, match="unknown level"):
        aggregate(incidents, level="country")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown period"):
        aggregate(incidents, level="state", period="decade")  # type: ignore[arg-type]


def test_empty_selection_gives_empty_table(incidents):
    table = aggregate(incidents, level="parish", period="month", by_agency=True,
                      flt=Filter(date_from=date(2030, 1, 1)))  # fmt: skip
    assert table.empty
    assert {"area_code", "period", "agency", "incidents"} <= set(table.columns)


# ---------------------------------------------------------------------- indicators
def test_indicators_with_counts_and_zero_denominators(incidents):
    table = indicators(aggregate(incidents, level="state")).set_index("area_code")
    capital = table.loc["VE-A"]
    # killed 7–11 (at least), officers killed 1 (E02)
    assert capital["killed_per_officer_killed_text"] == "7–11+ : 1"
    assert (capital["killed_per_officer_killed_min"], capital["killed_per_officer_killed_max"]) == (
        7.0,
        11.0,
    )
    # injured: E01 1 → lethality 7 and 11
    assert capital["lethality_index_text"] == "7–11+ : 1"
    assert capital["killed_per_incident_min"] == pytest.approx(7 / 5)
    aragua = table.loc["VE-D"]  # E10: nobody killed, no officer casualty, nobody injured
    assert aragua["killed_per_officer_killed_text"] == "0 : 0"
    assert bool(aragua["killed_per_officer_killed_zero_denominator"])
    assert math.isnan(aragua["killed_per_officer_killed_min"])
    assert math.isnan(aragua["lethality_index_max"])
    assert aragua["share_deaths_no_officer_casualties_max"] == 0.0


def test_indicators_on_totals(incidents):
    row = indicators(pd.DataFrame([totals(incidents)])).iloc[0]
    assert row["killed_per_officer_killed_text"] == "19–24+ : 3"
    assert row["lethality_index_min"] == pytest.approx(19 / 4)
    assert row["share_deaths_no_officer_casualties_min"] == pytest.approx(5 / 12)
    assert row["share_deaths_no_officer_casualties_max"] == pytest.approx(7 / 12)


@pytest.mark.parametrize(
    ("low", "high", "at_least", "text"),
    [(14, 14, False, "14"), (14, 16, False, "14–16"), (3, 3, True, "3+"), (3, 5, True, "3–5+")],
)
def test_format_range(low, high, at_least, text):
    assert format_range(low, high, at_least=at_least) == text


# ---------------------------------------------------------------------- homicides
def test_homicide_share_per_state_and_year(incidents):
    homicides = pd.DataFrame(
        {
            "scope_code": ["VE-A", "VE"],
            "year": [2015, 2016],
            "homicides_min": [100, 200],
            "homicides_max": [100, 250],
            "source": ["test A", "test B"],
        }
    )
    share = homicide_share(incidents, homicides).set_index("scope_code")
    # Capital 2015 (whole interval in 2015): E01 3/3, E02 2/5, E03 1/at least 1.
    assert share.loc["VE-A", "civilians_killed_min"] == 6
    assert share.loc["VE-A", "civilians_killed_max"] == 9
    assert bool(share.loc["VE-A", "civilians_killed_at_least"])
    assert share.loc["VE-A", "share_min"] == pytest.approx(0.06)
    # Whole country 2016: E07 5/6, E08 1, E09 2, E11 1/2 → 9/250 .. 11/200.
    assert share.loc["VE", "share_min"] == pytest.approx(9 / 250)
    assert share.loc["VE", "share_max"] == pytest.approx(11 / 200)


def test_homicide_share_absent_without_totals(incidents):
    empty = pd.DataFrame(columns=["scope_code", "year", "homicides_min", "homicides_max", "source"])
    assert homicide_share(incidents, empty).empty


def test_homicide_sources_are_never_mixed(incidents):
    totals_2016 = load_homicide_totals()
    national_2016 = totals_2016[(totals_2016["scope_code"] == "VE") & (totals_2016["year"] == 2016)]
    assert len(national_2016) >= 2  # OVV, Ministerio Público, Interior Ministry
    with pytest.raises(ValueError, match="several sources"):
        homicide_share(incidents, totals_2016)
    one_source = load_homicide_totals(publisher="Sardina")  # the Ministerio Público release
    assert one_source[["scope_code", "year", "homicides_max"]].values.tolist() == [
        ["VE", 2016, 21752]
    ]
    assert len(homicide_share(incidents, one_source)) == 1


def test_lower_bound_rows_are_not_loaded():
    loaded = load_homicide_totals()
    assert (loaded["homicides_min"] <= loaded["homicides_max"]).all()
    assert "VE-A" in set(loaded["scope_code"])  # "Distrito Capital" resolved


TOTALS_CSV = """row_id,year,scope,metric,value_min,value_max,source_publisher
T1,2015,national,homicides,100,100,Observatorio A
T2,2015,Miranda,homicides,40,50,Observatorio A
T3,2015,national,homicides,90,90,Fiscalía B
T4,2015,national,violent_deaths,300,300,Otro C
T5,2016,national,homicides,10,,Sólo cota D
"""


def test_uploaded_totals_offer_one_publisher_at_a_time() -> None:
    upload = io.BytesIO(TOTALS_CSV.encode())
    upload.name = "mis-totales.csv"  # type: ignore[attr-defined]
    # violent deaths (T4) and a lower bound without maximum (T5) are not homicide totals
    assert homicide_publishers(upload) == ["Fiscalía B", "Observatorio A"]
    upload.seek(0)
    totals = load_homicide_totals(upload, publisher="observatorio a")
    assert totals[["scope_code", "year", "homicides_min", "homicides_max"]].values.tolist() == [
        ["VE", 2015, 100, 100],
        ["VE-M", 2015, 40, 50],
    ]


def test_a_totals_file_without_its_columns_is_named_in_the_error() -> None:
    upload = io.BytesIO(b"year,scope,homicides\n2015,national,100\n")
    upload.name = "otra-forma.csv"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"otra-forma\.csv: missing columns row_id, metric"):
        homicide_publishers(upload)


# ---------------------------------------------------------------------- peace zones
def test_peace_zone_inside_ring_before_after(incidents, zones):
    table = compare_peace_zones(incidents, zones=zones, ring_m=2000)
    assert set(table["zone_id"]) == {"z1"}
    got = {
        (p, ph): (int(n), int(kmin), int(kmax))
        for p, ph, n, kmin, kmax in zip(
            table["place"], table["phase"], table["incidents"],
            table["civilians_killed_min"], table["civilians_killed_max"], strict=True,
        )
    }  # fmt: skip
    assert got == {
        ("inside", "all"): (3, 9, 11),  # E01, E07, E11
        ("inside", "before"): (1, 3, 3),  # E01 (2015-07-13)
        ("inside", "after"): (2, 6, 8),  # E07, E11 (week from 2016-01-20)
        ("inside", "straddling"): (0, 0, 0),
        ("ring", "all"): (1, 0, 0),  # E12, 0.01° (~1.1 km) east of the zone
        ("ring", "before"): (0, 0, 0),
        ("ring", "after"): (0, 0, 0),
        ("ring", "straddling"): (1, 0, 0),  # 2015-12-28..2016-01-03 spans the date
    }
    assert (table["peace_zone_since"] == "2016-01-01").all()


def test_narrow_ring_leaves_the_neighbour_out(incidents, zones):
    table = compare_peace_zones(incidents, zones=zones, ring_m=500)
    ring = table[(table["place"] == "ring") & (table["phase"] == "all")]
    assert int(ring["incidents"].iloc[0]) == 0


# ---------------------------------------------------------------------- fast path
@pytest.mark.parametrize("level", ["state", "municipality", "parish", "zone"])
@pytest.mark.parametrize("period", [None, "day", "month", "year"])
@pytest.mark.parametrize("by_agency", [False, True])
def test_index_equals_plain_path(incidents, zones, level, period, by_agency):
    index = IncidentIndex.from_frame(incidents, zones=zones)
    for flt in (None, Filter(agencies=("GNB",)), Filter(date_to=date(2015, 12, 31))):
        expected = aggregate(incidents, level=level, period=period, by_agency=by_agency,
                             flt=flt, zones=zones)  # fmt: skip
        got = index.aggregate(flt, level=level, period=period, by_agency=by_agency)
        pd.testing.assert_frame_equal(got, expected)
        assert index.totals(flt) == totals(incidents, flt=flt)


PRECISIONS = ["point", "barrio", "parish", "municipality", "state", "unlocated"]


@st.composite
def incident_frames(draw: st.DrawFn) -> gpd.GeoDataFrame:
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for i in range(n):
        state = draw(st.sampled_from(["VE-A", "VE-M", ""]))
        muni = draw(st.sampled_from(["VE0101", "VE1508", ""]))
        parish = draw(st.sampled_from(["VE010110", "VE150801", ""]))
        zone_ids = draw(st.sampled_from(["", "z1", "z1;z2", "zX"]))
        kmin = draw(st.one_of(st.none(), st.integers(0, 5)))
        kmax = draw(st.one_of(st.none(), st.integers(0, 3))) if kmin is not None else None
        kmax = kmin + kmax if kmax is not None and kmin is not None else kmax
        day = draw(st.dates(min_value=date(2014, 1, 1), max_value=date(2023, 12, 31)))
        counts_ = [draw(st.one_of(st.none(), st.integers(0, 4))) for _ in range(4)]
        rows.append(
            (f"H{i}", day.isoformat(), day.isoformat(), state, muni, parish, zone_ids,
             draw(st.sampled_from(PRECISIONS)),
             draw(st.sampled_from(["", "PNB", "PNB;GNB", "GNB;FAES;PNB"])),
             kmin, kmax, *counts_, -66.95, 10.45)
        )  # fmt: skip
    return make_incidents(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=incident_frames())
def test_every_level_adds_up_to_the_grand_total(frame):
    zones = make_zones().assign(user_defined=False)  # all joined by the ingest zone_ids
    grand = totals(frame)
    for level in ("state", "municipality", "parish"):
        table = aggregate(frame, level=level)
        assert table["incidents"].sum() == grand["incidents"]
        assert table["civilians_killed_min"].sum() == grand["civilians_killed_min"]
        assert table["civilians_killed_max"].sum() == grand["civilians_killed_max"]
    table = aggregate(frame, level="zone", zones=zones)
    # Zones overlap: each incident is in >= 1 zone, outside or unlocated; one in both z1
    # and z2 counts twice ("zX" is not a known zone).
    in_both = int((frame["zone_ids"] == "z1;z2").sum())
    assert table["incidents"].sum() == grand["incidents"] + in_both
    index = IncidentIndex.from_frame(frame, zones=zones)
    for level in ("state", "zone"):
        pd.testing.assert_frame_equal(
            index.aggregate(level=level, period="month", by_agency=True),
            aggregate(frame, level=level, period="month", by_agency=True, zones=zones),
        )


# ---------------------------------------------------------------------- real boundaries
@pytest.fixture(scope="module")
def synthetic():
    from geo.synthetic import synthetic_incidents

    return synthetic_incidents(1500, seed=7)


@pytest.mark.slow
@pytest.mark.parametrize("level", ["state", "municipality", "parish", "zone"])
def test_fast_path_equals_naive_spatial_join(synthetic, level):
    index = IncidentIndex.from_frame(synthetic)
    for flt in (Filter(), Filter(agencies=("PNB",), date_from=date(2016, 1, 1))):
        naive = aggregate_by_spatial_join(synthetic, level=level, period="month",
                                          by_agency=True, flt=flt)  # fmt: skip
        fast = index.aggregate(flt, level=level, period="month", by_agency=True)
        pd.testing.assert_frame_equal(fast, naive)
        assert fast["incidents"].sum() >= int(flt.mask(synthetic).sum())


@pytest.mark.slow
def test_shipped_peace_zones_compare(synthetic):
    table = compare_peace_zones(synthetic)
    assert {"valles-del-tuy", "cota-905"} <= set(table["zone_id"])
    inside = table[(table["place"] == "inside") & (table["phase"] == "all")]
    assert (inside["incidents"] >= 0).all()
    assert inside["incidents"].sum() > 0


# ---------------------------------------------------------------------- CLI
@pytest.mark.slow
def test_cli_stats_json_matches_the_store(tmp_path, capsys):
    from geo.cli import main
    from geo.store import open_store

    store = str(tmp_path / "stats.gpkg")
    stored = open_store(store).read_incidents()
    assert main(["stats", "--by", "state", "--json", "--store", store]) == 0
    records = json.loads(capsys.readouterr().out)
    assert sum(r["incidents"] for r in records) == len(stored)
    assert {"area_code", "area_name", "incidents", "civilians_killed_min",
            "civilians_killed_max", "civilians_injured", "officers_killed",
            "officers_injured", "detained"} <= set(records[0])  # fmt: skip
    killed = pd.array(stored["civilians_killed_min"], dtype="Int64").fillna(0).sum()
    assert sum(r["civilians_killed_min"] for r in records) == int(killed)

    assert main(["stats", "--by", "municipality", "--period", "year", "--store", store]) == 0
    text = capsys.readouterr().out
    assert "Unlocated at this level" in text or "_unlocated" not in text
    assert "–" in text  # contested tolls shown as ranges


@pytest.mark.slow
def test_cli_bench_json(capsys):
    from geo.cli import main

    assert main(["bench", "--events", "400", "--repeats", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["events"] == 400
    assert result["identical"] is True
    for key in ("median_ms", "naive_median_ms", "speedup", "peak_mb"):
        assert result[key] > 0
    assert np.isfinite(result["speedup"])
