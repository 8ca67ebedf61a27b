"""envmatrix merge: three sharded sandbox runs (one environment each) merged into one report, and its conflicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from envmatrix.cli import main
from envmatrix.declared import load_env_file
from envmatrix.spec import load_spec

from .conftest import ROOT

SPEC = ROOT / "fixtures" / "matrix.yaml"
#: One shard per environment, in the spec's promotion order (what the merged columns must follow).
SHARDS = tuple(load_spec(SPEC).environments)
_PER_TEST_ALLURE = ("-result.json", "-container.json", "-attachment")


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three sandbox gate runs, one per environment, each into its own reports folder (run at once)."""
    project = tmp_path_factory.mktemp("sharded")
    for name in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    env.pop("ENVIRONMENT", None)
    folders = {name: project / "shards" / name for name in SHARDS}
    running = {name: subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "--sandbox", "--gate",
         f"--env={name}", f"--reports-dir={folder}", "-q"], cwd=project, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True) for name, folder in folders.items()}
    for name, process in running.items():
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"{name}:\n{output[-3000:]}"
    return folders


@dataclass
class Merge:
    returncode: int
    out: Path
    stdout: str
    stderr: str

    def model(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / "matrix.json").read_text())
        return data


def merge(capsys: pytest.CaptureFixture[str], out: Path, *inputs: Path) -> Merge:
    code = main(["merge", *map(str, inputs), "--out", str(out), "--spec", str(SPEC)])
    captured = capsys.readouterr()
    return Merge(code, out, captured.out, captured.err)


@pytest.fixture(scope="module")
def merged(shards: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Merge:
    out = tmp_path_factory.mktemp("merged") / "reports"
    code = main(["merge", *map(str, shards.values()), "--out", str(out), "--spec", str(SPEC)])
    return Merge(code, out, "", "")


def _model(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "matrix.json").read_text())
    return data


def _cases(path: Path) -> list[tuple[str, str]]:
    return [(case.get("classname", ""), case.get("name", "")) for case in ET.parse(path).getroot().iter("testcase")]


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    """What a cell says, without the failure anchors (they are numbered over the whole report)."""
    entries = [{k: v for k, v in entry.items() if k != "failure"} for entry in cell["entries"]]
    return {"status": cell["status"], "documented": cell["documented"], "checks": cell["checks"],
            "evidence_checks": cell["evidence_checks"], "figure": cell["figure"], "entries": entries}


def test_the_merged_junit_holds_every_case_with_right_counts(shards: dict[str, Path], merged: Merge) -> None:
    assert merged.returncode == 0
    root = ET.parse(merged.out / "junit.xml").getroot()
    expected = [case for folder in shards.values() for case in _cases(folder / "junit.xml")]
    assert _cases(merged.out / "junit.xml") == expected and len(set(expected)) == len(expected)
    inputs = [ET.parse(folder / "junit.xml").getroot().find("testsuite") for folder in shards.values()]
    for name in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(name, "-1")) == sum(int(suite.get(name, "0")) for suite in inputs if suite is not None)
    assert int(root.get("tests", "0")) == len(expected)
    assert [suite.get("name") for suite in root.iter("testsuite")] == [f"pytest [{env}]" for env in SHARDS]


def test_the_merged_matrix_is_the_shards_cells_side_by_side(shards: dict[str, Path], merged: Merge) -> None:
    model = merged.model()
    assert model["environments"] == list(SHARDS) == model["meta"]["environments"]
    assert model["meta"]["merged_from"] == [str(folder) for folder in shards.values()]
    for env, folder in shards.items():
        shard = {row["id"]: row["cells"][env] for row in _model(folder)["rows"]}
        assert {row["id"]: _cell(row["cells"][env]) for row in model["rows"]} == {
            row: _cell(cell) for row, cell in shard.items()}, env
    every = [result for folder in shards.values() for result in _model(folder)["results"]]
    assert sorted(map(json.dumps, model["results"])) == sorted(map(json.dumps, every))
    summaries = [_model(folder)["summary"] for folder in shards.values()]
    assert model["summary"] == {key: sum(s[key] for s in summaries) for key in model["summary"]}
    assert model["gate"]["passed"] and model["gate"]["checks"] == len(every)
    assert (merged.out / "gate.txt").read_text().startswith("GATE: PASS — ")


