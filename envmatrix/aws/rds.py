"""RDS inventory: the primary instance and its read replicas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

MISSING = ("DBInstanceNotFound", "DBInstanceNotFoundFault")


class DbInstance(Model):
    identifier: str
    arn: str
    instance_class: str
    allocated_storage: int
    max_allocated_storage: int | None
    multi_az: bool
    backup_retention_days: int
    deletion_protection: bool
    storage_encrypted: bool
    publicly_accessible: bool
    availability_zone: str | None
    read_replicas: list[str]
    replica_of: str | None
    tags: dict[str, str]
    #: the newest point-in-time restore target (RDS moves it every few minutes while backups run)
    latest_restorable_time: dt.datetime | None = None
    region: str | None = None  # where it was read, when not the environment's region (a cross-region replica)
    cluster: str | None = None  # DBClusterIdentifier: a DB cluster member (Aurora) is judged by its cluster
    log_exports: list[str] = []  # EnabledCloudwatchLogsExports: the logs it sends to CloudWatch Logs
    parameter_group: str | None = None  # the DB parameter group it uses (DBParameterGroups[0])
    security_groups: list[str] = []  # VpcSecurityGroups' ids


class RdsInventory(Model):
    primary: DbInstance | None
    replicas: list[DbInstance]


def _instance(raw: dict[str, Any]) -> DbInstance:
    return DbInstance(
        identifier=raw["DBInstanceIdentifier"],
        arn=raw.get("DBInstanceArn", ""),
        instance_class=raw.get("DBInstanceClass", ""),
        allocated_storage=int(raw.get("AllocatedStorage", 0)),
        max_allocated_storage=raw.get("MaxAllocatedStorage"),
        multi_az=bool(raw.get("MultiAZ", False)),
        backup_retention_days=int(raw.get("BackupRetentionPeriod", 0)),
        deletion_protection=bool(raw.get("DeletionProtection", False)),
        storage_encrypted=bool(raw.get("StorageEncrypted", False)),
        publicly_accessible=bool(raw.get("PubliclyAccessible", False)),
        availability_zone=raw.get("AvailabilityZone"),
        read_replicas=list(raw.get("ReadReplicaDBInstanceIdentifiers", [])),
        replica_of=raw.get("ReadReplicaSourceDBInstanceIdentifier"),
        tags=tag_dict(raw.get("TagList")),
        latest_restorable_time=raw.get("LatestRestorableTime"),
        cluster=raw.get("DBClusterIdentifier"),
        log_exports=list(raw.get("EnabledCloudwatchLogsExports", [])),
        parameter_group=next((g["DBParameterGroupName"] for g in raw.get("DBParameterGroups", [])), None),
        security_groups=[g["VpcSecurityGroupId"] for g in raw.get("VpcSecurityGroups", [])],
    )


def _describe(target: AwsTarget, identifier: str, region: str | None = None) -> DbInstance | None:
    client = target.clients.client("rds", region) if region else target.clients.client("rds")
    where = f" in {region}" if region else ""
    with reading(target.env, f"RDS instance {identifier}{where}"):
        answer = or_none(lambda: client.describe_db_instances(DBInstanceIdentifier=identifier), *MISSING)
    if answer is None or not answer.get("DBInstances"):
        return None
    found = _instance(answer["DBInstances"][0])
    return found.model_copy(update={"region": region}) if region else found


def _replica(target: AwsTarget, listed: str) -> DbInstance | None:
    """A listed replica: a plain identifier lives in our region; an ARN (cross-region) is read in its own region."""
    arn = parse_arn(listed)
    if arn is None:
        return _describe(target, listed)
    elsewhere = arn.region and arn.region != target.clients.region
    return _describe(target, arn.resource_name, arn.region if elsewhere else None)


def fetch(target: AwsTarget) -> RdsInventory:
    """The primary by name, then each replica it lists (ReadReplicaDBInstanceIdentifiers)."""
    primary = _describe(target, target.names.db)
    replicas = [found for found in (_replica(target, listed) for listed in (primary.read_replicas if primary else []))
                if found is not None]
    return RdsInventory(primary=primary, replicas=replicas)


def storage_within(db: DbInstance, declared: int, ceiling: int) -> tuple[bool, str]:
    """Whether AllocatedStorage is the declared size or grew from it by storage autoscaling, and how to show it.

    RDS grows AllocatedStorage by itself where MaxAllocatedStorage is set, never shrinks it, and never past the
    ceiling: declared <= live <= ceiling is expected there; anywhere else the live size must be the declared one.
    """
    live = db.allocated_storage
    if live == declared:
        return True, str(live)
    grown = db.max_allocated_storage is not None and declared < live <= min(ceiling, db.max_allocated_storage)
    return grown, f"{live} (grown by storage autoscaling)" if grown else str(live)


SECTION = Section("rds", fetch, RdsInventory, services=("rds",), operations=(
    ("rds", "DescribeDBInstances"),
))
