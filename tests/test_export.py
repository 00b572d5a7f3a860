"""Exports: the files a user downloads are valid, carry the view, and round-trip."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader
from pyproj import Geod

from geo import export, maps
from geo.cli import main
from geo.csvsafe import neutralise_cell, restore_cell
from geo.filters import Filter
from geo.store import Store, open_store

mpl.use("Agg")

# Three hand-made incidents: two with coordinates in Caracas (a formula in a description,
# a "-5" description, "+"/"@" cells), one known only to the state of Aragua.
TINY_CSV = """\
incident_id,date,date_precision,operation,operation_family,place_name,state,lat,lon,agencies,\
civilians_killed_min,civilians_killed_max,detained,description,source_publisher,source_date,\
source_url,quote,confidence,notes
T1,2015-07-13,day,OLP Cota 905,OLP,Cota 905,Distrito Capital,10.48595,-66.92990,PNB,14,16,134,\
"=HYPERLINK(""http://evil.example"",""click"")",Efecto Cocuyo,2015-07-14,https://example.org/a,\
quote one,high,
T2,2015-07-20,day,OLP,OLP,El Valle,Distrito Capital,10.45,-66.91,CICPC,2,2,,-5 police posts,\
Runrunes,2015-07-21,https://example.org/b,+quoted,medium,@mention
T3,2016-01-05,month,OLP,OLP,,Aragua,,,GNB,1,1,,plain,El Pitazo,2016-01-06,\
https://example.org/c,,low,
"""

EN = {"lang": "en"}
DASH = "\u2009–\u2009"  # Babel's date-interval dash (thin spaces)


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return open_store(str(tmp_path_factory.mktemp("seed") / "seed.gpkg"))


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("tiny")
    source = folder / "tiny.csv"
    source.write_text(TINY_CSV, encoding="utf-8")
    location = str(folder / "tiny.gpkg")
    open_store(location, seed=False)
    assert main(["import", str(source), "--store", location]) == 0
    return open_store(location, seed=False)


# ---------------------------------------------------------------------- words
@pytest.mark.parametrize(
    ("flt", "level", "lang", "expected"),
    [
        (
            Filter(agencies=("CICPC", "PNB"), date_from=date(2015, 7, 13),
                   date_to=date(2015, 12, 31)),
            "municipality", "en", f"PNB, CICPC · 13 Jul{DASH}31 Dec 2015 · municipalities",
        ),
        (Filter(), "state", "en", "all agencies · all dates · states"),
        (
            Filter(operations=("OLP",), states=("VE-A",), zones=("cota-905",),
                   min_confidence="high", include_low_precision=False),
            None, "en",
            "all agencies · OLP · all dates · Distrito Capital · Cota 905 · confidence ≥ high"
            " · precise locations only",
        ),
        (Filter(date_from=date(2015, 7, 13)), None, "es",
         "todos los organismos · desde el 13 de julio de 2015"),
    ],
)  # fmt: skip
def test_describe_filter_spells_out_the_view(
    flt: Filter, level: export.Level | None, lang: str, expected: str
) -> None:
    assert export.describe_filter(flt, level=level, lang=lang) == expected


# ---------------------------------------------------------------------- formula guard
@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+57 212", "'+57 212"),
        ("-5 police posts", "'-5 police posts"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=already", "''=already"),
        ("Cota 905", "Cota 905"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_formula_cells_are_guarded_and_restored(cell: str, guarded: str) -> None:
    assert neutralise_cell(cell) == guarded
    assert restore_cell(guarded) == cell


@given(st.text())
def test_guard_round_trips_any_text(text: str) -> None:
    assert restore_cell(neutralise_cell(text)) == text
    assert not neutralise_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_neutralises_formulas_but_keeps_numbers(tiny_store: Store) -> None:
    data = export.render_export(tiny_store, "csv", export.ExportView(**EN))
    rows = {row["incident_id"]: row for row in csv.DictReader(io.StringIO(data.decode()))}
    assert rows["T1"]["description"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows["T2"]["description"] == "'-5 police posts"
    assert rows["T2"]["notes"] == "'@mention"
    assert rows["T2"]["quote"] == "'+quoted"
    # A negative longitude is written as a bare number, not a guarded text cell.
    assert rows["T1"]["lon"] == "-66.9299"
    assert ",-66.9299," in data.decode()
    assert rows["T3"]["lon"] == ""
    assert rows["T1"]["civilians_killed_max"] == "16"
    assert rows["T1"]["source_url"] == "https://example.org/a"


def _comparable(store: Store) -> pd.DataFrame:
    frame = pd.DataFrame(store.read_incidents().drop(columns=["origin", "geometry"]))
    return frame.sort_values("incident_id").reset_index(drop=True)


@pytest.mark.slow
def test_seed_csv_reimports_to_the_same_incidents(seed_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "seed.csv"
    args = ["export", "--format", "csv", "--out", str(out), "--store", seed_store.location]
    assert main(args) == 0
    target = str(tmp_path / "copy.gpkg")
    open_store(target, seed=False)
    assert main(["import", str(out), "--store", target]) == 0
    copy = open_store(target, seed=False)
    pd.testing.assert_frame_equal(_comparable(copy), _comparable(seed_store))
    # Importing the export back into its own store changes nothing.
    assert main(["import", str(out), "--store", seed_store.location]) == 0
    assert len(seed_store.read_incidents()) == 47


def test_guarded_csv_reimports_to_the_same_incidents(tiny_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "tiny-export.csv"
    out.write_bytes(export.render_export(tiny_store, "csv", export.ExportView(**EN)))
    target = str(tmp_path / "copy.gpkg")
    open_store(target, seed=False)
    assert main(["import", str(out), "--store", target]) == 0
    pd.testing.assert_frame_equal(
        _comparable(open_store(target, seed=False)), _comparable(tiny_store)
    )


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_acled_rows_survive_a_round_trip_without_gaining_precision(
    tmp_path: Path, fmt: str
) -> None:
    """ACLED's geo_precision 2/3 put coordinates at a municipality / state; exported
    (coordinates + geo_precision) and imported again, they must not become points, and
    their sources and reported actors come back as they were."""
    acled = Path(__file__).parent / "data" / "acled_iso.csv"
    first = str(tmp_path / "acled.gpkg")
    open_store(first, seed=False)
    assert main(["import", str(acled), "--format", "acled", "--store", first]) == 0
    out = tmp_path / f"acled-export.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), "--store", first]) == 0
    second = str(tmp_path / "copy.gpkg")
    open_store(second, seed=False)
    assert main(["import", str(out), "--store", second]) == 0
    copy = _comparable(open_store(second, seed=False)).set_index("incident_id")
    # VEN1001 geo_precision 1, VEN1002 2 (municipality), VEN1003 3 (state); their actors
    ids = ["ACLED:VEN1001", "ACLED:VEN1002", "ACLED:VEN1003"]
    assert list(copy.loc[ids, "geo_precision"]) == ["point", "municipality", "state"]
    assert list(copy.loc[ids[1:], "parish_code"]) == ["", ""]
    assert copy.loc["ACLED:VEN1002", "agencies_reported"].startswith(
        "Police Forces of Venezuela (2013-) Special Action Forces"
    )
    pd.testing.assert_frame_equal(_comparable(open_store(second, seed=False)), _comparable(
        open_store(first, seed=False)))  # fmt: skip
    pd.testing.assert_frame_equal(
        open_store(second, seed=False).read_sources(), open_store(first, seed=False).read_sources()
    )
    # and imported back into the store it came from, it changes nothing
    version = open_store(first, seed=False).content_version()
    assert main(["import", str(out), "--store", first]) == 0
    assert open_store(first, seed=False).content_version() == version


def test_a_csv_row_with_an_unknown_place_precision_is_rejected(tmp_path: Path) -> None:
    from geo.ingest import import_bytes

    text = (
        "event_id,date,state,agencies,lat,lon,geo_precision,source_publisher\n"
        "X1,2015-07-13,Distrito Capital,PNB,10.49,-66.93,neighbourhood,El Nacional\n"
        "X2,2015-07-13,Distrito Capital,PNB,10.49,-66.93,parish,El Nacional\n"
    )
    store = open_store(str(tmp_path / "s.gpkg"), seed=False)
    report = import_bytes(text.encode(), "in.csv", store)
    assert report.imported == 1  # X2: the point stands for its parish
    assert store.read_incidents().loc[0, ["incident_id", "geo_precision"]].tolist() == [
        "X2", "parish",
    ]  # fmt: skip
    (problem,) = [p for p in report.problems if p.severity == "error"]
    assert (problem.row, problem.column) == (1, "geo_precision")
    assert "'neighbourhood' is not a place precision" in problem.message


def test_geojson_loads_with_the_same_ids_and_sources(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "tiny.geojson"
    path.write_bytes(export.render_export(tiny_store, "geojson", export.ExportView(**EN)))
    frame = gpd.read_file(path)
    assert sorted(frame["incident_id"]) == ["T1", "T2", "T3"]
    by_id = frame.set_index("incident_id")
    assert by_id.loc["T1"].geometry.x == pytest.approx(-66.9299)
    assert by_id.loc["T3"].geometry is not None  # drawn at Aragua's anchor point
    raw = json.loads(path.read_text(encoding="utf-8"))
    features = {f["id"]: f for f in raw["features"]}
    assert features["T1"]["properties"]["sources"][0]["publisher"] == "Efecto Cocuyo"
    assert features["T1"]["properties"]["civilians_killed_min"] == 14
    assert features["T2"]["properties"]["officers_killed"] is None  # unknown, never 0


# ---------------------------------------------------------------------- static maps
@pytest.mark.slow
@pytest.mark.parametrize("dpi", [60, 150])
def test_png_has_the_pixel_size_of_its_dpi(seed_store: Store, dpi: int) -> None:
    data = export.render_export(seed_store, "png", export.ExportView(**EN), dpi=dpi)
    image = Image.open(io.BytesIO(data))
    width, height = export.SNAPSHOT_SIZE_IN
    assert image.size == (round(width * dpi), round(height * dpi))
    # Non-trivial: many distinct colours (map, legend, text), not a blank sheet.
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50


@pytest.mark.slow
def test_pdf_snapshot_is_one_page_with_the_subtitle(seed_store: Store) -> None:
    view = export.ExportView(
        flt=Filter(agencies=("PNB", "CICPC"), date_from=date(2015, 7, 13),
                   date_to=date(2015, 12, 31)),
        title="OLP 2015", **EN,
    )  # fmt: skip
    reader = PdfReader(io.BytesIO(export.render_export(seed_store, "pdf", view)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "OLP 2015" in text
    assert f"PNB, CICPC · 13 Jul{DASH}31 Dec 2015 · municipalities" in text
    assert "Boundaries © INE Venezuela" in text
    assert re.search(r"data version [0-9a-f]{8,}", text)


@pytest.mark.slow
def test_report_is_one_page_with_map_timeline_indicators_sources(seed_store: Store) -> None:
    view = export.ExportView(flt=Filter(states=("VE-A",)), level="parish",
                             measure="civilians_killed", **EN)  # fmt: skip
    reader = PdfReader(io.BytesIO(export.render_export(seed_store, "report", view, dpi=80)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("Civilians killed by parish", "Distrito Capital · parishes", "Timeline",
                     "Indicators", "Sources", "Civilians killed per officer killed"):  # fmt: skip
        assert expected in text


@pytest.mark.slow
def test_svg_parses_and_names_the_title(seed_store: Store) -> None:
    view = export.ExportView(title="Snapshot <&> test", **EN)
    root = ET.fromstring(export.render_export(seed_store, "svg", view))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Snapshot <&> test" in texts  # real, editable text (not glyph outlines)
    assert any(text.startswith("Boundaries © INE") for text in texts)


@pytest.mark.slow
def test_html_opens_offline(tiny_store: Store) -> None:
    html = export.render_export(tiny_store, "html", export.ExportView(title="<b>x</b>", **EN))
    page = html.decode()
    remote = re.compile(r"^(?:[a-z]+:)?//", re.IGNORECASE)
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        pattern = rf"<{tag}\b[^>]*\b{attribute}\s*=\s*[\"']([^\"']*)"
        for url in re.findall(pattern, page, flags=re.IGNORECASE):
            assert not remote.match(url), url
    assert "leaflet" in page.lower()
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # the title is escaped, not markup


# ---------------------------------------------------------------------- cartography
@pytest.mark.parametrize(
    ("max_km", "expected"), [(0.7, 0.5), (3.1, 2.0), (22.0, 20.0), (99.0, 50.0), (180, 100)]
)
def test_scale_bar_lengths_are_round(max_km: float, expected: float) -> None:
    assert export._nice_length_km(max_km) == expected


@pytest.mark.parametrize("centre_lon", [-66.9, -61.0])
def test_scale_bar_is_true_on_the_ground(centre_lon: float) -> None:
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from pyproj import Transformer

    crs = export.map_crs((-73.4, 0.6, -59.8, 12.5))  # centred on the whole country
    ax = Figure(figsize=(6, 4)).add_axes((0, 0, 1, 1))
    x_centre, _ = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(centre_lon, 8)
    ax.set_xlim(x_centre - 50_000, x_centre + 50_000)  # 100 km wide
    ax.set_ylim(-30_000, 30_000)
    length_km = export.draw_scale_bar(ax, crs)
    assert length_km == 20.0
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    start = bars[0].get_x()
    end = bars[-1].get_x() + bars[-1].get_width()
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = back.transform([start, end], [bars[0].get_y()] * 2)
    ground_m = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]
    assert ground_m == pytest.approx(20_000, rel=1e-3)


def test_north_arrow_follows_the_meridian() -> None:
    from matplotlib.figure import Figure

    crs = export.map_crs((-67.0, 10.0, -66.0, 11.0))
    ax = Figure().add_axes((0, 0, 1, 1))
    ax.set_xlim(-10_000, 10_000)
    ax.set_ylim(-10_000, 10_000)
    assert abs(export.draw_north_arrow(ax, crs)) < 0.05  # next to the central meridian
    ax.set_xlim(400_000, 420_000)  # ~3.7° east of it: grid north turns
    assert abs(export.draw_north_arrow(ax, crs)) > 0.3


def _map_axes(figure: export.Figure) -> export.Axes:
    return figure.axes[0]


@pytest.mark.slow
@pytest.mark.parametrize(("flt", "inset"), [(Filter(), False), (Filter(states=("VE-A",)), True)])
def test_inset_locator_only_when_zoomed_in(seed_store: Store, flt: Filter, inset: bool) -> None:
    view = export.ExportView(flt=flt, **EN)
    data = export.collect_export_data(seed_store, flt)
    figure = export.snapshot_figure(
        export.map_layers(data, view), export.sheet_text(data, view), view=view, dpi=50
    )
    assert bool(_map_axes(figure).child_axes) is inset


def test_map_layers_use_the_interactive_map_classes(tiny_store: Store) -> None:
    view = export.ExportView(level="municipality", measure="civilians_killed", **EN)
    data = export.collect_export_data(tiny_store, view.flt)
    layers = export.map_layers(data, view)
    areas = layers.areas.set_index("area_code")
    # T1 (14–16) and T2 (2) are both in Libertador (VE0101): lower bound 16; Aragua's
    # T3 is known only to the state, so it is not drawn at municipality level.
    assert areas.loc["VE0101", "value"] == 16
    breaks = maps.classify(areas["value"].tolist())
    assert areas.loc["VE0101", "colour"] == maps.color_for(16, breaks)
    assert (areas.drop(index="VE0101")["colour"] == maps.NO_DATA_COLOR).all()
    assert layers.notes[0].startswith("1 incidents known only at a coarser level")
    assert [e.label for e in layers.legend[1:]] == maps.class_labels(breaks)


def test_approximate_zones_are_hatched_and_say_so(tiny_store: Store) -> None:
    view = export.ExportView(flt=Filter(zones=("cota-905",)), level="zone", **EN)
    data = export.collect_export_data(tiny_store, view.flt)
    layers = export.map_layers(data, view)
    approximate = [e for e in layers.legend if e.hatch]
    assert approximate
    assert "Approximate" in approximate[0].label
    figure = export.snapshot_figure(layers, export.sheet_text(data, view), view=view, dpi=50)
    labels = [t.get_text() for t in _map_axes(figure).texts]
    assert "Cota 905 (approximate)" in labels


def test_sources_are_listed_or_counted() -> None:
    few = pd.DataFrame(
        {"incident_id": ["a"], "publisher": ["Runrunes"], "date": ["2015-07-14"],
         "title": ["t"], "url": ["https://runrun.es/x"], "quote": ["q"]}
    )  # fmt: skip
    with export.use_language("en"):
        assert export.sources_line(few) == "Sources (1): Runrunes (2015-07-14) https://runrun.es/x"
        many = pd.concat([few.assign(url=f"https://x/{i}") for i in range(9)], ignore_index=True)
        line = export.sources_line(many)
    assert line.startswith("Sources: 9 sources from 1 publishers")
    assert "CSV" in line


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("fmt", "dpi", "message"),
    [("tiff", 100, "unknown format"), ("png", 5000, "dpi must be between")],
)
def test_bad_requests_fail_clearly(seed_store: Store, fmt: str, dpi: int, message: str) -> None:
    with pytest.raises(export.ExportError, match=message):
        export.render_export(seed_store, fmt, export.ExportView(**EN), dpi=dpi)  # type: ignore[arg-type]


def test_cli_unknown_measure_exits_2(seed_store: Store, tmp_path: Path) -> None:
    args = ["export", "--format", "png", "--out", str(tmp_path / "x.png"),
            "--measure", "nonsense", "--store", seed_store.location]  # fmt: skip
    assert main(args) == 2
    assert not (tmp_path / "x.png").exists()
