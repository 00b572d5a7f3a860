"""A throwaway PostgreSQL 15 + PostGIS cluster for the store tests (and the benchmark).

:func:`running_server` runs ``initdb`` in a fresh temp directory, starts ``postgres`` on
127.0.0.1 with a random free port (unix socket inside the same directory), creates a
database with the ``postgis`` extension and yields a :class:`PostgresServer` with its DSN.
On exit the server is stopped (``pg_ctl stop -m immediate``) and the directory removed.

``initdb`` refuses to run as root: when the current user is root, the cluster runs as the
``postgres`` system user (Debian's packages create it). Missing binaries are an error, not
a skip: ``scripts/run-tests.sh`` installs ``postgresql-15-postgis-3`` when they are absent.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("ZONAS_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
DATABASE = "zonas_test"
TEMPLATE = "zonas_template"
"""An empty PostGIS-enabled database that tests never write to: new databases copy it."""
SUPERUSER = "postgres"


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL or PostGIS binaries are missing, or the server did not start."""


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway cluster."""

    directory: Path
    port: int
    database: str = DATABASE
    user: str = SUPERUSER

    @property
    def dsn(self) -> str:
        """``postgresql://`` URL of the test database (superuser, TCP on 127.0.0.1)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def dsn_for(self, user: str, password: str, *, database: str | None = None) -> str:
        """URL of the test database (or ``database``) for another login role."""
        name = database or self.database
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{name}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_cluster_owner(argv: Sequence[str]) -> list[str]:
    """Prefix ``argv`` so it runs as the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return list(argv)
    return ["runuser", "-u", SUPERUSER, "--", *argv]


def _run(argv: Sequence[str], *, what: str) -> None:
    done = subprocess.run(_as_cluster_owner(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        raise PostgresUnavailableError(msg)


def check_binaries() -> None:
    """Raise :class:`PostgresUnavailableError` unless PostgreSQL 15 and PostGIS are installed."""
    missing = [str(PG_BIN / name) for name in ("initdb", "pg_ctl", "postgres")]
    missing = [path for path in missing if not Path(path).exists()]
    if not POSTGIS_CONTROL.exists():
        missing.append(str(POSTGIS_CONTROL))
    if missing:
        msg = (
            "PostgreSQL 15 + PostGIS are needed for the store tests but missing: "
            + ", ".join(missing)
            + ". Install the Debian package postgresql-15-postgis-3 "
            "(bash scripts/run-tests.sh does it)."
        )
        raise PostgresUnavailableError(msg)


@contextlib.contextmanager
def running_server(*, startup_timeout_s: int = 60) -> Iterator[PostgresServer]:
    """Start a throwaway cluster with a PostGIS-enabled database; stop and delete it on exit."""
    check_binaries()
    directory = Path(tempfile.mkdtemp(prefix="zonas-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SUPERUSER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    data = directory / "data"
    log = directory / "server.log"
    port = _free_port()
    started = False
    try:
        _run(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            what="initdb",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={directory} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        _run(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", str(startup_timeout_s), "start"],
            what=f"pg_ctl start (log: {log})",
        )  # fmt: skip
        started = True
        server = PostgresServer(directory=directory, port=port)
        psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER,
                "-v", "ON_ERROR_STOP=1", "-q"]  # fmt: skip
        _run([*psql, "-d", "postgres", "-c", f"CREATE DATABASE {TEMPLATE}"], what="createdb")
        _run(
            [*psql, "-d", TEMPLATE, "-c", "CREATE EXTENSION postgis"],
            what="CREATE EXTENSION postgis",
        )
        _run(
            [*psql, "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}"],
            what="createdb",
        )
        yield server
    finally:
        if started:
            subprocess.run(
                _as_cluster_owner([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                   "-w", "stop"]),
                capture_output=True, check=False,
            )  # fmt: skip
        shutil.rmtree(directory, ignore_errors=True)


def create_database(server: PostgresServer, name: str) -> str:
    """Create an empty PostGIS-enabled database (a copy of :data:`TEMPLATE`); return its DSN."""
    import psycopg

    with psycopg.connect(server.dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
    return f"postgresql://{server.user}@127.0.0.1:{server.port}/{name}"
