"""Drift: every terraform.tfvars variable with a live counterpart against the live value, key by key."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings
from envmatrix.aws.alb import AlbInventory
from envmatrix.aws.buckets import BucketsInventory, expiration_days
from envmatrix.aws.checking import cache, container, judged_db, present, task_definition, task_size
from envmatrix.aws.dbclusters import HELD
from envmatrix.aws.ecs import EcsInventory, SizeName
from envmatrix.aws.elasticache import ReplicationGroup, ServerlessCache
from envmatrix.aws.logs import LogsInventory
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.rds import RdsInventory, storage_within
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.aws.vpn import INTERNAL
from envmatrix.aws.waf import WafInventory, guard_of
from envmatrix.catalog import Area
from envmatrix.verdict import show

#: tfvars key -> (env -> (live resource label, live value))
Getter = Callable[[Environment], tuple[str, object]]


def _db(env: Environment, attribute: str) -> tuple[str, object]:
    resource = f"rds:{env.live.names['db']}"
    db = present(env, env.live.section(RdsInventory).primary, resource)
    if attribute in HELD:  # a DB cluster member's is its cluster's (Aurora)
        resource, db = judged_db(env, db, resource)
    return resource, getattr(db, attribute)


def _storage(env: Environment) -> tuple[str, object, bool, str]:
    """Terraform's convention for autoscaled storage: ``ignore_changes = [allocated_storage]`` where
    max_allocated_storage is set, so growth up to the declared ceiling is no drift (shrinking or passing it is)."""
    resource = f"rds:{env.live.names['db']}"
    db = present(env, env.live.section(RdsInventory).primary, resource)
    declared, ceiling = env.tfvars.db_allocated_storage, env.tfvars.db_max_allocated_storage
    text = f"declared {declared} ({env.tfvars.file_name('db_allocated_storage')})"
    if not ceiling:
        return resource, db.allocated_storage, db.allocated_storage == declared, text
    ok, shown = storage_within(db, declared, ceiling)
    return resource, shown, ok, (f"{text}, or grown by storage autoscaling up to db_max_allocated_storage "
                                 f"{ceiling} (Terraform: ignore_changes = [allocated_storage])")



def _replica(env: Environment, attribute: str) -> tuple[str, object]:
    resource = f"rds:{env.live.names['db']}"
    present(env, env.live.section(RdsInventory).primary, resource)
    replicas = env.live.section(RdsInventory).replicas
    if attribute == "exists":
        return f"{resource}.ReadReplicaDBInstanceIdentifiers", bool(replicas)
    return f"{resource} read replica", replicas[0].instance_class if replicas else None


def _cache(env: Environment, read: Callable[[ReplicationGroup], object], serverless: object) -> tuple[str, object]:
    """The replication group's setting; ``serverless`` on a serverless cache (no nodes; always fails over)."""
    resource, found = cache(env)
    return resource, serverless if isinstance(found, ServerlessCache) else read(found)


def _task(env: Environment, role: str, which: SizeName) -> tuple[str, object]:
    resource, definition = task_definition(env, role)
    return resource, task_size(env, resource, definition, which)[1]


def _service(env: Environment, role: str) -> tuple[str, int]:
    names = env.live.names
    resource = f"ecs-service:{names['cluster']}/{names[role + '_service']}"
    return resource, present(env, env.live.section(EcsInventory).services.get(role), resource).desired_count


def _scaling(env: Environment, role: str, attribute: str) -> tuple[str, object]:
    names = env.live.names
    target = env.live.section(ScalingInventory).targets.get(role)
    return f"scalable-target:{names['cluster']}/{names[role + '_service']}", getattr(target, attribute, None)


def _desired(role: str) -> Callable[[Environment], tuple[str, object, bool, str]]:
    """Where Application Auto Scaling owns the live desiredCount, Terraform users write
    ``ignore_changes = [desired_count]``: any value within the scalable target's range is no drift."""
    def judge(env: Environment) -> tuple[str, object, bool, str]:
        resource, live_value = _service(env, role)
        key = f"{role}_desired_count"
        declared = getattr(env.tfvars, key)
        text = f"declared {show(declared)} ({env.tfvars.file_name(key)})"
        target = env.live.section(ScalingInventory).targets.get(role)
        if target is None:
            return resource, live_value, live_value == declared, text
        low, high = target.min_capacity, target.max_capacity
        return resource, live_value, low <= live_value <= high, (
            f"{text}, managed by Application Auto Scaling; ignore_changes: within [{low}, {high}]")
    return judge


