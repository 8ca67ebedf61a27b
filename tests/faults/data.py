"""Sandbox faults and conforming variants of the data tier: RDS, ElastiCache, S3 buckets."""

from __future__ import annotations

from typing import Any

from tests.faults.actions import FaultTarget
from tests.faults.registry import Action, conforming, drift, fault, live


def _db(**changes: Any) -> Action:
    return lambda target: target.modify_db(**changes)


# --- database (RDS) ------------------------------------------------------------------------------
fault("production-db-backup-retention-7", "production", "production backup retention set to 7 days",
      live("DB-BACKUP-RETENTION") | drift("DRIFT-BACKUPS"),
      "rds:production-taskmanager-db.BackupRetentionPeriod")(_db(BackupRetentionPeriod=7))
fault("production-db-class-downsized", "production", "production database moved to a smaller class",
      live("DB-INSTANCE-CLASS") | drift("DRIFT-DATABASE"),
      "rds:production-taskmanager-db.DBInstanceClass")(_db(DBInstanceClass="db.r6g.large"))
fault("staging-db-single-az", "staging", "staging database Multi-AZ turned off",
      live("DB-MULTI-AZ", "SLA-DB-MULTI-AZ") | drift("DRIFT-DATABASE"),
      "rds:staging-taskmanager-db.MultiAZ")(_db(MultiAZ=False))
fault("dev-db-multi-az", "dev", "development database made Multi-AZ (documented: single AZ)",
      live("DB-MULTI-AZ") | drift("DRIFT-DATABASE"), "rds:dev-taskmanager-db.MultiAZ")(_db(MultiAZ=True))
fault("production-db-deletion-protection-off", "production", "production deletion protection disabled",
      live("DB-DELETION-PROTECTION") | drift("DRIFT-BACKUPS"),
      "rds:production-taskmanager-db.DeletionProtection")(_db(DeletionProtection=False))
conforming("staging-db-storage-grown", "staging", "staging storage grown by autoscaling (100 GB, ceiling 200 GB)")(
    _db(AllocatedStorage=100))
fault("staging-db-storage-shrunk", "staging", "staging allocated storage below the declared 50 GB",
      live("DB-STORAGE") | drift("DRIFT-DATABASE"),
      "rds:staging-taskmanager-db.AllocatedStorage")(_db(AllocatedStorage=20))
# Storage past the ceiling has no fault here: moto then drops MaxAllocatedStorage (two things wrong, not one);
# tests/shapes/test_data_shapes.py proves it red.
fault("production-db-max-storage-lowered", "production", "production storage autoscaling ceiling lowered",
      live("DB-MAX-STORAGE") | drift("DRIFT-DATABASE"),
      "rds:production-taskmanager-db.MaxAllocatedStorage")(_db(MaxAllocatedStorage=500))
fault("production-db-public", "production", "production database made publicly accessible",
      live("DATA-NOT-PUBLIC"), "rds:production-taskmanager-db.PubliclyAccessible")(_db(PubliclyAccessible=True))
fault("production-db-audit-export-off", "production", "production database's PostgreSQL log export turned off",
      live("DB-AUDIT-LOGGING") | drift("DRIFT-ACCESS"), "rds:production-taskmanager-db.EnabledCloudwatchLogsExports")(
    _db(CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]}))


@fault("production-db-replica-deleted", "production", "production read replica deleted",
       live("DB-REPLICA", "DB-REPLICA-CLASS") | drift("DRIFT-DATABASE"),
       "rds:production-taskmanager-db.ReadReplicaDBInstanceIdentifiers")
def _replica_deleted(target: FaultTarget) -> None:
    target.delete_replica()


@fault("staging-db-untagged", "staging", "Environment tag removed from the staging database",
       live("RESOURCE-TAGS"), "rds:staging-taskmanager-db.tags.Environment")
def _db_untagged(target: FaultTarget) -> None:
    target.client("rds").remove_tags_from_resource(ResourceName=target.db_arn(), TagKeys=["Environment"])


@conforming("production-db-replica-cross-region", "production",
            "the read replica lives in another region (the primary lists it by ARN)")
def _replica_cross_region(target: FaultTarget) -> None:
    target.move_replica("eu-west-1")


