"""The sandbox plays the deployment, not the auditor: a spec changed in one expected value turns exactly its checks red.

One sandbox is provisioned from the unchanged tfvars, env files and world file; only the spec copy changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.live.conftest import ROOT, offline_aws, repo_suite, suite_args

#: (environment, path in the spec, new value) -> the checks that must fail, and nothing else.
CASES: list[tuple[str, tuple[str, ...], Any, set[str]]] = [
    ("production", ("database", "backup_retention_days"), 35, {"test_db_backup_retention[production]"}),
    ("staging", ("logging", "retention_days"), 14, {"test_log_retention[staging]"}),
    ("production", ("secrets", "rotation", "database-url"), 60, {"test_secrets_rotation[production]"}),
    ("staging", ("monitoring", "alerting"), True, {"test_mon_alarms[staging]"}),
    ("dev", ("monitoring", "container_insights"), True, {"test_mon_container_insights[dev]"}),
    ("production", ("app", "cors_origins"), ["https://taskmanager.com", "https://app.taskmanager.com"],
     {"test_app_cors_origins[production]"}),
    ("staging", ("database", "instance_class"), "db.t3.xlarge", {"test_db_instance_class[staging]"}),
    ("staging", ("security", "waf"), True, {"test_waf_associated[staging]"}),
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from envmatrix.sandbox.aws import start_aws

    running = start_aws(repo_suite(tmp_path_factory.mktemp("independence")))
    yield running
    running.stop()


def _changed_spec(tmp_path: Path, env: str, path: tuple[str, ...], value: Any) -> Path:
    spec = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    node = spec["environments"][env]
    for key in path[:-1]:
        node = node[key]
    assert node[path[-1]] != value
    node[path[-1]] = value
    copy = tmp_path / "matrix.yaml"
    copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    return copy


@pytest.mark.parametrize(("env", "path", "value", "red"), CASES, ids=[f"{c[0]}-{'.'.join(c[1])}" for c in CASES])
def test_a_changed_expectation_turns_exactly_its_checks_red(
    pytester: pytest.Pytester, sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    env: str, path: tuple[str, ...], value: Any, red: set[str],
) -> None:
    offline_aws(monkeypatch)
    for name, setting in sandbox.env_vars().items():
        monkeypatch.setenv(name, setting)
    spec = _changed_spec(tmp_path, env, path, value)
    result = pytester.runpytest(*suite_args(tmp_path / "reports", f"--env={env}", f"--spec={spec}",
                                            "-m", "live or drift"))
    reports = result.reprec.getfailures()  # type: ignore[attr-defined]
    failed = {report.nodeid.split("::")[-1] for report in reports if report.when == "call"}
    assert failed == red, result.stdout.str()[-3000:]
    assert result.parseoutcomes().get("passed", 0) > 20
