"""Successive runs of the suite (the shipped declared checks and the report tests' scripted live layer) write one
history: a fault on run 2 is new, unchanged on run 3 with days open from the run times, fixed on run 4, regressed
on run 5; a re-registered task definition keeps its finding. On SQLite (the default file in the reports folder)
and on a real PostgreSQL server (--history postgresql://…). A history it cannot use costs no report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envmatrix.history import store
from tests.history.helpers import TASK_DEF, move_back
from tests.reporting.conftest import ReportProject

FAULT = "live:DB-BACKUP-RETENTION[production]"
_LINE = re.compile(r"envmatrix: history in (?P<where>.+) \((?P<since>[^)]+)\): (?P<new>\d+) new, (?P<regressed>\d+) "
                   r"regressed, (?P<unchanged>\d+) unchanged, (?P<fixed>\d+) fixed")


def _run(project: ReportProject, *history: str) -> dict[str, str]:
    """One run of production's declared checks and the scripted backup-retention check: the history line."""
    outcome = project.run("--env=production", "-m", "declared or live", "-k", "backup", *history)
    text = "\n".join(outcome.outlines)
    assert (project.reports / "matrix.json").exists(), text
    found = _LINE.search(text)
    assert found, text
    return found.groupdict()


def _fault(project: ReportProject, revision: int | None) -> None:
    """The backup retention check fails (about a task definition at ``revision``), or passes (None)."""
    if revision is None:
        project.script()
        return
    project.script(**{FAULT: {"resource": TASK_DEF.format(revision=revision), "actual": "1"}})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_five_runs_new_unchanged_fixed_regressed(report_project: ReportProject, backend: str,
                                                 request: pytest.FixtureRequest) -> None:
    option = () if backend == "sqlite" else (f"--history={request.getfixturevalue('postgres_url')}",)
    url = store.location(option[0].split("=", 1)[1] if option else None, None, report_project.path,
                         report_project.path, report_project.reports)
    assert url is not None
    counts = []
    for number, revision in enumerate([None, 12, 13, None, 14], start=1):
        _fault(report_project, revision)
        line = _run(report_project, *option)
        counts.append((line["new"], line["unchanged"], line["fixed"], line["regressed"]))
        if number == 3:
            with store.connected(url) as connection:
                (finding,) = [f for f in store.open_findings(connection) if f["check_id"] == "DB-BACKUP-RETENTION"]
            assert finding["days_open"] == 1.0  # run 2 was moved a day back: open since then
            first_seen_run_2 = finding["first_seen"]
        move_back(url, days=1)  # the next run is a day later
    assert counts == [("0", "0", "0", "0"), ("1", "0", "0", "0"), ("0", "1", "0", "0"), ("0", "0", "1", "0"),
                      ("0", "0", "0", "1")]
    with store.connected(url) as connection:
        runs = store.export_rows(connection)
        rows = [row for row in runs if row["check_id"] == "DB-BACKUP-RETENTION" and row["layer"] == "live"]
    assert [row["status"] for row in rows] == ["pass", "fail", "fail", "pass", "fail"]
    assert rows[2]["first_seen"] == rows[1]["first_seen"]  # the re-registered task definition: same finding
    assert len({row["fingerprint"] for row in rows if row["status"] == "fail"}) == 1
    assert first_seen_run_2 < rows[4]["first_seen"]  # regressed: open again since run 5


def test_a_corrupt_history_costs_no_report(report_project: ReportProject) -> None:
    report_project.reports.mkdir()
    broken = report_project.reports / "history.sqlite"
    broken.write_bytes(b"\x00garbage" * 512)
    outcome = report_project.run("--env=production", "-m", "declared", "-k", "backup")
    text = "\n".join(outcome.outlines)
    assert f"envmatrix: history: {broken}: not a SQLite database (corrupt, or another file at that path)" in text
    assert (report_project.reports / "matrix.json").exists() and (report_project.reports / "matrix.html").exists()
    assert outcome.ret == 0 and broken.read_bytes() == b"\x00garbage" * 512


def test_history_off_and_a_written_password(report_project: ReportProject, tmp_path: Path) -> None:
    outcome = report_project.run("--env=production", "-m", "declared", "-k", "backup", "--history=off")
    assert "envmatrix: history: history off (--history off)" in "\n".join(outcome.outlines)
    assert not (report_project.reports / "history.sqlite").exists()
    outcome = report_project.run("--env=production", "--history=postgresql://u:hunter2@db.example/h")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(outcome.outlines + outcome.errlines)
    assert "a password written in the URL" in text and "hunter2" not in text
