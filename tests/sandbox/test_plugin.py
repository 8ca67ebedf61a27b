"""--sandbox: one sandbox per run (started by the xdist controller), announced, used, and torn down (also on Ctrl-C)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = re.compile(r"envmatrix: sandbox AWS endpoint (http://127\.0\.0\.1:(\d+)) \(moto; (.*) provisioned in ")
INPUTS = (f"--spec={ROOT / 'fixtures/matrix.yaml'}", f"--tfvars-root={ROOT / 'fixtures/tfvars'}",
          f"--env-root={ROOT / 'fixtures/env'}")
LEAN = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:envmatrix_reports")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the sandbox, AWS is a closed loopback port: a run that reached anything else would fail."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "offline")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "offline")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/envmatrix")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/envmatrix")


def _closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def _endpoint(output: str) -> tuple[str, int, str]:
    match = HEADER.search(output)
    assert match, output[-3000:]
    return match.group(1), int(match.group(2)), match.group(3)


def test_sandbox_run_of_the_shipped_checks_is_green(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        str(ROOT / "checks"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), "--env=staging", "--sandbox",
        "-m", "live or drift", f"--reports-dir={pytester.path / 'reports'}", *LEAN)
    output = "\n".join(result.outlines + result.errlines)
    assert result.ret == 0, output[-3000:]
    _url, port, environments = _endpoint(output)
    assert environments == "staging"
    assert "sandbox services: staging=https://staging.taskmanager.com:" in output
    assert _closed(port)


def test_workers_share_the_controller_sandbox(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_where="""
        import os, pathlib
        def test_a(): pathlib.Path(os.environ["PYTEST_XDIST_WORKER"] + "-a").write_text(os.environ["AWS_ENDPOINT_URL"])
        def test_b(): pathlib.Path(os.environ["PYTEST_XDIST_WORKER"] + "-b").write_text(os.environ["AWS_ENDPOINT_URL"])
    """)
    result = pytester.runpytest_subprocess("--env=dev", "--sandbox", "-n", "2", "-p", "xdist", *INPUTS, *LEAN)
    output = "\n".join(result.outlines + result.errlines)
    result.assert_outcomes(passed=2)
    url, port, _environments = _endpoint(output)
    seen = {path.read_text() for path in pytester.path.glob("gw*-?")}
    assert seen == {url}
    assert len(HEADER.findall(output)) == 1
    assert _closed(port)


def test_without_the_option_no_sandbox_is_started(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="import os\ndef test_a(): assert os.environ['AWS_ENDPOINT_URL'] == 'http://127.0.0.1:9'")
    result = pytester.runpytest_subprocess("--env=dev", *INPUTS, *LEAN)
    result.assert_outcomes(passed=1)
    assert not HEADER.search("\n".join(result.outlines))


def test_ctrl_c_tears_the_sandbox_down(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_slow="import time\ndef test_a(): time.sleep(120)")
    command = [sys.executable, "-m", "pytest", "--env=dev", "--sandbox", *INPUTS, *LEAN, "-p", "no:cacheprovider"]
    process = subprocess.Popen(command, cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not HEADER.search("".join(lines)):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    _url, port, _environments = _endpoint("".join(lines))
    time.sleep(1)  # let the session reach the sleeping test
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert _closed(port)
