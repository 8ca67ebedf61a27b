"""Live SLA-related settings: database, cache, service capacity, auto scaling, availability zones."""

from __future__ import annotations

from collections.abc import Callable

from envmatrix import Environment, check
from envmatrix.aws.checking import (
    NOT_APPLICABLE_SERVERLESS,
    cache,
    present,
    primary_db,
    serverless_node_row,
    service,
    task_definition,
    task_size,
)
from envmatrix.aws.ecs import SIZES
from envmatrix.aws.elasticache import ReplicationGroup, ServerlessCache
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.rds import DbInstance, RdsInventory, storage_within
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.spec import EnvironmentSpec, Service
from envmatrix.verdict import holds
from envmatrix.wording import Figure, count, listed, text, when, word


def _has_replica(spec: EnvironmentSpec) -> bool:
    return spec.database.replica is not None


def _needs_zones(spec: EnvironmentSpec) -> bool:
    return spec.sla.min_availability_zones is not None


def _primary(env: Environment) -> tuple[str, DbInstance]:
    resource = f"rds:{env.live.names['db']}"
    return resource, present(env, env.live.section(RdsInventory).primary, resource)


@check("DB-INSTANCE-CLASS", layer="live", area="sla", row="database")
def test_db_instance_class(env: Environment) -> None:
    """RDS primary instance class."""
    resource, db = _primary(env)
    env.expect(resource, "DBInstanceClass", env.spec.database.instance_class, db.instance_class)


@check("DB-STORAGE", layer="live", area="sla", row="database", severity="medium")
def test_db_storage(env: Environment) -> None:
    """RDS allocated storage (GB): as documented, or grown from it by storage autoscaling up to the ceiling."""
    resource, db = _primary(env)
    low, high = env.spec.database.allocated_storage_gb, env.spec.database.max_allocated_storage_gb
    ok, shown = storage_within(db, low, high)
    env.expect(resource, "AllocatedStorage", low, shown, ok=lambda _w, _g: ok,
               expected_text=f"{low}, or grown by storage autoscaling up to MaxAllocatedStorage {high}")


@check("DB-MAX-STORAGE", layer="live", area="sla", row="database", severity="medium")
def test_db_max_storage(env: Environment) -> None:
    """RDS storage autoscaling ceiling (GB)."""
    resource, db = _primary(env)
    env.expect(resource, "MaxAllocatedStorage", env.spec.database.max_allocated_storage_gb, db.max_allocated_storage)


@check("DB-MULTI-AZ", layer="live", area="sla", row="database", evidence=True, severity="critical",
       figure=Figure("MultiAZ", word("Multi-AZ", "Single AZ")))
def test_db_multi_az(env: Environment) -> None:
    """RDS Multi-AZ per the matrix's Database row."""
    resource, db = primary_db(env)
    env.expect(resource, "MultiAZ", env.spec.database.multi_az, db.multi_az)


@check("DB-REPLICA", layer="live", area="sla", row="database", evidence=True, severity="high",
       figure=Figure("ReadReplicaDBInstanceIdentifiers", when("none", "no replica"), part=2, rank=2))
def test_db_replica(env: Environment) -> None:
    """A read replica exactly where the matrix says "with replica" (from ReadReplicaDBInstanceIdentifiers)."""
    resource, db = _primary(env)
    replicas = [r.identifier for r in env.live.section(RdsInventory).replicas]
    wanted = env.spec.database.replica is not None
    env.expect(resource, "ReadReplicaDBInstanceIdentifiers", "a read replica" if wanted else "no read replica",
               replicas or db.read_replicas or "none", ok=lambda _w, got: (got != "none") == wanted)
    env.expect(resource, "ReadReplicaDBInstanceIdentifiers", "every listed replica exists", replicas or "none",
               ok=lambda _w, _g: len(replicas) == len(db.read_replicas))


@check("DB-REPLICA-CLASS", layer="live", area="sla", row="database", applies=_has_replica,
       figure=Figure("DBInstanceClass", text("replica {}"), "replica", part=2))
def test_db_replica_class(env: Environment) -> None:
    """Read replica instance class."""
    resource, _db = _primary(env)
    replica_spec = env.spec.database.replica
    assert replica_spec is not None  # guaranteed by applies=
    replicas = env.live.section(RdsInventory).replicas
    present(env, replicas[0] if replicas else None, f"{resource} read replica")
    for replica in replicas:
        env.expect(f"rds:{replica.identifier}", "DBInstanceClass", replica_spec.instance_class, replica.instance_class)


