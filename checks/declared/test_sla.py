"""Declared SLA-related settings: database, cache, service capacity, auto scaling, availability zones."""

from __future__ import annotations

from collections.abc import Callable

from envmatrix import Environment, check
from envmatrix.spec import EnvironmentSpec, Service
from envmatrix.verdict import holds


def _has_replica(spec: EnvironmentSpec) -> bool:
    return spec.database.replica is not None


def _needs_zones(spec: EnvironmentSpec) -> bool:
    return spec.sla.min_availability_zones is not None


@check("DB-INSTANCE-CLASS", layer="declared", area="sla", row="database")
def test_db_instance_class(env: Environment) -> None:
    """RDS primary instance class."""
    env.expect_tfvars("db_instance_class", env.spec.database.instance_class, env.tfvars.db_instance_class)


@check("DB-STORAGE", layer="declared", area="sla", row="database", severity="medium")
def test_db_storage(env: Environment) -> None:
    """RDS allocated storage (GB)."""
    env.expect_tfvars("db_allocated_storage", env.spec.database.allocated_storage_gb, env.tfvars.db_allocated_storage)


@check("DB-MAX-STORAGE", layer="declared", area="sla", row="database", severity="medium")
def test_db_max_storage(env: Environment) -> None:
    """RDS storage autoscaling ceiling (GB), above the allocated storage."""
    tfvars = env.tfvars
    env.expect_tfvars("db_max_allocated_storage", env.spec.database.max_allocated_storage_gb,
               tfvars.db_max_allocated_storage)
    env.expect_tfvars("db_max_allocated_storage", f"> db_allocated_storage ({tfvars.db_allocated_storage})",
               tfvars.db_max_allocated_storage, ok=lambda _want, got: got > tfvars.db_allocated_storage)


@check("DB-MULTI-AZ", layer="declared", area="sla", row="database", evidence=True, severity="critical")
def test_db_multi_az(env: Environment) -> None:
    """RDS Multi-AZ per the matrix's Database row."""
    env.expect_tfvars("db_multi_az", env.spec.database.multi_az, env.tfvars.db_multi_az)


@check("DB-REPLICA", layer="declared", area="sla", row="database", evidence=True, severity="high")
def test_db_replica(env: Environment) -> None:
    """A read replica exactly where the matrix says "with replica"."""
    env.expect_tfvars("db_create_replica", env.spec.database.replica is not None, env.tfvars.db_create_replica)


@check("DB-REPLICA-CLASS", layer="declared", area="sla", row="database", applies=_has_replica)
def test_db_replica_class(env: Environment) -> None:
    """Read replica instance class."""
    replica = env.spec.database.replica
    assert replica is not None  # guaranteed by applies=
    env.expect_tfvars("db_replica_instance_class", replica.instance_class, env.tfvars.db_replica_instance_class)


@check("CACHE-NODE-TYPE", layer="declared", area="sla", row="database")
def test_cache_node_type(env: Environment) -> None:
    """ElastiCache node type."""
    env.expect_tfvars("cache_node_type", env.spec.cache.node_type, env.tfvars.cache_node_type)


@check("CACHE-NODE-COUNT", layer="declared", area="sla", row="database")
def test_cache_node_count(env: Environment) -> None:
    """ElastiCache node count."""
    env.expect_tfvars("cache_num_nodes", env.spec.cache.num_nodes, env.tfvars.cache_num_nodes)


@check("CACHE-FAILOVER", layer="declared", area="sla", row="database", severity="critical")
def test_cache_failover(env: Environment) -> None:
    """ElastiCache automatic failover."""
    env.expect_tfvars("cache_automatic_failover", env.spec.cache.automatic_failover,
               env.tfvars.cache_automatic_failover)


def _task_size_check(check_id: str, service: str) -> Callable[[Environment], None]:
    """Check ``check_id`` (literal at its call below): the ``service`` task's size in terraform.tfvars."""
    @check(check_id, layer="declared", area="sla", row="auto_scaling")
    def test(env: Environment) -> None:
        expected: Service = getattr(env.spec.services, service)
        env.expect_tfvars(f"{service}_cpu", str(expected.cpu), getattr(env.tfvars, f"{service}_cpu"))
        env.expect_tfvars(f"{service}_memory", str(expected.memory), getattr(env.tfvars, f"{service}_memory"))

    test.__doc__ = f"{service} task cpu units and memory (MiB)."
    return test