def test_the_merged_html_and_markdown_have_one_column_per_environment(merged: Merge) -> None:
    html = (merged.out / "matrix.html").read_text()
    columns = [html.index(f'<th scope="col" data-env="{env}">') for env in SHARDS]
    assert columns == sorted(columns)
    assert 'data-fact="merged from">3 runs</b>' in html
    assert html.count('<td class="cell s-') == len(merged.model()["rows"]) * len(SHARDS)
    assert all(f'data-env="{env}" data-row="backups"' in html for env in SHARDS)
    header = next(line for line in (merged.out / "matrix.md").read_text().splitlines() if line.startswith("| Feature"))
    assert header.count("|") == len(SHARDS) + 2


def test_allure_results_and_snapshots_of_every_run_are_kept(shards: dict[str, Path], merged: Merge) -> None:
    per_test = sorted(path.name for folder in shards.values() for path in (folder / "allure-results").iterdir()
                      if any(part in path.name for part in _PER_TEST_ALLURE))
    kept = sorted(path.name for path in (merged.out / "allure-results").iterdir()
                  if any(part in path.name for part in _PER_TEST_ALLURE))
    assert kept == per_test and per_test
    properties = (merged.out / "allure-results" / "environment.properties").read_text()
    assert f"environments={', '.join(SHARDS)}" in properties
    assert (merged.out / "allure-results" / "categories.json").is_file()
    for env, folder in shards.items():
        assert (merged.out / "snapshots" / f"{env}.json").read_bytes() == (folder / "snapshots" / f"{env}.json"
                                                                           ).read_bytes()
    assert sorted(path.name for path in (merged.out / "snapshots").iterdir()) == sorted(f"{e}.json" for e in SHARDS)


def _copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def _edit(folder: Path, change: Any) -> None:
    model = _model(folder)
    change(model)
    (folder / "matrix.json").write_text(json.dumps(model))


