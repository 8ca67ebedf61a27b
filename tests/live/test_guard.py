"""The read-only guard: every suite client sends exactly the declared operations, also on assumed-role sessions."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest

from envmatrix.aws.guard import guard_session, is_allowed
from envmatrix.aws.iam import CALLER_SIDE, OPERATIONS
from envmatrix.aws.session import clients_for, forget_sessions, make_session
from envmatrix.config import AwsConfig, EnvConfig
from envmatrix.errors import ReadOnlyViolation
from tests.live.conftest import offline_aws

#: Every operation the guard lets through: the declared reads and taking the configured role.
DECLARED = set(OPERATIONS) | CALLER_SIDE
#: Named like reads, yet each mints a credential, reads data or a secret, or (AutoCreate) creates a user.
READ_LIKE_BUT_UNDECLARED = [
    ("sts", "get_web_identity_token", {"Audience": ["https://example.com"], "SigningAlgorithm": "RS256"}),
    ("sso", "get_role_credentials", {"roleName": "admin", "accountId": "123456789012", "accessToken": "x"}),
    ("ssm", "get_parameter_history", {"Name": "/taskmanager/production/database-url", "WithDecryption": True}),
    ("logs", "get_log_events", {"logGroupName": "/ecs/production-taskmanager", "logStreamName": "app/1"}),
    ("dynamodb", "get_item", {"TableName": "sessions", "Key": {"id": {"S": "1"}}}),
    ("redshift", "get_cluster_credentials", {"DbUser": "admin", "ClusterIdentifier": "warehouse", "AutoCreate": True}),
    ("secretsmanager", "get_secret_value", {"SecretId": "taskmanager/production/jwt-secret"}),
    ("secretsmanager", "describe_secret", {"SecretId": "taskmanager/production/jwt-secret"}),
    ("ecs", "list_services", {"cluster": "production-taskmanager"}),
    ("rds", "modify_db_instance", {"DBInstanceIdentifier": "production-taskmanager-db", "BackupRetentionPeriod": 1}),
]


def _operations(service: str, loader: Any) -> set[str]:
    return set(loader.load_service_model(service, "service-2")["operations"])


@pytest.fixture(scope="module")
def every_operation() -> set[tuple[str, str]]:
    """Every (service, operation) botocore knows: ~450 service models, parsed in a few seconds."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    return {(service, operation) for service in session.get_available_services()
            for operation in _operations(service, loader)}


def test_the_guard_allows_exactly_the_declared_operations(every_operation: set[tuple[str, str]]) -> None:
    """Walk botocore's every operation: the guard lets through the declared ones and sts:AssumeRole, nothing else."""
    assert len(every_operation) > 10_000  # really every model, not a handful
    assert {op for op in every_operation if is_allowed(*op)} == DECLARED
    assert DECLARED <= every_operation  # each declared operation is a real one (no typo that allows nothing)
    assert CALLER_SIDE == {("sts", "AssumeRole")}


@pytest.mark.parametrize(("service", "operation", "allowed"), [
    ("rds", "DescribeDBInstances", True),
    ("s3", "GetBucketVersioning", True),
    ("s3control", "GetPublicAccessBlock", True),
    ("secretsmanager", "ListSecrets", True),
    ("sts", "GetCallerIdentity", True),
    ("sts", "AssumeRole", True),
    # named like reads, but not declared: refused
    ("ecs", "ListServices", False),
    ("s3", "HeadBucket", False),
    ("s3control", "GetBucketVersioning", False),  # declared for s3, not for s3control
    ("elb", "DescribeLoadBalancers", False),  # declared for elbv2, not for the classic balancers
    ("secretsmanager", "DescribeSecret", False),
    ("secretsmanager", "GetSecretValue", False),
    ("secretsmanager", "BatchGetSecretValue", False),
    ("ecr", "GetAuthorizationToken", False),
    ("ssm", "GetParameter", False),
    ("ssm", "GetParameterHistory", False),
    ("sts", "GetWebIdentityToken", False),
    ("sts", "GetSessionToken", False),
    ("sso", "GetRoleCredentials", False),
    ("logs", "GetLogEvents", False),
    ("dynamodb", "GetItem", False),
    ("redshift", "GetClusterCredentials", False),
    # writes
    ("rds", "ModifyDBInstance", False),
    ("ec2", "AuthorizeSecurityGroupIngress", False),
    ("s3", "PutBucketVersioning", False),
    ("iam", "AssumeRole", False),
])
def test_is_allowed(service: str, operation: str, allowed: bool) -> None:
    assert is_allowed(service, operation) is allowed


