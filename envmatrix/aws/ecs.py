"""ECS inventory: the cluster, the api/worker services, the task definition each runs and its family's latest."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model
from envmatrix.redact import literal_credential, redact_value

ROLES: tuple[str, ...] = ("api", "worker")
#: Deployment controllers whose running revision lives in task sets, not in deployments.
TASK_SET_CONTROLLERS: frozenset[str] = frozenset({"CODE_DEPLOY", "EXTERNAL"})
SizeName = Literal["cpu", "memory"]
#: What sizes a task: cpu units and memory (MiB).
SIZES: tuple[SizeName, ...] = ("cpu", "memory")


class Cluster(Model):
    name: str
    arn: str
    status: str
    container_insights: str | None
    tags: dict[str, str]


class Rollout(Model):
    """One deployment (ECS controller) or task set (CODE_DEPLOY / EXTERNAL controller) of a service."""

    kind: str  # "deployment" or "task set"
    id: str
    status: str  # PRIMARY, ACTIVE (being replaced), INACTIVE / DRAINING
    task_definition: str
    desired_count: int
    running_count: int
    rollout_state: str | None = None  # deployments: COMPLETED, IN_PROGRESS, FAILED (absent on old services)
    stability_status: str | None = None  # task sets: STEADY_STATE, STABILIZING


class Service(Model):
    name: str
    arn: str
    status: str
    desired_count: int
    task_definition: str  # the service's own field; ``running_task_definition`` is what its PRIMARY runs
    tags: dict[str, str]
    controller: str = "ECS"
    running_count: int = 0
    pending_count: int = 0
    rollouts: list[Rollout] = []
    running_task_definition: str | None = None
    subnets: list[str] = []  # networkConfiguration.awsvpcConfiguration.subnets (awsvpc tasks)
    #: deploymentConfiguration.deploymentCircuitBreaker (None: absent, as on services that never set it)
    circuit_breaker_enable: bool | None = None
    circuit_breaker_rollback: bool | None = None


class Container(Model):
    name: str
    image: str = ""
    firelens: bool = False  # a FireLens log router (firelensConfiguration set)
    environment: dict[str, str]  # values redacted at fetch time
    secrets: dict[str, str]  # name -> valueFrom (an ARN, never a value)
    log_driver: str | None
    log_options: dict[str, str]
    #: container-level reservations (ECS on EC2 sizes containers where the task has no cpu/memory): cpu units,
    #: memory hard limit and soft reservation (MiB)
    cpu: int | None = None
    memory: int | None = None
    memory_reservation: int | None = None
    #: setting ("environment", "logConfiguration.options") -> names whose plain value was a credential, by name
    #: or by shape; recorded at fetch time, since the values are masked from then on
    literals: dict[str, list[str]] = {}


class TaskSize(NamedTuple):
    """A task's cpu or memory as the checks compare it: the setting it was read from, and its value (None: not
    set anywhere, ``absent`` says what is missing)."""

    setting: str
    value: str | None
    absent: str = ""


class TaskDefinition(Model):
    family: str
    revision: int
    arn: str
    cpu: str | None
    memory: str | None
    containers: list[Container]
    tags: dict[str, str]

    def size(self, which: SizeName) -> TaskSize:
        """The task's cpu units or memory (MiB) and where they were read. Fargate needs them at task level; on
        ECS on EC2 capacity providers they are optional there, and the containers' reservations size the task:
        cpu summed over the containers that reserve any, memory summed over each container's hard limit (``memory``)
        or, without one, its ``memoryReservation`` (AWS requires one of the two per container then)."""
        task_level = self.cpu if which == "cpu" else self.memory
        if task_level is not None:
            return TaskSize(which, task_level)
        parts: list[tuple[str, str, int | None]]
        if which == "cpu":
            parts = [(item.name, "cpu", item.cpu) for item in self.containers if item.cpu]  # AWS answers 0 unset
            absent = "" if parts else "no task-level cpu and no container reserves cpu (all 0 or unset)"
        else:
            parts = [(item.name, "memory", item.memory) if item.memory is not None else
                     (item.name, "memoryReservation", item.memory_reservation) for item in self.containers]
            unset = [name for name, _field, value in parts if value is None]
            absent = f"no task-level memory and container(s) {', '.join(unset)} set neither memory nor " \
                     "memoryReservation" if unset or not parts else ""
        if absent:
            return TaskSize(which, None, absent)
        summed = " + ".join(f"{name}.{field} {value}" for name, field, value in parts)
        return TaskSize(f"containerDefinitions[].{which} (sum: {summed})", str(sum(value or 0 for *_, value in parts)))


class EcsInventory(Model):
    cluster: Cluster | None
    services: dict[str, Service | None]
    #: role -> the revision its service runs (None without a service, or when that revision is gone)
    task_definitions: dict[str, TaskDefinition | None]
    #: role -> the family's latest registered revision, deployed or not (recorded, never judged)
    latest_task_definitions: dict[str, TaskDefinition | None] = {}


def _cluster(target: AwsTarget) -> Cluster | None:
    client = target.clients.client("ecs")
    answer = client.describe_clusters(clusters=[target.names.cluster], include=["SETTINGS", "TAGS"])
    found = [c for c in answer.get("clusters", []) if c.get("status") != "INACTIVE"]
    if not found:
        return None
    raw = found[0]
    settings = {s.get("name"): s.get("value") for s in raw.get("settings", [])}
    return Cluster(name=raw["clusterName"], arn=raw["clusterArn"], status=raw.get("status", ""),
                   container_insights=settings.get("containerInsights"), tags=tag_dict(raw.get("tags")))


def _deployment(raw: dict[str, Any]) -> Rollout:
    return Rollout(kind="deployment", id=raw.get("id", ""), status=raw.get("status", ""),
                   task_definition=raw.get("taskDefinition", ""), desired_count=int(raw.get("desiredCount", 0)),
                   running_count=int(raw.get("runningCount", 0)), rollout_state=raw.get("rolloutState"))


def _task_set(raw: dict[str, Any]) -> Rollout:
    return Rollout(kind="task set", id=raw.get("id", ""), status=raw.get("status", ""),
                   task_definition=raw.get("taskDefinition", ""),
                   desired_count=int(raw.get("computedDesiredCount", 0)),
                   running_count=int(raw.get("runningCount", 0)), stability_status=raw.get("stabilityStatus"))


def _task_sets(target: AwsTarget, raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's task sets: in DescribeServices' answer, else from DescribeTaskSets."""
    if "taskSets" in raw:
        return list(raw["taskSets"])
    answer = target.clients.client("ecs").describe_task_sets(cluster=target.names.cluster,
                                                             service=raw["serviceArn"])
    return list(answer.get("taskSets", []))


