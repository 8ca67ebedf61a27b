"""The conformance-matrix report: right statuses per cell, failures linked, xdist-merged, redacted, atomic."""

from __future__ import annotations

import json

import pytest

from envmatrix.catalog import REGISTRY, ROWS, check, evidence_catalogue
from envmatrix.spec import MatrixCells
from tests.conftest import shipped_check_modules

from .conftest import ReportProject


def test_conforming_run_shows_the_documented_matrix(report_project: ReportProject) -> None:
    result = report_project.run("--env=all", "--no-allure")
    result.assert_outcomes(passed=130, xfailed=5)
    model = report_project.matrix()
    assert model["environments"] == ["dev", "staging", "production"]
    assert [row["id"] for row in model["rows"]] == list(ROWS)
    backups = report_project.cell("backups", "production")
    assert backups["documented"] == "30 days" and backups["status"] == "pass"
    assert {e["layer_label"] for e in backups["entries"]} == {"declared", "live", "drift"}
    live = next(e for e in backups["entries"] if e["layer"] == "live")
    assert live["values"][0] == {"setting": "rds:production-taskmanager-db.BackupRetentionPeriod",
                                 "expected": "30", "actual": "30", "passed": True, "location": ""}
    assert report_project.cell("auto_scaling", "dev")["status"] == "waived"
    data = report_project.cell("data", "dev")
    assert (data["status"], data["reason"]) == ("not-checked", "no check is evidence of this row yet")
    cost = report_project.cell("cost_per_month", "production")
    assert (cost["documented"], cost["status"]) == ("~$2,200-$5,500", "not-checked")
    # Only declared files back the availability zones here (the scratch project has no live checks): not green.
    sla = report_project.cell("uptime_sla", "production")
    assert (sla["status"], sla["reason"]) == ("declared", "no check observes this row yet, only files")
    assert report_project.cell("debug_mode", "staging")["status"] == "pass", "observed by the (fake) smoke check"
    assert report_project.cell("debug_mode", "staging")["entries"][-1]["layer_label"] == "observed"
    assert model["summary"] == {"checks": 135, "pass": 130, "fail": 0, "waived": 5, "error": 0, "skipped": 0}
    waived = [f for f in model["failures"] if f["status"] == "waived"]
    assert len(waived) == 5 and all(f["waiver"].startswith("waived:") for f in waived)
    assert (backups["checks"], backups["figure"], backups["first_failure"]) == (len(backups["entries"]), "30 d", None)
    assert model["layers"]["production"] == ["declared", "live", "drift", "parity", "smoke"]
    statuses = {s["status"]: s["cells"] for s in model["statuses"]}
    assert statuses["declared"] == 26 and sum(statuses.values()) == len(ROWS) * 3 
    markdown = (report_project.reports / "matrix.md").read_text()
    assert ('| <a id="row-backups"></a>**Backups** | ✅ **7 days** · 7 d · 5 checks | ✅ **14 days** · 14 d · 5 checks '
            '| ✅ **30 days** · 30 d · 5 checks |') in markdown
    assert "<details><summary>Backups ✅ ✅ ✅</summary>" in markdown
    result.stdout.fnmatch_lines(["envmatrix: reports in *: matrix.json, matrix.html, matrix.md, envmatrix.sarif"])
    assert (report_project.reports / "junit.xml").is_file(), "a plain run writes JUnit beside the other reports"


def test_a_broken_value_turns_its_cell_red_and_links_the_message(report_project: ReportProject) -> None:
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    report_project.script(**{"live:DB-BACKUP-RETENTION[production]": "fail",
                             "smoke:APP-DEBUG[staging]": "infra"})
    result = report_project.run("--env=all", "--no-allure")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cell = report_project.cell("backups", "production")
    assert cell["status"] == "fail"
    broken = [e for e in cell["entries"] if e["status"] != "pass"]
    assert [(e["check_id"], e["layer"]) for e in broken] == [("DB-BACKUP-RETENTION", "declared"),
                                                             ("DB-BACKUP-RETENTION", "live")]
    failures = {f["anchor"]: f for f in report_project.matrix()["failures"]}
    declared = failures[broken[0]["failure"]]
    assert declared["message"] == ("production DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days: "
                                   "expected 30, got 7 (fixtures/tfvars/production/terraform.tfvars:16)")
    assert declared["location"] == "fixtures/tfvars/production/terraform.tfvars:16"
    assert declared["kind"] == "misconfiguration"
    assert failures[broken[1]["failure"]]["message"].endswith("expected 30, got WRONG")
    assert cell["first_failure"] == {"check_id": "DB-BACKUP-RETENTION", "layer": "declared",
                                     "message": declared["message"], "anchor": broken[0]["failure"]}
    assert cell["figure"] == "WRONG d", "the figure is what was seen, right or wrong"
    infra = report_project.cell("debug_mode", "staging")
    assert infra["status"] == "fail"
    problem = failures[infra["entries"][-1]["failure"]]
    assert (problem["status"], problem["kind"]) == ("error", "infrastructure")
    assert "staging: cannot read GET /api/v1/does-not-exist: connect timeout" in problem["message"]
    html = (report_project.reports / "matrix.html").read_text()
    assert f'<li id="{broken[0]["failure"]}" data-status="fail">' in html
    assert f'href="#{broken[0]["failure"]}"' in html