class Sent(Exception):
    """Raised in place of sending: the request got past every before-call hook, the guard included."""


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> tuple[boto3.Session, list[str]]:
    """A guarded session whose clients never send: each request that reaches the wire is noted and stopped."""
    offline_aws(monkeypatch)  # a closed loopback port: nothing can leave even if the guard failed
    session = guard_session(boto3.Session(region_name="us-east-1"))
    sent: list[str] = []

    def stop(request: Any, **_: Any) -> None:
        sent.append(request.url)
        raise Sent(request.url)

    session.events.register("before-send", stop)
    return session, sent


@pytest.mark.parametrize(("service", "method", "params"), [
    pytest.param(*case, id=f"{case[0]}.{case[1]}") for case in READ_LIKE_BUT_UNDECLARED
])
def test_an_undeclared_operation_is_refused_before_it_is_sent(guarded: tuple[boto3.Session, list[str]],
                                                              service: str, method: str,
                                                              params: dict[str, Any]) -> None:
    session, sent = guarded
    client: Any = session.client(service)  # type: ignore[call-overload]
    if not hasattr(client, method):
        pytest.skip(f"this botocore has no {service}.{method}")
    operation = client.meta.method_to_api_mapping[method]
    with pytest.raises(ReadOnlyViolation,
                       match=rf"refused {service}:{operation}: not in the declared allow-list"):
        getattr(client, method)(**params)
    assert sent == []


def test_a_declared_read_passes_the_guard(guarded: tuple[boto3.Session, list[str]]) -> None:
    session, sent = guarded
    rds: Any = session.client("rds")
    with pytest.raises(Sent):  # past the guard, stopped only at the wire
        rds.describe_db_instances(DBInstanceIdentifier="production-taskmanager-db")
    assert len(sent) == 1


def test_suite_clients_are_guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_aws(monkeypatch)
    forget_sessions()
    clients = clients_for("dev", EnvConfig(), AwsConfig(), "us-east-1")
    with pytest.raises(ReadOnlyViolation):
        clients.client("s3").put_bucket_versioning(Bucket="dev-taskmanager-backups",
                                                   VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(ReadOnlyViolation):
        clients.client("secretsmanager").get_secret_value(SecretId="taskmanager/dev/database-url")
    with pytest.raises(ReadOnlyViolation, match="refused ssm:GetParameterHistory"):
        clients.client("ssm").get_parameter_history(Name="/taskmanager/dev/database-url", WithDecryption=True)


def test_assumed_role_session_is_guarded(aws_env: dict[str, str]) -> None:
    session = make_session("production", EnvConfig(role_arn="arn:aws:iam::123456789012:role/envmatrix-audit"),
                           AwsConfig(max_attempts=1), "us-east-1")
    credentials = session.get_credentials()
    assert credentials is not None and credentials.access_key != aws_env["AWS_ACCESS_KEY_ID"]
    ecs: Any = session.client("ecs")
    assert ecs.describe_clusters(clusters=["production-taskmanager"])["clusters"]
    with pytest.raises(ReadOnlyViolation, match="refused ecs:DeleteCluster"):
        ecs.delete_cluster(cluster="production-taskmanager")
    with pytest.raises(ReadOnlyViolation, match="refused ecs:ListServices: not in the declared allow-list"):
        ecs.list_services(cluster="production-taskmanager")  # a read, but not one the suite declares
    secrets: Any = session.client("secretsmanager")
    with pytest.raises(ReadOnlyViolation, match="GetSecretValue"):
        secrets.get_secret_value(SecretId="taskmanager/production/jwt-secret")
