"""Real-AWS shapes of the app's settings: DescribeTaskDefinition answers read as the application reads them.

The application (pydantic-settings, case_sensitive False) decodes a list setting from a JSON array and takes
its class's default for a variable the task definition does not set; the checks must read it the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from envmatrix.aws import ecs
from envmatrix.aws.snapshot import Snapshot
from envmatrix.catalog import test_name_for as function_name
from envmatrix.context import Environment
from envmatrix.declared import load_env_file
from tests.conftest import load_check_module
from tests.shapes.harness import ACCOUNT, REGION, ROOT, StubbedClients, Verdict, judge, repo_suite, snapshot_of, target

ENV = "production"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{ENV}-taskmanager"
TAGS = [{"key": "Environment", "value": ENV}, {"key": "Project", "value": "taskmanager"}]
CORS_JSON = '["https://www.taskmanager.com", "https://taskmanager.com"]'


def _app_variables() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(environment, secrets) of the app container as the pipeline ships production.env (secrets by ARN)."""
    values = load_env_file(ROOT / "fixtures/env/production.env").values
    secret_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:taskmanager/{ENV}/shape-AbCdEf"
    environment = [{"name": k, "value": v} for k, v in values.items() if v != "<from-secrets-manager>"]
    secrets = [{"name": k, "valueFrom": secret_arn} for k, v in values.items() if v == "<from-secrets-manager>"]
    return environment, secrets


def _definition(role: str, environment: list[dict[str, str]], secrets: list[dict[str, str]]) -> dict[str, Any]:
    """A DescribeTaskDefinition answer as AWS returns it for a Fargate service (the app container first)."""
    family = f"{ENV}-taskmanager-{role}"
    return {"taskDefinition": {
        "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:42", "family": family,
        "revision": 42, "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "1024", "memory": "2048",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{family}-task",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{family}-execution",
        "requiresCompatibilities": ["FARGATE"], "compatibilities": ["EC2", "FARGATE"],
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
                               {"name": "ecs.capability.secrets.asm.environment-variables"}],
        "registeredAt": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "registeredBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/ci",
        "containerDefinitions": [{
            "name": role, "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/taskmanager-{role}:v1.4.2",
            "cpu": 0, "essential": True, "portMappings": [{"containerPort": 8000, "hostPort": 8000,
                                                            "protocol": "tcp"}],
            "environment": environment, "secrets": secrets, "mountPoints": [], "volumesFrom": [],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": f"/ecs/{family}", "awslogs-region": REGION, "awslogs-stream-prefix": role}},
        }],
    }, "tags": TAGS}


def _service(role: str) -> dict[str, Any]:
    return {"serviceName": role, "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{ENV}-taskmanager/{role}",
            "clusterArn": CLUSTER, "status": "ACTIVE", "desiredCount": 5, "runningCount": 5, "pendingCount": 0,
            "launchType": "FARGATE",
            "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{ENV}-taskmanager-{role}:42",
            "tags": TAGS}


def _snapshot(change: dict[str, str | None], drop_secret: str = "") -> Snapshot:
    """The ECS section read through the real inventory from answers whose app environment is ``change``d.

    ``change`` maps a variable name to its new value (None: removed); a name not set yet is added as given.
    ``drop_secret``: a variable no longer delivered through ``secrets``.
    """
    environment, secrets = _app_variables()
    secrets = [item for item in secrets if item["name"] != drop_secret]
    environment = [item for item in environment if item["name"].upper() not in {n.upper() for n in change}]
    environment += [{"name": name, "value": value} for name, value in change.items() if value is not None]
    clients = StubbedClients(ENV)
    stub = clients.stub("ecs")
    stub.add_response("describe_clusters", {"clusters": [{
        "clusterArn": CLUSTER, "clusterName": f"{ENV}-taskmanager", "status": "ACTIVE", "tags": TAGS,
        "settings": [{"name": "containerInsights", "value": "enabled"}]}], "failures": []})
    stub.add_response("describe_services", {"services": [_service("api"), _service("worker")], "failures": []})
    for role in ("api", "worker"):
        stub.add_response("describe_task_definition", _definition(role, environment, secrets))
    inventory = ecs.fetch(target(ENV, clients))
    clients.verify()
    return snapshot_of(ENV, ecs=inventory)


