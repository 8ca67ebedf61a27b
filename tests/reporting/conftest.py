"""Report tests: a scratch project with the shipped declared/parity checks plus scripted fake layers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import forget_scratch_modules

ROOT = Path(__file__).resolve().parents[2]

# Stand-ins for the live, drift and smoke layers: each check's outcome is scripted through control.json
# ("pass", "fail", "infra", "skip", "error") so a test can put exactly one thing wrong.
FAKE_CHECKS = '''
"""Fake live/drift/smoke checks for the report tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envmatrix import Environment, check
from envmatrix.errors import InventoryUnavailable
from envmatrix.wording import Figure, days

CONTROL = Path(__file__).with_name("control.json")


def _run(env: Environment, resource: str, setting: str, expected: object) -> None:
    assert env.info is not None
    modes = json.loads(CONTROL.read_text()) if CONTROL.exists() else {}
    mode = modes.get(f"{env.info.layer}:{env.info.id}[{env.name}]", "pass")
    if isinstance(mode, dict):  # what AWS or the service answered, verbatim (test_report_escape's hostile values)
        if "reason" in mode:
            raise InventoryUnavailable(env.name, mode.get("resource", resource), mode["reason"])
        env.expect(mode.get("resource", resource), setting, expected, mode["actual"])
        return
    if mode == "infra":
        raise InventoryUnavailable(env.name, resource, "connect timeout on 127.0.0.1:9 (fake)")
    if mode == "skip":
        pytest.skip("fake: could not run")
    if mode == "error":
        raise KeyError("fake bug")
    env.expect(resource, setting, expected, expected if mode == "pass" else "WRONG")


@check("DB-BACKUP-RETENTION", layer="live", area="backups", row="backups", severity="critical",
       evidence=True, figure=Figure("BackupRetentionPeriod", days()))
def test_db_backup_retention(env: Environment) -> None:
    _run(env, f"rds:{env.name}-taskmanager-db", "BackupRetentionPeriod", env.spec.database.backup_retention_days)


@check("DRIFT-DB-BACKUP-RETENTION", layer="drift", area="backups", row="backups", severity="high")
def test_drift_db_backup_retention(env: Environment) -> None:
    _run(env, "db_backup_retention_days", "live", env.tfvars.db_backup_retention_days)


@check("APP-DEBUG", layer="smoke", area="flags", row="debug_mode", severity="high", evidence=True)
def test_app_debug(env: Environment) -> None:
    _run(env, "GET /api/v1/does-not-exist", "traceback_in_body", env.spec.app.debug)


@check("SECRET-TOKEN-ECHO", layer="smoke", area="security", row="security", severity="critical",
       evidence=True)
def test_secret_token_echo(env: Environment) -> None:
    _run(env, "POST /api/v1/auth/login", "access_token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbW9rZSJ9.c2lnbmF0dXJlc2ln")
'''


class ReportProject:
    """A copy of the shipped fixtures and declared/parity checks, plus the fake layers above."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path
        shutil.copytree(ROOT / "fixtures", self.path / "fixtures")
        checks = self.path / "checks"
        checks.mkdir()
        (checks / "__init__.py").write_text("")
        for layer in ("declared", "parity"):
            shutil.copytree(ROOT / "checks" / layer, checks / layer, ignore=shutil.ignore_patterns("__pycache__"))
        (checks / "fake").mkdir()
        (checks / "fake" / "__init__.py").write_text("")
        (checks / "fake" / "test_fake_layers.py").write_text(FAKE_CHECKS)
        shutil.copy(ROOT / "pyproject.toml", self.path / "pyproject.toml")
        self.reports = self.path / "reports"

    def script(self, **modes: str | dict[str, str]) -> None:
        """script(**{"live:DB-BACKUP-RETENTION[production]": "fail"})"""
        (self.path / "checks" / "fake" / "control.json").write_text(json.dumps(modes))

    def set_tfvar(self, env: str, key: str, value: str) -> None:
        path = self.path / "fixtures" / "tfvars" / env / "terraform.tfvars"
        lines = [f"{key} = {value}" if line.split("=")[0].strip() == key else line
                 for line in path.read_text().splitlines()]
        path.write_text("\n".join(lines) + "\n")

    def run(self, *args: str) -> pytest.RunResult:
        forget_scratch_modules()
        return self.pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)

    def matrix(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.reports / "matrix.json").read_text())
        return data

    def cell(self, row: str, env: str) -> dict[str, Any]:
        rows = {r["id"]: r for r in self.matrix()["rows"]}
        cell: dict[str, Any] = rows[row]["cells"][env]
        return cell


@pytest.fixture
def report_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> ReportProject:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    for name in ("ENVMATRIX_REPORTS", "ENVMATRIX_SPEC", "ENVMATRIX_TFVARS_ROOT", "ENVMATRIX_ENV_ROOT",
                 "ENVMATRIX_WAIVERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    return ReportProject(pytester)
