"""Drift since the previous run: snapshots compared key by key, reported even when everything still conforms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envmatrix.reporting.changes import compare, diff, flatten

from .conftest import ReportProject

BEFORE = {"taken_at": "2026-01-01T00:00:00Z", "account": "123456789012",
          "rds": {"primary": {"DBInstanceIdentifier": "production-taskmanager-db", "BackupRetentionPeriod": 30}},
          "ecs": {"services": [{"name": "api", "desiredCount": 5}, {"name": "worker", "desiredCount": 10}]},
          "task_definitions": [{"family": "production-taskmanager-api",
                                "environment": [{"name": "JWT_SECRET_KEY", "value": "s3cr3t-value-1"},
                                                {"name": "LOG_LEVEL", "value": "INFO"}]}]}


def _after(**changes: object) -> dict[str, object]:
    data = json.loads(json.dumps(BEFORE))
    data["taken_at"] = "2026-01-02T00:00:00Z"
    data["rds"]["primary"].update(changes)
    return data


def test_flatten_keys_lists_by_their_natural_id() -> None:
    flat = flatten(BEFORE)
    assert flat["ecs.services[worker].desiredCount"] == 10
    assert flat["rds.primary.BackupRetentionPeriod"] == 30
    assert "taken_at" not in flat
    assert flatten({"a": [], "b": {}}) == {"a": [], "b": {}}


def test_resources_keyed_by_generated_ids_compare_by_their_names() -> None:
    """A group re-created with a new id (a sandbox run, a Terraform replace) is an identifier change only; a setting
    of it that changed is still a setting change, named by the group's name."""
    def groups(group_id: str, port: int) -> dict[str, object]:
        return {"bastions": {"groups": {group_id: {"id": group_id, "name": "dev-bastion-sg", "port": port}}}}

    items = diff("dev", groups("sg-0123456789abcdef0", 22), groups("sg-0fedcba9876543210", 22))
    assert [(i["path"], i["kind"]) for i in items] == [("bastions.groups[dev-bastion-sg].id", "identifier")]
    moved = diff("dev", groups("sg-0123456789abcdef0", 22), groups("sg-0fedcba9876543210", 2222))
    assert [(i["path"], i["before"], i["after"], i["kind"]) for i in moved if i["kind"] == "setting"] == [
        ("bastions.groups[dev-bastion-sg].port", "22", "2222", "setting")]
    unnamed = {"sg-0123456789abcdef0": {"id": "sg-0123456789abcdef0"}}
    assert flatten(unnamed) == {"sg-0123456789abcdef0.id": "sg-0123456789abcdef0"}  # no name: the id stays the key


def test_diff_reports_changed_added_removed_and_redacts() -> None:
    after = _after(BackupRetentionPeriod=7, StorageEncrypted=True)
    after["ecs"]["services"] = [{"name": "api", "desiredCount": 5}]  # type: ignore[index]
    after["task_definitions"][0]["environment"][0]["value"] = "s3cr3t-value-2"  # type: ignore[index]
    items = {(i["change"], i["path"]): i for i in diff("production", BEFORE, after)}
    assert items[("changed", "rds.primary.BackupRetentionPeriod")] == {
        "environment": "production", "change": "changed", "path": "rds.primary.BackupRetentionPeriod",
        "before": "30", "after": "7", "kind": "setting"}
    assert ("added", "rds.primary.StorageEncrypted") in items
    assert ("removed", "ecs.services[worker].desiredCount") in items
    assert "s3cr3t" not in json.dumps(list(items.values()))
    assert not diff("production", BEFORE, _after())  # only the timestamp moved: no change


def test_compare_notes_first_runs_and_missing_snapshots() -> None:
    result = compare({"staging": BEFORE}, {"staging": BEFORE, "production": BEFORE}, ["dev", "staging", "production"])
    assert result["notes"] == ["dev: no snapshot in this run (did the live layer run?)",
                               "staging: no change since the previous run",
                               "production: no previous snapshot to compare with (first run?)"]


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_drift_run_reports_what_changed_while_still_conforming(report_project: ReportProject) -> None:
    _write(report_project.path / "previous" / "production.json", BEFORE)
    _write(report_project.reports / "snapshots" / "production.json", _after(BackupRetentionPeriod=35))
    result = report_project.run("--env=production", "-m", "live or drift", "--previous-snapshots=previous",
                                "--no-allure")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*envmatrix: changes since the previous run*",
                                 "production: 1 change(s) since the previous run",
                                 "  production changed rds.primary.BackupRetentionPeriod: 30 -> 35"])
    changes = json.loads((report_project.reports / "changes.json").read_text())
    assert changes["count"] == 1 and changes["items"][0]["after"] == "35"
    assert report_project.matrix()["changes"] == changes
    assert r"| production | changed | rds\.primary\.BackupRetentionPeriod | 30 | 35 |" in \
        (report_project.reports / "matrix.md").read_text()
    assert 'id="changes"' in (report_project.reports / "matrix.html").read_text()


def test_previous_snapshots_may_be_the_folder_this_run_overwrites(report_project: ReportProject) -> None:
    """They are read before any plugin configures, so the live layer overwriting them does not matter."""
    _write(report_project.reports / "snapshots" / "staging.json", BEFORE)
    report_project.pytester.makeconftest(
        "import json, pathlib\n"
        "def pytest_collection_finish(session):\n"
        "    path = pathlib.Path('reports/snapshots/staging.json')\n"
        "    data = json.loads(path.read_text())\n"
        "    data['ecs']['services'][0]['desiredCount'] = 3\n"
        "    path.write_text(json.dumps(data))\n")
    result = report_project.run("--env=staging", "-m", "live", "--previous-snapshots=reports/snapshots",
                                "--no-allure")
    result.stdout.fnmatch_lines(["  staging changed ecs.services[api].desiredCount: 5 -> 3"])


def test_missing_previous_folder_is_a_note_not_a_failure(report_project: ReportProject) -> None:
    result = report_project.run("--env=dev", "-m", "live", "--previous-snapshots=nowhere", "--no-allure")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["previous snapshots: */nowhere does not exist (first run?)",
                                 "dev: no snapshot in this run (did the live layer run?)"])


def test_cloudtrails_events_are_not_a_change_of_the_environment() -> None:
    """The change-control section records a window that moves every run; its findings are CHANGE-MANUAL's."""
    before = {"changes": {"start": "2026-12-04T03:17:00Z", "events": []}, "rds": {"primary": {"x": 1}}}
    after = {"changes": {"start": "2026-12-05T03:17:00Z", "events": [{"name": "ModifyDBInstance"}]},
             "rds": {"primary": {"x": 1}}}
    assert diff("production", before, after) == []
