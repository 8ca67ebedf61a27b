"""The three jobs: tox environments run the right pytest command; CI workflows are valid GitHub workflows."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import load_check_module

from .conftest import ROOT, ReportProject

WORKFLOWS = ROOT / ".github" / "workflows"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def _jobs() -> Any:
    """scripts/job.py, where each job's pytest command line is written once."""
    return load_check_module("scripts/job.py")


def tox_command(name: str, environ: dict[str, str] | None = None) -> list[str]:
    """The pytest arguments tox env ``name`` runs: its command is ``python scripts/job.py <name> {posargs}``."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    command = parser[f"testenv:{name}"]["commands"].replace("\\\n", " ").strip()
    assert shlex.split(command) == ["python", "scripts/job.py", name, "{posargs}"]
    args: list[str] = _jobs().JOBS[name](environ or {})
    return args


def test_gate_job_passes_on_conforming_inputs_and_fails_on_one_broken_value(report_project: ReportProject) -> None:
    args = tox_command("gate")
    assert "--gate" in args and "--env-layers=production=declared,parity" in args
    ok = report_project.run(*args, "--no-allure")
    assert ok.ret == pytest.ExitCode.OK
    ok.stdout.fnmatch_lines(["GATE: PASS — * checks, 0 failures, 1 waived"])
    assert (report_project.path / "reports" / "junit-gate.xml").is_file()
    report_project.set_tfvar("production", "db_instance_class", '"db.t3.large"')
    bad = report_project.run(*args, "--no-allure")
    assert bad.ret == pytest.ExitCode.TESTS_FAILED
    bad.stdout.fnmatch_lines(["*gate: production DB-INSTANCE-CLASS (declared) fail: *expected db.r6g.xlarge, "
                              "got db.t3.large (fixtures/tfvars/production/terraform.tfvars:*)",
                              "GATE: FAIL — * checks, 1 failures, 1 waived"])


def test_drift_and_smoke_jobs_select_their_layers(report_project: ReportProject) -> None:
    drift = report_project.run(*tox_command("drift"), "--no-allure")
    assert drift.ret == pytest.ExitCode.OK
    layers = {(r["environment"], r["layer"]) for r in report_project.matrix()["results"]}
    assert layers == {(env, layer) for env in ("dev", "staging", "production") for layer in ("live", "drift")}
    drift.stdout.fnmatch_lines(["*envmatrix: changes since the previous run*"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENVMATRIX_EXPECT_VERSION", "v1.2.3")  # tox passes ENVMATRIX_* through; the plugin reads it
        smoke = report_project.run(*tox_command("smoke"), "--no-allure")
    assert smoke.ret == pytest.ExitCode.OK
    assert {(r["environment"], r["layer"]) for r in report_project.matrix()["results"]} == {("production", "smoke")}


def _workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the bare key `on` as True
    return data


def test_workflows_validate_against_the_github_schema() -> None:
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    assert {Path(path).name for path in files} >= {"promotion-gate.yml", "nightly-drift.yml",
                                                   "post-release-smoke.yml", "sharded-audit.yml"}
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", *files],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps: oops\n")
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def test_promotion_gate_needs_approval_before_deploy() -> None:
    workflow = _workflow("promotion-gate.yml")
    gate, deploy, smoke = (workflow["jobs"][name] for name in ("gate", "deploy", "smoke"))
    assert "tox -e gate" in _runs(gate)
    assert "GITHUB_STEP_SUMMARY" in _runs(gate) and "reports/matrix.md" in _runs(gate)
    assert deploy["needs"] == "gate" and deploy["environment"]["name"] == "production"
    upload = next(s for s in gate["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "reports/envmatrix.sarif" and "always()" in upload["if"]
    assert gate["permissions"]["security-events"] == "write" and "security-events" not in workflow["permissions"]
    assert smoke["needs"] == "deploy" and smoke["uses"] == "./.github/workflows/post-release-smoke.yml"


def test_pull_requests_get_declared_findings_on_their_lines_without_cloud_access() -> None:
    workflow = _workflow("declared-check.yml")
    assert {"pull_request", "push"} <= set(workflow["on"])
    assert any(path.endswith(".tfvars") for path in workflow["on"]["pull_request"]["paths"])
    job = workflow["jobs"]["declared"]
    assert "tox -e declared" in _runs(job)
    text = (WORKFLOWS / "declared-check.yml").read_text()
    assert "configure-aws-credentials" not in text and "id-token" not in text and "secrets." not in text
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "reports/envmatrix.sarif" and "always()" in upload["if"]
    assert job["permissions"]["security-events"] == "write" and "security-events" not in workflow["permissions"]


def test_declared_job_puts_a_changed_tfvars_value_on_its_line(report_project: ReportProject) -> None:
    """The pull-request job: a production tfvars change is one SARIF result at that line; nothing needs AWS."""
    args = tox_command("declared")
    assert "--env=all" in args and "declared or parity" in args
    tfvars = report_project.path / "fixtures" / "tfvars" / "production" / "terraform.tfvars"
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    line = next(number for number, text in enumerate(tfvars.read_text().splitlines(), 1)
                if text.startswith("db_backup_retention_days"))
    with pytest.MonkeyPatch.context() as patch:
        for key in [key for key in os.environ if key.startswith("AWS_")]:
            patch.delenv(key)
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: any AWS call would fail
        outcome = report_project.run(*args, "--no-allure")
    assert outcome.ret == pytest.ExitCode.TESTS_FAILED
    sarif = json.loads((report_project.path / "reports" / "envmatrix.sarif").read_text())
    found = [r for r in sarif["runs"][0]["results"] if not r.get("suppressions")]
    assert [r["ruleId"] for r in found] == ["DB-BACKUP-RETENTION"]
    location = found[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("fixtures/tfvars/production/terraform.tfvars")
    assert location["region"]["startLine"] == line
    assert {r["layer"] for r in report_project.matrix()["results"]} == {"declared", "parity"}


def test_the_drift_job_reads_changes_since_the_last_run() -> None:
    """Change control's window in the nightly job: since the previous snapshots were taken (who changed what)."""
    from envmatrix.jobs import JOBS

    args = JOBS["drift"]({"ENVMATRIX_PREVIOUS_SNAPSHOTS": "previous-snapshots"})
    assert "--changes-since=last-run" in args and "--previous-snapshots=previous-snapshots" in args