def _live(check_id: str, snapshot: Snapshot) -> Verdict:
    return judge("checks/live/test_flags.py", check_id, ENV, snapshot)


def _drift(variable: str, snapshot: Snapshot) -> Verdict:
    """DRIFT-APP-ENV of one variable (judge() runs checks without parameters, so call it here)."""
    function = getattr(load_check_module("checks/drift/test_drift_env_file.py"), function_name("DRIFT-APP-ENV"))
    info = next(mark.args[0] for mark in function.pytestmark if mark.name == "envmatrix_check")
    suite = repo_suite()
    suite.sources.live = lambda _env: snapshot
    environment = Environment(suite, ENV, info)
    try:
        function(environment, variable)
    except AssertionError as failure:
        return Verdict(False, str(failure), environment.evidence)
    return Verdict(True, "", environment.evidence)


def test_the_shipped_shape_is_green() -> None:
    snapshot = _snapshot({})
    assert _live("APP-CORS-ORIGINS", snapshot).passed and _live("APP-RATE-LIMITING", snapshot).passed
    assert _drift("CORS_ORIGINS", snapshot).passed


def test_cors_origins_as_a_json_array_is_green() -> None:
    snapshot = _snapshot({"CORS_ORIGINS": CORS_JSON})
    verdict = _live("APP-CORS-ORIGINS", snapshot)
    assert verdict.passed, verdict.message
    drift = _drift("CORS_ORIGINS", snapshot)  # the env file's comma list and the JSON array agree
    assert drift.passed, drift.message


def test_cors_json_array_with_an_extra_origin_is_red() -> None:
    snapshot = _snapshot({"CORS_ORIGINS": '["https://taskmanager.com", "https://www.taskmanager.com", '
                                          '"https://preview.taskmanager.dev"]'})
    verdict = _live("APP-CORS-ORIGINS", snapshot)
    assert not verdict.passed
    assert ('production APP-CORS-ORIGINS ecs-task-definition:production-taskmanager-api.environment.CORS_ORIGINS: '
            'expected ["https://taskmanager.com", "https://www.taskmanager.com"], got ["https://preview.taskmanager.dev",'
            ' "https://taskmanager.com", "https://www.taskmanager.com"]') in verdict.message
    assert not _drift("CORS_ORIGINS", snapshot).passed


def test_cors_wildcard_in_a_json_array_is_red() -> None:
    verdict = _live("APP-CORS-ORIGINS", _snapshot({"CORS_ORIGINS": '["*"]'}))
    assert not verdict.passed and 'got ["*"]' in verdict.message, verdict.message


def test_cors_malformed_json_is_red_with_the_reason() -> None:
    verdict = _live("APP-CORS-ORIGINS", _snapshot({"CORS_ORIGINS": '["https://taskmanager.com",'}))
    assert not verdict.passed and "got <CORS_ORIGINS: '[\"https://taskmanager.com\",' does not parse: not JSON (" \
        in verdict.message, verdict.message


def test_cors_as_a_comma_list_is_red_as_pydantic_settings_refuses_it() -> None:
    verdict = _live("APP-CORS-ORIGINS", _snapshot({"CORS_ORIGINS": "https://taskmanager.com,https://www.taskmanager.com"}))
    assert not verdict.passed and "does not parse: not JSON" in verdict.message, verdict.message


def test_rate_limit_absent_in_production_takes_the_default() -> None:
    snapshot = _snapshot({"RATE_LIMIT_PER_MINUTE": None})
    verdict = _live("APP-RATE-LIMITING", snapshot)
    assert verdict.passed, verdict.message
    limits = [e for e in verdict.evidence if e.setting == "environment.RATE_LIMIT_PER_MINUTE"]
    assert len(limits) == 2 and all(e.actual == "60 (default)" and e.expected == "60" for e in limits)
    drift = _drift("RATE_LIMIT_PER_MINUTE", snapshot)  # declared 60 in production.env, absent live: the default
    assert drift.passed and drift.evidence[-1].actual == "60 (default)", drift.message


