"""``envmatrix history``: open findings oldest first, a finding's timeline, CSV/JSON export, prune."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from envmatrix.cli import main
from envmatrix.history.store import record_and_compare, resolve_url
from tests.history.helpers import night, result


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four nights: staging's finding opens on night 0, production's on night 2, dev's opens and is fixed."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "reports" / "history.sqlite"
    url = resolve_url(str(path), tmp_path)
    hostile = result("production", "fail", actual="\x1b[31m")
    nights = [
        [result("dev", "fail", check_id="DEV-ONLY"), result("staging", "fail"), result("production")],
        [result("dev", check_id="DEV-ONLY"), result("staging", "fail"), result("production")],
        [result("dev", check_id="DEV-ONLY"), result("staging", "fail"), hostile],
        [result("dev", check_id="DEV-ONLY"), result("staging", "fail"), result("production", "fail")],
    ]
    for number, results in enumerate(nights):
        assert not record_and_compare(url, results, night(number)).error
    return path


def test_history_lists_open_findings_oldest_first(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history"]) == 0  # the default store: <reports>/history.sqlite
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["FINGERPRINT", "FIRST"]
    assert [line.split()[3] for line in lines[1:]] == ["staging", "production"]
    assert lines[1].split()[1:4] == ["2026-03-01T02:00:00", "3.0", "staging"]
    assert lines[2].split()[1:3] == ["2026-03-03T02:00:00", "1.0"]
    assert "DEV-ONLY" not in "\n".join(lines)


def test_history_show_is_a_findings_timeline(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["history", "--history", str(history)])
    fingerprint = capsys.readouterr().out.splitlines()[2].split()[0]
    assert main(["history", "show", fingerprint]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{fingerprint}: ECS-TASK-CPU in production"
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["fail", "fail"]
    assert "\x1b" not in out and "\\x1b[31m" in out  # a value read back is data: shown escaped
    assert main(["history", "show", "0000000000000000"]) == 1


def test_history_export_csv_and_json(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 12 and rows[0]["run_id"] == "night-0" and rows[0]["first_seen"] == "2026-03-01T02:00:00+00:00"
    assert main(["history", "export", "--format", "json", "--output", "out.json"]) == 0
    data = json.loads((history.parent.parent / "out.json").read_text())
    assert [row["status"] for row in data if row["environment"] == "dev"] == ["fail", "pass", "pass", "pass"]


def test_history_prune_keeps_the_recent_runs(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "prune", "--keep", "2d"]) == 0  # "now" is long after the nights: all go
    assert "pruned 4 run(s) older than 2d" in capsys.readouterr().out
    assert main(["history", "export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["history", "prune", "--keep", "ninety"]) == 2
    assert "--keep 'ninety': expected a number of days or weeks" in capsys.readouterr().err


def test_history_without_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["history"]) == 0
    assert "no history yet at" in capsys.readouterr().err and not (tmp_path / "reports").exists()
    (tmp_path / "broken.sqlite").write_text("not a database" * 100)
    assert main(["history", "--history", "broken.sqlite"]) == 2
    assert capsys.readouterr().err.strip() == (f"envmatrix: error: {tmp_path / 'broken.sqlite'}: not a SQLite "
                                               "database (corrupt, or another file at that path)")
