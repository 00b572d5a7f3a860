"""Download buttons in a real Chromium: a click gives a valid file of what is on screen."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from geo import export
from tests.browser.appserver import non_local

TIMEOUT_MS = 180_000  # first visit builds the store; the PNG is rendered on click


@pytest.mark.browser
def test_download_buttons_give_valid_files(
    app_url: str, page: Any, page_requests: list[str], tmp_path: Path
) -> None:
    page.goto(
        f"{app_url}/?lang=en&agency=PNB&from=2015-07-13&to=2015-07-13",
        wait_until="domcontentloaded",
    )
    page.get_by_text("Export this view").click(timeout=TIMEOUT_MS)

    with page.expect_download(timeout=TIMEOUT_MS) as csv_download:
        page.get_by_role("button", name="Incidents (CSV)").click()
    csv_path = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # The view's filter: PNB on the first OLP day (Cota 905 and El Cementerio).
    assert {row["incident_id"] for row in rows} == {"EV0009", "EV0010"}

    with page.expect_download(timeout=TIMEOUT_MS) as png_download:
        page.get_by_role("button", name="Map (PNG)").click()
    png_path = tmp_path / png_download.value.suggested_filename
    png_download.value.save_as(png_path)
    width, height = export.SNAPSHOT_SIZE_IN
    assert png_path.suffix == ".png"
    assert Image.open(png_path).size == (round(width * 200), round(height * 200))
    assert non_local(page_requests) == []
