"""Real-AWS shapes of the data tier: autoscaled storage, cross-region replicas, partitions, rotation schedules,
ElastiCache transit mode, S3 account-level blocks, default encryption and filtered lifecycle rules.

Every answer is shaped as AWS documents it (botocore's service model validates each one through the Stubber);
the real inventory code reads it and the real shipped check judges it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import alarms, buckets, elasticache, identity, rds, secrets
from envmatrix.aws.arn import parse_arn
from envmatrix.aws.rotation import UnreadableSchedule, longest_interval
from envmatrix.aws.target import Wants
from tests.shapes.harness import ACCOUNT, StubbedClients, Verdict, judge, repo_suite, snapshot_of, target

ENV = "production"
DRIFT = "checks/drift/test_drift_tfvars.py"
DB = f"{ENV}-taskmanager-db"
REPLICA = f"{ENV}-taskmanager-db-replica"
TAGS = [{"Key": "Environment", "Value": ENV}, {"Key": "Project", "Value": "taskmanager"}]
#: the harness's snapshot is taken at 2026-11-25T00:00:00Z
TAKEN = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def _instance(identifier: str, region: str = "us-east-1", partition: str = "aws", **overrides: Any) -> dict[str, Any]:
    """A DescribeDBInstances member as real AWS returns it."""
    return {
        "DBInstanceIdentifier": identifier, "DBInstanceClass": "db.r6g.xlarge", "Engine": "postgres",
        "DBInstanceStatus": "available", "AllocatedStorage": 100, "MaxAllocatedStorage": 1000, "MultiAZ": True,
        "BackupRetentionPeriod": 30, "DeletionProtection": True, "StorageEncrypted": True,
        "PubliclyAccessible": False, "ReadReplicaDBInstanceIdentifiers": [], "StorageType": "gp3",
        "AvailabilityZone": f"{region}a", "DBInstanceArn": f"arn:{partition}:rds:{region}:{ACCOUNT}:db:{identifier}",
        "TagList": TAGS, **overrides,
    }


def _rds(clients: StubbedClients, *instances: dict[str, Any], region: str | None = None) -> None:
    for item in instances:
        clients.stub("rds", region).add_response(
            "describe_db_instances", {"DBInstances": [item]}, {"DBInstanceIdentifier": item["DBInstanceIdentifier"]})


def _judge_drift(key: str, snapshot: Any) -> Verdict:
    """The shipped DRIFT-DATABASE check for one tfvars key."""
    return judge(DRIFT, "DRIFT-DATABASE", ENV, snapshot, key=key)


# --- RDS storage autoscaling ------------------------------------------------------------------------
def _storage_snapshot(allocated: int, ceiling: int | None = 1000) -> Any:
    clients = StubbedClients(ENV)
    extra = {"MaxAllocatedStorage": ceiling} if ceiling else {}
    item = _instance(DB, AllocatedStorage=allocated, **extra)
    if ceiling is None:
        del item["MaxAllocatedStorage"]
    _rds(clients, item)
    snapshot = snapshot_of(ENV, rds=rds.fetch(target(ENV, clients)))
    clients.verify()
    return snapshot


def test_storage_grown_by_autoscaling_passes_and_says_so() -> None:
    snapshot = _storage_snapshot(250)
    verdict = judge("checks/live/test_sla.py", "DB-STORAGE", ENV, snapshot)
    assert verdict.passed, verdict.message
    assert "grown by storage autoscaling" in verdict.evidence[-1].actual
    drift = _judge_drift("db_allocated_storage", snapshot)
    assert drift.passed, drift.message
    assert "ignore_changes = [allocated_storage]" in drift.evidence[-1].expected


@pytest.mark.parametrize(("allocated", "ceiling"), [(1200, 1000), (80, 1000), (250, None)],
                         ids=["above-ceiling", "below-declared", "grown-without-autoscaling"])
def test_storage_outside_what_autoscaling_explains_is_red(allocated: int, ceiling: int | None) -> None:
    snapshot = _storage_snapshot(allocated, ceiling)
    verdict = judge("checks/live/test_sla.py", "DB-STORAGE", ENV, snapshot)
    assert not verdict.passed
    assert f"{ENV} DB-STORAGE rds:{DB}.AllocatedStorage: expected 100, or grown by storage autoscaling up to " \
           f"MaxAllocatedStorage 1000, got {allocated}" in verdict.message
    assert not _judge_drift("db_allocated_storage", snapshot).passed


# --- cross-region read replica, partitions --------------------------------------------------------------
def test_cross_region_replica_is_read_in_its_own_region() -> None:
    clients = StubbedClients(ENV)
    replica_arn = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:{REPLICA}"
    _rds(clients, _instance(DB, ReadReplicaDBInstanceIdentifiers=[replica_arn]))
    _rds(clients, _instance(REPLICA, "eu-west-1", DBInstanceClass="db.r6g.large", MultiAZ=False,
                            ReadReplicaSourceDBInstanceIdentifier=f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{DB}"),
         region="eu-west-1")
    inventory = rds.fetch(target(ENV, clients))
    clients.verify()  # the replica was asked for in eu-west-1, not in the environment's region
    assert [(item.identifier, item.region) for item in inventory.replicas] == [(REPLICA, "eu-west-1")]
    snapshot = snapshot_of(ENV, rds=inventory)
    for check_id in ("DB-REPLICA", "DB-REPLICA-CLASS"):
        verdict = judge("checks/live/test_sla.py", check_id, ENV, snapshot)
        assert verdict.passed, verdict.message


@pytest.mark.parametrize(("partition", "home", "elsewhere"), [
    ("aws-cn", "cn-north-1", "cn-northwest-1"), ("aws-us-gov", "us-gov-west-1", "us-gov-east-1")])
def test_replicas_in_other_partitions(partition: str, home: str, elsewhere: str) -> None:
    clients = StubbedClients(ENV, region=home)
    same = f"arn:{partition}:rds:{home}:{ACCOUNT}:db:{REPLICA}"
    other = f"arn:{partition}:rds:{elsewhere}:{ACCOUNT}:db:{REPLICA}-dr"
    _rds(clients, _instance(DB, home, partition, ReadReplicaDBInstanceIdentifiers=[same, other]))
    _rds(clients, _instance(REPLICA, home, partition, DBInstanceClass="db.r6g.large"))
    _rds(clients, _instance(f"{REPLICA}-dr", elsewhere, partition, DBInstanceClass="db.r6g.large"), region=elsewhere)
    inventory = rds.fetch(target(ENV, clients))
    clients.verify()
    assert [item.region for item in inventory.replicas] == [None, elsewhere]
    verdict = judge("checks/live/test_sla.py", "DB-REPLICA-CLASS", ENV, snapshot_of(ENV, rds=inventory))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_arn_parser_accepts_every_partition(partition: str) -> None:
    arn = parse_arn(f"arn:{partition}:secretsmanager:r-1:{ACCOUNT}:secret:taskmanager/production/jwt-secret-AbCdEf")
    assert arn is not None and arn.partition == partition and arn.service == "secretsmanager"
    assert parse_arn("arn:awsx:rds:us-east-1:1:db:x") is None and parse_arn("taskmanager/production/x") is None


# --- Secrets Manager rotation ---------------------------------------------------------------------------
def _secret(short: str, partition: str = "aws", region: str = "us-east-1", **overrides: Any) -> dict[str, Any]:
    """A ListSecrets member as real AWS returns it (rotated a week before the snapshot unless overridden)."""
    name = f"taskmanager/{ENV}/{short}"
    return {
        "ARN": f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf", "Name": name,
        "RotationEnabled": False, "CreatedDate": TAKEN - dt.timedelta(days=400),
        "LastChangedDate": TAKEN - dt.timedelta(days=7), "LastAccessedDate": TAKEN - dt.timedelta(days=1),
        "Tags": TAGS, "SecretVersionsToStages": {"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": ["AWSCURRENT"]},
        **overrides,
    }


def _rotating(short: str, rules: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return _secret(short, RotationEnabled=True, RotationRules=rules,
                   RotationLambdaARN=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rotate-{short}",
                   LastRotatedDate=TAKEN - dt.timedelta(days=7), NextRotationDate=TAKEN + dt.timedelta(days=7),
                   **overrides)


def _rotation_verdict(database_url: dict[str, Any], *, partition: str = "aws", region: str = "us-east-1") -> Verdict:
    clients = StubbedClients(ENV, region=region)
    found = [database_url, _rotating("jwt-secret", {"AutomaticallyAfterDays": 90}),
             _secret("oauth-google", partition, region)]
    clients.stub("secretsmanager").add_response(
        "list_secrets", {"SecretList": found}, {"Filters": [{"Key": "name", "Values": [f"taskmanager/{ENV}/"]}]})
    inventory = secrets.fetch(target(ENV, clients))
    clients.verify()
    return judge("checks/live/test_security.py", "SECRETS-ROTATION", ENV, snapshot_of(ENV, secrets=inventory))


@pytest.mark.parametrize("rules", [
    {"ScheduleExpression": "rate(30 days)", "Duration": "4h"},
    {"AutomaticallyAfterDays": 30, "ScheduleExpression": "rate(30 days)"},
    {"ScheduleExpression": "rate(720 hours)"},
    {"ScheduleExpression": "cron(0 16 1,15 * ? *)", "Duration": "2h"},
    {"ScheduleExpression": "cron(0 8 ? * MON *)"},
], ids=["rate-30-days", "rate-with-days", "rate-hours", "cron-twice-monthly", "cron-weekly"])
def test_rotation_schedules_meeting_the_documented_days_pass(rules: dict[str, Any]) -> None:
    verdict = _rotation_verdict(_rotating("database-url", rules))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(("expression", "expected", "shown"), [
    ("rate(90 days)", "every 30 days", "rate(90 days)"),
    ("rate(7 days)", "every 30 days", "rate(7 days)"),
    ("cron(0 16 1 * ? *)", "rotation at least every 30 days", "cron(0 16 1 * ? *) (up to 31 days apart)"),
    ("cron(0 16 ? * 6L *)", "rotation at least every 30 days", "cron(0 16 ? * 6L *) (up to 35 days apart)"),
], ids=["rate-90-days", "rate-7-days", "cron-monthly", "cron-last-friday"])
def test_rotation_schedules_other_than_documented_are_red(expression: str, expected: str, shown: str) -> None:
    verdict = _rotation_verdict(_rotating("database-url", {"ScheduleExpression": expression}))
    assert not verdict.passed
    assert (f"{ENV} SECRETS-ROTATION secret:taskmanager/{ENV}/database-url.RotationRules.ScheduleExpression: "
            f"expected {expected}, got {shown}") in verdict.message


def test_automatically_after_days_other_than_documented_is_red() -> None:
    verdict = _rotation_verdict(_rotating("database-url", {"AutomaticallyAfterDays": 90}))
    assert not verdict.passed
    assert "database-url.RotationRules.AutomaticallyAfterDays: expected 30, got 90" in verdict.message


@pytest.mark.parametrize(("expression", "days"), [
    ("rate(1 day)", 1), ("rate(4 hours)", 4 / 24), ("cron(0 16 1,15 * ? *)", 17), ("cron(0 8 ? * MON-FRI *)", 3),
    ("cron(0 0 L * ? *)", 31), ("cron(0 0 LW * ? *)", 33), ("cron(0 0 15W * ? *)", 32), ("cron(0 0 ? * 3#2 *)", 35),
    ("cron(0 0 1 JAN,JUL ? *)", 184), ("cron(0 0 1 */3 ? *)", 92), ("cron(0 0 ? * SUN *)", 7),
])
def test_longest_interval_of_aws_schedules(expression: str, days: float) -> None:
    assert longest_interval(expression).total_seconds() == days * 86400


def test_cron_monthly_meets_a_longer_period() -> None:
    """The jwt-secret's 90 days: a monthly cron never lets more than 31 days pass."""
    assert longest_interval("cron(0 16 1 * ? *)") == dt.timedelta(days=31)
    rules = {"ScheduleExpression": "cron(0 16 1 * ? *)"}
    clients = StubbedClients(ENV)
    clients.stub("secretsmanager").add_response("list_secrets", {"SecretList": [
        _rotating("database-url", {"AutomaticallyAfterDays": 30}), _rotating("jwt-secret", rules),
        _secret("oauth-google")]})
    snapshot = snapshot_of(ENV, secrets=secrets.fetch(target(ENV, clients)))
    verdict = judge("checks/live/test_security.py", "SECRETS-ROTATION", ENV, snapshot)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("expression", ["cron(0 16 1 * * *)", "rate(2 weeks)", "at(2026-12-01T00:00:00)",
                                        "cron(0 16 1 1 ? 2020)"])
