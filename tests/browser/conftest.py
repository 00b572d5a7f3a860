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

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ZONAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
STARTUP_TIMEOUT_S = 90.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def non_local(urls: list[str]) -> list[str]:
    """Return the URLs that would leave the machine (not localhost, data:, blob:...)."""
    leaving = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            leaving.append(url)
    return leaving


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(
        f"streamlit did not answer /_stcore/health in {STARTUP_TIMEOUT_S} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port with a temporary store."""
    work = tmp_path_factory.mktemp("app")
    port = _free_port()
    env = dict(os.environ)
    env.update(
        ZONAS_STORE=str(work / "store.gpkg"),
        ZONAS_LANG="en",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    log = work / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
