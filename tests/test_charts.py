"""Timeline and indicator chart data and Vega-Lite specs, on four hand-made incidents."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geo import charts
from tests.test_aggregate import make_incidents, make_zones

NA = None
# id, date, date_end, state, muni, parish, zone_ids, geo_precision, agencies,
# killed_min, killed_max, injured, officers_killed, officers_injured, detained, lon, lat
ROWS = [
    ("A1", "2015-07-13", "2015-07-13", "VE-A", "VE0101", "VE010110", "z1", "point", "PNB",
     14, 16, 0, 1, 2, 0, -66.95, 10.45),
    ("A2", "2015-07-20", "2015-07-20", "VE-A", "VE0101", "VE010110", "", "point", "PNB;GNB",
     2, 2, 1, 0, 0, 0, -66.72, 10.45),
    ("A3", "2015-08-01", "2015-08-31", "VE-D", "VE0501", "", "", "municipality", "GNB",
     1, NA, NA, 0, 0, 0, -66.80, 10.30),
    ("A4", "2015-10-05", "2015-10-05", "VE-D", "VE0501", "VE050101", "", "point", "GNB",
     0, 0, 0, 0, 0, 0, -66.80, 10.30),
]  # fmt: skip


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return make_incidents(ROWS)


def _ms(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


# ------------------------------------------------------------------------------ data
def test_monthly_timeline_keeps_killed_ranges(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month")
    assert _rows(data, ["period", "start", "end", "incidents", "civilians_killed_min",
                        "civilians_killed_max", "civilians_killed_at_least"]) == [
        ("2015-07", "2015-07-01", "2015-08-01", 2, 16, 18, False),
        ("2015-08", "2015-08-01", "2015-09-01", 1, 1, 1, True),  # "at least 1"
        ("2015-10", "2015-10-01", "2015-11-01", 1, 0, 0, False),
    ]  # fmt: skip


def test_weekly_timeline_starts_on_mondays_and_flags_month_dates(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="week")
    assert _rows(data, ["start", "end", "incidents", "imprecise_dates"]) == [
        ("2015-07-13", "2015-07-20", 1, 0),
        ("2015-07-20", "2015-07-27", 1, 0),
        ("2015-07-27", "2015-08-03", 1, 1),  # 1 Aug 2015 was a Saturday; known to the month
        ("2015-10-05", "2015-10-12", 1, 0),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        # a two-agency incident counts for each agency
        ("agency", [("2015-07", "GNB", 1, 2), ("2015-07", "PNB", 2, 16),
                    ("2015-08", "GNB", 1, 1), ("2015-10", "GNB", 1, 0)]),
        ("state", [("2015-07", "VE-A", 2, 16), ("2015-08", "VE-D", 1, 1),
                   ("2015-10", "VE-D", 1, 0)]),
        # zones: A1 is in z1; A2 lies where user zones z2 and z3 overlap (counted in
        # both); A3 is known only to its municipality; A4 is a point in no zone
        ("zone", [("2015-07", "z1", 1, 14), ("2015-07", "z2", 1, 2), ("2015-07", "z3", 1, 2),
                  ("2015-08", "_unlocated", 1, 1), ("2015-10", "_outside", 1, 0)]),
    ],
)  # fmt: skip
def test_timeline_split_by_group(incidents: pd.DataFrame, by: Any, expected: list[Any]) -> None:
    data = charts.timeline_data(incidents, period="month", by=by, zones=make_zones())
    assert _rows(data, ["period", "group", "incidents", "civilians_killed_min"]) == expected


def test_groups_beyond_the_largest_are_summed_as_other(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="quarter", by="agency", max_groups=1)
    # GNB (3 incidents) kept; PNB (2) folded into "Other"
    assert _rows(data, ["period", "group", "group_name", "incidents"]) == [
        ("2015-Q3", "GNB", "GNB", 2),
        ("2015-Q3", charts.OTHER_GROUP, "Other", 2),
        ("2015-Q4", "GNB", "GNB", 1),
    ]


def test_unknown_period_is_refused(incidents: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown period 'year'"):
        charts.timeline_data(incidents, period="year")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ specs
def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer") or spec["spec"]["layer"]


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def test_killed_timeline_spec_bars_band_and_selections(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month")
    spec = charts.timeline_chart(data, measure="civilians_killed").to_dict()
    bars, band = _layers(spec)
    assert _mark(bars) == "bar"
    assert bars["encoding"]["x"]["field"] == "start"
    assert bars["encoding"]["x"]["scale"]["type"] == "utc"
    assert bars["encoding"]["x2"]["field"] == "end"
    assert bars["encoding"]["y"]["field"] == "civilians_killed_min"
    params = {param["name"]: param["select"] for param in spec["params"]}
    assert params[charts.BRUSH] == {"type": "interval", "encodings": ["x"]}
    assert params[charts.PICK]["type"] == "point"
    assert params[charts.PICK]["fields"] == ["period"]
    # the band: total minimum to total maximum per period, drawn only where they differ
    assert _mark(band) == "bar"
    assert band["mark"]["opacity"] < 1
    (aggregate,) = [t for t in band["transform"] if "aggregate" in t]
    assert {a["as"]: (a["op"], a["field"]) for a in aggregate["aggregate"]} == {
        "low": ("sum", "civilians_killed_min"),
        "high": ("sum", "civilians_killed_max"),
    }
    assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == ("low", "high")


def test_incident_timeline_has_no_band(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month")
    spec = charts.timeline_chart(data, measure="incidents").to_dict()
    (bars,) = _layers(spec)
    assert bars["encoding"]["y"]["field"] == "incidents"


def test_key_dates_drawn_inside_the_time_span_only(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month")
    designations = pd.DataFrame(
        {
            "designated_date": pd.to_datetime(["2013-09-01", "2015-08-15", "2015-08-15"]),
            "name": ["Programme", "Zone A", "Zone B"],
        }
    )
    marks = charts.key_dates(designations=designations)
    chart = charts.timeline_chart(data, marks=marks)
    spec = chart.to_dict()
    layers = _layers(spec)
    rules = [layer for layer in layers if _mark(layer) == "rule"]
    texts = [layer for layer in layers if _mark(layer) == "text"]
    assert len(rules) == len(texts) == 1
    drawn = spec["datasets"][rules[0]["data"]["name"]]
    # OLP launch and the two same-day designations as one marker; 2013 is outside the data
    assert [(row["date"], row["label"]) for row in drawn] == [
        ("2015-07-13", "OLP launch"),
        ("2015-08-15", "Peace zones (2)"),
    ]
    assert drawn[1]["detail"] == "Zone A; Zone B"
    assert texts[0]["encoding"]["text"]["field"] == "label"


def test_faceted_timeline_has_a_row_per_group(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month", by="state")
    spec = charts.timeline_chart(data, layout="faceted").to_dict()
    assert spec["facet"]["row"]["field"] == "group_name"
    assert [_mark(layer) for layer in spec["spec"]["layer"]] == ["bar", "bar"]
    assert {param["name"] for param in spec["params"]} == {charts.BRUSH, charts.PICK}


def test_stacked_groups_are_colored(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month", by="agency")
    spec = charts.timeline_chart(data, measure="incidents", marks=charts.key_dates()).to_dict()
    bars = _layers(spec)[0]
    assert bars["encoding"]["color"]["field"] == "group_name"
    # key-date rule colors never take over the groups' color scale
    assert spec["resolve"]["scale"]["color"] == "independent"
    assert bars["encoding"]["y"]["stack"] == "zero"


# ------------------------------------------------------------------------------ selections
@pytest.mark.parametrize(
    ("period", "bounds", "expected"),
    [
        ("month", [_ms(date(2015, 7, 18)), _ms(date(2015, 8, 3))],
         (date(2015, 7, 1), date(2015, 8, 31))),
        ("month", [_ms(date(2015, 8, 3)), _ms(date(2015, 7, 18))],  # dragged leftwards
         (date(2015, 7, 1), date(2015, 8, 31))),
        ("week", [_ms(date(2015, 7, 15)), _ms(date(2015, 7, 16))],
         (date(2015, 7, 13), date(2015, 7, 19))),
        ("quarter", ["2015-08-20", "2015-11-02T00:00:00Z"],
         (date(2015, 7, 1), date(2015, 12, 31))),
        ("day", [_ms(date(2016, 2, 28)), _ms(date(2016, 2, 29)) + 3_600_000],
         (date(2016, 2, 28), date(2016, 2, 29))),
    ],
)  # fmt: skip
def test_brushed_window_covers_whole_periods(
    period: Any, bounds: list[Any], expected: tuple[date, date]
) -> None:
    selection = {charts.BRUSH: {"start": bounds}, charts.PICK: []}
    assert charts.brushed_window(selection, period=period) == expected


@pytest.mark.parametrize(
    "selection",
    [None, {}, {charts.BRUSH: {}}, {charts.BRUSH: {"start": [1.0]}},
     {charts.BRUSH: {"start": [None, None]}}],
)  # fmt: skip
def test_no_brush_no_window(selection: Any) -> None:
    assert charts.brushed_window(selection, period="month") is None


def test_picked_period() -> None:
    assert charts.picked_period({charts.PICK: [{"period": "2015-07"}]}) == "2015-07"
    assert charts.picked_period({charts.PICK: []}) is None
    assert charts.picked_period(None) is None


def test_incidents_in_a_period_with_sources(incidents: pd.DataFrame) -> None:
    sources = pd.DataFrame(
        {
            "incident_id": ["A1", "A1", "A2"],
            "publisher": ["El Nacional", "Provea", "Efecto Cocuyo"],
            "date": ["2015-07-14", "2016", "2015-07-21"],
            "title": ["t", "t", "t"],
            "url": ["https://e.org/1", "", "https://e.org/2"],
            "quote": ["q", "q", "q"],
        }
    )
    listing = charts.incidents_in_period(incidents, sources, period="month", label="2015-07")
    assert list(listing["incident_id"]) == ["A1", "A2"]
    assert list(listing["civilians_killed"]) == ["14–16", "2"]
    assert listing.iloc[0]["sources"] == (
        "El Nacional (2015-07-14): https://e.org/1\nProvea (2016)"
    )


# ------------------------------------------------------------------------------ statements
STATEMENTS_CSV = (
    "agg_id,period_start,period_end,scope,metric,value_min,value_max,source_title,"
    "source_publisher,source_date,source_url,quote,notes\n"
    "S1,2015-07-13,2015-12-31,national,civilians_killed,40,40,t,NGO,2016,u,q,\n"
    "S2,2015-07-01,2015-12-31,Aragua,civilians_killed,2,,t,Paper,2016,u,q,\n"
    "S3,2015-07-01,2015-12-31,El Valle parish (Caracas),civilians_killed,9,9,t,Paper,2016,u,q,\n"
    "S4,2015-07-01,2015-12-31,national,officers_charged (for OLP killings),5,5,t,NGO,2016,u,q,\n"
    "S5,2015-07-01,2015-12-31,national,detained,500,500,t,Gov,2016,u,q,\n"
)


@pytest.fixture
def statements(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "aggregates.csv"
    path.write_text(STATEMENTS_CSV, encoding="utf-8")
    return charts.load_aggregate_statements(path)


def test_statements_keep_open_maxima_and_pick_killings(statements: pd.DataFrame) -> None:
    assert math.isnan(statements.set_index("agg_id").loc["S2", "value_max"])
    # officers charged "for killings" and detentions are not deaths
    assert list(charts.killed_statements(statements)["agg_id"]) == ["S1", "S2", "S3"]


def test_statement_with_a_bad_date_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "aggregates.csv"
    path.write_text(STATEMENTS_CSV.replace("2015-07-13", "mid-July"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"aggregates.csv, row 2, column period_start"):
        charts.load_aggregate_statements(path)


def test_shipped_statements_load() -> None:
    shipped = charts.load_aggregate_statements()
    assert "AG004" in set(charts.killed_statements(shipped)["agg_id"])


def test_statement_coverage(statements: pd.DataFrame, incidents: pd.DataFrame) -> None:
    frame = charts.statement_coverage(
        statements, incidents, state_codes={"Aragua": "VE-D", "Distrito Capital": "VE-A"}
    )
    coverage = frame.set_index("agg_id")
    # S1, whole country 13 Jul - 31 Dec: A1 14-16, A2 2, A3 at least 1 (max unknown), A4 0
    assert (coverage.loc["S1", "counted_min"], coverage.loc["S1", "counted_max"]) == (17, 19)
    assert coverage.loc["S1", "coverage_min"] == pytest.approx(17 / 40)
    assert coverage.loc["S1", "coverage_max"] == pytest.approx(19 / 40)
    # S2, Aragua (VE-D), "at least 2": A3 and A4
    assert (coverage.loc["S2", "counted_min"], coverage.loc["S2", "counted_max"]) == (1, 1)
    assert coverage.loc["S2", "coverage_min"] == 0  # against an open-ended reported total
    # a parish is not comparable with state-level codes
    assert pd.isna(coverage.loc["S3", "counted_min"])
    spec = charts.coverage_chart(frame).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {row["kind"] for row in rows} == {
        "Reported total, not counted incidents",
        "Counted incidents (civilians killed)",
    }
    assert len(rows) == 4  # S1 and S2, reported and counted


# ------------------------------------------------------------------------------ indicators
def test_indicator_table(incidents: pd.DataFrame) -> None:
    table = charts.indicator_table(incidents, level="state")
    assert list(table["area_code"]) == ["VE-A", "VE-D"]
    capital = table.iloc[0]
    assert capital["civilians_killed"] == "16–18"
    assert capital["killed_per_officer_killed_text"] == "16.0–18.0 (16–18 : 1)"
    assert capital["lethality_index_text"] == "16.0–18.0 (16–18 : 1)"
    assert capital["share_deaths_no_officer_casualties_text"] == "50 %"  # A2 yes, A1 no
    aragua = table.iloc[1]
    assert aragua["civilians_killed"] == "≥ 1"  # A3: at least 1
    assert math.isnan(aragua["killed_per_officer_killed_min"])
    assert aragua["killed_per_officer_killed_text"].startswith("—")


def test_small_multiples_panel_per_indicator_with_thresholds(incidents: pd.DataFrame) -> None:
    table = charts.indicator_table(incidents, level="state")
    spec = charts.indicator_small_multiples(table).to_dict()
    assert spec["facet"]["column"]["field"] == "indicator"
    rows = next(iter(spec["datasets"].values()))
    thresholds = {
        row["indicator"]: row["threshold"] for row in rows if row["area_name"] == "Distrito Capital"
    }
    assert thresholds["Civilians killed per officer killed"] == 10.0
    assert thresholds["Lethality index (killed ÷ injured civilians)"] == 1.0
    # Aragua has no officer killed: no point in that panel
    per_officer = "Civilians killed per officer killed"
    assert not [r for r in rows if r["area_name"] == "Aragua" and r["indicator"] == per_officer]


def test_peace_zone_comparison_chart(incidents: pd.DataFrame) -> None:
    table = charts.peace_zone_table(incidents, zones=make_zones())
    z1 = table[table["zone_id"] == "z1"]
    # z1 is a peace zone since 2016-01-01: A1 inside, before; nothing after
    inside = z1[z1["place"] == "inside"].set_index("phase")
    assert inside.loc["before", "civilians_killed"] == "14–16"
    assert inside.loc["after", "incidents"] == 0
    assert set(table["phase_label"]) == {"All dates", "Before designation", "After designation"}
    spec = charts.peace_zone_chart(table).to_dict()
    assert spec["facet"]["field"] == "zone_name"


def test_time_axis_spans_the_filter_window(incidents: pd.DataFrame) -> None:
    data = charts.timeline_data(incidents, period="month")
    designations = pd.DataFrame(
        {"designated_date": pd.to_datetime(["2016-03-01"]), "name": ["Zone C"]}
    )
    spec = charts.timeline_chart(
        data,
        marks=charts.key_dates(designations=designations),
        window=(date(2015, 7, 1), date(2016, 6, 30)),
    ).to_dict()
    bars = _layers(spec)[0]
    assert bars["encoding"]["x"]["scale"]["domain"] == ["2015-07-01", "2016-07-01"]
    rules = next(layer for layer in _layers(spec) if _mark(layer) == "rule")
    # after the last incident (October 2015) but inside the window: drawn
    assert [row["date"] for row in spec["datasets"][rules["data"]["name"]]] == [
        "2015-07-13",
        "2016-03-01",
    ]


# ---------------------------------------------------------------------- homicide share
# (id, start, end, state, muni, parish, zones, precision, agencies, killed min, max,
#  injured, officers killed, officers injured, detained, lon, lat)
HOMICIDE_ROWS = [
    ("H1", "2015-07-13", "2015-07-13", "VE-A", "", "", "", "state", "PNB", 14, 16, 0, 0, 0, 0,
     math.nan, math.nan),
    ("H2", "2015-08-01", "2015-08-01", "VE-M", "", "", "", "state", "CICPC", 2, 2, 0, 0, 0, 0,
     math.nan, math.nan),
    ("H3", "2016-03-01", "2016-03-01", "VE-A", "", "", "", "state", "PNB", 1, None, 0, 0, 0, 0,
     math.nan, math.nan),
    ("H4", "2015-12-01", "2015-12-01", "VE-A", "", "", "", "state", "PNB", 2, 2, 0, 0, 0, 0,
     math.nan, math.nan),
]  # fmt: skip
HOMICIDES = pd.DataFrame(
    {
        "scope_code": ["VE-A", "VE", "VE"],
        "year": [2015, 2015, 2016],
        "homicides_min": [40, 100, 10],
        "homicides_max": [50, 100, 10],
        "source": ["Test (T1)", "Test (T2)", "Test (T3)"],
    }
)


def test_homicide_share_counts_whole_years_of_the_filtered_agencies() -> None:
    from geo.filters import Filter

    flt = Filter(date_from=date(2015, 7, 13), date_to=date(2015, 7, 31), agencies=("PNB",))
    table = charts.homicide_share_table(
        make_incidents(HOMICIDE_ROWS), HOMICIDES, state_names={"VE-A": "Capital"}, flt=flt
    )
    # 2015 only (the window's year), PNB only, the whole year: H1 14–16 + H4 2 = 16–18.
    # Country: 16/100 .. 18/100. Capital: 16/50 = 32 % .. 18/40 = 45 %.
    assert table[["scope", "year", "homicides", "civilians_killed", "share"]].to_dict(
        "records"
    ) == [
        {"scope": "Venezuela (whole country)", "year": 2015, "homicides": "100",
         "civilians_killed": "16–18", "share": "16.0–18.0 %"},
        {"scope": "Capital", "year": 2015, "homicides": "40–50",
         "civilians_killed": "16–18", "share": "32.0–45.0 %"},
    ]  # fmt: skip


def test_homicide_share_marks_an_open_count_and_is_absent_without_totals() -> None:
    incidents = make_incidents(HOMICIDE_ROWS)
    table = charts.homicide_share_table(incidents, HOMICIDES, state_names={})
    (row,) = table[table["year"] == 2016].to_dict("records")
    assert (row["civilians_killed"], row["share"]) == ("≥ 1", "≥ 10.0 %")  # H3: at least 1 of 10
    assert charts.homicide_share_table(incidents, HOMICIDES.iloc[0:0], state_names={}).empty


@pytest.mark.parametrize(("lang", "expected"), [("es", "nacional"), ("en", "national")])
def test_a_national_scope_reads_in_the_language_and_a_state_as_written(
    lang: str, expected: str
) -> None:
    from geo.i18n import use_language

    with use_language(lang):
        assert [charts.scope_label(s) for s in ("national", "Zulia")] == [expected, "Zulia"]
