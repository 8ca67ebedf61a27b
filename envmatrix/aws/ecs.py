"""ECS inventory: the cluster, the api/worker services and their task definition families."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.target import Model, Target
from envmatrix.redact import redact_value

ROLES: tuple[str, ...] = ("api", "worker")


class Cluster(Model):
    name: str
    arn: str
    status: str
    container_insights: str | None
    tags: dict[str, str]


class Service(Model):
    name: str
    arn: str
    status: str
    desired_count: int
    task_definition: str
    tags: dict[str, str]


class Container(Model):
    name: str
    environment: dict[str, str]  # values redacted at fetch time
    secrets: dict[str, str]  # name -> valueFrom (an ARN, never a value)
    log_driver: str | None
    log_options: dict[str, str]


class TaskDefinition(Model):
    family: str
    revision: int
    arn: str
    cpu: str | None
    memory: str | None
    containers: list[Container]
    tags: dict[str, str]


class EcsInventory(Model):
    cluster: Cluster | None
    services: dict[str, Service | None]
    task_definitions: dict[str, TaskDefinition | None]


def _cluster(target: Target) -> Cluster | None:
    client = target.clients.client("ecs")
    answer = client.describe_clusters(clusters=[target.names.cluster], include=["SETTINGS", "TAGS"])
    found = [c for c in answer.get("clusters", []) if c.get("status") != "INACTIVE"]
    if not found:
        return None
    raw = found[0]
    settings = {s.get("name"): s.get("value") for s in raw.get("settings", [])}
    return Cluster(name=raw["clusterName"], arn=raw["clusterArn"], status=raw.get("status", ""),
                   container_insights=settings.get("containerInsights"), tags=tag_dict(raw.get("tags")))


def _services(target: Target) -> dict[str, Service | None]:
    client = target.clients.client("ecs")
    names = {target.names.service(role): role for role in ROLES}
    answer = or_none(lambda: client.describe_services(cluster=target.names.cluster, services=list(names),
                                                      include=["TAGS"]), "ClusterNotFoundException")
    found: dict[str, Service | None] = dict.fromkeys(ROLES)
    for raw in (answer or {}).get("services", []):
        if raw.get("serviceName") in names and raw.get("status") != "INACTIVE":
            found[names[raw["serviceName"]]] = Service(
                name=raw["serviceName"], arn=raw["serviceArn"], status=raw.get("status", ""),
                desired_count=int(raw.get("desiredCount", 0)), task_definition=raw.get("taskDefinition", ""),
                tags=tag_dict(raw.get("tags")))
    return found


def _container(raw: dict[str, Any]) -> Container:
    log = raw.get("logConfiguration") or {}
    return Container(
        name=raw.get("name", ""),
        environment={e["name"]: str(redact_value(e["name"], e.get("value", ""))) for e in raw.get("environment", [])},
        secrets={s["name"]: s.get("valueFrom", "") for s in raw.get("secrets", [])},
        log_driver=log.get("logDriver"),
        log_options=dict(log.get("options") or {}),
    )


def _task_definition(target: Target, family: str) -> TaskDefinition | None:
    client = target.clients.client("ecs")
    answer = or_none(lambda: client.describe_task_definition(taskDefinition=family, include=["TAGS"]),
                     "ClientException")
    if answer is None:
        return None
    raw = answer["taskDefinition"]
    return TaskDefinition(
        family=raw.get("family", family), revision=int(raw.get("revision", 0)),
        arn=raw.get("taskDefinitionArn", ""), cpu=raw.get("cpu"), memory=raw.get("memory"),
        containers=[_container(c) for c in raw.get("containerDefinitions", [])],
        tags=tag_dict(answer.get("tags")),
    )


def fetch(target: Target) -> EcsInventory:
    """Cluster (with settings and tags), both services in one call, the latest revision of each family."""
    with reading(target.env, f"ECS cluster {target.names.cluster}"):
        cluster = _cluster(target)
        services = _services(target) if cluster else dict.fromkeys(ROLES)
    definitions: dict[str, TaskDefinition | None] = {}
    for role in ROLES:
        with reading(target.env, f"ECS task definition {target.names.family(role)}"):
            definitions[role] = _task_definition(target, target.names.family(role))
    return EcsInventory(cluster=cluster, services=services, task_definitions=definitions)