def _rollouts(target: AwsTarget, raw: dict[str, Any], controller: str) -> list[Rollout]:
    if controller in TASK_SET_CONTROLLERS:
        return [_task_set(item) for item in _task_sets(target, raw)]
    return [_deployment(item) for item in raw.get("deployments", [])]


def running_revision(service_task_definition: str, rollouts: list[Rollout]) -> str | None:
    """The ARN the PRIMARY deployment / task set runs; the service's own taskDefinition when none says."""
    primary = next((r.task_definition for r in rollouts if r.status == "PRIMARY" and r.task_definition), None)
    return primary or service_task_definition or None


def _service(target: AwsTarget, raw: dict[str, Any]) -> Service:
    controller = (raw.get("deploymentController") or {}).get("type", "ECS")
    rollouts = _rollouts(target, raw, controller)
    task_definition = raw.get("taskDefinition", "")
    breaker = (raw.get("deploymentConfiguration") or {}).get("deploymentCircuitBreaker") or {}
    return Service(
        name=raw["serviceName"], arn=raw["serviceArn"], status=raw.get("status", ""),
        desired_count=int(raw.get("desiredCount", 0)), task_definition=task_definition,
        tags=tag_dict(raw.get("tags")), controller=controller, running_count=int(raw.get("runningCount", 0)),
        pending_count=int(raw.get("pendingCount", 0)), rollouts=rollouts,
        running_task_definition=running_revision(task_definition, rollouts),
        subnets=list(((raw.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}).get("subnets", [])),
        circuit_breaker_enable=breaker.get("enable"), circuit_breaker_rollback=breaker.get("rollback"))


