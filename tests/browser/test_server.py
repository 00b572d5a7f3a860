"""The server as the README's command starts it: nothing leaves the machine at start."""

from __future__ import annotations

import time
from pathlib import Path

from tests.browser.appserver import running_app


def test_the_server_starts_without_looking_up_a_public_address(tmp_path: Path) -> None:
    """Streamlit asks checkip.amazonaws.com for a public address when it listens on every
    interface; the shipped config listens on localhost, so it prints one local URL only."""
    log = tmp_path / "streamlit.log"
    with running_app(str(tmp_path / "store.gpkg"), tmp_path, address=None) as url:
        deadline = time.monotonic() + 30
        while "URL:" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        printed = log.read_text()
    assert url.startswith("http://localhost:")
    assert f"URL: {url}" in printed
    assert "External URL" not in printed
    assert "external IP" not in printed
