"""ECS as real AWS answers it: the revision a service runs, sidecars first, rollouts, autoscaled desired counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import ecs, scaling
from envmatrix.aws.ecs import EcsInventory
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.names import names_for
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, judge, snapshot_of, target

ENV = "production"
NAMES = names_for(ENV)
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{NAMES.cluster}"
TAGS = [{"key": "Environment", "value": ENV}, {"key": "Project", "value": "taskmanager"}]
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:taskmanager/{ENV}/database-url-Ab12Cd"
WHEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
SLA, LOGGING, SECURITY = "checks/live/test_sla.py", "checks/live/test_logging.py", "checks/live/test_security.py"
DEPLOYMENT, DRIFT = "checks/live/test_deployment.py", "checks/drift/test_drift_tfvars.py"
#: What production's spec documents for each role (cpu, memory, LOG_LEVEL); fixtures/matrix.yaml.
RIGHT = {"api": ("1024", "2048", "INFO"), "worker": ("512", "1024", "INFO")}


def task_arn(role: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{NAMES.family(role)}:{revision}"


def app_container(role: str, log_level: str = "INFO", name: str | None = None) -> dict[str, Any]:
    """The application's container definition as RegisterTaskDefinition stores it."""
    return {
        "name": name or role, "essential": True,
        "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/taskmanager-{role}:v1.4.2",
        "environment": [{"name": "LOG_LEVEL", "value": log_level}, {"name": "ENVIRONMENT", "value": ENV}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": SECRET_ARN}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": NAMES.log_group(role), "awslogs-region": REGION, "awslogs-stream-prefix": role}},
    }


DATADOG = {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7", "essential": False,
           "environment": [{"name": "DD_SITE", "value": "datadoghq.com"}, {"name": "ECS_FARGATE", "value": "true"}]}
FIRELENS = {"name": "log_router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
            "essential": True,
            "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}}}
ENVOY = {"name": "envoy", "image": "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.4.0-prod",
         "essential": True, "environment": [{"name": "APPMESH_RESOURCE_ARN", "value": "mesh/taskmanager/node/api"}]}


def task_definition(role: str, revision: int, *, cpu: str | None = None, containers: list[dict[str, Any]] | None = None,
                    log_level: str = "INFO") -> dict[str, Any]:
    """A DescribeTaskDefinition answer (include=TAGS) for ``revision`` of the role's family."""
    right_cpu, memory, _level = RIGHT[role]
    return {"taskDefinition": {
        "taskDefinitionArn": task_arn(role, revision), "family": NAMES.family(role), "revision": revision,
        "status": "ACTIVE", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": cpu or right_cpu, "memory": memory,
        "containerDefinitions": containers or [app_container(role, log_level)],
        "registeredAt": WHEN}, "tags": TAGS}


def deployment(role: str, revision: int, status: str, *, desired: int, running: int,
               state: str = "COMPLETED") -> dict[str, Any]:
    return {"id": f"ecs-svc/{revision}{len(status)}743210987", "status": status,
            "taskDefinition": task_arn(role, revision), "desiredCount": desired, "pendingCount": 0,
            "runningCount": running, "failedTasks": 0, "createdAt": WHEN, "updatedAt": WHEN,
            "launchType": "FARGATE", "platformVersion": "1.4.0", "rolloutState": state,
            "rolloutStateReason": f"ECS deployment {state.lower()}."}


def task_set(role: str, revision: int, status: str, *, desired: int, running: int,
             stability: str = "STEADY_STATE") -> dict[str, Any]:
    return {"id": f"ecs-svc/{revision}08{len(status)}1", "status": status, "taskDefinition": task_arn(role, revision),
            "taskSetArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-set/{NAMES.cluster}/{role}/ecs-svc/{revision}",
            "computedDesiredCount": desired, "runningCount": running, "pendingCount": 0, "launchType": "FARGATE",
            "scale": {"value": 100.0, "unit": "PERCENT"}, "stabilityStatus": stability, "startedBy": "CodeDeploy"}


def service(role: str, revision: int, *, desired: int, running: int | None = None,
            rollouts: list[dict[str, Any]] | None = None, controller: str = "ECS") -> dict[str, Any]:
    """A DescribeServices member: the service's own taskDefinition is ``revision``."""
    running = desired if running is None else running
    raw: dict[str, Any] = {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{NAMES.cluster}/{role}", "serviceName": role,
        "clusterArn": CLUSTER_ARN, "status": "ACTIVE", "desiredCount": desired, "runningCount": running,
        "pendingCount": 0, "launchType": "FARGATE", "taskDefinition": task_arn(role, revision),
        "deploymentController": {"type": controller}, "schedulingStrategy": "REPLICA", "tags": TAGS,
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                    "maximumPercent": 200, "minimumHealthyPercent": 100}}
    if controller == "ECS":
        raw["deployments"] = rollouts if rollouts is not None else [
            deployment(role, revision, "PRIMARY", desired=desired, running=running)]
    elif rollouts is not None:
        raw["taskSets"], raw["deployments"] = rollouts, []
    return raw


