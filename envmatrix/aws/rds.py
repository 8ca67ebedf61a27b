"""RDS inventory: the primary instance and its read replicas."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.target import Model, Target

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
    )


def _describe(target: Target, identifier: str) -> DbInstance | None:
    client = target.clients.client("rds")
    with reading(target.env, f"RDS instance {identifier}"):
        answer = or_none(lambda: client.describe_db_instances(DBInstanceIdentifier=identifier), *MISSING)
    if answer is None or not answer.get("DBInstances"):
        return None
    return _instance(answer["DBInstances"][0])


def fetch(target: Target) -> RdsInventory:
    """The primary by name, then each replica it lists (ReadReplicaDBInstanceIdentifiers)."""
    primary = _describe(target, target.names.db)
    replicas = []
    for identifier in primary.read_replicas if primary else []:
        replica = _describe(target, identifier.split(":")[-1])
        if replica is not None:
            replicas.append(replica)
    return RdsInventory(primary=primary, replicas=replicas)