@check("CACHE-NODE-TYPE", layer="live", area="sla", row="database")
def test_cache_node_type(env: Environment) -> None:
    """ElastiCache node type (a serverless cache has none: not applicable where the spec allows serverless)."""
    resource, found = cache(env)
    if isinstance(found, ServerlessCache):
        serverless_node_row(env, resource, "CacheNodeType", env.spec.cache.node_type)
        return
    env.expect(resource, "CacheNodeType", env.spec.cache.node_type, found.node_type)


@check("CACHE-NODE-COUNT", layer="live", area="sla", row="database")
def test_cache_node_count(env: Environment) -> None:
    """ElastiCache node count (members of the replication group); a serverless cache, which has no nodes, serves
    through its endpoint instead: available, with an endpoint."""
    resource, found = cache(env)
    if isinstance(found, ServerlessCache):
        with env.every():
            serverless_node_row(env, resource, "MemberClusters", env.spec.cache.num_nodes)
            env.expect(resource, "Status", "available", found.status.lower())
            env.expect(resource, "Endpoint", "an endpoint address", found.endpoint or "none",
                       ok=lambda _w, got: got != "none")
        return
    env.expect(resource, "MemberClusters", env.spec.cache.num_nodes, len(found.members))


def _failover(env: Environment, found: ReplicationGroup | ServerlessCache, setting: str) -> tuple[str, str]:
    """What the cache's failover setting shows, and what is expected of it: a serverless cache always replicates
    across Availability Zones and fails over, so a documented "no failover" does not apply to one."""
    expected = "enabled" if env.spec.cache.automatic_failover else "disabled"
    if not isinstance(found, ServerlessCache):
        return expected, found.automatic_failover if setting == "AutomaticFailover" else found.multi_az
    if expected == "disabled" and env.spec.cache.allow_serverless:
        return NOT_APPLICABLE_SERVERLESS, NOT_APPLICABLE_SERVERLESS
    return expected, "enabled"


@check("CACHE-FAILOVER", layer="live", area="sla", row="database", severity="critical")
def test_cache_failover(env: Environment) -> None:
    """ElastiCache automatic failover."""
    resource, found = cache(env)
    env.expect(resource, "AutomaticFailover", *_failover(env, found, "AutomaticFailover"))


@check("CACHE-MULTI-AZ", layer="live", area="sla", row="database", severity="high")
def test_cache_multi_az(env: Environment) -> None:
    """ElastiCache Multi-AZ wherever the cache fails over (the seed: "2 nodes, Multi-AZ", "3 nodes, Multi-AZ")."""
    resource, found = cache(env)
    env.expect(resource, "MultiAZ", *_failover(env, found, "MultiAZ"))


def _task_size_check(check_id: str, role: str) -> Callable[[Environment], None]:
    """Check ``check_id`` (literal at its call below): the ``role`` task definition's size."""
    @check(check_id, layer="live", area="sla", row="auto_scaling")
    def test(env: Environment) -> None:
        expected: Service = getattr(env.spec.services, role)
        resource, definition = task_definition(env, role)
        for which in SIZES:
            setting, value = task_size(env, resource, definition, which)
            env.expect(resource, setting, str(getattr(expected, which)), value)

    test.__doc__ = f"{role} task definition cpu units and memory (MiB; summed over its containers on ECS on EC2)."
    return test


#: Evidence wording where Application Auto Scaling owns desiredCount (Terraform: ignore_changes = [desired_count]).
MANAGED = "managed by Application Auto Scaling"