def test_an_unreadable_schedule_is_red_and_named(expression: str) -> None:
    with pytest.raises(UnreadableSchedule):
        longest_interval(expression)
    verdict = _rotation_verdict(_rotating("database-url", {"ScheduleExpression": expression}))
    assert not verdict.passed
    assert f"got {expression} (a schedule envmatrix cannot read)" in verdict.message


def test_never_rotated_and_older_than_its_period_is_red() -> None:
    never = _rotating("database-url", {"AutomaticallyAfterDays": 30}, CreatedDate=TAKEN - dt.timedelta(days=45))
    del never["LastRotatedDate"]
    verdict = _rotation_verdict(never)
    assert not verdict.passed
    assert (f"secret:taskmanager/{ENV}/database-url.LastRotatedDate: expected a rotation within 30 days of "
            "creation, got never rotated, created 45 days ago") in verdict.message


def test_never_rotated_and_new_is_not_yet_due() -> None:
    fresh = _rotating("database-url", {"ScheduleExpression": "rate(30 days)"}, CreatedDate=TAKEN - dt.timedelta(days=3))
    del fresh["LastRotatedDate"]
    verdict = _rotation_verdict(fresh)
    assert verdict.passed, verdict.message
    assert any("not yet due" in item.actual for item in verdict.evidence)


