"""checks.yaml overrides reach every report; --fail-on gates on severity and fails closed; bad input is one line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given

from envmatrix.catalog import CheckInfo, info_of
from envmatrix.checkmeta import ChecksMetaError, apply, gates, load_checks_meta, parse_severity, unknown_problem
from envmatrix.errors import UsageError
from envmatrix.reporting.gate import decide, lenient_exit
from envmatrix.reporting.keys import COLLECTED_KEY
from envmatrix.reporting.results import CheckResult
from tests.conftest import Project, assert_one_usage_error, forget_scratch_modules
from tests.hardening.test_fuzz_loaders import FUZZ, _blobs, _only_input_errors

from .conftest import ReportProject

URL = "https://wiki.example.com/runbooks/backups#retention"
DRIFT_ID = "DRIFT-DB-BACKUP-RETENTION"
#: The fake drift check (high in the catalogue) made medium, with an owner, a runbook and tags; a live check
#: that the run below does not select is named too: ids are judged on the whole catalogue, not on what ran.
CHECKS_YAML = f"""\
{DRIFT_ID}:
  severity: medium
  owner: team-db
  remediation_url: "{URL}"
  tags: [pci, nightly]
DB-BACKUP-RETENTION:
  owner: team-db
"""
INFO = CheckInfo(DRIFT_ID, "drift", "backups", "backups", "high", "title")


@pytest.fixture
def meta_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("ENVMATRIX_CHECKS_META", "ENVMATRIX_FAIL_ON", "ENVMATRIX_REPORTS", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _result(check_id: str = DRIFT_ID, severity: str = "medium", status: str = "fail",
            kind: str = "misconfiguration", node: str = "n1") -> CheckResult:
    return CheckResult(node, check_id, "production", "drift", "backups", "backups", severity,
                       status=status, kind=kind, message=f"production {check_id} x: expected 1, got 2")  # type: ignore[arg-type]


# --- checks.yaml: the file ------------------------------------------------------------------------------------

def test_checks_meta_reads_every_field_and_applies_to_a_copy(tmp_path: Path) -> None:
    overrides = load_checks_meta(_write(tmp_path / "checks.yaml", CHECKS_YAML))
    assert overrides[DRIFT_ID].severity == "medium" and overrides["DB-BACKUP-RETENTION"].severity is None
    changed = apply(INFO, overrides)
    assert (changed.severity, changed.owner, changed.remediation_url, changed.tags) == (
        "medium", "team-db", URL, ("pci", "nightly"))
    assert (changed.id, changed.layer, changed.row, changed.title) == (INFO.id, INFO.layer, INFO.row, INFO.title)
    assert INFO.severity == "high" and INFO.owner == ""  # the registered check is not mutated
    untouched = CheckInfo("DB-MULTI-AZ", "declared", "sla", "database", "critical", "t")
    assert apply(untouched, overrides) is untouched
    assert load_checks_meta(_write(tmp_path / "empty.yaml", "# nothing yet\n")) == {}


@pytest.mark.parametrize(("text", "fragments"), [
    (f"{DRIFT_ID}:\n  severity: urgent\n", (f"{DRIFT_ID}.severity", "'urgent' is not a severity",
                                             "critical, high, medium, low")),
    (f"{DRIFT_ID}:\n  remediation_url: http://wiki.example.com/x\n", (f"{DRIFT_ID}.remediation_url",
                                                                      "not an https URL")),
    (f"{DRIFT_ID}:\n  remediation_url: https:///no-host\n", ("not an https URL",)),
    (f"{DRIFT_ID}:\n  severity: low\n  colour: red\n", (f"{DRIFT_ID}.colour", "unknown key",
                                                         "severity, owner, remediation_url, tags")),
    (f"{DRIFT_ID}:\n  owner: '  '\n", (f"{DRIFT_ID}.owner", "must not be blank")),
    (f"{DRIFT_ID}:\n  tags: pci\n", (f"{DRIFT_ID}.tags",)),
    (f"{DRIFT_ID}:\n  owner: a\n{DRIFT_ID}:\n  owner: b\n", (":3", f"{DRIFT_ID}: given more than once")),
    (f"{DRIFT_ID}: high\n", (f"{DRIFT_ID}: expected a mapping",)),
    ("- DB-MULTI-AZ\n", ("expected a mapping of check id",)),
    (f"{DRIFT_ID}: [unclosed\n", ("not valid YAML",)),
])
def test_bad_checks_meta_is_one_line_naming_file_id_and_problem(tmp_path: Path, text: str,
                                                              fragments: tuple[str, ...]) -> None:
    path = _write(tmp_path / "team" / "checks.yaml", text)
    with pytest.raises(ChecksMetaError) as caught:
        load_checks_meta(path)
    message = str(caught.value)
    assert message.startswith(f"checks meta {path}") and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_unknown_ids_suggest_the_nearest_check() -> None:
    problem = unknown_problem(["DB-BACKUP-RETENTON", "NOPE"], ["DB-BACKUP-RETENTION", "DB-MULTI-AZ"])
    assert problem == ("no check has the id DB-BACKUP-RETENTON (did you mean DB-BACKUP-RETENTION?), NOPE "
                       "(the catalogue has 2 check ids)")
    assert unknown_problem(["DB-MULTI-AZ"], ["DB-MULTI-AZ"]) == ""


# --- --fail-on: the decision --------------------------------------------------------------------------------

@pytest.mark.parametrize(("severity", "threshold", "counts"), [
    ("critical", "high", True), ("high", "high", True), ("medium", "high", False), ("low", "critical", False),
    ("low", None, True), ("", "low", True), ("bogus", "critical", True),
])
def test_gates_at_or_above_the_threshold_and_unknown_severity_gates(severity: str, threshold: str | None,
                                                                     counts: bool) -> None:
    assert gates(severity, threshold) is counts


def test_parse_severity_names_the_source() -> None:
    assert parse_severity(" High ") == "high"
    with pytest.raises(UsageError, match=r"\$ENVMATRIX_FAIL_ON: unknown severity 'severe'; valid: critical, high"):
        parse_severity("severe", "$ENVMATRIX_FAIL_ON")


def test_gate_counts_findings_below_the_threshold_as_not_gating_and_fails_closed() -> None:
    medium = _result(severity="medium", node="a")
    verdict = decide([medium], {}, ["production"], fail_on="high")
    assert verdict.passed and verdict.line == "GATE: PASS — 1 checks, 0 failures, 1 not gating (below high), 0 waived"
    assert verdict.reasons == [f"not gating (medium, below high): production {DRIFT_ID} (drift): "
                               f"production {DRIFT_ID} x: expected 1, got 2"]
    assert decide([medium], {}, ["production"]).line == "GATE: FAIL — 1 checks, 1 failures, 0 waived"
    could_not_run = [_result(severity="low", status="error", kind="infrastructure", node="b"),
                     _result(severity="low", status="error", kind="error", node="c"),
                     _result(severity="low", status="skipped", kind="", node="d"),
                     _result(severity="low", status="fail", kind="waiver", node="e"),
                     _result(severity="", node="f")]
    for result in could_not_run:
        verdict = decide([medium, result], {}, ["production"], fail_on="critical")
        assert not verdict.passed and (verdict.failures, verdict.not_gating) == (1, 1), result
    missing_layer = decide([medium], {"production": ("declared", "drift")}, ["production"], fail_on="high")
    assert not missing_layer.passed and "production declared: no check ran" in missing_layer.reasons[0]
    assert not decide([medium], {}, ["production"], "the session ended with exit status 3", fail_on="high").passed


def test_exit_status_is_lenient_only_when_every_failed_test_is_a_finding_below_the_threshold() -> None:
    results = [_result(severity="medium", node="a"), _result(severity="high", node="b")]
    assert lenient_exit(results, {"a"}, "high")
    assert not lenient_exit(results, {"a", "b"}, "high")
    assert not lenient_exit(results, {"a", "tests/test_plain.py::test_not_a_check"}, "high")
    assert not lenient_exit(results, {"a"}, None) and not lenient_exit(results, set(), "high")


# --- real sessions ------------------------------------------------------------------------------------------

def _junit_case(path: Path, check_id: str, env: str) -> tuple[dict[str, str], bool]:
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {str(p.get("name")): str(p.get("value")) for p in case.iter("property")}
        if props.get("check_id") == check_id and props.get("environment") == env:
            return props, case.find("failure") is not None
    raise AssertionError(f"{check_id}[{env}] not in {path}")


def _allure_result(results: Path, check_id: str) -> dict[str, Any]:
    for path in results.glob("*-result.json"):
        data: dict[str, Any] = json.loads(path.read_text())
        if any(label["name"] == "check_id" and label["value"] == check_id for label in data["labels"]):
            return data
    raise AssertionError(f"no allure result for {check_id}")


def test_the_collected_catalogue_holds_one_overridden_object_per_check(report_project: ReportProject,
                                                                      meta_env: pytest.MonkeyPatch) -> None:
    """What every consumer reads (the item's check mark, the collected catalogue the SARIF writer reads) is
    the same CheckInfo with checks.yaml applied; the registered check itself is left as it was."""
    _write(report_project.path / "checks.yaml", CHECKS_YAML)
    forget_scratch_modules()
    recorder = report_project.pytester.inline_run("-p", "no:cacheprovider", "-p", "no:randomly", "--env=all",
                                                  "--collect-only", "--checks-meta=checks.yaml")
    forget_scratch_modules()
    items = [call.item for call in recorder.getcalls("pytest_itemcollected")]
    drift = [info_of(item) for item in items if item.name.startswith("test_drift_db_backup_retention[")]
    assert len(drift) == 3 and all(info is drift[0] for info in drift)
    assert drift[0] is not None and (drift[0].severity, drift[0].owner, drift[0].tags) == (
        "medium", "team-db", ("pci", "nightly"))
    collected = items[0].config.stash[COLLECTED_KEY]
    assert drift[0] in collected and [i.severity for i in collected if i.id == DRIFT_ID] == ["medium"]
    assert {i.owner for i in collected if i.id == "DB-BACKUP-RETENTION"} == {"team-db"}
    assert {i.severity for i in collected if i.id == "DB-BACKUP-RETENTION"} == {"critical"}  # not overridden


def test_overrides_reach_every_report_and_fail_on_high_passes_a_medium_finding(report_project: ReportProject,
                                                                                meta_env: pytest.MonkeyPatch) -> None:
    _write(report_project.path / "team" / "checks.yaml", CHECKS_YAML)
    _write(report_project.path / "envmatrix.toml", '[paths]\nchecks_meta = "team/checks.yaml"\n')
    report_project.script(**{f"drift:{DRIFT_ID}[production]": "fail"})
    result = report_project.pytester.runpytest_subprocess(
        "-p", "no:randomly", "--env=production", "-m", "declared or drift", "--fail-on=high", "--gate")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines([f"envmatrix: checks_meta = {report_project.path}/team/checks.yaml "
                                 f"({report_project.path}/envmatrix.toml; 2 check id(s) overridden)",
                                 "envmatrix: fail on high and above (--fail-on); findings below it are reported, "
                                 "not gating; checks that could not run always gate",
                                 "envmatrix: --fail-on high: 1 finding(s) below high reported, not gating; "
                                 "exit status 0",
                                 f"*gate: not gating (medium, below high): production {DRIFT_ID} (drift): *",
                                 "GATE: PASS — * checks, 0 failures, 1 not gating (below high), * waived"])
    result.stdout.fnmatch_lines(["FAILED *test_drift_db_backup_retention[[]production[]]*"])  # still a failure
    props, failed = _junit_case(report_project.reports / "junit.xml", DRIFT_ID, "production")
    assert failed and (props["severity"], props["owner"], props["remediation_url"], props["tags"]) == (
        "medium", "team-db", URL, "pci,nightly")
    allure = _allure_result(report_project.reports / "allure-results", DRIFT_ID)
    labels = [(label["name"], label["value"]) for label in allure["labels"]]
    assert allure["status"] == "failed" and ("severity", "normal") in labels and ("owner", "team-db") in labels
    assert {("tag", "pci"), ("tag", "nightly"), ("envmatrix_severity", "medium")} <= set(labels)
    assert {"type": "link", "url": URL, "name": "remediation"} in allure["links"]
    model = report_project.matrix()
    [finding] = [f for f in model["failures"] if f["status"] == "fail"]
    assert (finding["check_id"], finding["severity"], finding["owner"], finding["remediation_url"],
            finding["gating"]) == (DRIFT_ID, "medium", "team-db", URL, False)
    assert model["fail_on"] == {"threshold": "high", "not_gating": 1, "exit_status": 0}
    entries = [e for row in model["rows"] for e in row["cells"]["production"]["entries"] if e["check_id"] == DRIFT_ID]
    assert [(e["severity"], e["owner"], e["status"]) for e in entries] == [("medium", "team-db", "fail")]
    assert model["gate"]["passed"] and model["gate"]["not_gating"] == 1
    html = (report_project.reports / "matrix.html").read_text()
    assert ('severity medium <span class="not-gating">not gating</span>' in html
            and '<span class="owner">team-db</span>' in html and f'href="{URL}"' in html)
    markdown = (report_project.reports / "matrix.md").read_text()
    assert f"**fail** (medium, not gating) `production {DRIFT_ID}" in markdown and r"owner team\-db" in markdown


def test_fail_on_high_with_a_high_finding_exits_1(report_project: ReportProject,
                                                   meta_env: pytest.MonkeyPatch) -> None:
    meta_env.setenv("ENVMATRIX_FAIL_ON", "high")
    report_project.script(**{f"drift:{DRIFT_ID}[production]": "fail"})  # high in the catalogue
    result = report_project.pytester.runpytest_subprocess("-p", "no:randomly", "--env=production", "-m", "drift")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    model = report_project.matrix()
    assert model["fail_on"] == {"threshold": "high", "not_gating": 0, "exit_status": 1}
    assert [(f["severity"], f["gating"]) for f in model["failures"]] == [("high", True)]


def test_a_check_that_could_not_run_gates_whatever_its_severity(report_project: ReportProject,
                                                                  meta_env: pytest.MonkeyPatch) -> None:
    _write(report_project.path / "checks.yaml", f"{DRIFT_ID}:\n  severity: low\n")
    report_project.script(**{f"drift:{DRIFT_ID}[dev]": "skip", f"drift:{DRIFT_ID}[staging]": "infra",
                             f"drift:{DRIFT_ID}[production]": "error"})
    result = report_project.pytester.runpytest_subprocess(
        "-p", "no:randomly", "--env=all", "-m", "drift", "--checks-meta=checks.yaml", "--fail-on=critical", "--gate",
        "--no-allure")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(["GATE: FAIL — 3 checks, 3 failures, 0 not gating (below critical), 0 waived"])
    assert [(f["environment"], f["severity"], f["status"], f["gating"]) for f in report_project.matrix()["failures"]
            ] == [("dev", "low", "skipped", True), ("staging", "low", "error", True),
                  ("production", "low", "error", True)]


# --- bad input through a real session: exit 4, one line -----------------------------------------------------

@pytest.mark.parametrize(("files", "args", "fragments"), [
    ({"checks.yaml": "DB-BACKUP-RETENTON:\n  severity: low\n"}, ("--checks-meta=checks.yaml",),
     ("checks meta", "checks.yaml", "no check has the id DB-BACKUP-RETENTON (did you mean DB-BACKUP-RETENTION?)")),
    ({"checks.yaml": "DB-MULTI-AZ:\n  severity: urgent\n"}, ("--checks-meta=checks.yaml",),
     ("checks meta", "checks.yaml", "DB-MULTI-AZ.severity: 'urgent' is not a severity")),
    ({"checks.yaml": "DB-MULTI-AZ:\n  remediation_url: http://wiki/x\n"}, ("--checks-meta=checks.yaml",),
     ("checks.yaml", "DB-MULTI-AZ.remediation_url: not an https URL")),
    ({}, ("--checks-meta=nowhere.yaml",), ("checks meta path", "nowhere.yaml", "does not exist")),
    ({"envmatrix.toml": '[paths]\nchecks_meta = "team/checks.yaml"\n'}, (),
     ("config", "envmatrix.toml", "paths.checks_meta", "does not exist")),
    ({}, ("--fail-on=severe",), ("--fail-on: unknown severity 'severe'", "critical, high, medium, low")),
], ids=["unknown-id", "bad-severity", "http-url", "missing-file", "missing-config-path", "bad-fail-on"])
def test_bad_checks_meta_or_fail_on_gives_one_clear_message(project: Project, meta_env: pytest.MonkeyPatch,
                                                           files: dict[str, str], args: tuple[str, ...],
                                                           fragments: tuple[str, ...]) -> None:
    for name, text in files.items():
        _write(project.path / name, text)
    assert_one_usage_error(project.run("--env=all", "-m", "declared", *args), fragments)


def test_bad_fail_on_variable_gives_one_clear_message(project: Project, meta_env: pytest.MonkeyPatch) -> None:
    meta_env.setenv("ENVMATRIX_FAIL_ON", "urgent")
    assert_one_usage_error(project.run("--env=production", "-m", "declared"),
                           ("$ENVMATRIX_FAIL_ON: unknown severity 'urgent'",))


def test_unknown_id_found_by_xdist_workers_is_still_one_line_and_exit_4(project: Project,
                                                                        meta_env: pytest.MonkeyPatch) -> None:
    _write(project.path / "checks.yaml", "DB-MAX-STORAG:\n  owner: team-db\n")
    outcome = project.run("--env=all", "-m", "declared", "--checks-meta=checks.yaml", "-p", "xdist", "-n", "2")
    assert_one_usage_error(outcome, ("checks meta", "no check has the id DB-MAX-STORAG (did you mean DB-MAX-STORAGE?)"))
    assert not outcome.passed and not outcome.failed  # the workers ran nothing


def test_a_run_stopped_early_gates_even_when_its_finding_is_below_the_threshold(
        report_project: ReportProject, meta_env: pytest.MonkeyPatch) -> None:
    _write(report_project.path / "checks.yaml", f"{DRIFT_ID}:\n  severity: low\n")
    report_project.script(**{f"drift:{DRIFT_ID}[dev]": "fail"})
    result = report_project.run("--env=all", "-m", "drift", "--checks-meta=checks.yaml", "--fail-on=high", "-x",
                                "--gate", "--no-allure")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*gate: the run stopped early (stopping after 1 failures): the checks after it *",
                                 "GATE: FAIL — 1 checks, 3 failures, 1 not gating (below high), 0 waived"])


_META_WORDS = [f"{DRIFT_ID}:", "DB-MULTI-AZ:", "\n", "  ", "severity: ", "high", "urgent", "owner: ", "team-db",
               "remediation_url: ", URL, "http://x", "tags: ", "[pci]", "[", "]", "{", "}", "? ", "&a", "*a", "<<: *a",
               "- ", "null", "~", "1", "'", '"', "\t"]


@FUZZ
@given(data=_blobs(_META_WORDS))
@example(data=b"? [a, b]\n: {severity: high}\n")  # an unhashable key
@example(data=b"a: &x {owner: o}\nb: *x\nb: *x\n")
@example(data=b"[" * 5000)
def test_checks_meta_loader_raises_only_input_errors(tmp_path: Path, data: bytes) -> None:
    _only_input_errors(load_checks_meta, tmp_path / "checks.yaml", data)