def _one_error(done: Merge, *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("envmatrix: error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not done.out.exists()  # a conflict writes nothing


def test_the_same_environment_twice_is_an_error_naming_both(shards: dict[str, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    first = SHARDS[0]
    again = _copy(shards[first], tmp_path / "again")
    done = merge(capsys, tmp_path / "out", shards[first], shards[SHARDS[1]], again)
    _one_error(done, f"environment {first} is in both {shards[first]} and {again}")


def test_different_spec_digests_are_an_error_naming_both(shards: dict[str, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    other = _copy(shards[SHARDS[1]], tmp_path / "other-spec")
    _edit(other, lambda model: model["meta"].update(spec_digest="0123456789ab"))
    digest = _model(shards[SHARDS[0]])["meta"]["spec_digest"]
    done = merge(capsys, tmp_path / "out", shards[SHARDS[0]], other)
    _one_error(done, f"{shards[SHARDS[0]]} has spec digest {digest}", f"{other} has spec digest 0123456789ab")


def test_a_folder_that_is_not_a_report_is_an_error_naming_it(shards: dict[str, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "not-reports"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    _one_error(merge(capsys, tmp_path / "out", shards[SHARDS[0]], empty), str(empty), "not an envmatrix reports folder")
    _one_error(merge(capsys, tmp_path / "out", tmp_path / "missing"), str(tmp_path / "missing"))
    (empty / "matrix.json").write_text('{"schema": "something else"}')
    _one_error(merge(capsys, tmp_path / "out", empty), str(empty / "matrix.json"), "not an envmatrix matrix")


def test_an_allure_file_in_two_runs_is_an_error(shards: dict[str, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    other = _copy(shards[SHARDS[1]], tmp_path / "clash")
    results = (shards[SHARDS[0]] / "allure-results").iterdir()
    result = next(path for path in results if path.name.endswith("-result.json"))
    shutil.copy(result, other / "allure-results" / result.name)
    done = merge(capsys, tmp_path / "out", shards[SHARDS[0]], other)
    _one_error(done, f"allure file {result.name} is in both {shards[SHARDS[0]]} and {other}")


def test_a_failing_shard_fails_the_merged_gate(shards: dict[str, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    last = SHARDS[-1]
    failing = _copy(shards[last], tmp_path / "failing")
    message = f"{last} DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days: expected 30, got 7"

    def fail_one(model: dict[str, Any]) -> None:
        result = next(r for r in model["results"] if r["check_id"] == "DB-BACKUP-RETENTION")
        result.update(status="fail", kind="misconfiguration", message=message)

    _edit(failing, fail_one)
    done = merge(capsys, tmp_path / "out", *(shards[env] for env in SHARDS[:-1]), failing)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"  gate: {last} DB-BACKUP-RETENTION (declared) fail: {message}" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("GATE: FAIL — ") and ", 1 failures, " in done.stdout
    model = done.model()
    assert not model["gate"]["passed"] and model["summary"]["fail"] == 1
    assert {row["id"]: row["cells"][last]["status"] for row in model["rows"]}["backups"] == "fail"
    # Merging again into the same folder replaces the earlier merge (and only an earlier merge).
    assert merge(capsys, tmp_path / "out", *shards.values()).returncode == 0
    assert merge(capsys, shards[SHARDS[0]], *shards.values()).returncode == 2


def test_the_merged_gate_requires_every_shards_plan(shards: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    first = SHARDS[0]
    planned = _copy(shards[first], tmp_path / "planned")
    ran = {result["layer"] for result in _model(planned)["results"]}
    _edit(planned, lambda model: model["meta"].update(plan={first: sorted(ran) + ["missing-layer"]}))
    done = merge(capsys, tmp_path / "out", planned, *(shards[env] for env in SHARDS[1:]))
    assert done.returncode == 1 and f"  gate: {first} missing-layer: no check ran" in done.stdout, done.stdout
    assert done.model()["meta"]["plan"] == {first: sorted(ran) + ["missing-layer"]}


def test_runs_without_a_gate_merge_to_a_plain_verdict(shards: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    plain = {env: _copy(folder, tmp_path / env) for env, folder in shards.items()}
    for folder in plain.values():
        _edit(folder, lambda model: model.update(gate=None))
        (folder / "gate.txt").unlink()
    done = merge(capsys, tmp_path / "out", *plain.values())
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "MERGED: PASS", done.stdout
    assert done.model()["gate"] is None and not (done.out / "gate.txt").exists()
    _edit(plain[SHARDS[1]], lambda model: model["meta"].update(pytest_exit_status=1))
    failed = merge(capsys, tmp_path / "out", *plain.values())
    assert failed.returncode == 1 and failed.stdout.splitlines()[-1] == "MERGED: FAIL", failed.stdout
    assert f"  {plain[SHARDS[1]]}: the pytest session ended with exit status 1" in failed.stdout


def test_the_runs_changes_since_their_previous_snapshots_are_merged(shards: dict[str, Path], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    changed = {env: _copy(folder, tmp_path / env) for env, folder in shards.items()}
    for env, folder in list(changed.items())[:2]:
        item = {"environment": env, "change": "changed", "path": "logs.retention", "before": "60", "after": "30",
                "kind": "setting"}
        _edit(folder, lambda model, item=item: model.update(changes={"notes": [f"{item['environment']}: 1 change(s)"],
                                                                      "items": [item], "count": 1}))
    done = merge(capsys, tmp_path / "out", *changed.values())
    assert done.returncode == 0, done.stdout
    changes = json.loads((done.out / "changes.json").read_text())
    assert changes["count"] == 2 and [item["environment"] for item in changes["items"]] == list(SHARDS[:2])
    assert changes["notes"] == [f"{env}: 1 change(s)" for env in SHARDS[:2]] and changes == done.model()["changes"]


def test_a_shard_runs_the_checks_a_full_run_runs_for_its_environment(shards: dict[str, Path]) -> None:
    """Checks parametrized over the env files' variables take every environment's, not only the selected ones'."""
    variables = {key for env in SHARDS for key in load_env_file(ROOT / "fixtures" / "env" / f"{env}.env").values}
    for env, folder in shards.items():
        checked = {r["nodeid"].partition("[")[2].removesuffix(f"-{env}]") for r in _model(folder)["results"]
                   if r["check_id"] == "DRIFT-APP-ENV"}
        assert checked == variables, env