@pytest.mark.parametrize(("partition", "region"), [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")])
def test_secret_references_in_other_partitions(partition: str, region: str) -> None:
    clients = StubbedClients(ENV, region=region)
    clients.stub("secretsmanager").add_response("list_secrets", {"SecretList": [
        _secret("jwt-secret", partition, region), _secret("jwt-secret-old", partition, region)]})
    inventory = secrets.fetch(target(ENV, clients))
    arn = f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:taskmanager/{ENV}/jwt-secret-AbCdEf"
    for reference in (arn, f"{arn}:client_id::", f"taskmanager/{ENV}/jwt-secret"):
        found = inventory.by_arn(reference)
        assert found is not None and found.name == f"taskmanager/{ENV}/jwt-secret", reference
    assert inventory.by_arn(arn.replace("jwt-secret-AbCdEf", "jwt-secret-old-AbCdEf")).name.endswith("old")
    assert inventory.by_arn(arn.replace(":secretsmanager:", ":ssm:")) is None


# --- ElastiCache transit encryption mode -----------------------------------------------------------------
def _encryption_verdict(**group: Any) -> Verdict:
    return judge("checks/live/test_security.py", "DATA-ENCRYPTION", ENV, _data_snapshot(**group))


def _data_snapshot(db: dict[str, Any] | None = None, replica: dict[str, Any] | None = None, **group: Any) -> Any:
    """The database (with ``db`` changed; with a read replica where ``replica`` is given) and the cache."""
    clients = StubbedClients(ENV)
    if replica is None:
        _rds(clients, _instance(DB, **(db or {})))
    else:
        _rds(clients, _instance(DB, **{"ReadReplicaDBInstanceIdentifiers": [REPLICA], **(db or {})}),
             _instance(REPLICA, **{"ReadReplicaSourceDBInstanceIdentifier": DB, **replica}))
    arn = f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:{ENV}-taskmanager-cache"
    raw = {"ReplicationGroupId": f"{ENV}-taskmanager-cache", "Status": "available", "ARN": arn,
           "MemberClusters": ["c-001", "c-002", "c-003"], "AutomaticFailover": "enabled", "MultiAZ": "enabled",
           "CacheNodeType": "cache.r6g.large", "AtRestEncryptionEnabled": True, "ClusterEnabled": False, **group}
    clients.stub("elasticache").add_response("describe_replication_groups", {"ReplicationGroups": [raw]})
    clients.stub("elasticache").add_response("list_tags_for_resource", {"TagList": TAGS}, {"ResourceName": arn})
    snapshot = snapshot_of(ENV, rds=rds.fetch(target(ENV, clients)), cache=elasticache.fetch(target(ENV, clients)))
    clients.verify()
    return snapshot


def test_transit_encryption_preferred_is_red() -> None:
    verdict = _encryption_verdict(TransitEncryptionEnabled=True, TransitEncryptionMode="preferred")
    assert not verdict.passed
    assert f"elasticache:{ENV}-taskmanager-cache.TransitEncryptionMode: expected required, got preferred" \
        in verdict.message


@pytest.mark.parametrize("mode", [{"TransitEncryptionMode": "required"}, {}], ids=["required", "engine-without-mode"])
def test_transit_encryption_required_or_without_modes_is_green(mode: dict[str, Any]) -> None:
    verdict = _encryption_verdict(TransitEncryptionEnabled=True, **mode)
    assert verdict.passed, verdict.message


# --- the database: encrypted, and not publicly accessible (two checks, two claims) ------------------------
ENCRYPTED_CACHE = {"TransitEncryptionEnabled": True, "TransitEncryptionMode": "required"}


def _data_verdicts(db: dict[str, Any] | None = None, replica: dict[str, Any] | None = None) -> dict[str, Verdict]:
    snapshot = _data_snapshot(db, replica, **ENCRYPTED_CACHE)
    return {check_id: judge("checks/live/test_security.py", check_id, ENV, snapshot)
            for check_id in ("DATA-ENCRYPTION", "DATA-NOT-PUBLIC")}


@pytest.mark.parametrize("replica", [None, {}], ids=["primary", "with-replica"])
def test_an_encrypted_private_database_passes_both(replica: dict[str, Any] | None) -> None:
    verdicts = _data_verdicts(replica=replica)
    assert all(verdict.passed for verdict in verdicts.values()), {k: v.message for k, v in verdicts.items()}
    settings = {check_id: {ev.setting for ev in verdict.evidence} for check_id, verdict in verdicts.items()}
    assert "PubliclyAccessible" not in settings["DATA-ENCRYPTION"]
    assert settings["DATA-NOT-PUBLIC"] == {"exists", "PubliclyAccessible"}


@pytest.mark.parametrize(("db", "replica", "public"), [
    ({"PubliclyAccessible": True}, None, DB),
    ({}, {"PubliclyAccessible": True}, REPLICA),
], ids=["primary-public", "replica-public"])
def test_a_public_database_fails_not_public_only(db: dict[str, Any], replica: dict[str, Any] | None,
                                                 public: str) -> None:
    verdicts = _data_verdicts(db, replica)
    assert verdicts["DATA-ENCRYPTION"].passed, verdicts["DATA-ENCRYPTION"].message
    assert not verdicts["DATA-NOT-PUBLIC"].passed
    assert f"{ENV} DATA-NOT-PUBLIC rds:{public}.PubliclyAccessible: expected false, got true" \
        in verdicts["DATA-NOT-PUBLIC"].message


@pytest.mark.parametrize(("db", "replica", "unencrypted"), [
    ({"StorageEncrypted": False}, None, DB),
    ({}, {"StorageEncrypted": False}, REPLICA),
], ids=["primary-unencrypted", "replica-unencrypted"])
def test_unencrypted_storage_fails_encryption_only(db: dict[str, Any], replica: dict[str, Any] | None,
                                                   unencrypted: str) -> None:
    verdicts = _data_verdicts(db, replica)
    assert verdicts["DATA-NOT-PUBLIC"].passed, verdicts["DATA-NOT-PUBLIC"].message
    assert not verdicts["DATA-ENCRYPTION"].passed
    assert f"{ENV} DATA-ENCRYPTION rds:{unencrypted}.StorageEncrypted: expected true, got false" \
        in verdicts["DATA-ENCRYPTION"].message


# --- identity ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("partition", "region"), [("aws", "us-east-1"), ("aws-us-gov", "us-gov-west-1")])
def test_identity_records_account_partition_and_region(partition: str, region: str) -> None:
    clients = StubbedClients(ENV, region=region)
    clients.stub("sts").add_response("get_caller_identity", {
        "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
        "Arn": f"arn:{partition}:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"})
    found = identity.fetch(target(ENV, clients))
    assert (found.account, found.partition, found.region) == (ACCOUNT, partition, region)


# --- S3: account-level block, default encryption, lifecycle filters ---------------------------------------
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _bucket_stubs(clients: StubbedClients, name: str, *, block: dict[str, bool] | None,
                  algorithm: str = "AES256", rules: list[dict[str, Any]] | None = None,
                  policy: str | None = None) -> None:
    """The five reads of a bucket and, for the backup bucket, its policy (``policy`` None: it has none)."""
    s3 = clients.stub("s3")
    s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": name})
    s3.add_response("get_bucket_encryption", {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}, "BucketKeyEnabled": False}]}},
        {"Bucket": name})
    if block is None:
        s3.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404,
                            expected_params={"Bucket": name})
    else:
        s3.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": block}, {"Bucket": name})
    if rules is None:
        s3.add_client_error("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration",
                            http_status_code=404, expected_params={"Bucket": name})
    else:
        s3.add_response("get_bucket_lifecycle_configuration", {"Rules": rules}, {"Bucket": name})
    s3.add_response("get_bucket_tagging", {"TagSet": TAGS}, {"Bucket": name})
    if not name.endswith("-backups"):
        return
    if policy is None:
        s3.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", http_status_code=404,
                            expected_params={"Bucket": name})
    else:
        s3.add_response("get_bucket_policy", {"Policy": policy}, {"Bucket": name})


