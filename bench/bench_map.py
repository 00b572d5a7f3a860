"""Map page in a real browser: time to first map, filter-change redraw, payload.

Starts ``streamlit run app.py`` on a store (default: a fresh seeded GeoPackage; ``--store``
for another one, e.g. one million synthetic incidents built by ``bench/bench_export.py
--events 1000000``), drives the system Chromium with Playwright and prints JSON:

* ``cold_s``: first visit after the server started (reads the store, builds caches);
* ``first_map_s``: median of later visits, from navigation to the Leaflet map drawn;
* ``filter_change_s``: median time from clicking a date preset to the new map drawn;
* ``payload_bytes``: websocket bytes the browser received for each view (page + map);
* ``non_local_requests``: requests to hosts other than the app (must be 0).

Targets (issue 6): first map ≤ 3 s, filter change ≤ 1.5 s, payload ≤ 3 MB at any filter.
Not part of the test run. Usage::

    .venv/bin/python bench/bench_map.py [--store PATH] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.appserver import CHROMIUM, CHROMIUM_ARGS, non_local, running_app  # noqa: E402

VIEWS = {
    "default": "/",
    "first_olp_day_pnb": "/?agency=PNB&from=2015-07-13&to=2015-07-13",
    "parishes_2015": "/?from=2015-01-01&to=2015-12-31&level=parish",
    "zones_killed": "/?level=zone&measure=civilians_killed",
    # about 1,500 incidents in the synthetic million: markers drawn (cap: maps.MAX_MARKERS)
    "markers_3_days": "/?from=2016-03-07&to=2016-03-09",
}
TIMEOUT_MS = 600_000
_NEW_MAP = """() => {
    for (const f of document.querySelectorAll("iframe[title*='st_folium']")) {
        const w = f.contentWindow;
        if (!w || w.__benchSeen || !w.document.querySelector('.leaflet-container')) continue;
        if (w.document.querySelectorAll('path.leaflet-interactive').length < 20) continue;
        if (document.querySelector("[data-testid='stStatusWidget'] button")) continue;
        return true;
    }
    return false;
}"""
_MARK_SEEN = """() => {
    for (const f of document.querySelectorAll("iframe[title*='st_folium']")) {
        if (f.contentWindow) f.contentWindow.__benchSeen = true;
    }
}"""


def _open(page: Any, url: str, received: list[int]) -> tuple[float, int]:
    received.clear()
    started = time.monotonic()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(_NEW_MAP, timeout=TIMEOUT_MS)
    elapsed = time.monotonic() - started
    page.wait_for_timeout(300)  # let the last frames arrive
    return elapsed, sum(received)


def _change_filter(page: Any, preset: str) -> float:
    page.evaluate(_MARK_SEEN)
    pill = page.locator("[data-testid='stSidebar'] [data-testid='stButtonGroup'] button")
    started = time.monotonic()
    pill.get_by_text(preset, exact=True).click()
    page.wait_for_function(_NEW_MAP, timeout=TIMEOUT_MS)
    return time.monotonic() - started


def run(app_url: str, *, repeats: int) -> dict[str, Any]:
    """Measure every view of :data:`VIEWS` on a running app."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    received: list[int] = []
    out: dict[str, Any] = {"views": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))),
        )
        out["cold_s"], _ = _open(page, app_url + VIEWS["default"], received)
        for name, path in VIEWS.items():
            times, sizes = [], []
            for _ in range(repeats):
                elapsed, size = _open(page, app_url + path, received)
                times.append(elapsed)
                sizes.append(size)
            out["views"][name] = {
                "first_map_s": round(statistics.median(times), 2),
                "payload_bytes": max(sizes),
            }
        _open(page, app_url + VIEWS["default"], received)
        changes = []
        for _ in range(repeats):
            for preset in ("First OLP month", "2015", "All dates"):
                changes.append(_change_filter(page, preset))
        out["filter_change_s"] = round(statistics.median(changes), 2)
        out["filter_change_max_s"] = round(max(changes), 2)
        out["non_local_requests"] = len(non_local(requests))
        browser.close()
    out["cold_s"] = round(out["cold_s"], 2)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="GeoPackage or postgresql:// URL (default: seeded)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-map-"))
    with running_app(args.store or str(work / "store.gpkg"), work) as url:
        result = run(url, repeats=args.repeats)
    result["store"] = "seed" if not args.store else args.store
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
