"""Sandbox provisioning of the data tier: RDS primary and replica, ElastiCache, S3 buckets."""

from __future__ import annotations

import json
import secrets
from typing import Any

from envmatrix.redact import register_secret
from envmatrix.sandbox.provision_target import ProvisionTarget

DB_ENGINE = "postgres"
DB_ENGINE_VERSION = "15.4"


def database(target: ProvisionTarget) -> None:
    """The primary from the tfvars (encrypted, private) and, where the tfvars create one, its read replica."""
    rds, tf, names = target.client("rds"), target.tfvars, target.names
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{names.prefix}-db", DBSubnetGroupDescription=f"{names.prefix} database",
        SubnetIds=target.subnets, Tags=target.tag_list(),
    )
    audit = _audit(target)
    password = secrets.token_urlsafe(24)
    register_secret(password)
    rds.create_db_instance(
        DBInstanceIdentifier=names.db, DBInstanceClass=tf.db_instance_class, Engine=DB_ENGINE,
        EngineVersion=DB_ENGINE_VERSION, DBName="taskmanager", MasterUsername="taskmanager",
        MasterUserPassword=password, AllocatedStorage=tf.db_allocated_storage,
        MaxAllocatedStorage=tf.db_max_allocated_storage, MultiAZ=tf.db_multi_az,
        BackupRetentionPeriod=tf.db_backup_retention_days, DeletionProtection=tf.db_deletion_protection,
        StorageEncrypted=True, PubliclyAccessible=False, DBSubnetGroupName=f"{names.prefix}-db",
        VpcSecurityGroupIds=[target.ids["sg:db"]], Tags=target.tag_list(), **audit,
    )
    if tf.db_create_replica:
        rds.create_db_instance_read_replica(
            DBInstanceIdentifier=names.db_replica, SourceDBInstanceIdentifier=names.db,
            DBInstanceClass=tf.db_replica_instance_class or tf.db_instance_class,
            PubliclyAccessible=False, VpcSecurityGroupIds=[target.ids["sg:db"]], Tags=target.tag_list(),
        )


def _audit(target: ProvisionTarget) -> dict[str, Any]:
    """Where the tfvars turn db_audit_logging on: the module's parameter group and log exports (world.yaml)."""
    settings = target.world.db_audit
    if not target.tfvars.db_audit_logging:
        return {}
    if settings is None:
        raise ValueError(f"{target.env}: db_audit_logging is on but world.yaml describes no db_audit")
    rds, group = target.client("rds"), f"{target.names.prefix}-audit"
    rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily=settings.parameter_family,
                                  Description=f"{target.names.prefix} audit logging", Tags=target.tag_list())
    rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
        {"ParameterName": name, "ParameterValue": value, "ApplyMethod": "pending-reboot"}
        for name, value in settings.parameters.items()])
    return {"DBParameterGroupName": group, "EnableCloudwatchLogsExports": list(settings.log_exports)}


def cache(target: ProvisionTarget) -> None:
    """Redis replication group: one node group with N-1 replicas (moto counts members right this way)."""
    elasticache, tf, names = target.client("elasticache"), target.tfvars, target.names
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=f"{names.prefix}-cache", CacheSubnetGroupDescription=f"{names.prefix} cache",
        SubnetIds=target.subnets, Tags=target.tag_list(),
    )
    elasticache.create_replication_group(
        ReplicationGroupId=names.cache, ReplicationGroupDescription=f"{names.prefix} redis",
        Engine="redis", CacheNodeType=tf.cache_node_type, NumNodeGroups=1,
        ReplicasPerNodeGroup=tf.cache_num_nodes - 1, AutomaticFailoverEnabled=tf.cache_automatic_failover,
        MultiAZEnabled=tf.cache_automatic_failover, AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True, CacheSubnetGroupName=f"{names.prefix}-cache",
        SecurityGroupIds=[target.ids["sg:cache"]], Tags=target.tag_list(),
    )


def _private_bucket(target: ProvisionTarget, name: str) -> None:
    s3 = target.client("s3")
    # outside us-east-1 S3 requires the bucket's region as its location constraint (the Terraform provider sends it)
    where = {} if target.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": target.region}}
    s3.create_bucket(Bucket=name, **where)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": target.tag_list()})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}],
    })


def buckets(target: ProvisionTarget) -> None:
    """Backup bucket (versioned) and log archive bucket (lifecycle = log_archive_days) where the world has them."""
    s3, buckets = target.client("s3"), target.world.buckets
    if buckets.backups:
        _private_bucket(target, target.names.backups_bucket)
        s3.put_bucket_versioning(Bucket=target.names.backups_bucket, VersioningConfiguration={"Status": "Enabled"})
    if buckets.log_archive:
        days = target.tfvars.log_archive_days
        if days is None:  # Terraform would refuse to plan an archive bucket without its expiry
            raise ValueError(f"{target.env}: the world has a log archive bucket but the tfvars no log_archive_days")
        _private_bucket(target, target.names.archive_bucket)
        rule = {"ID": "expire-archived-logs", "Status": "Enabled", "Filter": {"Prefix": ""},
                "Expiration": {"Days": days}}
        s3.put_bucket_lifecycle_configuration(
            Bucket=target.names.archive_bucket, LifecycleConfiguration={"Rules": [rule]},
        )


def data_custody(target: ProvisionTarget) -> None:
    """The Data row as Terraform would carry it: the database's classification tag (db_data_classification) and,
    where the tfvars name DR accounts, a manual snapshot shared with them and a backup bucket policy granting them
    (beside a deny of insecure transport to everyone, as real backup buckets have)."""
    rds, s3, tf, names = target.client("rds"), target.client("s3"), target.tfvars, target.names
    arn = rds.describe_db_instances(DBInstanceIdentifier=names.db)["DBInstances"][0]["DBInstanceArn"]
    if tf.db_data_classification is not None:
        rds.add_tags_to_resource(ResourceName=arn, Tags=[
            {"Key": "DataClassification", "Value": tf.db_data_classification}])
    accounts = tf.dr_account_ids or []
    if not accounts:
        return
    rds.create_db_snapshot(DBSnapshotIdentifier=f"{names.db}-dr", DBInstanceIdentifier=names.db,
                           Tags=target.tag_list())
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=f"{names.db}-dr", AttributeName="restore",
                                     ValuesToAdd=accounts)
    if target.world.buckets.backups:
        bucket = f"arn:aws:s3:::{names.backups_bucket}"
        s3.put_bucket_policy(Bucket=names.backups_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "DisasterRecoveryRead", "Effect": "Allow",
             "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]},
             "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [bucket, f"{bucket}/*"]},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [bucket, f"{bucket}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}))