# --- cache (ElastiCache) -------------------------------------------------------------------------
@fault("staging-cache-failover-off", "staging", "staging cache automatic failover turned off",
       live("CACHE-FAILOVER", "SLA-CACHE-FAILOVER") | drift("DRIFT-DATABASE"),
       "elasticache:staging-taskmanager-cache.AutomaticFailover")
def _cache_failover(target: FaultTarget) -> None:
    target.modify_cache(AutomaticFailoverEnabled=False)


@fault("production-cache-multi-az-off", "production", "production cache Multi-AZ turned off",
       live("CACHE-MULTI-AZ"), "elasticache:production-taskmanager-cache.MultiAZ")
def _cache_multi_az(target: FaultTarget) -> None:
    target.modify_cache(MultiAZEnabled=False)


@fault("staging-cache-node-type", "staging", "staging cache nodes resized",
       live("CACHE-NODE-TYPE") | drift("DRIFT-DATABASE"), "elasticache:staging-taskmanager-cache.CacheNodeType")
def _cache_node_type(target: FaultTarget) -> None:
    target.modify_cache(CacheNodeType="cache.t3.small")


@fault("production-cache-untagged", "production", "Environment tag removed from the production cache",
       live("RESOURCE-TAGS"), "elasticache:production-taskmanager-cache.tags.Environment")
def _cache_untagged(target: FaultTarget) -> None:
    target.client("elasticache").remove_tags_from_resource(ResourceName=target.cache_arn(), TagKeys=["Environment"])


# TransitEncryptionMode "preferred" has no fault here: moto keeps the mode only from CreateReplicationGroup and
# never removes a deleted group, so it cannot be set on a provisioned cache; tests/shapes/test_data_shapes.py does.


@conforming("staging-db-extra-tags", "staging", "the database carries tags of the account's own beside ours")
def _db_extra_tags(target: FaultTarget) -> None:
    target.client("rds").add_tags_to_resource(ResourceName=target.db_arn(), Tags=[
        {"Key": "CostCenter", "Value": "4711"}, {"Key": "aws:cloudformation:stack-name", "Value": "data"}])


# --- S3 (data at rest) --------------------------------------------------------------------------------
@conforming("production-backup-account-level-block", "production",
            "public access blocked at account level only (no bucket-level block on the backup bucket)")
def _account_level_block(target: FaultTarget) -> None:
    target.client("s3").delete_public_access_block(Bucket=target.names.backups_bucket)
    target.account_public_access_block(BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True,
                                       RestrictPublicBuckets=True)


@conforming("production-backup-sse-s3", "production", "backup bucket on SSE-S3 (AES256), AWS's default encryption")
def _sse_s3(target: FaultTarget) -> None:
    target.client("s3").put_bucket_encryption(Bucket=target.names.backups_bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


@fault("production-log-archive-prefix-only", "production", "log archive lifecycle filtered to the logs/ prefix only",
       live("LOG-ARCHIVE") | drift("DRIFT-LOGGING"),
       "s3:production-taskmanager-log-archive.LifecycleConfiguration.Expiration.Days")
def _archive_prefix_only(target: FaultTarget) -> None:
    rule = {"ID": "expire-archived-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
            "Expiration": {"Days": 365}}
    target.client("s3").put_bucket_lifecycle_configuration(
        Bucket=target.names.archive_bucket, LifecycleConfiguration={"Rules": [rule]})


# Secrets Manager rotation by ScheduleExpression (rate/cron) has no fault here: moto ignores a ScheduleExpression
# (it stores AutomaticallyAfterDays 0 and RotationEnabled false); tests/shapes/test_data_shapes.py proves it.


# --- Data row: production data stays in production ------------------------------------------------------------
@fault("production-snapshot-shared-outside", "production",
       "production's DR snapshot also shared with another account (staging's, in a real multi-account setup)",
       live("DATA-SNAPSHOTS-PRIVATE"), "rds-snapshot:production-taskmanager-db-dr.restore")
def _snapshot_shared_outside(target: FaultTarget) -> None:
    target.client("rds").modify_db_snapshot_attribute(
        DBSnapshotIdentifier="production-taskmanager-db-dr", AttributeName="restore", ValuesToAdd=["111122223333"])