def _capacity_check(check_id: str, role: str) -> Callable[[Environment], None]:
    """Check ``check_id`` (literal at its call below): the ``role`` service's count and scaling bounds."""
    @check(check_id, layer="live", area="sla", row="auto_scaling")
    def test(env: Environment) -> None:
        expected: Service = getattr(env.spec.services, role)
        snapshot = env.live
        resource, found = service(env, role)
        low, high = expected.min_capacity, expected.max_capacity
        scalable = snapshot.section(ScalingInventory).targets.get(role)
        if scalable is not None:  # scaling moves desiredCount: any value within the documented range is right
            env.expect(resource, "desiredCount", f"within [{low}, {high}]", found.desired_count,
                       expected_text=f"within [{low}, {high}] ({MANAGED})", ok=lambda _w, got: low <= got <= high)
        else:
            env.expect(resource, "desiredCount", expected.desired_count, found.desired_count,
                       expected_text=f"{expected.desired_count} (no scalable target: nothing else sets it)")
        if scalable is None and not env.spec.auto_scaling:
            return  # no scaling where the matrix says disabled: AUTO-SCALING checks that
        label = f"scalable-target:{snapshot.names['cluster']}/{snapshot.names[role + '_service']}"
        scalable = present(env, scalable, label)
        env.expect(label, "MinCapacity", low, scalable.min_capacity)
        env.expect(label, "MaxCapacity", high, scalable.max_capacity)

    test.__doc__ = (f"{role}: desired count within the documented range where auto scaling manages it, else exactly "
                    "as documented; scalable target min/max as documented.")
    return test


test_ecs_api_task_size = _task_size_check("ECS-API-TASK-SIZE", "api")
test_ecs_worker_task_size = _task_size_check("ECS-WORKER-TASK-SIZE", "worker")
test_ecs_api_capacity = _capacity_check("ECS-API-CAPACITY", "api")
test_ecs_worker_capacity = _capacity_check("ECS-WORKER-CAPACITY", "worker")


@check("AUTO-SCALING", layer="live", area="sla", row="auto_scaling", evidence=True,
       figure=Figure("MinCapacity..MaxCapacity", text("api {}"), "/api"))
def test_auto_scaling(env: Environment) -> None:
    """Scalable targets with a range (min < max) where auto scaling is enabled; none where it is disabled."""
    snapshot = env.live
    for role in ("api", "worker"):
        target = snapshot.section(ScalingInventory).targets.get(role)
        label = f"scalable-target:{snapshot.names['cluster']}/{snapshot.names[role + '_service']}"
        shown = f"{target.min_capacity}..{target.max_capacity}" if target else "none"
        if env.spec.auto_scaling:
            env.expect(label, "MinCapacity..MaxCapacity", "a scaling range (min < max)", shown,
                       ok=holds(target is not None and target.min_capacity < target.max_capacity))
        else:
            env.expect(label, "MinCapacity..MaxCapacity", "no scalable target (auto scaling disabled)", shown,
                       ok=lambda _w, got: got == "none")


def _scales(spec: EnvironmentSpec) -> bool:
    return spec.auto_scaling


@check("AUTO-SCALING-POLICY", layer="live", area="sla", row="auto_scaling", evidence=True, applies=_scales,
       figure=Figure("ScalingPolicies", listed("api scaling policy"), "/api", part=2))
def test_auto_scaling_policy(env: Environment) -> None:
    """Where enabled, each scalable target has a scaling policy and its dynamic scaling is not suspended."""
    snapshot = env.live
    for role in ("api", "worker"):
        label = f"scalable-target:{snapshot.names['cluster']}/{snapshot.names[role + '_service']}"
        target = present(env, snapshot.section(ScalingInventory).targets.get(role), label)
        shown = [f"{policy.name} ({policy.policy_type})" for policy in target.policies] or "none"
        env.expect(label, "ScalingPolicies", "at least one scaling policy", shown, ok=lambda _w, got: got != "none")
        env.expect(label, "SuspendedState", "dynamic scaling not suspended", target.suspended or "none",
                   ok=lambda _w, got: got == "none")


@check("NET-AVAILABILITY-ZONES", layer="live", area="sla", row="uptime_sla", evidence=True, applies=_needs_zones,
       figure=Figure("subnets.AvailabilityZone", count("AZs"), part=2))
def test_net_availability_zones(env: Environment) -> None:
    """The VPC's subnets span at least the availability zones the SLA needs."""
    snapshot = env.live
    network = snapshot.section(NetworkInventory)
    resource = f"vpc:{snapshot.names['vpc']}"
    present(env, network.vpc, resource)
    zones = sorted({subnet.availability_zone for subnet in network.subnets})
    need = env.spec.sla.min_availability_zones or 0
    env.expect(resource, "subnets.AvailabilityZone", f"at least {need} distinct zones", zones,
               ok=lambda _w, got: len(got) >= need)