#: Keys whose live value AWS manages itself within a declared range: (resource, shown live value, ok, expected text)
JUDGED: dict[str, Callable[[Environment], tuple[str, object, bool, str]]] = {
    "db_allocated_storage": _storage, "api_desired_count": _desired("api"), "worker_desired_count": _desired("worker"),
}


def _log_retention(env: Environment) -> tuple[str, object]:
    groups = env.live.section(LogsInventory).groups
    values = {role: group.retention_days if group else None for role, group in groups.items()}
    label = "log-groups:" + ",".join(env.live.names[f"{role}_log_group"] for role in values)
    distinct = set(values.values())
    return label, distinct.pop() if len(distinct) == 1 else values


def _archive(env: Environment) -> tuple[str, object]:
    resource = f"s3:{env.live.names['log_archive_bucket']}"
    bucket = env.live.section(BucketsInventory).log_archive
    days = expiration_days(bucket) if bucket else []
    return resource, days[0] if len(days) == 1 else (days or None)


def _network(env: Environment, what: str) -> tuple[str, object]:
    resource = f"vpc:{env.live.names['vpc']}"
    network = env.live.section(NetworkInventory)
    vpc = present(env, network.vpc, resource)
    return resource, vpc.cidr if what == "cidr" else sorted({s.availability_zone for s in network.subnets})


#: the engine log RDS exports for PostgreSQL (EnabledCloudwatchLogsExports), what db_audit_logging turns on
POSTGRES_LOG = "postgresql"


def _bastion(env: Environment) -> tuple[str, object]:
    resource = f"ec2-instances:tag {env.live.names['bastion_tag']}"
    network = env.live.section(NetworkInventory)
    present(env, network.vpc, f"vpc:{env.live.names['vpc']}")
    return resource, bool(network.bastions and network.bastions.instances)


def _audit_logging(env: Environment) -> tuple[str, object]:
    resource, exports = _db(env, "log_exports")  # an Aurora member's are its cluster's
    return resource, isinstance(exports, list) and POSTGRES_LOG in exports


def _alb_internal(env: Environment) -> tuple[str, object]:
    resource = f"load-balancer:{env.live.names['alb']}"
    balancer = present(env, env.live.section(AlbInventory).load_balancer, resource)
    if env.tfvars.alb_internal is None:  # not declared: Terraform's default, nothing to compare
        return f"{resource}.Scheme", None
    return f"{resource}.Scheme", balancer.scheme == INTERNAL


def _admin_sources(env: Environment) -> tuple[str, object]:
    """The addresses the web ACL's guard of the spec's admin paths exempts ([]: none); None where no rule guards
    them (or no admin path is documented: nothing to compare against)."""
    waf = env.live.section(WafInventory)
    acl, access = waf.web_acl, env.spec.access
    resource = f"waf:{acl.name if acl else env.live.names['waf']}"
    guards = [guard_of(acl, path) for path in access.admin_paths] if acl and access else []
    if not guards or None in guards:
        return resource, None
    arns = {arn for guard in guards if guard for arn in guard.except_ip_sets}
    sets = [waf.ip_sets.get(arn) for arn in sorted(arns)]
    return f"{resource} admin IP sets", sorted({a for item in sets if item for a in item.addresses})


def _services(role: str) -> dict[str, Getter]:
    return {
        f"{role}_cpu": lambda env: _task(env, role, "cpu"),
        f"{role}_memory": lambda env: _task(env, role, "memory"),
        f"{role}_desired_count": lambda env: _service(env, role),
        f"{role}_min_capacity": lambda env: _scaling(env, role, "min_capacity"),
        f"{role}_max_capacity": lambda env: _scaling(env, role, "max_capacity"),
    }