def _capacity_check(check_id: str, service: str) -> Callable[[Environment], None]:
    """Check ``check_id`` (literal at its call below): the ``service`` count and scaling bounds, declared."""
    @check(check_id, layer="declared", area="sla", row="auto_scaling")
    def test(env: Environment) -> None:
        expected: Service = getattr(env.spec.services, service)
        for setting in ("desired_count", "min_capacity", "max_capacity"):
            env.expect_tfvars(f"{service}_{setting}", getattr(expected, setting),
                       getattr(env.tfvars, f"{service}_{setting}"))

    test.__doc__ = f"{service} desired count and auto scaling bounds."
    return test


def _bounds_check(check_id: str, service: str) -> Callable[[Environment], None]:
    """Check ``check_id`` (literal at its call below): the ``service`` count within its declared bounds."""
    @check(check_id, layer="declared", area="sla", row="auto_scaling")
    def test(env: Environment) -> None:
        tfvars = env.tfvars
        low, desired, high = (getattr(tfvars, f"{service}_{k}") for k in ("min_capacity", "desired_count",
                                                                           "max_capacity"))
        env.expect_tfvars(f"{service}_desired_count", f"within [{low}, {high}]", desired,
                   ok=lambda _want, got: low <= got <= high)

    test.__doc__ = f"{service}: min_capacity <= desired_count <= max_capacity."
    return test


test_ecs_api_task_size = _task_size_check("ECS-API-TASK-SIZE", "api")
test_ecs_worker_task_size = _task_size_check("ECS-WORKER-TASK-SIZE", "worker")
test_ecs_api_capacity = _capacity_check("ECS-API-CAPACITY", "api")
test_ecs_worker_capacity = _capacity_check("ECS-WORKER-CAPACITY", "worker")
test_ecs_api_bounds = _bounds_check("ECS-API-BOUNDS", "api")
test_ecs_worker_bounds = _bounds_check("ECS-WORKER-BOUNDS", "worker")


@check("AUTO-SCALING", layer="declared", area="sla", row="auto_scaling", evidence=True)
def test_auto_scaling(env: Environment) -> None:
    """Auto scaling per the matrix: a capacity range when enabled, none (min = max) when disabled."""
    tfvars = env.tfvars
    for service in ("api", "worker"):
        low, high = getattr(tfvars, f"{service}_min_capacity"), getattr(tfvars, f"{service}_max_capacity")
        scales = low < high
        env.expect_tfvars(f"{service}_min_capacity..{service}_max_capacity",
                   "a scaling range (min < max)" if env.spec.auto_scaling else "no scaling range (min = max)",
                   f"{low}..{high}", ok=holds(scales == env.spec.auto_scaling))


@check("NET-AVAILABILITY-ZONES", layer="declared", area="sla", row="uptime_sla", evidence=True, applies=_needs_zones)
def test_net_availability_zones(env: Environment) -> None:
    """At least the availability zones the SLA needs, distinct and in the environment's region."""
    zones = env.tfvars.availability_zones
    need = env.spec.sla.min_availability_zones or 0
    env.expect_tfvars("availability_zones", f"at least {need} distinct zones", zones,
               ok=lambda _want, got: len(set(got)) >= need)
    env.expect_tfvars("availability_zones", f"zones in {env.tfvars.aws_region}", zones,
               ok=lambda _want, got: all(zone.startswith(env.tfvars.aws_region) for zone in got))


@check("ENV-REGION", layer="declared", area="sla", row="configuration", evidence=True, severity="medium")
def test_env_region(env: Environment) -> None:
    """AWS region."""
    env.expect_tfvars("aws_region", env.spec.region, env.tfvars.aws_region)


@check("ENV-DOMAIN", layer="declared", area="sla", row="configuration", evidence=True, severity="medium")
def test_env_domain(env: Environment) -> None:
    """The public domain name (the smoke layer's base URL)."""
    env.expect_tfvars("domain_name", env.spec.domain_name, env.tfvars.domain_name)
