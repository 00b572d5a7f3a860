"""Browser harness: a real ``streamlit run app.py`` driven by the system Chromium.

Fixtures
--------
``app_url``     (session) the base URL of a running app on a free port, with a throwaway
                ``ZONAS_STORE``; stopped after the session.
``browser``     (session) Playwright's Chromium, ``/usr/bin/chromium`` headless, with
                no background networking and a fresh user-data dir.
``page``        a new page whose requests are recorded in ``page_requests``.
``page_requests`` the list of URLs the page requested (see :func:`non_local`).

Every test here is marked ``browser`` automatically.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.appserver import CHROMIUM, CHROMIUM_ARGS, AppStartError, running_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port with a temporary store."""
    work = tmp_path_factory.mktemp("app")
    try:
        with running_app(str(work / "store.gpkg"), work) as url:
            yield url
    except AppStartError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Launch the system Chromium through Playwright (a persistent, fresh profile)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/run-tests.sh to install it")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page_requests() -> list[str]:
    """URLs requested by :func:`page` (filled while the test runs)."""
    return []


@pytest.fixture
def page(browser: object, page_requests: list[str]) -> Iterator[object]:
    """A new browser tab recording every request it (and its iframes) makes."""
    from playwright.sync_api import BrowserContext

    assert isinstance(browser, BrowserContext)
    tab = browser.new_page()
    tab.on("request", lambda request: page_requests.append(request.url))
    try:
        yield tab
    finally:
        tab.close()
