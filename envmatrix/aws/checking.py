"""Helpers the live and drift checks share: presence, the app's container, secret names, tagged resources."""

from __future__ import annotations

from typing import Protocol, TypeVar

from envmatrix.aws.dbclusters import DbClustersInventory, held_by
from envmatrix.aws.ecs import Container, EcsInventory, Service, SizeName, TaskDefinition
from envmatrix.aws.elasticache import CacheInventory, ReplicationGroup, ServerlessCache
from envmatrix.aws.rds import DbInstance, RdsInventory
from envmatrix.aws.snapshot import Snapshot
from envmatrix.context import Environment

T = TypeVar("T")


class Tagged(Protocol):
    """A resource the snapshot read with its tags."""

    @property
    def tags(self) -> dict[str, str]: ...


ROLES: tuple[str, ...] = ("api", "worker")


def present(env: Environment, found: T | None, resource: str) -> T:
    """The resource, or a failure naming it when the snapshot did not find it (inside ``env.every()`` too)."""
    env.require(resource, "exists", "present", "missing" if found is None else "present", holds=found is not None)
    assert found is not None  # env.require raised otherwise
    return found


def judged_db(env: Environment, db: DbInstance, resource: str) -> tuple[str, DbInstance]:
    """The instance as the checks judge MultiAZ, backups, deletion protection and storage encryption, and where
    those live: a DB cluster member's are its cluster's (Aurora keeps them there); any other instance's its own."""
    if db.cluster is None:
        return resource, db
    label = f"rds-cluster:{db.cluster}"
    cluster = present(env, env.live.section(DbClustersInventory).clusters.get(db.cluster), label)
    return label, held_by(db, cluster)


def primary_db(env: Environment) -> tuple[str, DbInstance]:
    """The primary, judged as :func:`judged_db` says; a failure naming it when the snapshot did not find it."""
    resource = f"rds:{env.live.names['db']}"
    return judged_db(env, present(env, env.live.section(RdsInventory).primary, resource), resource)


def service(env: Environment, role: str) -> tuple[str, Service]:
    """The role's ECS service and its resource label; a failure naming it when the snapshot did not find it."""
    snapshot = env.live
    resource = f"ecs-service:{snapshot.names['cluster']}/{snapshot.names[role + '_service']}"
    return resource, present(env, snapshot.section(EcsInventory).services.get(role), resource)


def task_definition(env: Environment, role: str) -> tuple[str, TaskDefinition]:
    """The revision the role's service runs (never merely the family's latest) and its resource label."""
    service(env, role)  # without a service nothing runs: fail naming the missing service
    snapshot = env.live
    resource = f"ecs-task-definition:{snapshot.names[role + '_family']}"
    return resource, present(env, snapshot.section(EcsInventory).task_definitions.get(role), resource)


#: How a serverless cache shows the document's node rows where the spec allows one (cache.allow_serverless).
NOT_APPLICABLE_SERVERLESS = "not applicable: serverless"


def cache(env: Environment) -> tuple[str, ReplicationGroup | ServerlessCache]:
    """The cache the checks judge and its label: the replication group, else a serverless cache of that name."""
    resource = f"elasticache:{env.live.names['cache']}"
    inventory = env.live.section(CacheInventory)
    found: ReplicationGroup | ServerlessCache | None = inventory.group or inventory.serverless
    present(env, found, resource)
    assert found is not None  # present raised otherwise
    return resource, found


def serverless_node_row(env: Environment, resource: str, setting: str, expected: object) -> None:
    """A node row of the document (node type, node count) on a serverless cache, which has no nodes: not
    applicable where the spec allows serverless, else a finding naming the spec key."""
    allowed = env.spec.cache.allow_serverless
    shown = NOT_APPLICABLE_SERVERLESS if allowed else \
        "none: a serverless cache (the spec's cache.allow_serverless is false)"
    env.expect(resource, setting, expected, shown, ok=lambda _w, _g: allowed)


def task_size(env: Environment, resource: str, definition: TaskDefinition, which: SizeName) -> tuple[str, str]:
    """The setting and value of the task's cpu or memory: task-level, or summed over its containers (ECS on EC2);
    fails closed naming what is missing where neither is set."""
    size = definition.size(which)
    if size.value is None:
        env.require(resource, size.setting, f"{which} at task level or on its containers", size.absent,
                    holds=False)
    assert size.value is not None  # env.require raised otherwise
    return size.setting, size.value


#: Name or image fragments of the sidecars real task definitions carry beside the application.
SIDECAR_MARKERS: tuple[str, ...] = (
    "datadog", "dd-agent", "log_router", "log-router", "firelens", "fluent-bit", "fluentbit", "fluentd",
    "envoy", "appmesh", "aws-otel", "otel-collector", "xray", "x-ray", "cloudwatch-agent",
)


