"""The sandbox plays the deployment, not the auditor: a spec changed in one expected value turns exactly its checks red.

One sandbox is provisioned from the unchanged tfvars, env files and world file, and handed a spec with every
case's change applied at once: provisioning must not follow it. Only the spec the checks read changes per case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from envmatrix.context import Paths, Suite
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.live.conftest import ROOT, offline_aws, suite_args

pytestmark = pytest.mark.usefixtures("github_env")  # the approval checks read the GitHub stand-in

#: (environment, path in the spec, new value) -> the checks that must fail, and nothing else.
CASES: list[tuple[str, tuple[str, ...], Any, set[str]]] = [
    ("production", ("database", "backup_retention_days"), 35, {"test_db_backup_retention[production]"}),
    ("staging", ("logging", "retention_days"), 14, {"test_log_retention[staging]"}),
    ("production", ("secrets", "rotation", "database-url"), 60, {"test_secrets_rotation[production]"}),
    ("staging", ("monitoring", "alerting"), True,
     {"test_mon_alarms[staging]", "test_mon_alert_subscriptions[staging]"}),
    ("dev", ("monitoring", "container_insights"), True, {"test_mon_container_insights[dev]"}),
    ("production", ("app", "cors_origins"), ["https://taskmanager.com", "https://app.taskmanager.com"],
     {"test_app_cors_origins[production]"}),
    ("staging", ("database", "instance_class"), "db.t3.xlarge", {"test_db_instance_class[staging]"}),
    ("dev", ("security", "waf"), True, {"test_waf_associated[dev]"}),
    ("production", ("access", "admin_access"), "allow-list", {"test_access_admin_paths[production]"}),
]


def _changed_spec(folder: Path, changes: list[tuple[str, tuple[str, ...], Any]]) -> Path:
    spec = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    for env, path, value in changes:
        node = spec["environments"][env]
        for key in path[:-1]:
            node = node[key]
        assert node[path[-1]] != value
        node[path[-1]] = value
    copy = folder / "matrix.yaml"
    copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    return copy


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The sandbox, provisioned by a Suite whose spec differs in every case's value (it must not matter)."""
    from envmatrix.sandbox.aws import start_aws

    folder = tmp_path_factory.mktemp("independence")
    decoy = _changed_spec(folder, [case[:3] for case in CASES])
    paths = Paths(decoy, ROOT / "fixtures/tfvars", ROOT / "fixtures/env", ROOT / "fixtures/waivers.yaml",
                  folder / "reports")
    running = start_aws(Suite(spec=load_spec(decoy), paths=paths, selected=list(SHIPPED_ENVIRONMENTS)))
    yield running
    running.stop()


def _failed_run(pytester: pytest.Pytester, sandbox: Any, monkeypatch: pytest.MonkeyPatch, reports: Path,
                *args: str, layers: str = "live or drift") -> tuple[set[str], pytest.RunResult]:
    offline_aws(monkeypatch)
    for name, setting in sandbox.env_vars().items():
        monkeypatch.setenv(name, setting)
    result = pytester.runpytest(*suite_args(reports, *args, "-m", layers))
    reports_ = result.reprec.getfailures()  # type: ignore[attr-defined]
    return {report.nodeid.split("::")[-1] for report in reports_ if report.when == "call"}, result


def test_the_unchanged_spec_is_green_with_the_seed_contradictions_waived(
    pytester: pytest.Pytester, sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    failed, result = _failed_run(pytester, sandbox, monkeypatch, tmp_path / "reports", "--env=all",
                                 layers="declared or live or drift")
    assert failed == set(), result.stdout.str()[-3000:]
    assert result.parseoutcomes().get("passed", 0) > 300
    logged = result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
    waived = {report.nodeid.split("checks/")[-1] for report in logged if hasattr(report, "wasxfail")}
    # The dev tfvars' scaling ranges, deployed, are scalable targets: the matrix's "Disabled" fails live too.
    assert {"declared/test_sla.py::test_auto_scaling[dev]", "live/test_sla.py::test_auto_scaling[dev]",
            "live/test_sla.py::test_ecs_worker_capacity[production]"} <= waived


@pytest.mark.parametrize(("env", "path", "value", "red"), CASES, ids=[f"{c[0]}-{'.'.join(c[1])}" for c in CASES])
def test_a_changed_expectation_turns_exactly_its_checks_red(
    pytester: pytest.Pytester, sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    env: str, path: tuple[str, ...], value: Any, red: set[str],
) -> None:
    spec = _changed_spec(tmp_path, [(env, path, value)])
    failed, result = _failed_run(pytester, sandbox, monkeypatch, tmp_path / "reports", f"--env={env}",
                                 f"--spec={spec}")
    assert failed == red, result.stdout.str()[-3000:]
    assert result.parseoutcomes().get("passed", 0) > 20
