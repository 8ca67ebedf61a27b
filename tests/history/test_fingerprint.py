"""A finding's fingerprint survives what AWS regenerates (ARN suffixes, revisions, ids) and changes with meaning."""

from __future__ import annotations

import pytest

from envmatrix.history.fingerprint import fingerprint, normalise_resource
from envmatrix.reporting.results import CheckResult
from envmatrix.verdict import Evidence, failure_message


def _failing(resource: str, setting: str = "BackupRetentionPeriod", *, env: str = "production",
             check_id: str = "DB-BACKUP-RETENTION", layer: str = "live", actual: str = "1") -> CheckResult:
    message = failure_message(env, check_id, resource, setting, "7", actual)
    evidence = Evidence(env, check_id, layer, resource, setting, "7", actual, False, message)
    return CheckResult(f"checks/x.py::t[{env}]", check_id, env, layer, "data", "row", "high", "fail",
                       "misconfiguration", message, evidence=[evidence])


@pytest.mark.parametrize(("before", "after"), [
    ("arn:aws:ecs:us-east-1:111122223333:task-definition/production-taskmanager-api:12",
     "arn:aws:ecs:us-east-1:111122223333:task-definition/production-taskmanager-api:13"),
    ("ecs-task-definition:production-taskmanager-api:4", "ecs-task-definition:production-taskmanager-api:5"),
    ("arn:aws:secretsmanager:us-east-1:111122223333:secret:production/db-password-AbC123",
     "arn:aws:secretsmanager:us-east-1:111122223333:secret:production/db-password-zZ9y8X"),
    ("arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/production-taskmanager-alb/50dc6c495c0c9188",
     "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/production-taskmanager-alb/7a1b2c3d4e5f6a7b"),
    ("subnet:subnet-0a1b2c3d4e5f60718", "subnet:subnet-0ffeeddccbbaa9988"),
    ("security-group:sg-12345678", "security-group:sg-9abcdef0"),
    ("arn:aws:ecs:us-east-1:111122223333:task/production-taskmanager/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
     "arn:aws:ecs:us-east-1:111122223333:task/production-taskmanager/1234567890abcdef1234567890abcdef"),
    ("rds-snapshot:rds:production-taskmanager-db-2026-12-05-03-10",
     "rds-snapshot:rds:production-taskmanager-db-2026-12-06-03-10"),
    ("waf:production-acl/0d3c0c8e-7b5f-4d67-9a1e-2f3b4c5d6e7f",
     "waf:production-acl/9a8b7c6d-1234-4abc-8def-0123456789ab"),
])
def test_a_recreated_resource_keeps_its_findings_identity(before: str, after: str) -> None:
    assert fingerprint(_failing(before)) == fingerprint(_failing(after))


def test_a_resource_in_another_account_or_region_is_the_same_environments_resource() -> None:
    one = "arn:aws:rds:us-east-1:111122223333:db:production-taskmanager-db"
    other = "arn:aws:rds:eu-west-1:444455556666:db:production-taskmanager-db"
    assert fingerprint(_failing(one)) == fingerprint(_failing(other))


@pytest.mark.parametrize("change", [
    {"resource": "rds:staging-taskmanager-db"},
    {"setting": "MultiAZ"},
    {"env": "staging"},
    {"check_id": "DB-MULTI-AZ"},
    {"layer": "declared"},
])
def test_a_finding_that_changes_meaning_changes_fingerprint(change: dict[str, str]) -> None:
    base = {"resource": "rds:production-taskmanager-db", "setting": "BackupRetentionPeriod"}
    changed = {**base, **change}
    resource, setting = changed.pop("resource"), changed.pop("setting")
    assert fingerprint(_failing(base["resource"], base["setting"])) != fingerprint(
        _failing(resource, setting, **changed))


def test_the_actual_value_is_not_part_of_the_identity() -> None:
    assert fingerprint(_failing("rds:production-taskmanager-db", actual="1")) == fingerprint(
        _failing("rds:production-taskmanager-db", actual="3"))


def test_a_port_or_a_named_version_is_no_generated_id() -> None:
    assert normalise_resource("listener:production-taskmanager-alb:443") == "listener:production-taskmanager-alb:443"
    assert normalise_resource("rds:production-taskmanager-db") == "rds:production-taskmanager-db"
    assert normalise_resource("ecs-service:dev-taskmanager/api") == "ecs-service:dev-taskmanager/api"


def test_without_evidence_the_failure_lines_head_names_the_resource() -> None:
    with_evidence = _failing("ecs-task-definition:production-taskmanager-api:7")
    line_only = CheckResult(with_evidence.nodeid, with_evidence.check_id, "production", "live", "data", "row",
                            "high", "fail", "misconfiguration",
                            failure_message("production", "DB-BACKUP-RETENTION",
                                            "ecs-task-definition:production-taskmanager-api:9",
                                            "BackupRetentionPeriod", "7", "2"))
    assert fingerprint(line_only) == fingerprint(with_evidence)


def test_an_error_without_a_resource_is_still_one_finding_per_check_and_environment() -> None:
    def error(env: str, message: str) -> CheckResult:
        return CheckResult("n", "DB-BACKUP-RETENTION", env, "live", "data", "row", "high", "error", "error", message)
    assert fingerprint(error("production", "AccessDenied")) == fingerprint(error("production", "Throttled"))
    assert fingerprint(error("production", "x")) != fingerprint(error("staging", "x"))
    assert len(fingerprint(error("production", "x"))) == 16
