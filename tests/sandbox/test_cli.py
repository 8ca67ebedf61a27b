"""`envmatrix sandbox`: prints how to reach the sandbox, serves until Ctrl-C; bad input is one line and exit 2."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from envmatrix.cli import main
from tests.conftest import read_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "ENVIRONMENT", "ENVMATRIX_SPEC",
                 "ENVMATRIX_TFVARS_ROOT", "ENVMATRIX_ENV_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("envmatrix: error: "), err
    return err[-1]


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert "a command is required" in _error(capsys)


def test_missing_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    message = _error(capsys, "sandbox", f"--spec={tmp_path / 'nope.yaml'}")
    assert "nope.yaml" in message and "does not exist" in message


def test_unknown_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert "unknown environment 'qa'" in _error(capsys, "sandbox", "--env=qa")


def test_bad_port(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert "--port: 70000 is not a TCP port" in _error(capsys, "sandbox", "--port=70000")


def test_malformed_tfvars_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "fixtures/tfvars", tmp_path / "tfvars")
    broken = tmp_path / "tfvars/staging/terraform.tfvars"
    broken.write_text(re.sub(r"(?m)^db_multi_az\s*=.*$", "db_multi_az = yes please", broken.read_text()))
    monkeypatch.chdir(ROOT)
    message = _error(capsys, "sandbox", f"--tfvars-root={tmp_path / 'tfvars'}")
    assert f"{broken}:" in message


def test_busy_port(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert f"cannot start the moto server on 127.0.0.1:{port}" in _error(capsys, "sandbox", "--env=dev",
                                                                                f"--port={port}")


def test_sandbox_command_serves_until_ctrl_c() -> None:
    command = [sys.executable, "-c", "import sys; from envmatrix.cli import main; sys.exit(main())",
               "sandbox", "--env=dev"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        shown = read_until(process, "Then run e.g.", 120)
        endpoint = re.search(r"export AWS_ENDPOINT_URL=(http://127\.0\.0\.1:\d+)", shown)
        env_file = re.search(r"source (\S+sandbox\.env)", shown)
        assert endpoint and env_file, shown
        assert "dev         https://dev.taskmanager.internal:" in shown and "CA file: " in shown
        assert "SMOKE_PASSWORD" not in shown and "BASIC_AUTH" not in shown
        assert stat.S_IMODE(Path(env_file.group(1)).stat().st_mode) == 0o600
        rds = boto3.client("rds", endpoint_url=endpoint.group(1), region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        names = [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]]
        assert names == ["dev-taskmanager-db"]
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "envmatrix sandbox: stopped" in rest
    assert not Path(env_file.group(1)).exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(endpoint.group(1).rsplit(":", 1)[1])), timeout=2).close()
