"""First failures of a new user's live run: no credentials, the wrong region. Said once, up front; every check
still fails (closed), each in a few words pointing at that line. No AWS is reached: the endpoint is closed."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.live.conftest import offline_aws, suite_args

NO_ACCESS = "envmatrix live: NO ACCESS for "


def _closed_endpoint() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key in the environment, empty config and credentials files, no instance metadata, a closed endpoint."""
    offline_aws(monkeypatch, _closed_endpoint())
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        empty = tmp_path / name.lower()
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))


def _check_lines(result: pytest.RunResult) -> dict[str, str]:
    reports = result.reprec.getfailures()  # type: ignore[attr-defined]
    return {report.nodeid.split("::")[-1]: str(report.longrepr) for report in reports if report.when == "call"}


def test_no_credentials_is_one_line_up_front_then_every_check_fails_briefly(
        pytester: pytest.Pytester, no_credentials: None, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = pytester.runpytest(*suite_args(reports, "--env=dev", "--env=staging", "-m", "live and not github"))
    lines = result.outlines
    said = [index for index, line in enumerate(lines) if line.startswith(NO_ACCESS)]
    assert len(said) == 2, "\n".join(lines)  # up front and in the summary, naming both environments once
    first = lines[said[0]]
    assert first.startswith(f"{NO_ACCESS}dev, staging: no AWS credentials found (the default chain")
    assert said[0] < next(index for index, line in enumerate(lines) if "checks/live/" in line and "%]" in line)
    failed = _check_lines(result)
    assert failed and "passed" not in result.parseoutcomes() and "skipped" not in result.parseoutcomes()
    for text in failed.values():
        assert text.split(": ", 1)[1] == ("cannot read AWS: no AWS credentials (the default credential chain); "
                                          "see 'envmatrix live: NO ACCESS'"), text
    assert not any("UNAVAILABLE" in line for line in lines)  # not once per section
    header = json.loads((reports / "matrix.json").read_text())["meta"]["target"]
    assert "NO ACCESS (dev, staging): no AWS credentials found" in header


def test_a_profile_names_itself(pytester: pytest.Pytester, no_credentials: None, monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path) -> None:
    """A profile that exists without credentials: the line names it (and never a credential)."""
    config = tmp_path / "aws_config"
    config.write_text("[profile audit]\nregion = us-east-1\n")
    pytester.path.joinpath("envmatrix.toml").write_text('[environments.dev]\nprofile = "audit"\n')
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    result = pytester.runpytest(*suite_args(tmp_path / "reports", "--env=dev", "-m", "live and not github",
                                            f"--envmatrix-config={pytester.path / 'envmatrix.toml'}"))
    assert any(line.startswith(f"{NO_ACCESS}dev: no AWS credentials found (profile audit)")
               for line in result.outlines), result.stdout.str()
    assert all("no AWS credentials (profile audit)" in text for text in _check_lines(result).values())


def test_the_wrong_region_is_said_once_and_the_header_shows_the_region_read(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    offline_aws(monkeypatch, _closed_endpoint())
    config = pytester.path / "envmatrix.toml"
    config.write_text('[environments.dev]\nregion = "eu-west-1"\n')  # the shipped dev tfvars say us-east-1
    reports = tmp_path / "reports"
    result = pytester.runpytest(*suite_args(reports, "--env=dev", "-m", "live and not github",
                                            f"--envmatrix-config={config}"))
    said = [line for line in result.outlines if line.startswith(NO_ACCESS)]
    assert said[0] == (f"{NO_ACCESS}dev: read region eu-west-1 ([environments.dev] region), but this "
                       "environment's tfvars say us-east-1 (aws_region)"), result.stdout.str()
    failed = _check_lines(result)
    assert failed and all("read region eu-west-1" in text for text in failed.values())
    assert not any("expected present" in text for text in failed.values())
    assert "region eu-west-1" in json.loads((reports / "matrix.json").read_text())["meta"]["target"]


def test_unconfigured_github_checks_fail_saying_how_to_configure_or_leave_them_out(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    offline_aws(monkeypatch, _closed_endpoint())
    for name in ("ENVMATRIX_GITHUB_REPOSITORY", "ENVMATRIX_GITHUB_TOKEN", "GITHUB_TOKEN", "ENVMATRIX_GITHUB_API_URL",
                 "ENVMATRIX_GITHUB_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    selected = pytester.runpytest(*suite_args(tmp_path / "a", "--env=production", "-m", "github"))
    failed = _check_lines(selected)
    assert failed and "passed" not in selected.parseoutcomes() and "skipped" not in selected.parseoutcomes()
    for text in failed.values():
        assert "set [github] repository in envmatrix.toml" in text and "$ENVMATRIX_GITHUB_TOKEN" in text, text
        assert '-m "<your selection> and not github"' in text, text
    left_out = pytester.runpytest(*suite_args(tmp_path / "b", "--env=production", "-m", "live and not github"))
    assert not any("test_gh_" in name for name in _check_lines(left_out))
    assert "test_gh_" not in left_out.stdout.str()