class World:
    """Stubbed ECS answers in the order the inventory asks for them."""

    def __init__(self) -> None:
        self.clients = StubbedClients(ENV)
        self.stub = self.clients.stub("ecs")
        self.stub.add_response("describe_clusters", {"clusters": [{
            "clusterArn": CLUSTER_ARN, "clusterName": NAMES.cluster, "status": "ACTIVE",
            "settings": [{"name": "containerInsights", "value": "enabled"}], "tags": TAGS}], "failures": []})

    def services(self, *members: dict[str, Any]) -> World:
        self.stub.add_response("describe_services", {"services": list(members), "failures": []},
                               {"cluster": NAMES.cluster, "services": ["api", "worker"], "include": ["TAGS"]})
        return self

    def definition(self, asked: str, answer: dict[str, Any]) -> World:
        """DescribeTaskDefinition of ``asked`` (a family: its latest; an ARN: that revision)."""
        self.stub.add_response("describe_task_definition", answer, {"taskDefinition": asked, "include": ["TAGS"]})
        return self

    def inventory(self) -> EcsInventory:
        found = ecs.fetch(target(ENV, self.clients))  # type: ignore[arg-type]
        self.clients.verify()
        return found


def worker_as_documented(world: World) -> World:
    return world.definition(NAMES.family("worker"), task_definition("worker", 7))


