"""An environment that is not selected is not an input of the run: its missing env file stops nothing."""

from __future__ import annotations

import pytest

from tests.conftest import Project, assert_one_usage_error


def test_another_environments_missing_env_file_is_not_a_collection_error(project: Project) -> None:
    """--env=dev with staging.env gone: collection (the drift checks' variables) goes on; the one check that
    compares staging's file (parity) fails naming it, in one line."""
    project.env_file("staging").unlink()
    outcome = project.run("--env=dev", "-m", "parity or drift", "--collect-only", "-q")
    assert outcome.returncode == pytest.ExitCode.OK, outcome.output
    assert "test_drift_app_env[ENVIRONMENT-dev]" in outcome.output
    outcome = project.run("--env=dev", "-m", "parity")
    assert outcome.returncode == pytest.ExitCode.TESTS_FAILED, outcome.output
    assert set(outcome.failed) == {"PARITY-ENV-KEYS[dev]"}
    assert "staging.env: cannot read: No such file or directory" in outcome.failed["PARITY-ENV-KEYS[dev]"]
    assert "Traceback" not in outcome.output


def test_the_selected_environments_missing_env_file_is_one_usage_error(project: Project) -> None:
    project.env_file("staging").unlink()
    assert_one_usage_error(project.run("--env=staging", "-m", "parity or drift"),
                           ("env file", "staging.env", "cannot read"))


def test_an_input_error_while_generating_tests_is_one_usage_error(project: Project) -> None:
    """A check module that reads a declared file to generate its tests (as the drift checks do) and meets a bad
    one: exit 4 and one line, as a bad input at start-up, not a collection traceback (exit 2)."""
    (project.path / "checks" / "declared" / "test_generated.py").write_text(
        "from envmatrix.errors import EnvFileError\n\n"
        "def pytest_generate_tests(metafunc):\n"
        "    raise EnvFileError('fixtures/env/qa.env', 'cannot read: No such file or directory')\n\n"
        "def test_generated():\n    pass\n")
    assert_one_usage_error(project.run("--env=dev", "-m", "declared"),
                           ("env file fixtures/env/qa.env: cannot read: No such file or directory",))