def test_cors_absent_in_production_takes_the_default() -> None:
    verdict = _live("APP-CORS-ORIGINS", _snapshot({"CORS_ORIGINS": None}))
    assert verdict.passed and verdict.evidence[-1].actual.endswith("(default)"), verdict.message


def test_absent_without_a_documented_default_still_fails() -> None:
    verdict = _live("APP-RATE-LIMITING", _snapshot({"ENABLE_RATE_LIMITING": None}))
    assert not verdict.passed
    assert "environment.ENABLE_RATE_LIMITING: expected true, got null" in verdict.message


def test_lower_case_variable_names_are_read() -> None:
    assert _live("APP-CORS-ORIGINS", _snapshot({"cors_origins": CORS_JSON})).passed
    verdict = _live("APP-RATE-LIMITING", _snapshot({"rate_limit_per_minute": "600"}))
    assert not verdict.passed
    assert "environment.RATE_LIMIT_PER_MINUTE: expected 60, got 600" in verdict.message
    assert _live("APP-DEBUG", _snapshot({"debug": "False"})).passed


def test_a_variable_set_twice_in_different_case_is_red() -> None:
    environment_twice = {"DEBUG": "false", "debug": "true"}
    verdict = _live("APP-DEBUG", _snapshot(environment_twice))
    assert not verdict.passed and "got <set more than once: DEBUG, debug>" in verdict.message, verdict.message


def _logging(snapshot: Snapshot) -> Verdict:
    return judge("checks/live/test_logging.py", "LOG-LEVEL", ENV, snapshot)


def test_debug_0_is_read_as_false_and_agrees_with_the_env_files_false() -> None:
    snapshot = _snapshot({"DEBUG": "0"})
    verdict = _live("APP-DEBUG", snapshot)
    assert verdict.passed, verdict.message
    debug = {e.actual for e in verdict.evidence if e.setting == "environment.DEBUG"}
    assert debug == {"0 → false"}  # the raw text beside the typed value
    drift = _drift("DEBUG", snapshot)  # production.env says DEBUG=false
    assert drift.passed and drift.evidence[-1].actual == "0 → false", drift.message


def test_lower_case_log_level_is_read() -> None:
    snapshot = _snapshot({"log_level": "INFO"})
    verdict = _logging(snapshot)
    assert verdict.passed, verdict.message
    drift = _drift("LOG_LEVEL", snapshot)
    assert drift.passed, drift.message


def test_a_log_level_that_is_not_a_level_is_red_naming_it() -> None:
    snapshot = _snapshot({"LOG_LEVEL": "verbose"})
    verdict = _logging(snapshot)
    assert not verdict.passed
    assert ("environment.LOG_LEVEL: expected INFO, got <LOG_LEVEL: 'verbose' does not parse: Input should be "
            "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'>") in verdict.message, verdict.message
    assert not _drift("LOG_LEVEL", snapshot).passed


def test_debug_maybe_is_red_naming_it() -> None:
    snapshot = _snapshot({"DEBUG": "maybe"})
    verdict = _live("APP-DEBUG", snapshot)
    assert not verdict.passed
    assert ("environment.DEBUG: expected false, got <DEBUG: 'maybe' does not parse: Input should be a valid "
            "boolean, unable to interpret input>") in verdict.message, verdict.message
    assert not _drift("DEBUG", snapshot).passed


def test_every_required_setting_set_loads_the_class() -> None:
    verdict = _live("APP-ENVIRONMENT", _snapshot({}))
    assert verdict.passed, verdict.message
    assert [e.actual for e in verdict.evidence if e.setting == "settings"] == ["loads", "loads"]


def test_a_required_secret_missing_is_the_whole_class_refusing_to_load() -> None:
    verdict = _live("APP-ENVIRONMENT", _snapshot({}, drop_secret="JWT_SECRET_KEY"))
    assert not verdict.passed
    assert ("production APP-ENVIRONMENT ecs-task-definition:production-taskmanager-api.settings: expected "
            "ProductionSettings loads, got required but not set: JWT_SECRET_KEY") in verdict.message, verdict.message
