"""SARIF 2.1.0 (reports/envmatrix.sarif): valid against the official schema (README.md here names its source),
one rule per check id that ran, one result per failed check instance on the line that declares it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from envmatrix.catalog import CheckInfo
from envmatrix.outcome import info_from, info_record
from envmatrix.reporting.results import CheckResult, inherit_locations
from envmatrix.reporting.sarif import SARIF_FILE, build_sarif, write_sarif
from envmatrix.verdict import Evidence

from .test_report_sandbox import _run, _set, shipped  # noqa: F401 - the fixture is used by name

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")
TFVARS = "fixtures/tfvars/production/terraform.tfvars"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _info(check_id: str, layer: str = "declared", severity: str = "high", title: str = "") -> CheckInfo:
    return CheckInfo(check_id, layer, "backups", "backups", severity,  # type: ignore[arg-type]
                     title or f"{check_id} first line.\n\n    More words\n    here.")


def _result(check_id: str, status: str, *, layer: str = "declared", env: str = "production", location: str = "",
            waiver: str = "", resource: str = "terraform.tfvars", setting: str = "db_backup_retention_days",
            severity: str = "high") -> CheckResult:
    message = f"{env} {check_id} {resource}.{setting}: expected 30, got 7" + (f" ({location})" if location else "")
    evidence = [Evidence(env, check_id, layer, resource, setting, "30", "7", status == "pass", message, location)]
    return CheckResult(f"checks/x.py::test_x[{env}]", check_id, env, layer, "backups", "backups", severity,
                       status=status, message="" if status == "pass" else message, waiver=waiver,  # type: ignore[arg-type]
                       evidence=evidence, location=location)


def test_the_vendored_schema_rejects_what_sarif_forbids() -> None:
    document = build_sarif([_result("A", "fail", location=f"{TFVARS}:16")], [_info("A")])
    assert_valid(document)
    broken = json.loads(json.dumps(document))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="fatal"):
        assert_valid(broken)


def test_rules_come_from_the_catalogue_of_the_checks_that_ran() -> None:
    infos = [_info("DB-BACKUP-RETENTION", "declared", "critical"), _info("DB-BACKUP-RETENTION", "live", "critical"),
             _info("DB-STORAGE", "declared", "medium"), _info("LOG-LEVEL", "declared", "low"),
             _info("NOT-RUN", "declared", "high")]
    results = [_result("DB-BACKUP-RETENTION", "fail", location=f"{TFVARS}:16"),
               _result("DB-BACKUP-RETENTION", "pass", layer="live"), _result("DB-STORAGE", "fail"),
               _result("LOG-LEVEL", "pass")]
    document = build_sarif(results, infos)
    assert_valid(document)
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "envmatrix" and driver["version"] and driver["informationUri"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == ["DB-BACKUP-RETENTION", "DB-STORAGE", "LOG-LEVEL"]
    retention = rules["DB-BACKUP-RETENTION"]
    assert retention["name"] == "DbBackupRetention"
    assert retention["shortDescription"]["text"] == "DB-BACKUP-RETENTION first line."
    assert retention["fullDescription"]["text"].startswith("DB-BACKUP-RETENTION first line. More words here.")
    assert "expected X, got Y" in retention["help"]["text"]
    assert retention["properties"]["tags"] == ["backups", "declared", "live"]
    levels = {rid: (rule["defaultConfiguration"]["level"], rule["properties"]["security-severity"])
              for rid, rule in rules.items()}
    assert levels == {"DB-BACKUP-RETENTION": ("error", "9.5"), "DB-STORAGE": ("warning", "5.5"),
                      "LOG-LEVEL": ("note", "3.0")}


def test_severity_is_read_from_the_checkinfo_not_from_the_result() -> None:
    """A checks.yaml override rewrites the CheckInfo; the result row still carries the decorator's severity."""
    document = build_sarif([_result("DB-STORAGE", "fail", severity="high")], [_info("DB-STORAGE", severity="low")])
    run = document["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "note"
    assert run["results"][0]["level"] == "note"


def test_checks_meta_owner_link_and_tags_reach_the_rule() -> None:
    """checks.yaml's remediation page is the rule's helpUri; its owner and tags ride in the rule's properties."""
    info = dataclasses.replace(_info("DB-STORAGE", severity="high"), owner="team-data",
                               remediation_url="https://wiki.example.com/runbooks/db-storage", tags=("pci",))
    document = build_sarif([_result("DB-STORAGE", "fail")], [info])
    assert_valid(document)
    rule = document["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == "https://wiki.example.com/runbooks/db-storage"
    assert rule["properties"]["owner"] == "team-data" and "pci" in rule["properties"]["tags"]
    plain = build_sarif([_result("DB-STORAGE", "fail")], [_info("DB-STORAGE")])["runs"][0]["tool"]["driver"]["rules"][0]
    assert "helpUri" not in plain and "owner" not in plain["properties"]


def test_one_result_per_failed_instance_located_and_fingerprinted() -> None:
    results = [_result("DB-BACKUP-RETENTION", "fail", location=f"{TFVARS}:16"),
               _result("DB-BACKUP-RETENTION", "fail", env="staging", location="fixtures/tfvars/staging/x.tfvars:9"),
               _result("DB-BACKUP-RETENTION", "pass", env="dev")]
    run = build_sarif(results, [_info("DB-BACKUP-RETENTION")])["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["DB-BACKUP-RETENTION"] * 2
    first = run["results"][0]
    assert first["message"]["text"] == ("production DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days: "
                                        f"expected 30, got 7 ({TFVARS}:16)")
    physical = first["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": TFVARS, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 16}}
    again = build_sarif(list(reversed(results)), [_info("DB-BACKUP-RETENTION")])["runs"][0]["results"]
    assert {json.dumps(r["partialFingerprints"]) for r in again} == {
        json.dumps(r["partialFingerprints"]) for r in run["results"]}
    assert len({json.dumps(r["partialFingerprints"]) for r in run["results"]}) == 2


def test_a_waived_finding_is_suppressed_with_its_reason() -> None:
    reason = "waived: seed contradiction (owner platform-team, until 2027-03-31)"
    run = build_sarif([_result("A", "waived", location=f"{TFVARS}:37", waiver=reason)], [_info("A")])["runs"][0]
    assert run["results"][0]["suppressions"] == [{"kind": "external", "justification": reason}]


def test_a_finding_no_file_declares_names_environment_and_resource() -> None:
    """Smoke findings have no file; GitHub code scanning rejects a result without one, so it is anchored at the
    environment's tfvars (no line) beside the logical location."""
    smoke = _result("APP-DEBUG", "fail", layer="smoke", resource="GET /api/v1/x", setting="traceback_in_body")
    document = build_sarif([smoke], [_info("APP-DEBUG", "smoke")], {"production": TFVARS})
    assert_valid(document)
    location = document["runs"][0]["results"][0]["locations"][0]
    assert location["logicalLocations"] == [{"name": "GET /api/v1/x", "fullyQualifiedName": "production/GET /api/v1/x",
                                             "kind": "resource"}]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": TFVARS, "uriBaseId": "%SRCROOT%"}}


def test_relative_locations_resolve_against_the_repository_root(tmp_path: Path) -> None:
    """%SRCROOT% is the repository the run audited, as a file URI ending in "/": a viewer joins it with a result's
    relative URI and reaches the declaring file; a file outside the repository keeps its absolute URI."""
    repository = tmp_path / "my repo"  # a space: the URI is percent-encoded
    (repository / TFVARS).parent.mkdir(parents=True)
    (repository / TFVARS).write_text("db_backup_retention_days = 7\n")
    outside = tmp_path / "elsewhere.tfvars"
    results = [_result("A", "fail", location=f"{TFVARS}:1"), _result("A", "fail", env="dev", location=f"{outside}:3")]
    run = build_sarif(results, [_info("A")], root=repository)["runs"][0]
    assert_valid({"$schema": "x", "version": "2.1.0", "runs": [run]})
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == repository.as_uri() + "/" and "%20" in base
    first, second = (r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"])
    assert first == {"uri": TFVARS, "uriBaseId": "%SRCROOT%"}
    assert Path(urllib.parse.unquote(urllib.parse.urlsplit(urllib.parse.urljoin(base, first["uri"])).path)).read_text()
    assert second == {"uri": outside.as_uri()}
    assert "uri" not in build_sarif(results, [_info("A")])["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]


def test_a_live_finding_points_at_the_declaring_line_of_the_same_check() -> None:
    declared = _result("DB-BACKUP-RETENTION", "fail", location=f"{TFVARS}:16")
    live = _result("DB-BACKUP-RETENTION", "fail", layer="live", resource="rds:production-taskmanager-db",
                   setting="BackupRetentionPeriod")
    smoke = _result("DB-BACKUP-RETENTION", "fail", layer="smoke")
    inherit_locations([declared, live, smoke])
    assert (live.location, smoke.location) == (f"{TFVARS}:16", "")


def test_workers_send_their_catalogue_as_plain_data(tmp_path: Path) -> None:
    info = _info("A", severity="medium")
    assert info_from(json.loads(json.dumps(info_record(info)))) == info
    path = write_sarif([_result("A", "fail")], [info], tmp_path / SARIF_FILE)
    assert_valid(json.loads(path.read_text()))
    assert [p.name for p in tmp_path.iterdir()] == [SARIF_FILE]  # written atomically: no temporary file left


def _sarif(project: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((project / "reports" / SARIF_FILE).read_text())
    assert_valid(document)
    return document


def _line(path: Path, key: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.split("=")[0].strip() == key)


def _run_files_only(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A declared-layer run (no sandbox: nothing it checks is live), under xdist like the promotion gate."""
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    env.pop("ENVIRONMENT", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--no-allure", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_a_clean_run_has_only_suppressed_results_and_rules_from_the_workers(shipped: Path) -> None:  # noqa: F811
    done = _run_files_only(shipped, "--env=all", "-m", "declared", "-p", "xdist", "-n", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    run = _sarif(shipped)["runs"][0]
    assert run["results"] and all(r.get("suppressions") for r in run["results"])  # waivers stay visible
    waived = next(r for r in run["results"] if r["ruleId"] == "ECS-WORKER-CAPACITY")
    assert waived["suppressions"][0]["justification"].startswith("waived: ")
    assert waived["locations"][0]["physicalLocation"]["region"]["startLine"] == _line(
        shipped / TFVARS, "worker_min_capacity")
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    # The controller collected nothing: titles and severities came from the workers' CheckInfo.
    assert rules["DB-BACKUP-RETENTION"]["shortDescription"]["text"].startswith("RDS automated backup retention")
    assert rules["DB-BACKUP-RETENTION"]["properties"]["security-severity"] == "9.5"


def test_a_sandbox_run_puts_a_declared_fault_on_its_line(shipped: Path) -> None:  # noqa: F811 - the fixture
    _set(shipped, "production", "db_backup_retention_days", "7")
    bad = _run(shipped, "--env=production", "-m", "declared or live")
    assert bad.returncode == 1, bad.stdout[-3000:]
    line = _line(shipped / TFVARS, "db_backup_retention_days")
    run = _sarif(shipped)["runs"][0]
    assert [r for r in run["results"] if not r.get("suppressions") and r["ruleId"] != "DB-BACKUP-RETENTION"] == []
    found = [r for r in run["results"] if r["ruleId"] == "DB-BACKUP-RETENTION"]
    assert sorted(r["properties"]["layer"] for r in found) == ["declared", "live"]  # the sandbox applied the 7
    for result in found:
        assert "suppressions" not in result and result["level"] == "error"
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": TFVARS, "uriBaseId": "%SRCROOT%"}
        assert physical["region"]["startLine"] == line
    declared = next(r for r in found if r["properties"]["layer"] == "declared")
    assert declared["message"]["text"] == ("production DB-BACKUP-RETENTION terraform.tfvars.db_backup_retention_days:"
                                           f" expected 30, got 7 ({TFVARS}:{line})")
    assert f"({TFVARS}:{line})" in bad.stdout
    failures = json.loads((shipped / "reports" / "matrix.json").read_text())["failures"]
    assert {f["location"] for f in failures if f["check_id"] == "DB-BACKUP-RETENTION"} == {f"{TFVARS}:{line}"}
    junit = ET.parse(shipped / "reports" / "junit.xml")
    locations = {p.get("value") for p in junit.iter("property") if p.get("name") == "location"}
    assert f"{TFVARS}:{line}" in locations