def _services(target: AwsTarget) -> dict[str, Service | None]:
    client = target.clients.client("ecs")
    names = {target.names.service(role): role for role in ROLES}
    answer = or_none(lambda: client.describe_services(cluster=target.names.cluster, services=list(names),
                                                      include=["TAGS"]), "ClusterNotFoundException")
    found: dict[str, Service | None] = dict.fromkeys(ROLES)
    for raw in (answer or {}).get("services", []):
        if raw.get("serviceName") in names and raw.get("status") != "INACTIVE":
            found[names[raw["serviceName"]]] = _service(target, raw)
    return found


def _container(raw: dict[str, Any]) -> Container:
    log = raw.get("logConfiguration") or {}
    plain = {str(e["name"]): str(e.get("value", "")) for e in raw.get("environment", [])}
    # Log options may carry a credential (a FireLens output's apikey): redacted as the environment is.
    options = {str(key): str(value) for key, value in (log.get("options") or {}).items()}
    return Container(
        name=raw.get("name", ""),
        image=raw.get("image", ""),
        firelens=bool(raw.get("firelensConfiguration")),
        environment={name: str(redact_value(name, value)) for name, value in plain.items()},
        secrets={s["name"]: s.get("valueFrom", "") for s in raw.get("secrets", [])},
        log_driver=log.get("logDriver"),
        log_options={key: str(redact_value(key, value)) for key, value in options.items()},
        cpu=raw.get("cpu"), memory=raw.get("memory"), memory_reservation=raw.get("memoryReservation"),
        literals={setting: sorted(name for name, value in values.items() if literal_credential(name, value))
                  for setting, values in (("environment", plain), ("logConfiguration.options", options))},
    )


def _task_definition(target: AwsTarget, name: str) -> TaskDefinition | None:
    """``name`` is a family (its latest ACTIVE revision) or a full task definition ARN (that revision)."""
    client = target.clients.client("ecs")
    answer = or_none(lambda: client.describe_task_definition(taskDefinition=name, include=["TAGS"]),
                     "ClientException")
    if answer is None:
        return None
    raw = answer["taskDefinition"]
    return TaskDefinition(
        family=raw.get("family", name), revision=int(raw.get("revision", 0)),
        arn=raw.get("taskDefinitionArn", ""), cpu=raw.get("cpu"), memory=raw.get("memory"),
        containers=[_container(c) for c in raw.get("containerDefinitions", [])],
        tags=tag_dict(answer.get("tags")),
    )


def _revisions(target: AwsTarget, role: str, service: Service | None) -> tuple[TaskDefinition | None,
                                                                            TaskDefinition | None]:
    """(the revision the service runs, the family's latest): one call when they are the same revision."""
    latest = _task_definition(target, target.names.family(role))
    running_arn = service.running_task_definition if service else None
    if running_arn is None:
        return None, latest
    if latest is not None and running_arn in (latest.arn, f"{latest.family}:{latest.revision}"):
        return latest, latest
    return _task_definition(target, running_arn), latest


def fetch(target: AwsTarget) -> EcsInventory:
    """Cluster, both services in one call, the revision each service runs and its family's latest revision."""
    with reading(target.env, f"ECS cluster {target.names.cluster}"):
        cluster = _cluster(target)
        services = _services(target) if cluster else dict.fromkeys(ROLES)
    running: dict[str, TaskDefinition | None] = {}
    latest: dict[str, TaskDefinition | None] = {}
    for role in ROLES:
        with reading(target.env, f"ECS task definition {target.names.family(role)}"):
            running[role], latest[role] = _revisions(target, role, services[role])
    return EcsInventory(cluster=cluster, services=services, task_definitions=running,
                        latest_task_definitions=latest)


SECTION = Section("ecs", fetch, EcsInventory, services=("ecs",), operations=(
    ("ecs", "DescribeClusters"),
    ("ecs", "DescribeServices"),
    ("ecs", "DescribeTaskDefinition"),
    ("ecs", "DescribeTaskSets"),
))