def both_services(api: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return api, service("worker", 7, desired=10)


def scaling_inventory(api: tuple[int, int] | None, worker: tuple[int, int] | None = (10, 100)) -> ScalingInventory:
    """Application Auto Scaling answers (DescribeScalableTargets) for the two services' DesiredCount."""
    clients = StubbedClients(ENV)
    role_arn = (f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
                "AWSServiceRoleForApplicationAutoScaling_ECSService")
    members = [{"ServiceNamespace": "ecs", "ResourceId": NAMES.scalable_target(role),
                "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": pair[0], "MaxCapacity": pair[1],
                "RoleARN": role_arn, "CreationTime": WHEN}
               for role, pair in (("api", api), ("worker", worker)) if pair is not None]
    clients.stub("application-autoscaling").add_response("describe_scalable_targets", {"ScalableTargets": members})
    for _ in (range(2) if members else ()):  # once there is a target, each target's policies are read
        clients.stub("application-autoscaling").add_response("describe_scaling_policies", {"ScalingPolicies": []})
    return scaling.fetch(target(ENV, clients))  # type: ignore[arg-type]


# --- the running revision ----------------------------------------------------------------------------
def test_primary_and_active_deployments_read_the_primary_revision() -> None:
    """Mid-rollout: PRIMARY runs :42, ACTIVE still runs :41; the checks read :42 and ECS-ROLLOUT reports it."""
    rollouts = [deployment("api", 42, "PRIMARY", desired=5, running=3, state="IN_PROGRESS"),
                deployment("api", 41, "ACTIVE", desired=5, running=2, state="COMPLETED")]
    world = World().services(*both_services(service("api", 42, desired=5, rollouts=rollouts)))
    world.definition(NAMES.family("api"), task_definition("api", 42))
    inventory = worker_as_documented(world).inventory()
    assert inventory.task_definitions["api"] is not None and inventory.task_definitions["api"].revision == 42
    snapshot = snapshot_of(ENV, ecs=inventory)
    assert judge(SLA, "ECS-API-TASK-SIZE", ENV, snapshot).passed
    verdict = judge(DEPLOYMENT, "ECS-ROLLOUT", ENV, snapshot)
    assert not verdict.passed
    assert verdict.message.startswith(f"{ENV} ECS-ROLLOUT ecs-service:{NAMES.cluster}/api.deployments: "
                                      "expected one (the rollout finished), got ")
    assert "PRIMARY production-taskmanager-api:42" in verdict.message


def test_newer_revision_registered_not_deployed_neither_fails_nor_passes() -> None:
    """:9 is the family's latest (half the cpu, DEBUG); the service runs :8, right: green, both recorded."""
    world = World().services(*both_services(service("api", 8, desired=5)))
    world.definition(NAMES.family("api"), task_definition("api", 9, cpu="512", log_level="DEBUG"))
    world.definition(task_arn("api", 8), task_definition("api", 8))
    inventory = worker_as_documented(world).inventory()
    running, latest = inventory.task_definitions["api"], inventory.latest_task_definitions["api"]
    assert running is not None and latest is not None and (running.revision, latest.revision) == (8, 9)
    snapshot = snapshot_of(ENV, ecs=inventory)
    for module, check_id in ((SLA, "ECS-API-TASK-SIZE"), (LOGGING, "LOG-LEVEL"), (DEPLOYMENT, "ECS-ROLLOUT")):
        assert judge(module, check_id, ENV, snapshot).passed, check_id


def test_running_revision_wrong_while_the_latest_is_right_is_red() -> None:
    world = World().services(*both_services(service("api", 8, desired=5)))
    world.definition(NAMES.family("api"), task_definition("api", 9))
    world.definition(task_arn("api", 8), task_definition("api", 8, cpu="512", log_level="DEBUG"))
    snapshot = snapshot_of(ENV, ecs=worker_as_documented(world).inventory())
    size = judge(SLA, "ECS-API-TASK-SIZE", ENV, snapshot)
    assert not size.passed and size.message.startswith(
        f"{ENV} ECS-API-TASK-SIZE ecs-task-definition:{NAMES.family('api')}.cpu: expected 1024, got 512")
    level = judge(LOGGING, "LOG-LEVEL", ENV, snapshot)
    assert not level.passed and "environment.LOG_LEVEL: expected INFO, got DEBUG" in level.message


def test_code_deploy_service_reads_its_primary_task_set() -> None:
    """Blue/green: the service's own taskDefinition (:3) is not what runs; the PRIMARY task set (:4) is."""
    sets = [task_set("api", 4, "PRIMARY", desired=5, running=5)]
    world = World().services(*both_services(service("api", 3, desired=5, controller="CODE_DEPLOY", rollouts=sets)))
    world.definition(NAMES.family("api"), task_definition("api", 5))
    world.definition(task_arn("api", 4), task_definition("api", 4, log_level="DEBUG"))
    inventory = worker_as_documented(world).inventory()
    definition = inventory.task_definitions["api"]
    assert definition is not None and definition.revision == 4
    snapshot = snapshot_of(ENV, ecs=inventory)
    assert "expected INFO, got DEBUG" in judge(LOGGING, "LOG-LEVEL", ENV, snapshot).message
    assert judge(DEPLOYMENT, "ECS-ROLLOUT", ENV, snapshot).passed


def test_code_deploy_without_task_sets_in_the_answer_asks_describe_task_sets() -> None:
    world = World().services(*both_services(service("api", 3, desired=5, controller="CODE_DEPLOY")))
    world.stub.add_response("describe_task_sets", {"taskSets": [
        task_set("api", 4, "PRIMARY", desired=5, running=5), task_set("api", 3, "ACTIVE", desired=5, running=5,
                                                                      stability="STABILIZING")], "failures": []},
        {"cluster": NAMES.cluster, "service": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{NAMES.cluster}/api"})
    world.definition(NAMES.family("api"), task_definition("api", 4))
    snapshot = snapshot_of(ENV, ecs=worker_as_documented(world).inventory())
    verdict = judge(DEPLOYMENT, "ECS-ROLLOUT", ENV, snapshot)
    assert not verdict.passed and f"ecs-service:{NAMES.cluster}/api.taskSets: expected one" in verdict.message


def test_without_a_service_the_task_definition_checks_fail_naming_it() -> None:
    world = World().services(service("worker", 7, desired=10))
    world.definition(NAMES.family("api"), task_definition("api", 9))
    inventory = worker_as_documented(world).inventory()
    assert inventory.task_definitions["api"] is None and inventory.latest_task_definitions["api"] is not None
    verdict = judge(SLA, "ECS-API-TASK-SIZE", ENV, snapshot_of(ENV, ecs=inventory))
    assert not verdict.passed
    assert verdict.message.startswith(f"{ENV} ECS-API-TASK-SIZE ecs-service:{NAMES.cluster}/api.exists: "
                                      "expected present, got missing")


# --- the application container ---------------------------------------------------------------------
def _with_api_containers(containers: list[dict[str, Any]]) -> Any:
    world = World().services(*both_services(service("api", 12, desired=5)))
    world.definition(NAMES.family("api"), task_definition("api", 12, containers=containers))
    return snapshot_of(ENV, ecs=worker_as_documented(world).inventory())


@pytest.mark.parametrize("containers", [
    [DATADOG, FIRELENS, app_container("api")],
    [ENVOY, app_container("api", name="taskmanager-app"), DATADOG],  # named unlike the service: the only non-sidecar
], ids=["datadog-firelens-first", "envoy-first-app-renamed"])
def test_sidecars_first_read_the_app_container(containers: list[dict[str, Any]]) -> None:
    snapshot = _with_api_containers(containers)
    for module, check_id in ((LOGGING, "LOG-LEVEL"), (LOGGING, "LOG-DESTINATION"), (SECURITY, "SECRETS-NO-LITERALS")):
        assert judge(module, check_id, ENV, snapshot).passed, check_id


def test_a_wrong_app_value_behind_a_sidecar_is_red() -> None:
    verdict = judge(LOGGING, "LOG-LEVEL", ENV, _with_api_containers([DATADOG, app_container("api", "DEBUG")]))
    assert not verdict.passed
    assert verdict.message.startswith(f"{ENV} LOG-LEVEL ecs-task-definition:{NAMES.family('api')}"
                                      ".environment.LOG_LEVEL: expected INFO, got DEBUG")


def test_a_sidecar_literal_secret_still_counts() -> None:
    leaky = {**DATADOG, "environment": [{"name": "DD_API_KEY", "value": "0123456789abcdef0123456789abcdef"}]}
    verdict = judge(SECURITY, "SECRETS-NO-LITERALS", ENV, _with_api_containers([leaky, app_container("api")]))
    assert not verdict.passed
    assert f"ecs-task-definition:{NAMES.family('api')}/container:datadog-agent.environment" in verdict.message
    assert "0123456789abcdef" not in verdict.message


def test_two_candidate_app_containers_fail_closed() -> None:
    containers = [app_container("api", name="web"), {**app_container("api", name="migrate"), "essential": False}]
    verdict = judge(LOGGING, "LOG-LEVEL", ENV, _with_api_containers(containers))
    assert not verdict.passed
    assert "cannot tell the application container among ['web', 'migrate']; set names.api_container" \
        in verdict.message


def test_a_configured_app_container_name_is_used() -> None:
    names = names_for(ENV, {"api_container": "migrate"})
    containers = [app_container("api", name="web"), app_container("api", "DEBUG", name="migrate")]
    world = World().services(*both_services(service("api", 12, desired=5)))
    world.definition(NAMES.family("api"), task_definition("api", 12, containers=containers))
    snapshot = snapshot_of(ENV, names=names, ecs=worker_as_documented(world).inventory())
    assert "expected INFO, got DEBUG" in judge(LOGGING, "LOG-LEVEL", ENV, snapshot).message


# --- rollout and desired count -------------------------------------------------------------------------
def test_rollout_in_progress_is_its_own_finding() -> None:
    rollouts = [deployment("api", 12, "PRIMARY", desired=5, running=2, state="IN_PROGRESS")]
    world = World().services(*both_services(service("api", 12, desired=5, running=2, rollouts=rollouts)))
    world.definition(NAMES.family("api"), task_definition("api", 12))
    verdict = judge(DEPLOYMENT, "ECS-ROLLOUT", ENV, snapshot_of(ENV, ecs=worker_as_documented(world).inventory()))
    assert not verdict.passed
    assert verdict.message.startswith(
        f"{ENV} ECS-ROLLOUT ecs-service:{NAMES.cluster}/api.runningCount: expected desiredCount 5, got 2")


def test_a_finished_rollout_without_rollout_state_passes() -> None:
    """Services behind no circuit breaker (older ones) carry no rolloutState: one PRIMARY, all running is done."""
    primary = {key: value for key, value in deployment("api", 12, "PRIMARY", desired=5, running=5).items()
               if not key.startswith("rolloutState")}
    world = World().services(*both_services(service("api", 12, desired=5, rollouts=[primary])))
    world.definition(NAMES.family("api"), task_definition("api", 12))
    assert judge(DEPLOYMENT, "ECS-ROLLOUT", ENV, snapshot_of(ENV, ecs=worker_as_documented(world).inventory())).passed


def _desired(count: int) -> EcsInventory:
    world = World().services(*both_services(service("api", 12, desired=count)))
    return worker_as_documented(world.definition(NAMES.family("api"), task_definition("api", 12))).inventory()


def test_autoscaled_desired_count_within_range_passes_live_and_drift() -> None:
    """Scaling moved api from the declared 5 to 17 (within 5..50): live and drift pass and say why."""
    snapshot = snapshot_of(ENV, ecs=_desired(17), scaling=scaling_inventory((5, 50)))
    assert judge(SLA, "ECS-API-CAPACITY", ENV, snapshot).passed
    drift = judge(DRIFT, "DRIFT-SERVICES", ENV, snapshot, key="api_desired_count")
    assert drift.passed
    assert "managed by Application Auto Scaling; ignore_changes: within [5, 50]" in drift.evidence[-1].expected


def test_autoscaled_desired_count_outside_range_is_red() -> None:
    snapshot = snapshot_of(ENV, ecs=_desired(60), scaling=scaling_inventory((5, 50)))
    drift = judge(DRIFT, "DRIFT-SERVICES", ENV, snapshot, key="api_desired_count")
    assert not drift.passed and "api_desired_count: expected declared 5" in drift.message and "got 60" in drift.message
    live = judge(SLA, "ECS-API-CAPACITY", ENV, snapshot)
    assert not live.passed and ".desiredCount: expected within [5, 50]" in live.message


def test_without_a_scalable_target_desired_count_is_exact() -> None:
    snapshot = snapshot_of(ENV, ecs=_desired(17), scaling=scaling_inventory(None))
    drift = judge(DRIFT, "DRIFT-SERVICES", ENV, snapshot, key="api_desired_count")
    assert not drift.passed and "expected declared 5 (terraform.tfvars), got 17" in drift.message
    live = judge(SLA, "ECS-API-CAPACITY", ENV, snapshot)
    assert not live.passed and ".desiredCount: expected 5" in live.message


# --- the dev auto-scaling contradiction, whichever way a world resolves it --------------------------------
def _dev(desired: int, targets: dict[str, tuple[int, int]]) -> Any:
    names = names_for("dev")
    services = {role: ecs.Service(name=role, arn=f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{names.cluster}/{role}",
                                  status="ACTIVE", desired_count=desired, running_count=desired, tags={},
                                  task_definition=f"{names.family(role)}:1") for role in ("api", "worker")}
    inventory = EcsInventory(cluster=None, services=services, task_definitions={"api": None, "worker": None})
    found: dict[str, scaling.ScalableTarget | None] = dict.fromkeys(("api", "worker"))
    for role, (low, high) in targets.items():
        found[role] = scaling.ScalableTarget(resource_id=names.scalable_target(role), min_capacity=low,
                                             max_capacity=high)
    return snapshot_of("dev", ecs=inventory, scaling=ScalingInventory(targets=found))


def test_dev_with_scalable_targets_reports_the_contradiction() -> None:
    """The dev tfvars give ranges (the world follows them): AUTO-SCALING says so; desired within range passes."""
    snapshot = _dev(2, {"api": (2, 5), "worker": (1, 10)})
    verdict = judge(SLA, "AUTO-SCALING", "dev", snapshot)
    assert not verdict.passed and verdict.message.startswith(
        "dev AUTO-SCALING scalable-target:dev-taskmanager/api.MinCapacity..MaxCapacity: "
        "expected no scalable target (auto scaling disabled), got 2..5")
    assert judge(SLA, "ECS-API-CAPACITY", "dev", snapshot).passed
    assert judge(DRIFT, "DRIFT-SERVICES", "dev", snapshot, key="api_desired_count").passed


def test_dev_without_scalable_targets_reports_the_contradiction_in_drift() -> None:
    """The world follows the matrix (no scaling): live passes exactly; drift against the tfvars ranges says so."""
    snapshot = _dev(2, {})
    assert judge(SLA, "AUTO-SCALING", "dev", snapshot).passed
    assert judge(SLA, "ECS-API-CAPACITY", "dev", snapshot).passed
    assert judge(DRIFT, "DRIFT-SERVICES", "dev", snapshot, key="api_desired_count").passed
    verdict = judge(DRIFT, "DRIFT-SERVICES", "dev", snapshot, key="api_min_capacity")
    assert not verdict.passed and verdict.message.startswith(
        "dev DRIFT-SERVICES scalable-target:dev-taskmanager/api.api_min_capacity: expected declared 2 "
        "(terraform.tfvars), got ")


# --- logs routed through FireLens ----------------------------------------------------------------------------
def _firelens_app(output: dict[str, str]) -> dict[str, Any]:
    """The app container logging through the task's FireLens router (logDriver awsfirelens, the output's options)."""
    return {**app_container("api"), "logConfiguration": {"logDriver": "awsfirelens", "options": output}}


TO_CLOUDWATCH = {"Name": "cloudwatch_logs", "region": REGION, "log_group_name": NAMES.log_group("api"),
                 "log_stream_prefix": "api/", "auto_create_group": "false"}
DATADOG_KEY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
TO_DATADOG = {"Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "TLS": "on", "provider": "ecs",
              "dd_service": "taskmanager-api", "apikey": DATADOG_KEY}


@pytest.mark.parametrize("output", [TO_CLOUDWATCH, {**TO_CLOUDWATCH, "Name": "cloudwatch"}],
                         ids=["cloudwatch_logs", "older-cloudwatch-plugin"])
def test_firelens_to_the_service_log_group_is_green(output: dict[str, str]) -> None:
    snapshot = _with_api_containers([FIRELENS, _firelens_app(output)])
    assert judge(LOGGING, "LOG-DESTINATION", ENV, snapshot).passed
    assert judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot).passed


def test_firelens_to_another_log_group_is_red() -> None:
    snapshot = _with_api_containers([FIRELENS, _firelens_app({**TO_CLOUDWATCH, "log_group_name": "/ecs/scratch"})])
    verdict = judge(LOGGING, "LOG-DESTINATION", ENV, snapshot)
    assert not verdict.passed
    assert verdict.message.startswith(f"{ENV} LOG-DESTINATION ecs-task-definition:{NAMES.family('api')}"
                                      f".logConfiguration.options.log_group_name: expected {NAMES.log_group('api')}"
                                      ", got /ecs/scratch")


def test_firelens_without_a_router_in_the_task_is_red() -> None:
    verdict = judge(LOGGING, "LOG-DESTINATION", ENV, _with_api_containers([_firelens_app(TO_CLOUDWATCH)]))
    assert not verdict.passed
    assert ".logConfiguration.logDriver: expected awslogs (or awsfirelens with a CloudWatch output), " \
           "got awsfirelens" in verdict.message


def test_firelens_only_to_datadog_is_red_and_its_literal_key_is_never_kept() -> None:
    snapshot = _with_api_containers([FIRELENS, _firelens_app(TO_DATADOG)])
    destination = judge(LOGGING, "LOG-DESTINATION", ENV, snapshot)
    assert not destination.passed and "got awsfirelens" in destination.message
    literals = judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot)
    assert not literals.passed
    assert '.logConfiguration.options: expected no literal secrets, got ["apikey"]' in literals.message
    assert DATADOG_KEY not in snapshot.model_dump_json() and DATADOG_KEY not in literals.message


def test_a_router_key_in_secret_options_is_green() -> None:
    output = {key: value for key, value in TO_DATADOG.items() if key != "apikey"}
    app = _firelens_app(output)
    app["logConfiguration"] = {**app["logConfiguration"],
                               "secretOptions": [{"name": "apikey", "valueFrom": SECRET_ARN}]}
    snapshot = _with_api_containers([FIRELENS, app])
    assert judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot).passed
