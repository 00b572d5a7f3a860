"""The timeline in a real Chromium: Vega draws offline, and a brush moves the map's counts."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.browser.appserver import non_local

TIMEOUT_MS = 120_000  # the first visit builds the store
SCREENSHOT_DIR = Path(os.environ.get("ZONAS_SCREENSHOTS", "/tmp/zonas-screenshots"))
WINDOW = "from=2015-07-01&to=2016-12-31"
CHART = "[data-testid='stVegaLiteChart']"


def _caption_count(page: Any) -> int:
    """The timeline's "… · N incidents · drag …" caption as N."""
    text = page.get_by_text(re.compile(r"· [\d.,]+ incidents? ·")).first.inner_text()
    match = re.search(r"· ([\d.,]+) incidents? ·", text)
    assert match, text
    return int(re.sub(r"[.,]", "", match.group(1)))


def _params(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _wait(condition: Any, what: str, page: Any) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if condition():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"timed out waiting for {what}; url={page.url}")


def _headline_incidents(page: Any) -> str:
    metric = page.locator(".st-key-headline [data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text="Incidents")
    )
    metric.first.wait_for(timeout=TIMEOUT_MS)
    value: str = metric.first.locator("[data-testid='stMetricValue']").inner_text().strip()
    return value


def test_timeline_draws_offline_and_a_brush_moves_the_map(
    app_url: str, page: Any, page_requests: list[str]
) -> None:
    # open the app with a date window, then its Timeline page (the session keeps the filter)
    page.goto(f"{app_url}/?{WINDOW}", wait_until="domcontentloaded")
    start_count = _headline_incidents(page)  # the map page has run: the app's own navigation
    page.get_by_role("link", name="Timeline", exact=True).click()
    chart = page.locator(CHART).first
    chart.wait_for(timeout=TIMEOUT_MS)
    # Vega drew marks (canvas or SVG) inside the chart
    page.wait_for_function(
        """sel => { const el = document.querySelector(sel);
                    return el && el.querySelector('canvas, svg.marks'); }""",
        arg=CHART,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # let the first paint settle
    before = _caption_count(page)
    assert str(before) == start_count  # same filter, same count
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "timeline-before-brush.png"), full_page=True)

    # brush across the middle of the plot (July 2015 .. December 2016, by month)
    box = chart.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * 0.30, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=8)
    page.mouse.move(box["x"] + box["width"] * 0.55, y, steps=8)
    page.mouse.up()
    _wait(
        lambda: (
            _params(page).get("from") not in (None, ["2015-07-01"])
            or _params(page).get("to") != ["2016-12-31"]
        ),
        "the brush to change the URL's dates",
        page,
    )
    _wait(lambda: _caption_count(page) < before, "the timeline to recount", page)
    page.wait_for_timeout(800)
    params = _params(page)
    start, end = params["from"][0], params["to"][0]
    assert "2015-07-01" <= start <= end <= "2016-12-31"
    assert start.endswith("-01")  # whole months
    after = _caption_count(page)
    page.screenshot(path=str(SCREENSHOT_DIR / "timeline-after-brush.png"), full_page=True)

    # the map page, in the same session, counts the brushed window
    page.get_by_role("link", name="Map", exact=True).click()
    _wait(lambda: _headline_incidents(page) == str(after), f"the map to show {after}", page)
    assert _params(page).get("from") == [start]
    assert non_local(page_requests) == []
