"""Real-AWS shapes of DB clusters: an Aurora PostgreSQL member is judged by its cluster, a lone instance by itself.

Aurora keeps MultiAZ, backup retention, deletion protection and storage encryption on the cluster: its instances
report MultiAZ false and DeletionProtection false whatever the cluster says, so judging the instance would be wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import dbclusters, rds, snapshot
from envmatrix.errors import InventoryUnavailable
from tests.shapes.harness import ACCOUNT, StubbedClients, Verdict, judge, target

ENV = "production"
DB = f"{ENV}-taskmanager-db"
READER = f"{ENV}-taskmanager-db-reader"
CLUSTER = f"{ENV}-taskmanager-cluster"
TAGS = [{"Key": "Environment", "Value": ENV}, {"Key": "Project", "Value": "taskmanager"}]


def _restorable() -> dt.datetime:
    """Five minutes before now (the snapshot is taken now: backups running); per call, not at import (a busy
    worker may reach a test many minutes after importing its module)."""
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
#: the checks that judge a setting an Aurora cluster holds for its members
HELD_CHECKS = [("checks/live/test_sla.py", "DB-MULTI-AZ"), ("checks/live/test_availability.py", "SLA-DB-MULTI-AZ"),
               ("checks/live/test_backups.py", "DB-BACKUP-RETENTION"),
               ("checks/live/test_backups.py", "DB-BACKUPS-RECENT"),
               ("checks/live/test_backups.py", "DB-DELETION-PROTECTION")]


def _aurora_instance(identifier: str, **overrides: Any) -> dict[str, Any]:
    """A DescribeDBInstances member of an Aurora PostgreSQL cluster, as real AWS returns it: the cluster-level
    settings read false (MultiAZ, DeletionProtection) and AllocatedStorage 1 on the instance itself."""
    return {
        "DBInstanceIdentifier": identifier, "DBInstanceClass": "db.r6g.xlarge", "Engine": "aurora-postgresql",
        "EngineVersion": "16.4", "DBInstanceStatus": "available", "AllocatedStorage": 1, "MultiAZ": False,
        "BackupRetentionPeriod": 30, "DeletionProtection": False, "StorageEncrypted": True,
        "PubliclyAccessible": False, "ReadReplicaDBInstanceIdentifiers": [], "StorageType": "aurora",
        "AvailabilityZone": "us-east-1a", "DBClusterIdentifier": CLUSTER, "PromotionTier": 1,
        "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{identifier}", "TagList": TAGS, **overrides,
    }


def _aurora_cluster(**overrides: Any) -> dict[str, Any]:
    """A DescribeDBClusters member: Aurora PostgreSQL, a writer and a reader in two zones."""
    return {
        "DBClusterIdentifier": CLUSTER, "DBClusterArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:{CLUSTER}",
        "Engine": "aurora-postgresql", "EngineVersion": "16.4", "EngineMode": "provisioned", "Status": "available",
        "AllocatedStorage": 1, "AvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "BackupRetentionPeriod": 30, "PreferredBackupWindow": "03:00-04:00", "MultiAZ": True,
        "DeletionProtection": True, "StorageEncrypted": True, "StorageType": "aurora",
        "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0b0e7a5e-3c39-4d0c-9a8e-4c2a7f1e2b3d",
        "Endpoint": f"{CLUSTER}.cluster-c0ffee.us-east-1.rds.amazonaws.com", "Port": 5432,
        "EarliestRestorableTime": _restorable() - dt.timedelta(days=30), "LatestRestorableTime": _restorable(),
        "DBClusterMembers": [
            {"DBInstanceIdentifier": DB, "IsClusterWriter": True, "DBClusterParameterGroupStatus": "in-sync",
             "PromotionTier": 1},
            {"DBInstanceIdentifier": READER, "IsClusterWriter": False, "DBClusterParameterGroupStatus": "in-sync",
             "PromotionTier": 1},
        ],
        "TagList": TAGS, **overrides,
    }


def _taken(instance: dict[str, Any], cluster: dict[str, Any] | None = None, *, found: bool = True) -> Any:
    """A snapshot of the rds and db_clusters sections, taken through the real fetch plan over stubbed answers."""
    clients = StubbedClients(ENV)
    clients.stub("rds").add_response("describe_db_instances", {"DBInstances": [instance]},
                                     {"DBInstanceIdentifier": DB})
    if cluster is not None and found:
        clients.stub("rds").add_response("describe_db_clusters", {"DBClusters": [cluster]},
                                         {"DBClusterIdentifier": cluster["DBClusterIdentifier"]})
    elif cluster is not None:
        clients.stub("rds").add_client_error("describe_db_clusters", "DBClusterNotFoundFault",
                                             f"DBCluster {CLUSTER} not found.", 404,
                                             expected_params={"DBClusterIdentifier": CLUSTER})
    taken = snapshot.take_snapshot(target(ENV, clients), "shapes")
    clients.verify()
    assert taken.unavailable == {}
    return taken


@pytest.fixture(autouse=True)
def _database_sections_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "SECTIONS", (rds.SECTION, dbclusters.SECTION))


def test_aurora_cluster_is_read_after_its_instance() -> None:
    taken = _taken(_aurora_instance(DB), _aurora_cluster())
    assert taken.rds.primary.cluster == CLUSTER
    cluster = taken.db_clusters.clusters[CLUSTER]
    assert cluster.engine == "aurora-postgresql" and cluster.members == [DB, READER] and cluster.writer == DB
    assert (cluster.multi_az, cluster.deletion_protection, cluster.backup_retention_days) == (True, True, 30)


@pytest.mark.parametrize(("module", "check_id"), HELD_CHECKS)
def test_a_cluster_member_is_judged_by_its_cluster(module: str, check_id: str) -> None:
    """The instance reads MultiAZ false and DeletionProtection false; its cluster holds the real settings."""
    taken = _taken(_aurora_instance(DB), _aurora_cluster())
    verdict = judge(module, check_id, ENV, taken)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(("setting", "key", "check"), [
    ("MultiAZ", "MultiAZ", ("checks/live/test_sla.py", "DB-MULTI-AZ")),
    ("DeletionProtection", "DeletionProtection", ("checks/live/test_backups.py", "DB-DELETION-PROTECTION")),
    ("StorageEncrypted", "StorageEncrypted", ("checks/live/test_security.py", "DATA-ENCRYPTION")),
])
def test_the_cluster_setting_decides_and_is_named(setting: str, key: str, check: tuple[str, str]) -> None:
    taken = _taken(_aurora_instance(DB, MultiAZ=True, DeletionProtection=True), _aurora_cluster(**{key: False}))
    verdict = judge(*check, ENV, taken)
    assert not verdict.passed
    assert f"{ENV} {check[1]} rds-cluster:{CLUSTER}.{setting}: expected " in verdict.message


def test_a_cluster_shorter_retention_fails_the_drift_check() -> None:
    taken = _taken(_aurora_instance(DB), _aurora_cluster(BackupRetentionPeriod=7))
    verdict = _judge_drift("DRIFT-BACKUPS", "db_backup_retention_days", taken)
    assert not verdict.passed
    assert f"rds-cluster:{CLUSTER}.db_backup_retention_days: expected declared 30 (terraform.tfvars), got 7" \
        in verdict.message
    assert _judge_drift("DRIFT-DATABASE", "db_multi_az", taken).passed
    assert _judge_drift("DRIFT-BACKUPS", "db_deletion_protection", taken).passed


def test_a_missing_cluster_fails_by_name() -> None:
    taken = _taken(_aurora_instance(DB), _aurora_cluster(), found=False)
    assert taken.db_clusters.clusters == {CLUSTER: None}
    verdict = judge("checks/live/test_sla.py", "DB-MULTI-AZ", ENV, taken)
    assert f"rds-cluster:{CLUSTER}.exists: expected present, got missing" in verdict.message


def test_no_cluster_no_call_and_the_instance_is_judged_as_before() -> None:
    """A lone instance (no DBClusterIdentifier): no DescribeDBClusters at all, its own settings are judged."""
    lone = _aurora_instance(DB, Engine="postgres", StorageType="gp3", AllocatedStorage=100, MultiAZ=False,
                            DeletionProtection=True, LatestRestorableTime=_restorable())
    del lone["DBClusterIdentifier"]
    taken = _taken(lone)  # nothing queued for describe_db_clusters: any call would fail the Stubber
    assert taken.rds.primary.cluster is None and taken.db_clusters.clusters == {}
    verdict = judge("checks/live/test_sla.py", "DB-MULTI-AZ", ENV, taken)
    assert f"{ENV} DB-MULTI-AZ rds:{DB}.MultiAZ: expected true, got false" in verdict.message
    assert judge("checks/live/test_backups.py", "DB-DELETION-PROTECTION", ENV, taken).passed


def test_an_unreadable_cluster_fails_only_its_members_checks() -> None:
    clients = StubbedClients(ENV)
    clients.stub("rds").add_response("describe_db_instances", {"DBInstances": [_aurora_instance(DB)]},
                                     {"DBInstanceIdentifier": DB})
    clients.stub("rds").add_client_error("describe_db_clusters", "AccessDenied", "not authorized", 403)
    taken = snapshot.take_snapshot(target(ENV, clients), "shapes")
    assert set(taken.unavailable) == {"db_clusters"}
    with pytest.raises(InventoryUnavailable, match=f"cannot read RDS DB cluster {CLUSTER}: access denied"):
        judge("checks/live/test_sla.py", "DB-MULTI-AZ", ENV, taken)
    assert judge("checks/live/test_sla.py", "DB-INSTANCE-CLASS", ENV, taken).passed


def _judge_drift(check_id: str, key: str, taken: Any) -> Verdict:
    """A shipped drift check for one tfvars key."""
    return judge("checks/drift/test_drift_tfvars.py", check_id, ENV, taken, key=key)

