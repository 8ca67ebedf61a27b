"""No secret leaves (declared and parity layers): canaries in the env files never reach any output."""

from __future__ import annotations

import pytest

from tests.conftest import Outcome, Project
from tests.hardening import canaries

VERBOSE = ("-vv", "-rA", "--tb=long", "--showlocals", "-o", "log_cli=true", "--log-cli-level=DEBUG")


def _plant(project: Project, env: str) -> None:
    for key, line in canaries.ENV_LINES.items():
        project.set_line(project.env_file(env), key, line)


def _assert_no_leak(project: Project, outcome: Outcome) -> None:
    texts: dict[str, str | bytes] = {"stdout/stderr": outcome.output, **canaries.outputs_under(project.path)}
    leaks = canaries.find_leaks(texts)
    assert not leaks, "\n".join(f"{leak.canary} in {leak.where}: ...{leak.context}..." for leak in leaks)


@pytest.fixture
def planted(project: Project) -> Project:
    for env in ("dev", "staging", "production"):
        _plant(project, env)
    return project


def test_forced_failures_print_no_canary(planted: Project) -> None:
    outcome = planted.run("--env=all", "-m", "declared or parity", *VERBOSE)
    assert outcome.returncode == 1, outcome.output
    # The failures really happened, in the checks that read the canaries.
    for key in ("SECRETS-PLACEHOLDERS[production]", "SECRETS-PLACEHOLDERS[staging]",
                "SECRETS-NO-LITERALS[production]", "APP-CORS-ORIGINS[production]"):
        assert key in outcome.failed, sorted(outcome.failed)
    assert "SECRETS-NO-LITERALS[dev]" in outcome.xfailed  # waived findings carry evidence too
    reports = planted.path / "reports"
    assert (reports / "matrix.json").exists() and any((reports / "allure-results").iterdir())
    _assert_no_leak(planted, outcome)


# SECRETS-PLACEHOLDERS stops at the first literal it meets, so each secret gets a run where it is that first one.
@pytest.mark.parametrize("key", ["JWT_SECRET_KEY", "DATADOG_API_KEY", "SMTP_PASSWORD", "CELERY_BROKER_URL",
                                 "OAUTH_GITHUB_CLIENT_SECRET"])
def test_each_literal_secret_as_the_reported_failure(project: Project, key: str) -> None:
    project.set_line(project.env_file("production"), key, canaries.ENV_LINES[key])
    outcome = project.run("--env=production", "-m", "declared and security", *VERBOSE)
    assert f"production.env.{key}: expected <from-secrets-manager>, got " in outcome.failed[
        "SECRETS-PLACEHOLDERS[production]"], outcome.output
    _assert_no_leak(project, outcome)


def test_forced_failures_print_no_canary_under_xdist(planted: Project) -> None:
    outcome = planted.run("--env=production,staging", "-m", "declared and security", "-p", "xdist", "-n", "2",
                          *VERBOSE)
    assert outcome.returncode == 1, outcome.output
    assert "SECRETS-PLACEHOLDERS[production]" in outcome.failed
    _assert_no_leak(planted, outcome)


def test_the_canaries_would_be_found(planted: Project) -> None:
    """Control: the scanner sees a canary where one is written, so an empty result above means something."""
    (planted.path / "reports").mkdir(exist_ok=True)
    (planted.path / "reports" / "leak.txt").write_text(f"token={canaries.JWT_SECRET}")
    leaks = canaries.find_leaks({**canaries.outputs_under(planted.path)})
    assert [(leak.canary, leak.where) for leak in leaks] == [(canaries.JWT_SECRET, "reports/leak.txt")]
