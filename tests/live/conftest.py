"""Fixtures of the live-layer tests: one provisioned sandbox per session, runs of the suite pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from envmatrix.context import Paths, Suite
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS

ROOT = Path(__file__).resolve().parents[2]


def repo_suite(reports: Path) -> Suite:
    """A Suite over the repository's own spec, tfvars and env files."""
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports)
    return Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))


@pytest.fixture(scope="session")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The sandbox (moto server on loopback, all three environments provisioned), shared by the session."""
    from envmatrix.sandbox.aws import start_aws

    workdir = tmp_path_factory.mktemp("live-sandbox")
    saved = os.environ.get("MOTO_RECORDER_FILEPATH")
    os.environ["MOTO_RECORDER_FILEPATH"] = str(workdir / "moto_recording")  # inherited by the server process
    try:
        running = start_aws(repo_suite(workdir / "reports"))
    finally:
        if saved is None:
            os.environ.pop("MOTO_RECORDER_FILEPATH", None)
        else:
            os.environ["MOTO_RECORDER_FILEPATH"] = saved
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _github_everywhere(github_env: None) -> None:
    """Every run of the live checks here reads approvals from the GitHub stand-in (tests/conftest.py)."""


@pytest.fixture
def aws_env(live_sandbox: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point boto3 (this process and its children) at the sandbox, with fake credentials."""
    variables: dict[str, str] = live_sandbox.env_vars()  # type: ignore[attr-defined]
    offline_aws(monkeypatch)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


def offline_aws(monkeypatch: pytest.MonkeyPatch, endpoint: str = "http://127.0.0.1:9") -> None:
    """Make real AWS unreachable by mistake: loopback endpoint, fake keys, no profile files, no metadata."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "ENVMATRIX_AWS_CALL_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/envmatrix-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/envmatrix-test-credentials")


def suite_args(reports: Path, *extra: str) -> list[str]:
    """Arguments running the repository's checks with reports in ``reports``."""
    return [str(ROOT / "checks"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
            f"--reports-dir={reports}", "-p", "no:randomly", *extra]
