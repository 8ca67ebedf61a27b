"""The read-only guard: every suite client refuses writes and secret reads, also on assumed-role sessions."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from envmatrix.aws.guard import guard_session, is_allowed
from envmatrix.aws.session import clients_for, forget_sessions, make_session
from envmatrix.config import AwsConfig, EnvConfig
from envmatrix.errors import ReadOnlyViolation
from tests.live.conftest import offline_aws


@pytest.mark.parametrize(("service", "operation", "allowed"), [
    ("rds", "DescribeDBInstances", True),
    ("ecs", "ListServices", True),
    ("s3", "GetBucketVersioning", True),
    ("s3", "HeadBucket", True),
    ("sts", "AssumeRole", True),
    ("secretsmanager", "ListSecrets", True),
    ("secretsmanager", "DescribeSecret", True),
    ("secretsmanager", "GetSecretValue", False),
    ("secretsmanager", "BatchGetSecretValue", False),
    ("ecr", "GetAuthorizationToken", False),
    ("ssm", "GetParameter", False),
    ("rds", "ModifyDBInstance", False),
    ("ec2", "AuthorizeSecurityGroupIngress", False),
    ("s3", "PutBucketVersioning", False),
    ("iam", "AssumeRole", False),
])
def test_is_allowed(service: str, operation: str, allowed: bool) -> None:
    assert is_allowed(service, operation) is allowed


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    offline_aws(monkeypatch)  # a closed loopback port: nothing can leave even if the guard failed
    return guard_session(boto3.Session(region_name="us-east-1"))


def test_write_is_refused_before_any_request(guarded: boto3.Session) -> None:
    client: Any = guarded.client("rds")
    with pytest.raises(ReadOnlyViolation, match=r"refused rds:ModifyDBInstance \(is not a read\)"):
        client.modify_db_instance(DBInstanceIdentifier="production-taskmanager-db", BackupRetentionPeriod=1)


def test_secret_value_is_refused(guarded: boto3.Session) -> None:
    client: Any = guarded.client("secretsmanager")
    with pytest.raises(ReadOnlyViolation, match=r"GetSecretValue \(returns a secret value\)"):
        client.get_secret_value(SecretId="taskmanager/production/jwt-secret")


def test_suite_clients_are_guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_aws(monkeypatch)
    forget_sessions()
    clients = clients_for("dev", EnvConfig(), AwsConfig(), "us-east-1")
    with pytest.raises(ReadOnlyViolation):
        clients.client("s3").put_bucket_versioning(Bucket="dev-taskmanager-backups",
                                                   VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(ReadOnlyViolation):
        clients.client("secretsmanager").get_secret_value(SecretId="taskmanager/dev/database-url")


def test_assumed_role_session_is_guarded(aws_env: dict[str, str]) -> None:
    session = make_session("production", EnvConfig(role_arn="arn:aws:iam::123456789012:role/envmatrix-audit"),
                           AwsConfig(max_attempts=1), "us-east-1")
    credentials = session.get_credentials()
    assert credentials is not None and credentials.access_key != aws_env["AWS_ACCESS_KEY_ID"]
    ecs: Any = session.client("ecs")
    assert ecs.describe_clusters(clusters=["production-taskmanager"])["clusters"]
    with pytest.raises(ReadOnlyViolation, match="refused ecs:DeleteCluster"):
        ecs.delete_cluster(cluster="production-taskmanager")
    secrets: Any = session.client("secretsmanager")
    with pytest.raises(ReadOnlyViolation, match="GetSecretValue"):
        secrets.get_secret_value(SecretId="taskmanager/production/jwt-secret")
