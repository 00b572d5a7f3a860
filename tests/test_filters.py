"""The one Filter: URL round trip (incl. a property test) and mask semantics on a tiny frame."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from urllib.parse import parse_qs, urlencode

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import i18n
from geo.filters import Filter, FilterError


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with i18n.use_language("en"):
        yield


# ---------------------------------------------------------------------- tiny frame
# Five incidents; date_end is the last day of each date-precision interval.
#   a 2015-07-13 day   PNB;CICPC OLP     VE-A VE0101 cota-905;el-cementerio high   point
#   b 2015-07    month GNB       OLP     VE-M VE1508 miranda;valles-del-tuy medium municipality
#   c 2015       year  FAES      related VE-D VE0503 aragua                 low    state
#   d 2016-05-10 day   (none)    OLP     VE-A VE0101 el-valle               (none) parish
#   e 2016 wk 19 week  PNB       pre-OLP (unlocated)                        high   unlocated
ROWS = {
    "incident_id": ["a", "b", "c", "d", "e"],
    "date": ["2015-07-13", "2015-07-01", "2015-01-01", "2016-05-10", "2016-05-09"],
    "date_end": ["2015-07-13", "2015-07-31", "2015-12-31", "2016-05-10", "2016-05-15"],
    "agencies": ["PNB;CICPC", "GNB", "FAES", "", "PNB"],
    "operation_family": ["OLP", "OLP", "related", "OLP", "pre-OLP"],
    "state_code": ["VE-A", "VE-M", "VE-D", "VE-A", ""],
    "muni_code": ["VE0101", "VE1508", "VE0503", "VE0101", ""],
    "zone_ids": ["cota-905;el-cementerio", "miranda;valles-del-tuy", "aragua", "el-valle", ""],
    "confidence": ["high", "medium", "low", None, "high"],
    "geo_precision": ["point", "municipality", "state", "parish", "unlocated"],
}


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def as_object(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: object for c in frame.columns if c not in ("date", "date_end")})


def as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    text = ["agencies", "zone_ids", "confidence", "state_code", "operation_family"]
    return frame.astype(dict.fromkeys(text, "category"))


@pytest.fixture(params=[as_text, as_object, as_categories], ids=["str", "object", "category"])
def incidents(request: pytest.FixtureRequest) -> pd.DataFrame:
    frame = pd.DataFrame(ROWS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["date_end"] = pd.to_datetime(frame["date_end"])
    convert: Callable[[pd.DataFrame], pd.DataFrame] = request.param
    return convert(frame)


D = date.fromisoformat


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(), "abcde"),
        # Dates: an incident counts only when its whole precision interval is inside.
        (Filter(date_from=D("2015-07-01"), date_to=D("2015-07-31")), "ab"),
        (Filter(date_from=D("2015-07-13"), date_to=D("2015-07-13")), "a"),
        (Filter(date_from=D("2015-01-01"), date_to=D("2015-12-31")), "abc"),
        (Filter(date_to=D("2016-05-12")), "abcd"),
        (Filter(date_to=D("2016-05-15")), "abcde"),
        (Filter(date_from=D("2016-05-10")), "d"),
        (Filter(date_from=D("2015-07-02")), "ade"),
        # Agencies and zones are multi-valued cells: any listed code matches, whole tokens.
        (Filter(agencies=("PNB",)), "ae"),
        (Filter(agencies=("CICPC", "GNB")), "ab"),
        (Filter(agencies=("FAES",)), "c"),
        (Filter(agencies=("NB",)), ""),
        (Filter(zones=("miranda",)), "b"),
        (Filter(zones=("cota-905", "el-valle")), "ad"),
        (Filter(zones=("cota",)), ""),
        (Filter(operations=("OLP",)), "abd"),
        (Filter(states=("VE-A",)), "ad"),
        (Filter(states=("VE-A", "VE-D")), "acd"),
        (Filter(municipalities=("VE1508",)), "b"),
        # Confidence is a floor; unknown confidence passes no floor.
        (Filter(min_confidence="low"), "abce"),
        (Filter(min_confidence="medium"), "abe"),
        (Filter(min_confidence="high"), "ae"),
        # Precise only: point, barrio and parish.
        (Filter(include_low_precision=False), "ad"),
        # Conditions combine with AND.
        (Filter(states=("VE-A",), min_confidence="high"), "a"),
        (Filter(agencies=("PNB",), date_from=D("2016-01-01")), "e"),
    ],
)
def test_mask(incidents: pd.DataFrame, flt: Filter, expected: str) -> None:
    assert "".join(flt.apply(incidents)["incident_id"]) == expected
    assert flt.mask(incidents).dtype == bool


def test_mask_of_an_empty_frame(incidents: pd.DataFrame) -> None:
    empty = incidents.iloc[:0]
    assert Filter(agencies=("PNB",), min_confidence="high").mask(empty).tolist() == []


# ---------------------------------------------------------------------- value rules
def test_lists_are_sorted_and_deduplicated() -> None:
    flt = Filter(agencies=("PNB", "GNB", "PNB"), zones=["b", "a"])  # type: ignore[arg-type]
    assert flt.agencies == ("GNB", "PNB")
    assert flt.zones == ("a", "b")
    assert flt == Filter(agencies=("GNB", "PNB"), zones=("a", "b"))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Filter(date_from=D("2016-01-02"), date_to=D("2016-01-01")), "is after"),
        (lambda: Filter(agencies="PNB"), "must be a tuple of codes"),
        (lambda: Filter(min_confidence="certain"), "low, medium or high"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_are_refused(build: Callable[[], Filter], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        build()


def test_default_filter_is_an_empty_query() -> None:
    assert Filter().to_query_params() == {}
    assert Filter().is_default()
    assert not Filter(states=("VE-A",)).is_default()


def test_query_params_spelled_out() -> None:
    flt = Filter(
        date_from=D("2015-07-13"),
        date_to=D("2016-12-31"),
        agencies=("PNB", "GNB"),
        zones=("cota-905",),
        min_confidence="medium",
        include_low_precision=False,
    )
    assert flt.to_query_params() == {
        "from": ["2015-07-13"],
        "to": ["2016-12-31"],
        "agency": ["GNB", "PNB"],
        "zone": ["cota-905"],
        "min_confidence": ["medium"],
        "precise_only": ["1"],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "PNB,GNB"}, Filter(agencies=("GNB", "PNB"))),
        ({"agency": ["PNB", "GNB , FAES"]}, Filter(agencies=("FAES", "GNB", "PNB"))),
        ({"agency": ["", " "]}, Filter()),
        ({"state": "VE-A", "unknown": "x"}, Filter(states=("VE-A",))),
        ({"from": ["2015-01-01", "2015-07-13"]}, Filter(date_from=D("2015-07-13"))),
        ({"precise_only": "true"}, Filter(include_low_precision=False)),
        ({"precise_only": "0"}, Filter()),
    ],
)
def test_from_query_params(params: dict[str, str | list[str]], expected: Filter) -> None:
    assert Filter.from_query_params(params) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "13/07/2015"}, "from: '13/07/2015' is not a date"),
        ({"to": "yesterday"}, "to: 'yesterday' is not a date"),
        ({"min_confidence": "sure"}, "min_confidence: 'sure' is not low, medium or high"),
        ({"from": "2016-01-02", "to": "2016-01-01"}, "is after"),
    ],
)
def test_bad_query_params_are_explained(params: dict[str, str], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        Filter.from_query_params(params)


# ---------------------------------------------------------------------- property test
codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ñé",
                min_size=1, max_size=12)  # fmt: skip
code_tuples = st.lists(codes, max_size=4).map(tuple)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    days = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
    first, second = draw(st.none() | days), draw(st.none() | days)
    if first and second and first > second:
        first, second = second, first
    return Filter(
        date_from=first,
        date_to=second,
        agencies=draw(code_tuples),
        operations=draw(code_tuples),
        states=draw(code_tuples),
        municipalities=draw(code_tuples),
        zones=draw(code_tuples),
        min_confidence=draw(st.sampled_from([None, "low", "medium", "high"])),
        include_low_precision=draw(st.booleans()),
    )


@given(filters())
def test_url_round_trip(flt: Filter) -> None:
    """Any filter survives being written into a URL query string and read back."""
    query = urlencode(flt.to_query_params(), doseq=True)
    assert Filter.from_query_params(parse_qs(query)) == flt
    assert Filter.from_query_params(flt.to_query_params()) == flt
