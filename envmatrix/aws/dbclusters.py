"""RDS DB clusters (Aurora, Multi-AZ DB clusters): the clusters the database's instances are members of."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envmatrix.aws.rds import DbInstance, RdsInventory
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

MISSING = ("DBClusterNotFoundFault",)
#: Settings a cluster holds for its members (Aurora reports them on the cluster, not on each instance).
HELD = ("multi_az", "backup_retention_days", "deletion_protection", "storage_encrypted", "latest_restorable_time",
        "log_exports")


class DbCluster(Model):
    identifier: str
    arn: str
    engine: str
    multi_az: bool
    backup_retention_days: int
    deletion_protection: bool
    storage_encrypted: bool
    members: list[str]
    writer: str | None
    tags: dict[str, str]
    latest_restorable_time: dt.datetime | None = None
    log_exports: list[str] = []  # EnabledCloudwatchLogsExports (Aurora exports the cluster's log)


class DbClustersInventory(Model):
    #: by DBClusterIdentifier, as the instances name it; None: an instance names it, DescribeDBClusters does not
    clusters: dict[str, DbCluster | None]


def _cluster(raw: dict[str, Any]) -> DbCluster:
    members = raw.get("DBClusterMembers") or []
    return DbCluster(
        identifier=raw["DBClusterIdentifier"],
        arn=raw.get("DBClusterArn", ""),
        engine=raw.get("Engine", ""),
        multi_az=bool(raw.get("MultiAZ", False)),
        backup_retention_days=int(raw.get("BackupRetentionPeriod", 0)),
        deletion_protection=bool(raw.get("DeletionProtection", False)),
        storage_encrypted=bool(raw.get("StorageEncrypted", False)),
        members=[str(m["DBInstanceIdentifier"]) for m in members],
        writer=next((str(m["DBInstanceIdentifier"]) for m in members if m.get("IsClusterWriter")), None),
        tags=tag_dict(raw.get("TagList")),
        latest_restorable_time=raw.get("LatestRestorableTime"),
        log_exports=list(raw.get("EnabledCloudwatchLogsExports", [])),
    )


def _describe(target: AwsTarget, identifier: str, region: str | None) -> DbCluster | None:
    client = target.clients.client("rds", region) if region else target.clients.client("rds")
    with reading(target.env, f"RDS DB cluster {identifier}{f' in {region}' if region else ''}"):
        answer = or_none(lambda: client.describe_db_clusters(DBClusterIdentifier=identifier), *MISSING)
    found = (answer or {}).get("DBClusters") or []
    return _cluster(found[0]) if found else None


def fetch(target: AwsTarget, rds: RdsInventory) -> DbClustersInventory:
    """The cluster of each instance the RDS section found that is a member of one; no call where none is."""
    named: dict[tuple[str, str | None], None] = {}
    for db in (rds.primary, *rds.replicas):
        if db is not None and db.cluster:
            named[(db.cluster, db.region)] = None
    return DbClustersInventory(clusters={name: _describe(target, name, region) for name, region in named})


def held_by(db: DbInstance, cluster: DbCluster) -> DbInstance:
    """The member as judged: the settings its cluster holds (:data:`HELD`) are the cluster's."""
    return db.model_copy(update={name: getattr(cluster, name) for name in HELD})


#: the clusters the rds section's instances name (DBClusterIdentifier)
SECTION = Section("db_clusters", fetch, DbClustersInventory, services=("rds",), after="rds", operations=(
    ("rds", "DescribeDBClusters"),
))
