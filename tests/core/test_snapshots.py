"""envmatrix.snapshots: the one store every source's snapshot goes through (AWS per environment, GitHub per run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filelock import FileLock
from pydantic import BaseModel

from envmatrix.errors import EnvmatrixError
from envmatrix.snapshots import SnapshotFile


class Reading(BaseModel):
    run_id: str
    value: str


def _file(tmp_path: Path, timeout: float = 5.0) -> SnapshotFile[Reading]:
    return SnapshotFile(tmp_path / "snapshots" / "x.json", Reading, lock_timeout=timeout, waiting="x: timed out on")


def test_each_run_takes_the_snapshot_once(tmp_path: Path) -> None:
    taken: list[str] = []

    def take(run_id: str) -> Reading:
        taken.append(run_id)
        return Reading(run_id=run_id, value=f"seen by {run_id}")

    assert _file(tmp_path).shared("run-1", lambda: take("run-1")).value == "seen by run-1"
    assert _file(tmp_path).shared("run-1", lambda: take("run-1")).value == "seen by run-1"  # another worker
    assert _file(tmp_path).shared("run-2", lambda: take("run-2")).value == "seen by run-2"  # the next run
    assert taken == ["run-1", "run-2"]


def test_the_file_is_scrubbed_sorted_json(tmp_path: Path) -> None:
    path = _file(tmp_path).write(Reading(run_id="run-1", value="token ghp_" + "a" * 36))
    text = path.read_text()
    assert text.endswith("}\n") and "ghp_" not in text
    assert list(json.loads(text)) == ["run_id", "value"] and text.startswith('{\n  "run_id"')


def test_an_unreadable_or_foreign_file_is_not_used(tmp_path: Path) -> None:
    file = _file(tmp_path)
    file.path.parent.mkdir()
    file.path.write_text("{not json")
    assert file.read() is None and file.of_run("run-1") is None
    file.write(Reading(run_id="run-0", value="old"))
    assert file.of_run("run-1") is None and file.of_run("run-0") == Reading(run_id="run-0", value="old")
    assert file.shared("run-1", lambda: Reading(run_id="run-1", value="new")).value == "new"


def test_a_held_lock_times_out_with_the_sources_message(tmp_path: Path) -> None:
    file = _file(tmp_path, timeout=0.05)
    file.path.parent.mkdir()
    with FileLock(f"{file.path}.lock"), pytest.raises(EnvmatrixError, match=r"x: timed out on .*x\.json\.lock"):
        file.shared("run-1", lambda: Reading(run_id="run-1", value="never"))