def _account_stubs(clients: StubbedClients, block: dict[str, bool] | None) -> None:
    clients.stub("sts").add_response("get_caller_identity", {
        "UserId": "AROAEXAMPLEID:envmatrix-audit", "Account": ACCOUNT,
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix-audit"})
    control = clients.stub("s3control")
    if block is None:
        control.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration",
                                 http_status_code=404, expected_params={"AccountId": ACCOUNT})
    else:
        control.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": block},
                             {"AccountId": ACCOUNT})


def _backup(block: dict[str, bool] | None, account: dict[str, bool] | None | str = "unread",
            algorithm: str = "AES256") -> Any:
    clients = StubbedClients(ENV)
    _bucket_stubs(clients, f"{ENV}-taskmanager-backups", block=block, algorithm=algorithm)
    if account != "unread":
        _account_stubs(clients, account)  # type: ignore[arg-type]
    inventory = buckets.fetch(target(ENV, clients, wants=Wants(True, False, False)))
    clients.verify()
    return snapshot_of(ENV, buckets=inventory)


def test_account_level_block_without_a_bucket_block_is_green() -> None:
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET-PUBLIC-ACCESS", ENV, _backup(None, ALL_ON))
    assert verdict.passed, verdict.message
    assert {item.actual for item in verdict.evidence if item.setting.startswith("PublicAccessBlock.")} == {
        "true (account level)"}


