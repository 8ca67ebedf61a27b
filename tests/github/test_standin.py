"""The sandbox's GitHub stand-in: answers in GitHub's published shapes; its faults turn exactly their checks red."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from envmatrix.github import GithubSettings, take_github_snapshot
from envmatrix.sandbox.github_api import start_github
from envmatrix.sandbox.world import GithubRepository, default_world
from tests.faults.github import GITHUB_FAULTS, GITHUB_VARIANTS, GithubFault, GithubVariant
from tests.github.schema import ENVIRONMENT_OP, PROTECTION_OP, problems
from tests.shapes.harness import judge, repo_suite

ROOT = Path(__file__).resolve().parents[2]
MODULE = "checks/live/test_approvals.py"
CHECKS = ("GH-ENVIRONMENT-REVIEWERS", "GH-BRANCH-REVIEWS", "GH-BRANCH-STATUS-CHECKS")


def _world() -> GithubRepository:
    found = default_world().github
    assert found is not None
    return found


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA(organization_name="envmatrix test CA")
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    return authority, bundle


def _start(repository: GithubRepository, ca: tuple[trustme.CA, Path], workdir: Path) -> tuple[object, dict[str, str]]:
    server, env_vars = start_github(repository, ca[0], workdir)
    server.wait_started()
    return server, env_vars


@pytest.fixture(scope="module")
def standin(ca: tuple[trustme.CA, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    server, env_vars = _start(_world(), ca, tmp_path_factory.mktemp("github"))
    yield {**env_vars, "ENVMATRIX_CA_BUNDLE": str(ca[1])}
    server.stop()  # type: ignore[attr-defined]


def _settings(env_vars: dict[str, str]) -> GithubSettings:
    return GithubSettings(env_vars["ENVMATRIX_GITHUB_API_URL"], "sandbox", env_vars["ENVMATRIX_GITHUB_REPOSITORY"],
                          "sandbox", env_vars["ENVMATRIX_GITHUB_TOKEN"], "$ENVMATRIX_GITHUB_TOKEN",
                          env_vars["ENVMATRIX_CA_BUNDLE"], "$ENVMATRIX_CA_BUNDLE")


def _verdicts(env_vars: dict[str, str]) -> dict[str, str]:
    suite = repo_suite()
    snapshot = take_github_snapshot(_settings(env_vars), [suite.spec.env("production").approvals], "run")  # type: ignore[list-item]
    suite.sources.github = lambda _env: snapshot
    return {check_id: judge(MODULE, check_id, "production", snapshot=None, suite=suite).message  # type: ignore[arg-type]
            for check_id in CHECKS}


def test_answers_match_githubs_published_schemas(standin: dict[str, str]) -> None:
    base, repo, token = (standin[key] for key in ("ENVMATRIX_GITHUB_API_URL", "ENVMATRIX_GITHUB_REPOSITORY",
                                                   "ENVMATRIX_GITHUB_TOKEN"))
    headers = {"Authorization": f"Bearer {token}"}
    trust = ssl.create_default_context(cafile=standin["ENVMATRIX_CA_BUNDLE"])
    with httpx.Client(base_url=base, verify=trust, headers=headers) as client:
        for path, operation, status in [
            (f"/repos/{repo}/environments/production", ENVIRONMENT_OP, 200),
            (f"/repos/{repo}/environments/staging", ENVIRONMENT_OP, 200),
            (f"/repos/{repo}/environments/nowhere", ENVIRONMENT_OP, 404),
            (f"/repos/{repo}/branches/main/protection", PROTECTION_OP, 200),
            (f"/repos/{repo}/branches/feature/protection", PROTECTION_OP, 404),
        ]:
            response = client.get(path)
            assert response.status_code == status, path
            assert problems(operation, status, response.json()) == [], path
        assert client.get(f"/repos/{repo}/branches/feature/protection").json()["message"] == "Branch not protected"
        unauthenticated = client.get(f"/repos/{repo}/branches/main/protection", headers={"Authorization": ""})
    assert (unauthenticated.status_code, unauthenticated.json()["message"]) == (401, "Bad credentials")


def test_sandbox_world_is_green(standin: dict[str, str]) -> None:
    assert _verdicts(standin) == dict.fromkeys(CHECKS, "")


@pytest.mark.parametrize("fault", GITHUB_FAULTS, ids=lambda fault: fault.id)
def test_fault_turns_exactly_its_checks_red(fault: GithubFault, ca: tuple[trustme.CA, Path], tmp_path: Path) -> None:
    server, env_vars = _start(fault.change(_world()), ca, tmp_path)
    try:
        result = _verdicts({**env_vars, "ENVMATRIX_CA_BUNDLE": str(ca[1])})
    finally:
        server.stop()  # type: ignore[attr-defined]
    assert {check_id for check_id, message in result.items() if message} == fault.expected, result
    for check_id in fault.expected:
        assert result[check_id].startswith(f"production {check_id} github-"), result[check_id]
        assert f".{fault.where}: expected " in result[check_id]


@pytest.mark.parametrize("variant", GITHUB_VARIANTS, ids=lambda variant: variant.id)
def test_conforming_variant_stays_green(variant: GithubVariant, ca: tuple[trustme.CA, Path], tmp_path: Path) -> None:
    server, env_vars = _start(variant.change(_world()), ca, tmp_path)
    try:
        assert _verdicts({**env_vars, "ENVMATRIX_CA_BUNDLE": str(ca[1])}) == dict.fromkeys(CHECKS, "")
    finally:
        server.stop()  # type: ignore[attr-defined]


def test_session_against_standin_reports_and_never_shows_the_token(standin: dict[str, str], tmp_path: Path) -> None:
    """A real pytest session: the checks pass, the GitHub snapshot is kept in reports/, the token is nowhere."""
    reports = tmp_path / "reports"
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("ENVMATRIX_", "GITHUB_"))}
    environ.update(standin)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / MODULE), "--env=production", "--reports-dir", str(reports),
         "-p", "no:randomly", "-p", "no:xdist", "-rA", "--junitxml", str(reports / "junit.xml")],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "3 passed" in output
    snapshot = reports / "snapshots" / "github.json"
    assert '"required_reviewers"' in snapshot.read_text(encoding="utf-8")
    token = standin["ENVMATRIX_GITHUB_TOKEN"]
    assert token not in output
    for path in (path for path in reports.rglob("*") if path.is_file()):
        assert token not in path.read_text(encoding="utf-8", errors="replace"), path


def test_sandbox_option_points_the_checks_at_the_standin(tmp_path: Path) -> None:
    """``--sandbox`` starts the stand-in beside the reference services and exports where it is."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("ENVMATRIX_", "GITHUB_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / MODULE), "--env=production", "--sandbox", "-p", "no:randomly",
         "-p", "no:xdist", "--reports-dir", str(tmp_path / "reports"), "-rA"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=180, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "3 passed" in output
    assert ("envmatrix github: taskmanager-org/taskmanager ($ENVMATRIX_GITHUB_REPOSITORY) at https://127.0.0.1:"
            in output)
    assert "envmatrix github: snapshot" in output and "(2 GitHub calls" in output
