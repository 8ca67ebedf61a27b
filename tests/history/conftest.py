"""A real PostgreSQL server for the history store's tests: the Debian package's binaries (scripts/setup-system.sh
installs them), a throw-away cluster in a temporary folder, on a free loopback port, for the session.

PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user the package creates and its
commands run through ``runuser``. Authentication is ``trust`` on loopback only; the tests still hand the password
over the way users must (``${VARIABLE}`` in the URL), which trust accepts.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.live import conftest as live
from tests.reporting import conftest as reporting

#: the report tests' scratch project (shipped declared checks + a scripted live layer), for runs of the suite
report_project = reporting.report_project
#: the live tests' provisioned sandbox and the environment pointing boto3 at it, for successive sandbox runs
live_sandbox = live.live_sandbox
aws_env = live.aws_env


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL's initdb not found (/usr/lib/postgresql/*/bin): run `make setup` "
                    "(scripts/setup-system.sh installs the Debian postgresql package)")
    return Path(found[-1]).parent


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql://envmatrix@127.0.0.1:<port>/postgres`` of a server started for this session."""
    bindir = _bindir()
    home = Path(tempfile.mkdtemp(prefix="envmatrix-pg-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    port = free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "envmatrix", "--auth=trust",
                              "--no-sync"]), **run)  # type: ignore[call-overload]
    log = home / "server.log"
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off"
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                              "start"]), **run)  # type: ignore[call-overload]
    try:
        yield f"postgresql://envmatrix@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh database on the session's server for one test."""
    import psycopg

    name = f"history_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"


def _counter() -> Iterator[int]:
    number = 0
    while True:
        number += 1
        yield number


_numbers = _counter()