def test_block_merged_per_flag_from_bucket_and_account() -> None:
    half = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False}
    other = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET-PUBLIC-ACCESS", ENV, _backup(half, other))
    assert verdict.passed, verdict.message


def test_neither_bucket_nor_account_block_is_red() -> None:
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET-PUBLIC-ACCESS", ENV, _backup(None, None))
    assert not verdict.passed
    assert (f"{ENV} BACKUP-BUCKET-PUBLIC-ACCESS s3:{ENV}-taskmanager-backups.PublicAccessBlock.BlockPublicAcls: "
            "expected true (bucket or account level), got false (neither bucket nor account)") in verdict.message


def test_a_complete_bucket_block_needs_no_account_read() -> None:
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET-PUBLIC-ACCESS", ENV, _backup(ALL_ON))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("algorithm", ["AES256", "aws:kms", "aws:kms:dsse"])
def test_default_sse_s3_meets_a_spec_asking_no_kms(algorithm: str) -> None:
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET", ENV, _backup(ALL_ON, algorithm=algorithm))
    assert verdict.passed, verdict.message
    assert any("SSE-S3 (AES256) or SSE-KMS" in item.expected for item in verdict.evidence)


def test_sse_s3_fails_where_the_spec_asks_for_kms() -> None:
    suite = repo_suite()
    production = suite.spec.environments[ENV]
    security = production.security.model_copy(update={"bucket_encryption": "aws:kms"})
    environments = {**suite.spec.environments, ENV: production.model_copy(update={"security": security})}
    suite.spec = suite.spec.model_copy(update={"environments": environments})
    verdict = judge("checks/live/test_backups.py", "BACKUP-BUCKET", ENV, _backup(ALL_ON), suite=suite)
    assert not verdict.passed
    assert "ServerSideEncryption: expected default encryption SSE-KMS (aws:kms)" in verdict.message
    assert 'got ["AES256"]' in verdict.message