def test_nightly_drift_is_scheduled_compares_and_keeps_artifacts() -> None:
    workflow = _workflow("nightly-drift.yml")
    assert workflow["on"]["schedule"][0]["cron"]
    job = workflow["jobs"]["drift"]
    assert "tox -e drift" in _runs(job) and "gh run download" in _runs(job)
    assert next(s for s in job["steps"] if "tox -e drift" in str(s.get("run")))["env"][
        "ENVMATRIX_PREVIOUS_SNAPSHOTS"] == "previous-snapshots"
    uploads = [s["with"]["path"] for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads == ["reports/", "reports/snapshots/"]
    assert "cat reports/matrix.md >> \"$GITHUB_STEP_SUMMARY\"" in _runs(job)


def test_post_release_smoke_checks_the_released_version() -> None:
    workflow = _workflow("post-release-smoke.yml")
    assert {"workflow_call", "workflow_dispatch", "release"} <= set(workflow["on"])
    step = next(s for s in workflow["jobs"]["smoke"]["steps"] if s.get("run") == "tox -e smoke")
    assert "ENVMATRIX_EXPECT_VERSION" in step["env"]


def test_sharded_audit_runs_one_job_per_group_then_merges() -> None:
    workflow = _workflow("sharded-audit.yml")
    audit, merge = workflow["jobs"]["audit"], workflow["jobs"]["merge"]
    assert len(audit["strategy"]["matrix"]["group"]) >= 2 and audit["strategy"]["fail-fast"] is False
    step = next(s for s in audit["steps"] if "pytest" in str(s.get("run", "")))
    assert '--env="$GROUP"' in step["run"] and "--gate" in step["run"] and step["env"]["GROUP"] == "${{ matrix.group }}"
    upload = next(s for s in audit["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    assert merge["needs"] == "audit" and merge["if"] == "always()"
    download = next(s for s in merge["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact"))
    assert download["with"]["pattern"].removesuffix("*") in upload["with"]["name"]
    assert f"envmatrix merge {download['with']['path']}/* --out reports" in _runs(merge)
    uploads = [s for s in merge["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert [s["with"]["path"] for s in uploads] == ["reports/"] and uploads[0]["if"] == "always()"
    assert "cat reports/matrix.md >> \"$GITHUB_STEP_SUMMARY\"" in _runs(merge)
