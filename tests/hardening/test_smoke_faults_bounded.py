"""HTTP target slow (never answers) or speaking garbage: every smoke check fails clearly, within a bound."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpcore  # noqa: F401 - kept loaded: see below
import pytest

from tests.conftest import ROOT, Project

# pytester's in-process runs drop modules first imported inside a run; httpx caches httpcore's exception
# classes on first use, so a re-imported httpcore would slip past httpx's mapping in the second inner run.
# Importing it here keeps one httpcore for every inner run (a real run imports it once anyway).
BOUND_SECONDS = 60.0  # every smoke check of one environment (measured: see the report / README Safety section)


def _serve(behaviour: Callable[[socket.socket], None]) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn = listener.accept()[0]
            except OSError:
                continue
            held.append(conn)
            behaviour(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def _silent(_conn: socket.socket) -> None:
    return None


def _garbage(conn: socket.socket) -> None:
    try:
        conn.sendall(os.urandom(64) + b"\r\n\r\nHTTP/9.9 999 ???\r\n\r\n" + os.urandom(256))
    except OSError:
        pass


@pytest.fixture(params=[_silent, _garbage], ids=["slow", "garbage"])
def bad_target(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    yield from ((request.param.__name__.strip("_"), port) for port in _serve(request.param))


def test_smoke_checks_fail_clearly_within_the_bound(project: Project, bad_target: tuple[str, int],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    kind, port = bad_target
    shutil.copytree(ROOT / "smoke", project.path / "smoke", ignore=shutil.ignore_patterns("__pycache__"))
    for name in list(os.environ):
        if name.startswith("ENVMATRIX_") or name == "ENVIRONMENT":
            monkeypatch.delenv(name)
    url = f"https://taskmanager.com:{port}"
    monkeypatch.setenv("ENVMATRIX_RESOLVE", "taskmanager.com=127.0.0.1")
    monkeypatch.setenv("ENVMATRIX_SMOKE_EMAIL_PRODUCTION", "smoke@taskmanager.com")
    monkeypatch.setenv("ENVMATRIX_SMOKE_PASSWORD_PRODUCTION", "cnry-smokepw-2e2e9a9a")
    monkeypatch.setenv("ENVMATRIX_UNVERIFIED_EMAIL_PRODUCTION", "unverified@taskmanager.com")
    monkeypatch.setenv("ENVMATRIX_UNVERIFIED_PASSWORD_PRODUCTION", "cnry-unverifiedpw-3f3f")
    started = time.monotonic()
    outcome = project.run("--env=production", "-m", "smoke", f"--base-url=production={url}", "--no-allure", "-q")
    elapsed = time.monotonic() - started
    print(f"smoke against a {kind} target: {len(outcome.failed)} checks failed in {elapsed:.1f} s")
    assert outcome.returncode == 1, outcome.output[-3000:]
    assert outcome.failed and not outcome.passed, (sorted(outcome.passed), outcome.output[-2000:])
    for key, message in outcome.failed.items():
        assert url in message or "taskmanager.com" in message, (key, message[:600])
        assert "Traceback" not in message and "cnry-smokepw" not in message
    assert "cnry-smokepw" not in outcome.output and "INTERNALERROR" not in outcome.output
    assert elapsed < BOUND_SECONDS, f"a {kind} target held the smoke run for {elapsed:.1f} s"
