"""Five successive runs of production's backup checks (live + drift) against the embedded sandbox, one history:
a shortened backup retention is new on run 2, unchanged on run 3 (open a day: the runs are moved a day apart),
fixed on run 4, regressed on run 5. The cheapest real selection: one environment, -k backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from envmatrix.history import store
from tests.history.helpers import move_back
from tests.live.conftest import suite_args

DB = "production-taskmanager-db"


def test_five_sandbox_runs(pytester: pytest.Pytester, aws_env: dict[str, str], live_sandbox: Any,
                           tmp_path: Path, github_env: None) -> None:
    rds = live_sandbox.client("rds")
    reports = tmp_path / "reports"
    url = store.resolve_url(None, reports)
    assert url is not None

    def retention(days: int) -> None:
        rds.modify_db_instance(DBInstanceIdentifier=DB, BackupRetentionPeriod=days, ApplyImmediately=True)

    def run() -> tuple[dict[str, str], list[dict[str, Any]]]:
        result = pytester.runpytest(*suite_args(reports, "--env=production", "-m", "live or drift", "-k", "backup"))
        line = next((line for line in result.outlines if line.startswith("envmatrix: history in ")), "")
        assert line, "\n".join(result.outlines[-30:])
        with store.connected(url) as connection:
            open_now = store.open_findings(connection)
        move_back(url, days=1)
        counts = dict(part.strip().split(" ")[::-1] for part in line.split("): ", 1)[1].split(","))
        return counts, open_now

    try:
        first, _ = run()
        retention(7)
        second, opened = run()
        third, still = run()
        retention(30)
        fourth, closed = run()
        retention(7)
        fifth, back = run()
    finally:
        retention(30)
    assert first == {"new": "0", "regressed": "0", "unchanged": "0", "fixed": "0"}
    assert second == {"new": "2", "regressed": "0", "unchanged": "0", "fixed": "0"}  # the live and the drift check
    assert {f["check_id"] for f in opened} == {"DB-BACKUP-RETENTION", "DRIFT-BACKUPS"}
    assert third == {"new": "0", "regressed": "0", "unchanged": "2", "fixed": "0"}
    assert {f["days_open"] for f in opened} == {0.0}
    assert {f["days_open"] for f in still} == {1.0}  # open since run 2, a day before
    assert {f["days_open"] for f in back} == {0.0}  # regressed: open again since run 5
    assert fourth == {"new": "0", "regressed": "0", "unchanged": "0", "fixed": "2"} and closed == []
    assert fifth == {"new": "0", "regressed": "2", "unchanged": "0", "fixed": "0"}
    assert {f["fingerprint"] for f in back} == {f["fingerprint"] for f in opened}
