"""Spanish and English in a real Chromium (issue 10), and deep links on a fresh server.

The texts expected here are written out by hand: what a reader of each language sees.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.appserver import non_local, running_app

TIMEOUT_MS = 120_000  # the first visit builds the store and loads the boundaries
FIRST_OLP_DAY = "agency=PNB&from=2015-07-13&to=2015-07-13"
SHOWN = {
    "es": {
        "title": "Zonas de operativos y zonas de paz",
        "filter": "Filtro",
        "incidents": "Incidentes",
        "timeline": "Línea de tiempo",
    },
    "en": {
        "title": "Operation zones and peace zones",
        "filter": "Filter",
        "incidents": "Incidents",
        "timeline": "Timeline",
    },
}


def _lang_in_url(page: Any) -> list[str]:
    return parse_qs(urlsplit(page.url).query).get("lang", [])


def _wait_for_url_lang(page: Any, lang: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while _lang_in_url(page) != [lang]:
        if time.monotonic() > deadline:
            raise AssertionError(f"the URL kept no lang={lang}: {page.url}")
        page.wait_for_timeout(200)


def _expect_language(page: Any, lang: str, *, title: str) -> None:
    """The page's title, the sidebar's header and the headline speak ``lang``."""
    shown = SHOWN[lang]
    page.get_by_role("heading", name=shown[title], exact=True).wait_for(timeout=TIMEOUT_MS)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("heading", name=shown["filter"], exact=True).wait_for(timeout=TIMEOUT_MS)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_link_opens_the_dashboard_in_its_language(
    app_url: str, page: Any, page_requests: list[str], lang: str
) -> None:
    page.goto(f"{app_url}/?lang={lang}&{FIRST_OLP_DAY}", wait_until="domcontentloaded")
    _expect_language(page, lang, title="title")
    # the headline's metrics are drawn one after the other: wait for this one's label
    headline = page.locator(".st-key-headline [data-testid='stMetricLabel']")
    headline.get_by_text(SHOWN[lang]["incidents"], exact=True).wait_for(timeout=TIMEOUT_MS)

    # the navigation's link drops the query string: the session keeps the language and
    # writes it back to the URL, so the next copied link still says it
    page.get_by_role("link", name=SHOWN[lang]["timeline"], exact=True).click()
    _expect_language(page, lang, title="timeline")
    _wait_for_url_lang(page, lang)
    assert non_local(page_requests) == []


def test_the_language_switch_changes_the_page_and_the_link(app_url: str, page: Any) -> None:
    page.goto(f"{app_url}/?lang=es&{FIRST_OLP_DAY}", wait_until="domcontentloaded")
    _expect_language(page, "es", title="title")
    page.locator(".st-key-ui_language").get_by_text("English", exact=True).click()
    _expect_language(page, "en", title="title")
    _wait_for_url_lang(page, "en")
    assert parse_qs(urlsplit(page.url).query)["agency"] == ["PNB"]  # the filter stays


def test_a_deep_link_is_the_first_visit_after_a_start(
    tmp_path: Path, page: Any, page_requests: list[str]
) -> None:
    """The very first run of a fresh server is a link to /timeline: the whole app runs
    (language, filter sidebar), not the page alone."""
    with running_app(str(tmp_path / "store.gpkg"), tmp_path) as url:
        page.goto(f"{url}/timeline?lang=es&{FIRST_OLP_DAY}", wait_until="domcontentloaded")
        _expect_language(page, "es", title="timeline")
        assert parse_qs(urlsplit(page.url).query)["agency"] == ["PNB"]
    assert non_local(page_requests) == []