def test_xdist_workers_merge_into_one_report(report_project: ReportProject) -> None:
    report_project.script(**{"drift:DRIFT-DB-BACKUP-RETENTION[dev]": "fail"})
    result = report_project.run("--env=all", "-p", "xdist", "-n", "2", "--no-allure")
    result.assert_outcomes(passed=129, failed=1, xfailed=5)
    model = report_project.matrix()
    assert model["summary"]["checks"] == 135
    assert len({r["nodeid"] for r in model["results"]}) == 135
    assert report_project.cell("backups", "dev")["status"] == "fail"
    assert all(r["evidence"] for r in model["results"] if r["status"] in ("pass", "fail"))
    # The controller collects nothing: the workers send which checks are evidence of which row.
    assert "live:DB-BACKUP-RETENTION" in model["evidence_catalogue"]["backups"]
    # ... and each check's figure declaration, which words its row's figure.
    assert report_project.cell("backups", "production")["figure"] == "30 d"
    assert report_project.cell("data", "dev")["reason"] == "no check is evidence of this row yet"


def test_no_secret_reaches_the_reports(report_project: ReportProject) -> None:
    report_project.script(**{"smoke:SECRET-TOKEN-ECHO[production]": "fail"})
    report_project.run("--env=production")
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbW9rZSJ9.c2lnbmF0dXJlc2ln"
    files = [p for p in report_project.reports.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-attachment.json") for p in files)
    for path in files:
        assert token not in path.read_text(errors="replace"), path
        assert "dev-secret-key-change-me" not in path.read_text(errors="replace"), path


def test_an_interrupted_run_leaves_no_report(report_project: ReportProject) -> None:
    report_project.run("--env=production", "--no-allure")
    assert (report_project.reports / "matrix.html").exists()
    report_project.pytester.makeconftest(
        "import pytest\n"
        "def pytest_runtest_call(item):\n"
        "    if 'APP-DEBUG' in item.nodeid or 'test_app_debug' in item.nodeid:\n"
        "        raise KeyboardInterrupt\n")
    result = report_project.pytester.runpytest_subprocess("-p", "no:cacheprovider", "--env=production",
                                                          "--no-allure")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not list(report_project.reports.glob("matrix.*")), "a stale report must not survive a new run"
    assert not [p for p in report_project.reports.iterdir() if p.name.endswith(".tmp")]
    result.stdout.fnmatch_lines(["*run interrupted: no matrix report written*"])


def test_matrix_json_round_trips_and_is_sorted(report_project: ReportProject) -> None:
    report_project.run("--env=staging", "--no-allure")
    model = report_project.matrix()
    assert model["schema"] == "envmatrix.matrix/1"
    assert model["environments"] == ["staging"]
    assert model["meta"]["spec_digest"] and model["meta"]["suite_version"]
    text = (report_project.reports / "matrix.json").read_text()
    assert json.loads(text) == model


def test_collect_only_and_the_projects_own_runs_write_no_report(report_project: ReportProject) -> None:
    result = report_project.run("--env=all", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    report_project.run("-m", "declared", "-k", "nothing-matches")  # no --env, no $ENVIRONMENT: not an audit
    assert not report_project.reports.exists()


def _shipped_catalogue() -> dict[str, list[str]]:
    shipped_check_modules()  # under private names: importing them as checks.* would break later in-process runs
    return evidence_catalogue()


def test_the_rows_are_the_documents_then_our_own() -> None:
    document = list(MatrixCells.model_fields)
    assert list(ROWS)[:len(document)] == document and document[-1] == "cost_per_month" and len(document) == 13
    assert list(ROWS)[len(document):] == ["security", "access", "change_control", "configuration", "config_structure"]


def test_evidence_is_catalogue_data_not_the_row_alone() -> None:
    catalogue = _shipped_catalogue()
    # The region and the domain prove no uptime; ENVIRONMENT and the pools prove nothing about how it is deployed.
    assert not {"declared:ENV-REGION", "declared:ENV-DOMAIN"} & set(catalogue.get("uptime_sla", []))
    assert {"declared:ENV-REGION", "declared:ENV-DOMAIN", "live:APP-ENVIRONMENT", "live:APP-POOLS"} <= set(
        catalogue["configuration"])
    assert {(layer, info.row) for (layer, cid), info in REGISTRY.items() if cid == "SMOKE-HEALTH"} == {
        ("smoke", "deployment")} and not REGISTRY[("smoke", "SMOKE-HEALTH")].evidence  # supporting only
    assert "live:DB-MULTI-AZ" in catalogue["database"] and "live:DB-INSTANCE-CLASS" not in catalogue["database"]
    assert not REGISTRY[("live", "DB-INSTANCE-CLASS")].evidence


def test_a_check_names_a_known_row() -> None:
    with pytest.raises(ValueError, match="unknown matrix row 'cost'"):
        check("X-COST", layer="live", area="sla", row="cost")