def _classification(env: Environment) -> tuple[str, object]:
    resource = f"rds:{env.live.names['db']}"
    db = present(env, env.live.section(RdsInventory).primary, resource)
    key = env.spec.data.classification_tag
    return f"{resource}.tags.{key}", db.tags.get(key)


def _log_level(env: Environment) -> tuple[str, object]:
    """The api container's LOG_LEVEL as pydantic-settings reads it (any case; a documented default applies);
    a value it refuses is shown with the reason."""
    resource, app = container(env, "api")
    found = AppSettings.of(env.suite.spec, env.name).find("LOG_LEVEL", app.environment, app.secrets)
    return resource, found.value if found.read else found.shown()


GROUPS: dict[str, tuple[Area, str, dict[str, Getter]]] = {
    "DRIFT-DATABASE": ("sla", "database", {
        "db_instance_class": lambda env: _db(env, "instance_class"),
        "db_allocated_storage": lambda env: _db(env, "allocated_storage"),
        "db_max_allocated_storage": lambda env: _db(env, "max_allocated_storage"),
        "db_multi_az": lambda env: _db(env, "multi_az"),
        "db_create_replica": lambda env: _replica(env, "exists"),
        "db_replica_instance_class": lambda env: _replica(env, "instance_class"),
        "cache_node_type": lambda env: _cache(env, lambda g: g.node_type, "none: serverless"),
        "cache_num_nodes": lambda env: _cache(env, lambda g: len(g.members), "none: serverless"),
        "cache_automatic_failover": lambda env: _cache(env, lambda g: g.automatic_failover == "enabled", True),
    }),
    "DRIFT-BACKUPS": ("backups", "backups", {
        "db_backup_retention_days": lambda env: _db(env, "backup_retention_days"),
        "db_deletion_protection": lambda env: _db(env, "deletion_protection"),
    }),
    "DRIFT-SERVICES": ("sla", "auto_scaling", {**_services("api"), **_services("worker")}),
    "DRIFT-LOGGING": ("logging", "log_level", {
        "log_retention_days": _log_retention,
        "log_archive_days": _archive,
        "log_level": _log_level,
    }),
    "DRIFT-NETWORK": ("security", "security", {
        "vpc_cidr": lambda env: _network(env, "cidr"),
        "availability_zones": lambda env: _network(env, "zones"),
    }),
    "DRIFT-DATA": ("security", "data", {
        "db_data_classification": _classification,
    }),
    "DRIFT-ACCESS": ("security", "access", {
        "bastion_enabled": _bastion,
        "db_audit_logging": _audit_logging,
        "alb_internal": _alb_internal,
        "admin_allowed_cidrs": _admin_sources,
    }),
}


def _declared(env: Environment, key: str) -> object:
    value = getattr(env.tfvars, key)
    return sorted(set(value)) if isinstance(value, list) else value


def _drift_check(check_id: str) -> Callable[[Environment, str], None]:
    """The drift check ``check_id`` (its literal id at the call below): one test per tfvars key of its group."""
    area, row, getters = GROUPS[check_id]

    @check(check_id, layer="drift", area=area, row=row)
    @pytest.mark.parametrize("key", list(getters))
    def test(env: Environment, key: str) -> None:
        declared = _declared(env, key)
        if key in JUDGED:
            resource, shown, ok, text = JUDGED[key](env)
            env.expect(resource, key, declared, shown, ok=lambda _w, _g: ok, expected_text=text)
            return
        resource, live_value = getters[key](env)
        env.expect(resource, key, declared, live_value,
                   expected_text=f"declared {show(declared)} ({env.tfvars.file_name(key)})")

    test.__doc__ = f"terraform.tfvars vs live, key by key: {', '.join(getters)}."
    return test


test_drift_database = _drift_check("DRIFT-DATABASE")
test_drift_backups = _drift_check("DRIFT-BACKUPS")
test_drift_services = _drift_check("DRIFT-SERVICES")
test_drift_logging = _drift_check("DRIFT-LOGGING")
test_drift_network = _drift_check("DRIFT-NETWORK")
test_drift_data = _drift_check("DRIFT-DATA")
test_drift_access = _drift_check("DRIFT-ACCESS")
