"""The shape harness itself: a stubbed answer reaches the real inventory and the real check, both ways."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ParamValidationError, StubResponseError

from envmatrix.aws import rds
from tests.shapes.harness import ACCOUNT, StubbedClients, judge, snapshot_of, target


def _instance(identifier: str, **overrides: Any) -> dict[str, Any]:
    """A DescribeDBInstances member as real AWS returns it (fields the inventory reads, plus typical others)."""
    return {
        "DBInstanceIdentifier": identifier, "DBInstanceClass": "db.r6g.xlarge", "Engine": "postgres",
        "DBInstanceStatus": "available", "AllocatedStorage": 100, "MaxAllocatedStorage": 1000, "MultiAZ": True,
        "BackupRetentionPeriod": 30, "DeletionProtection": True, "StorageEncrypted": True,
        "PubliclyAccessible": False, "ReadReplicaDBInstanceIdentifiers": [],
        "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:{identifier}",
        "TagList": [{"Key": "Environment", "Value": "production"}, {"Key": "Project", "Value": "taskmanager"}],
        **overrides,
    }


def test_a_stubbed_answer_reaches_the_check() -> None:
    clients = StubbedClients("production")
    clients.stub("rds").add_response("describe_db_instances",
                                     {"DBInstances": [_instance("production-taskmanager-db", BackupRetentionPeriod=7)]})
    inventory = rds.fetch(target("production", clients))
    verdict = judge("checks/live/test_backups.py", "DB-BACKUP-RETENTION", "production",
                    snapshot_of("production", rds=inventory))
    assert not verdict.passed
    assert "production DB-BACKUP-RETENTION rds:production-taskmanager-db.BackupRetentionPeriod: expected 30, got 7" \
        in verdict.message


def test_a_shape_aws_could_not_return_is_refused() -> None:
    clients = StubbedClients("production")
    with pytest.raises((ParamValidationError, StubResponseError)):
        clients.stub("rds").add_response("describe_db_instances", {"DBInstances": [{"AllocatedStorage": "lots"}]})