def _archive_verdict(rules: list[dict[str, Any]]) -> Verdict:
    clients = StubbedClients(ENV)
    _bucket_stubs(clients, f"{ENV}-taskmanager-log-archive", block=ALL_ON, rules=rules)
    inventory = buckets.fetch(target(ENV, clients, wants=Wants(False, True, False)))
    clients.verify()
    return judge("checks/live/test_logging.py", "LOG-ARCHIVE", ENV, snapshot_of(ENV, buckets=inventory))


@pytest.mark.parametrize("scope", [{"Filter": {}}, {"Filter": {"Prefix": ""}}, {"Prefix": ""}],
                         ids=["empty-filter", "empty-prefix", "legacy-prefix"])
def test_lifecycle_over_the_whole_bucket_is_green(scope: dict[str, Any]) -> None:
    verdict = _archive_verdict([{"ID": "expire-archived-logs", "Status": "Enabled", "Expiration": {"Days": 365},
                                 **scope}])
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(("scope", "shown"), [
    ({"Filter": {"Prefix": "logs/"}}, "365 for prefix logs/ only"),
    ({"Filter": {"Tag": {"Key": "archive", "Value": "true"}}}, "365 for tag archive=true only"),
    ({"Filter": {"And": {"Prefix": "app/", "Tags": [{"Key": "tier", "Value": "cold"}]}}},
     "365 for prefix app/ and tag tier=cold only"),
], ids=["prefix", "tag", "and"])
def test_lifecycle_filtered_to_part_of_the_bucket_is_red(scope: dict[str, Any], shown: str) -> None:
    verdict = _archive_verdict([{"ID": "expire-archived-logs", "Status": "Enabled", "Expiration": {"Days": 365},
                                 **scope}])
    assert not verdict.passed
    assert (f"{ENV} LOG-ARCHIVE s3:{ENV}-taskmanager-log-archive.LifecycleConfiguration.Expiration.Days: expected "
            f'365 (a rule covering the whole bucket), got ["{shown}"]') in verdict.message


