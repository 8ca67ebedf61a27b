"""Every file the suite writes goes through envmatrix.files: atomic, unpredictable temporaries, never via a link."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from envmatrix import files
from envmatrix.aws import guard
from envmatrix.aws.snapshot import Snapshot, unavailable_snapshot
from envmatrix.aws.store import snapshot_file
from envmatrix.config import ProjectConfig, env_names
from envmatrix.errors import InventoryUnavailable, OutputError
from envmatrix.files import append_line, copy_file_atomic, write_text_atomic
from envmatrix.reporting.model import Matrix
from envmatrix.reporting.output import write_reports
from envmatrix.starter import write_starter

PRECIOUS = "precious: must never be overwritten by a report\n"


def _snapshot(run_id: str = "run-1") -> Snapshot:
    reason = InventoryUnavailable("production", "session", "no credentials (test)")
    return unavailable_snapshot("production", env_names(ProjectConfig(), "production"), run_id, reason)


@pytest.fixture
def precious(tmp_path: Path) -> Path:
    """A file elsewhere that a planted link points at."""
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_text(PRECIOUS)
    return path


def test_a_link_at_a_snapshot_is_not_written_through(tmp_path: Path, precious: Path) -> None:
    file = snapshot_file(tmp_path / "reports", "production")
    path = file.path
    path.parent.mkdir(parents=True)
    path.symlink_to(precious)
    with pytest.raises(OutputError, match=rf"cannot write {path}: is a symbolic link"):
        file.write(_snapshot())
    assert precious.read_text() == PRECIOUS and path.is_symlink()
    assert [p.name for p in path.parent.iterdir()] == ["production.json"]  # no temporary left behind

EMPTY_MATRIX = Matrix(meta={}, environments=[], long_names={}, layers={}, summary={}, statuses=[], rows=[],
                      failures=[], results=[], evidence_catalogue=None)


def test_a_link_at_a_matrix_report_is_not_written_through(tmp_path: Path, precious: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "matrix.json").symlink_to(precious)
    with pytest.raises(OutputError, match="matrix.json: is a symbolic link"):
        write_reports(reports, EMPTY_MATRIX, None)
    assert precious.read_text() == PRECIOUS


def test_a_link_planted_at_the_old_predictable_temporary_name_is_not_used(tmp_path: Path, precious: Path) -> None:
    """Temporaries used to be ``<env>.<pid>.tmp``: a link planted there was written through, then renamed."""
    file = snapshot_file(tmp_path / "reports", "production")
    path = file.path
    path.parent.mkdir(parents=True)
    path.with_suffix(f".{os.getpid()}.tmp").symlink_to(precious)
    file.write(_snapshot())
    assert precious.read_text() == PRECIOUS
    assert not path.is_symlink() and (file.read() or _snapshot("other")).run_id == "run-1"


def test_temporary_names_are_unpredictable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    real_replace = os.replace

    def spy(source: str, target: Any) -> None:
        used.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr("envmatrix.files.os.replace", spy)
    for _ in range(3):
        snapshot_file(tmp_path, "production").write(_snapshot())
    assert len(set(used)) == 3  # a fresh name each time (mkstemp: random, created with O_EXCL)
    assert not [name for name in used if str(os.getpid()) in name]
    assert all(name.startswith(".production.json.") and name.endswith(".tmp") for name in used)


def test_a_failed_write_keeps_the_old_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = snapshot_file(tmp_path, "production")
    path = file.write(_snapshot("run-1"))
    before = path.read_bytes()

    def crash(_source: str, _target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("envmatrix.files.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        file.write(_snapshot("run-2"))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["production.json"]


def test_written_files_are_owner_only(tmp_path: Path) -> None:
    assert stat.S_IMODE(write_text_atomic(tmp_path / "matrix.md", "x").stat().st_mode) == files.PRIVATE_MODE == 0o600
    assert stat.S_IMODE(write_text_atomic(tmp_path / "shared.md", "x", mode=0o640).stat().st_mode) == 0o640


def test_the_call_log_appends_owner_only_and_refuses_a_link(tmp_path: Path, precious: Path) -> None:
    log = tmp_path / "calls.jsonl"
    append_line(log, '{"a": 1}')
    append_line(log, '{"b": 2}')
    assert log.read_text() == '{"a": 1}\n{"b": 2}\n'
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    planted = tmp_path / "planted.jsonl"
    planted.symlink_to(precious)
    with pytest.raises(OutputError, match=rf"cannot write {planted}: is a symbolic link"):
        append_line(planted, '{"c": 3}')
    assert precious.read_text() == PRECIOUS


def test_the_guard_never_logs_through_a_link(tmp_path: Path, precious: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = tmp_path / "calls.jsonl"
    planted.symlink_to(precious)
    monkeypatch.setenv(guard.CALL_LOG_VARIABLE, str(planted))
    with pytest.raises(OutputError, match="is a symbolic link"):
        guard._record("rds", "DescribeDBInstances", {})
    assert precious.read_text() == PRECIOUS
    monkeypatch.setenv(guard.CALL_LOG_VARIABLE, str(tmp_path / "real.jsonl"))
    guard._record("rds", "DescribeDBInstances", {})
    assert json.loads((tmp_path / "real.jsonl").read_text())["operation"] == "DescribeDBInstances"


def test_merged_files_are_copied_without_following_a_link(tmp_path: Path, precious: Path) -> None:
    source = tmp_path / "run" / "production.json"
    source.parent.mkdir()
    source.write_bytes(b'{"new": true}\n')
    target = tmp_path / "merged" / "production.json"
    target.parent.mkdir()
    target.symlink_to(precious)
    with pytest.raises(OutputError, match="is a symbolic link"):
        copy_file_atomic(source, target)
    assert precious.read_text() == PRECIOUS
    target.unlink()
    assert copy_file_atomic(source, target).read_bytes() == b'{"new": true}\n'


def test_init_does_not_write_through_a_dangling_link(tmp_path: Path) -> None:
    """A dangling link does not "exist", so --force is not even needed to reach the write: the writer refuses."""
    elsewhere = tmp_path / "elsewhere.toml"
    config = tmp_path / "envmatrix.toml"
    config.symlink_to(elsewhere)
    with pytest.raises(OutputError, match="envmatrix.toml: is a symbolic link"):
        write_starter(config, "[aws]\n", force=False)
    assert not elsewhere.exists()
