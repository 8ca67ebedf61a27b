"""Report files are replaced atomically, and concurrent runs with different --reports-dir do not clash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envmatrix.files import write_text_atomic

from .conftest import ReportProject


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "matrix.html"
    write_text_atomic(target, "complete old report")

    def crash(_src: str, _dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("envmatrix.files.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, "half of a new report")
    assert target.read_text() == "complete old report"
    assert [p.name for p in tmp_path.iterdir()] == ["matrix.html"]


def test_concurrent_runs_with_different_reports_dirs(report_project: ReportProject) -> None:
    """Two real processes at once, each with its own --reports-dir: each report is complete and its own."""
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    runs = {
        name: subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--env={name}",
                                f"--reports-dir=out-{name}", "-q"], cwd=report_project.path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in ("staging", "production")
    }
    codes = {name: proc.wait(timeout=300) for name, proc in runs.items()}
    assert codes == {"staging": 0, "production": 1}
    for name in runs:
        folder = report_project.path / f"out-{name}"
        model = json.loads((folder / "matrix.json").read_text())
        assert model["environments"] == [name]
        assert {r["environment"] for r in model["results"]} == {name}
        assert not [p for p in folder.rglob("*.tmp")]
        results = [json.loads(p.read_text()) for p in (folder / "allure-results").glob("*-result.json")]
        assert len(results) == model["summary"]["checks"]
    assert not (report_project.path / "reports").exists()