@pytest.mark.parametrize(("partition", "region"), [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")])
def test_alarm_actions_in_other_partitions_are_sns_topics(partition: str, region: str) -> None:
    clients = StubbedClients(ENV, region=region)
    name = f"{ENV}-taskmanager-db-cpu-high"
    arn = f"arn:{partition}:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"
    clients.stub("cloudwatch").add_response("describe_alarms", {"MetricAlarms": [{
        "AlarmName": name, "AlarmArn": arn, "ActionsEnabled": True, "StateValue": "OK",
        "AlarmActions": [f"arn:{partition}:sns:{region}:{ACCOUNT}:{ENV}-taskmanager-alerts"],
        "MetricName": "CPUUtilization", "Namespace": "AWS/RDS", "Statistic": "Average", "Period": 300,
        "EvaluationPeriods": 2, "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold"}]},
        {"AlarmNamePrefix": f"{ENV}-taskmanager-", "AlarmTypes": ["CompositeAlarm", "MetricAlarm"]})
    clients.stub("cloudwatch").add_response("list_tags_for_resource", {"Tags": TAGS}, {"ResourceARN": arn})
    topic = f"arn:{partition}:sns:{region}:{ACCOUNT}:{ENV}-taskmanager-alerts"  # its subscriptions, read once
    clients.stub("sns").add_response("list_subscriptions_by_topic", {"Subscriptions": []}, {"TopicArn": topic})
    snapshot = snapshot_of(ENV, alarms=alarms.fetch(target(ENV, clients)))
    clients.verify()
    verdict = judge("checks/live/test_monitoring.py", "MON-ALARMS", ENV, snapshot)
    assert verdict.passed, verdict.message
