"""The jobs end to end on the embedded sandbox: the gate's verdict, and drift reporting a change between runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from envmatrix.catalog import ROWS

from .conftest import ROOT
from .test_report_jobs import tox_command


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped project (every layer's checks, smoke tests, fixtures) that a test may break."""
    for name in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    env.pop("ENVIRONMENT", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--sandbox", "--no-allure",
                           *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)


def _set(project: Path, env: str, key: str, value: str) -> None:
    path = project / "fixtures" / "tfvars" / env / "terraform.tfvars"
    lines = [f"{key} = {value}" if line.split("=")[0].strip() == key else line
             for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")


def _verdict(project: Path) -> str:
    return (project / "reports" / "gate.txt").read_text().splitlines()[0]


def test_gate_on_the_sandbox(shipped: Path) -> None:
    ok = _run(shipped, *tox_command("gate"))
    assert ok.returncode == 0, ok.stdout[-3000:]
    assert _verdict(shipped).startswith("GATE: PASS — ") and _verdict(shipped) in ok.stdout
    ran = {(r["environment"], r["layer"]) for r in json.loads((shipped / "reports/matrix.json").read_text())["results"]}
    assert ran == {("staging", "declared"), ("staging", "live"), ("staging", "drift"), ("staging", "smoke"),
                   ("production", "declared"), ("production", "parity")}
    _cells_say_what_was_observed(json.loads((shipped / "reports/matrix.json").read_text()))

    _set(shipped, "production", "db_backup_retention_days", "7")
    bad = _run(shipped, *tox_command("gate"))
    assert bad.returncode == 1, bad.stdout[-3000:]
    assert _verdict(shipped).startswith("GATE: FAIL — ") and ", 1 failures, " in _verdict(shipped)
    assert ("gate: production DB-BACKUP-RETENTION (declared) fail: production DB-BACKUP-RETENTION "
            "terraform.tfvars.db_backup_retention_days: expected 30, got 7") in bad.stdout


#: Rows whose evidence the shipped live and smoke checks observe on staging (the Data row since issue 23's checks).
OBSERVED_ON_STAGING = ("uptime_sla", "data", "database", "auto_scaling", "debug_mode", "log_level", "jwt_expiration",
                       "email_verification", "rate_limiting", "backups", "deployment", "cost_per_month", "security",
                       "access", "configuration")


def _cells_say_what_was_observed(model: dict[str, Any]) -> None:
    """Staging ran every layer: its observed rows are green. Production ran files only: never green."""
    cells = {row["id"]: row["cells"] for row in model["rows"]}
    assert list(cells) == list(ROWS) and cells["cost_per_month"]["production"]["documented"] == "~$2,200-$5,500"
    staging = {row: cell["staging"]["status"] for row, cell in cells.items() if row in OBSERVED_ON_STAGING}
    assert staging == dict.fromkeys(OBSERVED_ON_STAGING, "pass"), staging
    assert "anonymized" in cells["data"]["staging"]["figure"], "the Data row says what was seen"
    production = {row: cell["production"]["status"] for row, cell in cells.items()}
    assert "pass" not in production.values(), production
    assert production["database"] == production["backups"] == production["debug_mode"] == "declared"
    assert cells["backups"]["production"]["reason"] == "no live or smoke evidence of this row ran here"


def test_a_declared_only_run_is_never_green(shipped: Path) -> None:
    done = _run(shipped, "--env=all", "-m", "declared")
    assert done.returncode == 0, done.stdout[-3000:]
    model = json.loads((shipped / "reports" / "matrix.json").read_text())
    statuses = {(row["id"], env): cell["status"] for row in model["rows"] for env, cell in row["cells"].items()}
    assert len(statuses) == len(ROWS) * 3 and "pass" not in statuses.values()
    assert statuses[("backups", "production")] == statuses[("database", "staging")] == "declared"
    markdown = (shipped / "reports" / "matrix.md").read_text()
    assert "| <a id=\"row-cost-per-month\"></a>**Cost/Month** | ▫️ **\\~\\$80** · 0 checks · " in markdown
    assert "📄 **30 days** · 3 checks · _no live or smoke evidence of this row ran here_" in markdown
    html = (shipped / "reports" / "matrix.html").read_text()
    assert 'data-row="cost_per_month" data-status="not-checked"' in html and ">Cost/Month</a>" in html


def test_drift_reports_what_changed_between_two_runs(shipped: Path) -> None:
    _set(shipped, "production", "log_retention_days", "60")
    first = _run(shipped, *tox_command("drift"), "-k", "production")
    assert first.returncode == 1, first.stdout[-3000:]
    assert "production: no previous snapshot to compare with (first run?)" in first.stdout
    _set(shipped, "production", "log_retention_days", "30")
    second = _run(shipped, *tox_command("drift"), "-k", "production")
    assert second.returncode == 0, second.stdout[-3000:]
    changes = json.loads((shipped / "reports" / "changes.json").read_text())
    settings = [c for c in changes["items"] if c["kind"] == "setting"]
    assert settings and all(c["before"] == "60" and c["after"] == "30" for c in settings), settings
    assert any(c["path"].startswith("logs.") for c in settings)
    assert f"  production changed {settings[0]['path']}: 60 -> 30" in second.stdout
