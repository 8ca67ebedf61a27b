"""The promotion gate: PASS only when every required check ran and passed or is waived; one-line verdict."""

from __future__ import annotations

import pytest

from envmatrix.errors import UsageError
from envmatrix.reporting.gate import decide, parse_plan
from envmatrix.reporting.results import CheckResult
from tests.conftest import SHIPPED

from .conftest import ReportProject

GATE = ("--env=staging,production", "--env-layers=staging=declared,live,drift,smoke",
        "--env-layers=production=declared,parity", "--gate", "--no-allure")


def _verdict(project: ReportProject) -> str:
    return (project.reports / "gate.txt").read_text().splitlines()[0]


def test_gate_passes_on_the_conforming_environment(report_project: ReportProject) -> None:
    result = report_project.run(*GATE)
    assert result.ret == pytest.ExitCode.OK
    model = report_project.matrix()
    checks = model["summary"]["checks"]
    line = f"GATE: PASS — {checks} checks, 0 failures, 1 waived"
    result.stdout.fnmatch_lines([line])
    assert _verdict(report_project) == line and model["gate"]["line"] == line
    assert f"**{line}**" in (report_project.reports / "matrix.md").read_text()
    assert 'id="gate">GATE: PASS' in (report_project.reports / "matrix.html").read_text()
    layers = {(r["environment"], r["layer"]) for r in model["results"]}
    assert layers == {("staging", "declared"), ("staging", "live"), ("staging", "drift"), ("staging", "smoke"),
                      ("production", "declared"), ("production", "parity")}
    # production ran files only (declared, parity): none of its cells may read as observed.
    production = {row["id"]: row["cells"]["production"]["status"] for row in model["rows"]}
    assert "pass" not in production.values()
    assert production["backups"] == production["database"] == production["config_structure"] == "declared"
    assert production["data"] == production["cost_per_month"] == "not-checked"
    assert {row["id"]: row["cells"]["staging"]["status"] for row in model["rows"]}["backups"] == "pass"


def test_gate_fails_with_a_clear_verdict_on_one_broken_production_value(report_project: ReportProject) -> None:
    report_project.set_tfvar("production", "db_multi_az", "false")
    result = report_project.run(*GATE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    checks = report_project.matrix()["summary"]["checks"]
    result.stdout.fnmatch_lines([
        "*gate: production DB-MULTI-AZ (declared) fail: production DB-MULTI-AZ terraform.tfvars.db_multi_az: "
        "expected true, got false",
        f"GATE: FAIL — {checks} checks, 1 failures, 1 waived"])
    assert _verdict(report_project) == f"GATE: FAIL — {checks} checks, 1 failures, 1 waived"


def test_gate_fails_when_a_required_check_could_not_run(report_project: ReportProject) -> None:
    report_project.script(**{"smoke:APP-DEBUG[staging]": "skip", "live:DB-BACKUP-RETENTION[staging]": "infra"})
    result = report_project.run(*GATE, "-k", "not drift")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*gate: staging DB-BACKUP-RETENTION (live) error: staging: cannot read rds:*",
                                 "*gate: staging APP-DEBUG (smoke) skipped: fake: could not run",
                                 "*gate: staging drift: no check ran (a required layer cannot be empty)",
                                 "GATE: FAIL — * checks, 3 failures, 1 waived"])


def test_gate_fails_when_only_a_skip_or_an_empty_layer_is_wrong(report_project: ReportProject) -> None:
    """pytest itself would exit 0 here (a skip is not a failure); the gate turns it into exit 1."""
    report_project.script(**{"smoke:APP-DEBUG[staging]": "skip"})
    result = report_project.run(*GATE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["GATE: FAIL — * checks, 1 failures, 1 waived"])


def test_gate_fails_when_a_waived_finding_no_longer_fails(report_project: ReportProject) -> None:
    report_project.set_tfvar("production", "worker_min_capacity", "10")
    result = report_project.run(*GATE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*gate: production ECS-WORKER-CAPACITY (declared) fail: waived finding no longer "
                                 "fails: remove the waiver*", "GATE: FAIL — * checks, 1 failures, 0 waived"])


@pytest.mark.parametrize(("args", "message"), [
    (("--env=production", "--env-layers=production=declared,tests"), "unknown layer(s) tests for production"),
    (("--env=production", "--env-layers=staging=declared"), "--env-layers names staging, which --env does not"),
    (("--env=production", "--env-layers=production"), "expected ENV=LAYER[,LAYER...]"),
])
def test_bad_plan_is_a_usage_error(report_project: ReportProject, args: tuple[str, ...], message: str) -> None:
    result = report_project.run(*args, "--gate", "--no-allure")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in "\n".join(result.errlines)


def test_parse_plan_merges_and_canonicalizes() -> None:
    assert parse_plan(["prod=declared", "production=parity,declared", "development=live"], SHIPPED) == {
        "production": ("declared", "parity"), "dev": ("live",)}
    with pytest.raises(UsageError, match="unknown environment 'qa'"):
        parse_plan(["qa=declared"], SHIPPED)


def _result(env: str, layer: str, status: str) -> CheckResult:
    return CheckResult("n", "X", env, layer, "sla", "database", "high", status=status)  # type: ignore[arg-type]


def test_decide_counts_failures_waivers_and_missing_layers() -> None:
    results = [_result("staging", "declared", "pass"), _result("staging", "declared", "waived"),
               _result("production", "declared", "error")]
    verdict = decide(results, {"staging": ("declared", "live")}, ["staging", "production"])
    assert verdict.line == "GATE: FAIL — 3 checks, 2 failures, 1 waived"
    assert verdict.reasons[-1] == "staging live: no check ran (a required layer cannot be empty)"
    assert decide(results[:2], {}, ["staging"]).passed
    assert not decide([], {}, ["staging"]).passed
    assert not decide(results[:2], {}, ["staging"], "the pytest session ended with exit status 3").passed