def is_sidecar(item: Container) -> bool:
    text = f"{item.name} {item.image}".lower()
    return item.firelens or any(marker in text for marker in SIDECAR_MARKERS)


def app_container(containers: list[Container], configured: str, likely: tuple[str, ...]) -> Container | str:
    """The application container, or why it cannot be told: the configured name; else one named like the
    service or role (``likely``); else the only container that is not a known sidecar."""
    if configured:
        named = [c for c in containers if c.name == configured]
        return named[0] if named else f"no container named {configured} among {[c.name for c in containers]}"
    for name in likely:
        named = [c for c in containers if c.name.lower() == name.lower()]
        if named:
            return named[0]
    apps = [c for c in containers if not is_sidecar(c)]
    if len(apps) == 1:
        return apps[0]
    return f"cannot tell the application container among {[c.name for c in containers]}"


def container(env: Environment, role: str) -> tuple[str, Container]:
    """The application container of the role's running task definition (found by name, not position)."""
    resource, definition = task_definition(env, role)
    names = env.live.names
    configured = names.get(f"{role}_container", "")
    found = app_container(definition.containers, configured,
                          (names[f"{role}_service"], role, names[f"{role}_family"]))
    if isinstance(found, str):
        wanted = configured or f"named {names[role + '_service']} or the only non-sidecar"
        env.require(f"{resource}/container", "name", f"the application container ({wanted})",
                    f"{found}; set names.{role}_container", holds=False, ok=lambda _w, _g: False)
    assert isinstance(found, Container)  # env.require raised otherwise
    return resource, found


def tagged_resources(snapshot: Snapshot) -> list[tuple[str, dict[str, str]]]:
    """(resource label, tags) of every top-level resource the snapshot found that tag rules cover.

    Covered: the resource types an AWS Config ``required-tags`` rule evaluates (RDS DB instances, VPCs,
    subnets, security groups, load balancers, S3 buckets; docs.aws.amazon.com/config/latest/developerguide/
    required-tags.html) and those an AWS Organizations tag policy enforces tags on (also ElastiCache, ECS
    clusters, services and task definitions, log groups, secrets, CloudWatch alarms, WAF web ACLs;
    docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_supported-resources-enforcement.html).
    Not covered: sub-resources (load balancer listeners and listener rules carry tags only if someone adds
    them, and neither rule asks for them) and scalable targets.
    """
    found: list[tuple[str, dict[str, str]]] = []

    def add(label: str, item: Tagged | None) -> None:
        if item is not None:
            found.append((label, item.tags))

    for name in ("rds", "cache", "ecs", "logs", "secrets", "network", "alb", "waf", "buckets", "alarms"):
        if name in snapshot.unavailable:
            snapshot.require(name)  # raises with the original reason
    rds, ecs = snapshot.rds, snapshot.ecs
    if rds is not None:
        for db in [rds.primary, *rds.replicas]:
            add(f"rds:{db.identifier}" if db else "", db)
    if snapshot.cache is not None:
        add(f"elasticache:{snapshot.names['cache']}", snapshot.cache.group or snapshot.cache.serverless)
    if ecs is not None:
        add(f"ecs-cluster:{snapshot.names['cluster']}", ecs.cluster)
        for role in ROLES:
            add(f"ecs-service:{snapshot.names[role + '_service']}", ecs.services.get(role))
            add(f"ecs-task-definition:{snapshot.names[role + '_family']}", ecs.task_definitions.get(role))
    found.extend(_more_tagged(snapshot))
    return found


def _more_tagged(snapshot: Snapshot) -> list[tuple[str, dict[str, str]]]:
    items: list[tuple[str, Tagged]] = []
    if snapshot.logs is not None:
        items += [(f"log-group:{g.name}", g) for g in snapshot.logs.groups.values() if g]
    if snapshot.secrets is not None:
        items += [(f"secret:{s.name}", s) for s in snapshot.secrets.secrets.values()]
    if snapshot.network is not None:
        net = snapshot.network
        items += [(f"vpc:{snapshot.names['vpc']}", net.vpc)] if net.vpc else []
        items += [(f"subnet:{s.id}", s) for s in net.subnets]
        items += [(f"security-group:{g.name}", g) for g in net.security_groups.values() if g]
    if snapshot.alb is not None:
        alb = snapshot.alb
        items += [(f"load-balancer:{alb.load_balancer.name}", alb.load_balancer)] if alb.load_balancer else []
    if snapshot.waf is not None and snapshot.waf.web_acl is not None:
        items += [(f"waf-web-acl:{snapshot.waf.web_acl.name}", snapshot.waf.web_acl)]
    if snapshot.buckets is not None:
        items += [(f"s3:{b.name}", b) for b in (snapshot.buckets.backup, snapshot.buckets.log_archive) if b]
    if snapshot.alarms is not None:
        items += [(f"alarm:{a.name}", a) for a in snapshot.alarms.alarms]
    return [(label, item.tags) for label, item in items]
