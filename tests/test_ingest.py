"""Import: seed rows, bad inputs row by row, geocoding precision, idempotent store writes.

Rows in messages are data rows counted from 1 (the header is not counted). Expected codes
are INE P-codes read off the shipped boundaries: Libertador (Distrito Capital) VE0101,
El Valle parish VE010110, Petare parish VE151901, Vargas municipality (La Guaira) VE2401.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.config import data_dir
from geo.incidents import INCIDENT_SCHEMA
from geo.ingest import (
    ImportReport,
    import_file,
    parse_agencies,
    parse_date,
    prepare_bytes,
    seed_batch,
)
from geo.store import open_store

HEADER = [
    "event_id", "date", "date_precision", "operation", "operation_family", "place_name",
    "barrio", "parish", "municipality", "state", "agencies", "civilians_killed_min",
    "civilians_killed_max", "officers_killed", "officers_injured", "civilians_injured",
    "detained", "description", "source_title", "source_publisher", "source_date",
    "source_url", "quote", "confidence", "notes",
]  # fmt: skip
GOOD = {
    "event_id": "T1",
    "date": "2015-07-13",
    "date_precision": "day",
    "operation": "OLP",
    "operation_family": "OLP",
    "place_name": "Cota 905",
    "municipality": "Libertador",
    "state": "Distrito Capital",
    "agencies": "PNB;CICPC",
    "civilians_killed_min": "14",
    "civilians_killed_max": "16",
    "detained": "134",
    "description": "First OLP.",
    "source_publisher": "El Nacional",
    "source_url": "https://example.org/olp",
    "confidence": "high",
}


def csv_bytes(*rows: dict[str, str], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=header or HEADER, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


@pytest.fixture(scope="module")
def seed() -> tuple[pd.DataFrame, pd.DataFrame]:
    incidents, sources = seed_batch()
    return incidents.set_index("incident_id", drop=False), sources


# ---------------------------------------------------------------------- seed
def test_all_seed_rows_round_trip(seed: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    incidents, sources = seed
    events = pd.read_csv(data_dir() / "incidents" / "events.csv", dtype=str, keep_default_na=False)
    assert list(incidents["incident_id"]) == list(events["event_id"])
    assert len(incidents) == 47
    INCIDENT_SCHEMA.validate(incidents.reset_index(drop=True))
    assert sorted(sources["url"]) == sorted(events["source_url"])
    # Reported text is kept verbatim next to the codes.
    assert list(incidents["agencies_reported"]) == list(events["agencies"])
    assert list(incidents["operation_family"]) == list(events["operation_family"])
    assert set(incidents["origin"]) == {"seed"}


@pytest.mark.parametrize(
    ("incident_id", "column", "expected"),
    [
        ("EV0027", "geo_precision", "unlocated"),  # no state in its source
        ("EV0027", "state_code", ""),
        ("EV0022", "state_code", "VE-X"),  # Vargas is La Guaira
        ("EV0022", "muni_code", "VE2401"),  # Naiguatá; Caruao: two parishes of Vargas
        ("EV0019", "geo_precision", "state"),  # Guacara; San Diego
        ("EV0009", "geo_precision", "barrio"),  # Cota 905
        ("EV0039", "parish_code", "VE010110"),  # El Valle
        ("EV0040", "parish_code", "VE151901"),  # Petare
        ("EV0028", "agencies", "FANB;UNSPECIFIED"),  # "FANB (ZODI Lara) and other security bodies"
        ("EV0037", "agencies", "FAES"),  # PNB-FAES
    ],
)
def test_seed_row_values(
    seed: tuple[pd.DataFrame, pd.DataFrame], incident_id: str, column: str, expected: str
) -> None:
    assert seed[0].loc[incident_id, column] == expected


def test_seed_ranges_unknowns_and_unlocated(seed: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    incidents = seed[0]
    assert incidents.loc["EV0004", "civilians_killed_min"] == 3  # contested: 3 to 10
    assert incidents.loc["EV0004", "civilians_killed_max"] == 10
    assert pd.isna(incidents.loc["EV0001", "officers_killed"])  # unknown, not 0
    assert pd.isna(incidents.loc["EV0027", "civilians_killed_max"])
    assert incidents.loc["EV0027", "geometry"] is None
    assert incidents["geometry"].notna().sum() == 46
    assert incidents.loc["EV0001", "date_end"] == pd.Timestamp("2014-01-31")  # month


# ---------------------------------------------------------------------- bad rows
BAD_ROWS = [
    ({"date": "31/02/2016"}, "date", 'row 2, date: "31/02/2016" is not a date'),
    ({"agencies": "PNBB"}, "agencies", 'unknown agency "PNBB" — did you mean PNB?'),
    ({"detained": "-5"}, "detained", "-5 is negative"),
    ({"detained": "many"}, "detained", "'many' is not a whole number"),
    ({"civilians_killed_min": "5", "civilians_killed_max": "2"}, "civilians_killed_min",
     "civilians_killed_min (5) is greater than civilians_killed_max (2)"),
    ({"source_url": "", "source_publisher": ""}, "source_url", "missing source"),
    ({"description": "x" * 10_001}, "description", "10001 characters long (at most 10000)"),
    ({"date_precision": "decade"}, "date_precision", "is not a date precision"),
    ({"event_id": "T1"}, "incident_id", 'duplicate id "T1" in this file'),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "column", "message"), BAD_ROWS)
def test_bad_row_is_rejected_and_valid_rows_kept(
    changes: dict[str, str], column: str, message: str
) -> None:
    first = row(event_id="T1")
    bad = row(**{"event_id": "T2", **changes})
    batch = prepare_bytes(csv_bytes(first, bad, row(event_id="T3")), name="in.csv")
    errors = [p for p in batch.problems if p.severity == "error"]
    assert [p.column for p in errors if p.row == 2] == [column]
    assert message in str(next(p for p in errors if p.row == 2))
    expected_kept = {"T3"} if changes.get("event_id") == "T1" else {"T1", "T3"}
    assert set(batch.incidents["incident_id"]) == expected_kept
    assert "2" in set(batch.rejects["row"])
    assert list(batch.rejects.columns[-4:]) == ["file", "row", "column", "reason"]


def test_coordinates_outside_venezuela() -> None:
    header = [*HEADER, "lat", "lon"]
    data = csv_bytes(
        row(event_id="T1", lat="10.5", lon="-66.9167"),
        row(event_id="T2", lat="40.4", lon="-3.7"),  # Madrid
        row(event_id="T3", lat="-66.9167", lon="10.5"),  # swapped
        header=header,
    )
    batch = prepare_bytes(data, name="in.csv")
    messages = {p.row: p.message for p in batch.problems if p.severity == "error"}
    assert "(40.4, -3.7) are outside Venezuela" in messages[2]
    assert "swapped" in messages[3]
    kept = batch.incidents.set_index("incident_id")
    assert list(kept.index) == ["T1"]
    assert kept.loc["T1", "geo_precision"] == "point"
    assert kept.loc["T1", "parish_code"] == "VE010105"


def test_wrong_encoding_rejects_only_that_row() -> None:
    data = csv_bytes(row(event_id="T1"), row(event_id="T2", description="MARKER"))
    data = data.replace(b"MARKER", "Petare café".encode("latin-1"))
    batch = prepare_bytes(data, name="in.csv")
    (problem,) = [p for p in batch.problems if p.severity == "error"]
    assert (problem.row, problem.column) == (2, "description")
    assert "not UTF-8 text (byte 0xe9)" in problem.message
    assert list(batch.incidents["incident_id"]) == ["T1"]


def test_utf8_bom_is_accepted() -> None:
    batch = prepare_bytes(b"\xef\xbb\xbf" + csv_bytes(row()), name="in.csv")
    assert list(batch.incidents["incident_id"]) == ["T1"]
    assert not batch.problems


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n \n", "the file is empty"),
        (",".join(HEADER).encode() + b"\n", "header but no rows"),
    ],
)
def test_empty_file_is_unreadable(data: bytes, message: str) -> None:
    batch = prepare_bytes(data, name="in.csv")
    assert batch.unreadable
    assert message in batch.problems[0].message
    assert batch.problems[0].row is None


# ---------------------------------------------------------------------- places
@pytest.mark.parametrize(
    ("changes", "precision", "codes", "zone"),
    [
        ({}, "barrio", ("VE-A", "VE0101", "VE010108"), "cota-905"),
        ({"place_name": "El Valle", "parish": "El Valle"}, "parish",
         ("VE-A", "VE0101", "VE010110"), "el-valle"),
        ({"place_name": "Barrio José Félix Ribas, Petare", "municipality": "Sucre",
          "state": "Miranda"}, "parish", ("VE-M", "VE1519", "VE151901"), "petare"),
        ({"place_name": "Somewhere", "municipality": "", "state": "Vargas"}, "state",
         ("VE-X", "", ""), ""),
        ({"place_name": "Guacara and San Diego", "municipality": "Guacara; San Diego",
          "state": "Carabobo"}, "state", ("VE-G", "", ""), ""),
        ({"place_name": "Barlovento (six municipalities)", "municipality": "",
          "state": "Miranda"}, "state", ("VE-M", "", ""), "barlovento"),
        ({"place_name": "Ciudad Caribia", "municipality": "", "state": ""}, "unlocated",
         ("", "", ""), ""),
    ],
)  # fmt: skip
def test_place_names_give_the_finest_known_precision(
    changes: dict[str, str], precision: str, codes: tuple[str, str, str], zone: str
) -> None:
    batch = prepare_bytes(csv_bytes(row(**changes)), name="in.csv")
    assert not [p for p in batch.problems if p.severity == "error"]
    got = batch.incidents.iloc[0]
    assert got["geo_precision"] == precision
    assert (got["state_code"], got["muni_code"], got["parish_code"]) == codes
    if zone:
        assert zone in got["zone_ids"].split(";")
    assert (got["geometry"] is None) == (precision == "unlocated")


def test_several_municipalities_add_a_note() -> None:
    changes = {"municipality": "Guacara; San Diego", "state": "Carabobo", "place_name": ""}
    batch = prepare_bytes(csv_bytes(row(**changes)), name="in.csv")
    assert "Guacara; San Diego" in batch.incidents.iloc[0]["notes"]


def test_unknown_place_is_a_warning_and_strict_rejects() -> None:
    changes = {"place_name": "Xyz", "municipality": "Sukre", "state": "Miranda"}
    batch = prepare_bytes(csv_bytes(row(**changes)), name="in.csv")
    (warning,) = batch.problems
    assert warning.severity == "warning"
    assert (warning.row, warning.column) == (1, "municipality")
    assert 'unknown municipality "Sukre"' in warning.message
    assert "Sucre" in warning.suggestions
    got = batch.incidents.iloc[0]
    assert (got["geo_precision"], got["state_code"]) == ("state", "VE-M")

    strict = prepare_bytes(csv_bytes(row(**changes)), name="in.csv", strict=True)
    assert strict.incidents.empty
    assert strict.rejects["column"].tolist() == ["municipality"]


def test_unknown_state_keeps_the_row_unlocated() -> None:
    changes = {"place_name": "Xyz", "municipality": "", "state": "Mirandaa"}
    batch = prepare_bytes(csv_bytes(row(**changes)), name="in.csv")
    assert batch.incidents.iloc[0]["geo_precision"] == "unlocated"
    assert batch.problems[0].suggestions[0] == "Miranda"


# ---------------------------------------------------------------------- fields
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-07-13", "2015-07-13"),
        ("13/07/2015", "2015-07-13"),
        ("13 July 2015", "2015-07-13"),
        ("13 de julio de 2015", "2015-07-13"),
        ("31/02/2016", None),
        ("2016-02-30", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


@pytest.mark.parametrize(
    ("text", "codes", "unknown"),
    [
        ("PNB;CICPC", ("PNB", "CICPC"), ()),
        ("Policía Nacional; Guardia Nacional", ("PNB", "GNB"), ()),
        ("FANB (ZODI Lara) and other security bodies", ("FANB", "UNSPECIFIED"), ()),
        ("police (detective corps, unspecified)", ("POLICE_UNSPECIFIED",), ()),
        ("PNB;PNBB", ("PNB",), ("PNBB",)),
        ("", (), ()),
    ],
)
def test_parse_agencies(text: str, codes: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    parsed = parse_agencies(text)
    assert (parsed.codes, parsed.unknown) == (codes, unknown)


# ---------------------------------------------------------------------- other formats
def test_geojson_points(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-66.9167, 10.5]},
         "properties": {**GOOD, "event_id": "G1"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []},
         "properties": {**GOOD, "event_id": "G2"}},
    ]  # fmt: skip
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    batch = prepare_bytes(path.read_bytes(), name=path.name)
    assert list(batch.incidents["incident_id"]) == ["G1"]
    assert batch.incidents.iloc[0]["geo_precision"] == "point"
    assert "only Point" in next(p.message for p in batch.problems if p.row == 2)


def test_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([GOOD.get(name, "") for name in HEADER])
    path = tmp_path / "in.xlsx"
    book.save(path)
    batch = prepare_bytes(path.read_bytes(), name=path.name)
    assert list(batch.incidents["incident_id"]) == ["T1"]
    assert batch.incidents.iloc[0]["detained"] == 134


# ---------------------------------------------------------------------- store
@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "s.gpkg"


def test_import_is_idempotent_and_writes_rejects(tmp_path: Path, store_path: Path) -> None:
    store = open_store(str(store_path), seed=False)
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes(row(event_id="T1"), row(event_id="T2", date="31/02/2016")))
    first = import_file(path, store)
    assert (first.imported, first.unchanged, first.rejected) == (1, 0, 1)
    assert first.rejects_path == tmp_path / "in.rejects.csv"
    rejects = pd.read_csv(first.rejects_path, dtype=str, keep_default_na=False)
    assert rejects[["event_id", "row", "column"]].values.tolist() == [["T2", "2", "date"]]
    assert '"31/02/2016" is not a date' in rejects.loc[0, "reason"]
    again = import_file(path, store)
    assert (again.imported, again.unchanged) == (0, 1)
    assert len(store.read_incidents()) == 1


def test_rows_without_ids_get_content_hash_ids(tmp_path: Path, store_path: Path) -> None:
    store = open_store(str(store_path), seed=False)
    header = [name for name in HEADER if name != "event_id"]
    path = tmp_path / "noid.csv"
    script = "<script>alert(1)</script>"
    path.write_bytes(csv_bytes(row(description=script), row(detained="1"), header=header))
    first = import_file(path, store)
    assert first.imported == 2
    ids = sorted(store.read_incidents()["incident_id"])
    assert all(i.startswith("H:") for i in ids)
    assert import_file(path, store).unchanged == 2
    assert sorted(store.read_incidents()["incident_id"]) == ids
    assert script in set(store.read_incidents()["description"])  # stored as plain text


def test_numbered_extra_sources_and_guarded_cells_are_read(
    tmp_path: Path, store_path: Path
) -> None:
    store = open_store(str(store_path), seed=False)
    header = [*HEADER, "source_2_publisher", "source_2_url", "source_2_quote"]
    path = tmp_path / "two-sources.csv"
    path.write_bytes(
        csv_bytes(
            row(
                description="'=1+1 is how the gang signed its walls",
                source_2_publisher="PROVEA",
                source_2_url="https://example.org/provea",
                source_2_quote="'-15 muertos",
            ),
            header=header,
        )
    )
    assert import_file(path, store).imported == 1
    sources = store.read_sources(["T1"]).sort_values("publisher")
    assert sources["publisher"].tolist() == ["El Nacional", "PROVEA"]
    assert sources["quote"].tolist() == ["", "-15 muertos"]  # the export's guard is undone
    assert store.read_incidents()["description"].tolist() == [
        "=1+1 is how the gang signed its walls"
    ]


def test_dry_run_writes_nothing(tmp_path: Path, store_path: Path) -> None:
    store = open_store(str(store_path), seed=False)
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes(row(), row(event_id="T2", agencies="PNBB")))
    report = import_file(path, store, dry_run=True)
    assert (report.imported, report.rejected) == (1, 1)
    assert store.read_incidents().empty
    assert not (tmp_path / "in.rejects.csv").exists()


# ---------------------------------------------------------------------- CLI
@pytest.mark.parametrize(
    ("rows", "code", "summary"),
    [
        ([row()], 0, "imported 1, unchanged 0, rejected 0, warnings 0"),
        ([row(), row(event_id="T2", detained="-1")], 1, "imported 1, unchanged 0, rejected 1"),
        ([], 2, "imported 0, unchanged 0, rejected 0, warnings 0"),
    ],
)
def test_cli_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    rows: list[dict[str, str]], code: int, summary: str,
) -> None:  # fmt: skip
    store_path = tmp_path / "s.gpkg"
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes(*rows) if rows else b"")
    rejects = tmp_path / "out" / "bad.csv"
    args = ["import", str(path), "--store", str(store_path), "--rejects", str(rejects)]
    assert main(args) == code
    out, err = capsys.readouterr()
    assert summary in out
    if code == 1:
        assert "in.csv: row 2, detained: -1 is negative" in err
        assert rejects.exists()
    if code == 2:
        assert "the file is empty" in err
        assert not store_path.exists()  # nothing created for an unreadable file


# ---------------------------------------------------------------------- property
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_parser_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    batch = prepare_bytes(data, name="fuzz.csv")
    assert batch.unreadable or batch.rows >= 1
    report = ImportReport(problems=batch.problems)
    assert all(str(p) for p in report.problems)


CELL = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ["2015-07-13", "1", "-1", "Miranda", "PNB", "day", "month", "https://x", "10.5", "-66.9",
     "Cota 905", "high"]
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries(dict.fromkeys(HEADER, CELL)), min_size=1, max_size=3))
def test_parser_never_crashes_on_arbitrary_cells(rows: list[dict[str, str]]) -> None:
    batch = prepare_bytes(csv_bytes(*rows), name="fuzz.csv")
    assert len(batch.incidents) + len(batch.rejects) == batch.rows
    INCIDENT_SCHEMA.validate(batch.incidents)


def test_upload_path_returns_rejects_without_writing_a_file(
    tmp_path: Path, store_path: Path
) -> None:
    from geo.ingest import import_bytes

    store = open_store(str(store_path), seed=False)
    data = csv_bytes(row(), row(event_id="T2", date="someday"))
    report = import_bytes(data, "upload.csv", store)
    assert (report.imported, report.rejected) == (1, 1)
    assert report.rejects_path is None
    assert report.rejects["reason"].tolist() == ['"someday" is not a date']
    assert not list(tmp_path.glob("*.rejects.csv"))


def test_every_problem_of_a_rejected_row_is_reported() -> None:
    bad = row(agencies="PNBB", state="Mirnda", municipality="", place_name="x")
    batch = prepare_bytes(csv_bytes(bad), name="in.csv")
    assert {(p.column, p.severity) for p in batch.problems} == {
        ("agencies", "error"),
        ("state", "warning"),
    }
    assert batch.rejects["reason"].tolist() == ['unknown agency "PNBB" — did you mean PNB?']


def test_stored_data_does_not_depend_on_the_interface_language() -> None:
    from geo.i18n import use_language

    with use_language("es"):
        spanish, _ = seed_batch()
    with use_language("en"):
        english, _ = seed_batch()
    assert spanish["notes"].tolist() == english["notes"].tolist()
    assert spanish["content_hash"].tolist() == english["content_hash"].tolist()
