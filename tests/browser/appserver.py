"""A real ``streamlit run app.py`` on a free local port, and the browser settings.

Shared by the browser tests (``conftest.py``) and the map benchmark
(``bench/bench_map.py``), so both measure the app exactly as a user starts it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

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


class AppStartError(RuntimeError):
    """The app did not start: its exit code or the timeout, and its log."""


def non_local(urls: list[str]) -> list[str]:
    """Return the URLs that would leave the machine (not localhost, data:, blob:...)."""
    leaving = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            leaving.append(url)
    return leaving


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AppStartError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AppStartError(
        f"streamlit did not answer /_stcore/health in {STARTUP_TIMEOUT_S} s:\n{log.read_text()}"
    )


@contextmanager
def running_app(
    store: str, work: Path, *, lang: str = "en", address: str | None = "127.0.0.1"
) -> Iterator[str]:
    """Run the dashboard on ``store`` (GeoPackage path or URL) and yield its base URL.

    The server's output goes to ``work/streamlit.log``; it is stopped on exit.
    ``ZONAS_LANG`` sets the language of pages opened without ``?lang=``. With
    ``address=None`` the server listens where ``.streamlit/config.toml`` says, as
    ``scripts/run-app.sh`` starts it.

    Raises
    ------
    AppStartError
        If the server exits or is not healthy within ``STARTUP_TIMEOUT_S``.
    """
    port = free_port()
    env = dict(os.environ)
    env.update(ZONAS_STORE=store, ZONAS_LANG=lang, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    log = work / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true"]
    if address is not None:
        command += ["--server.address", address]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://{address or 'localhost'}:{port}"
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
