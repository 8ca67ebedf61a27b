"""The guard's bookkeeping, on moto's in-process stand-in (a narrow unit test; botocore's Stubber answers before
the guard's hook runs): what it records, for whom, where it logs, and that it is one hook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from envmatrix.aws import guard, sections  # noqa: F401 (importing the sections declares the allow-list)
from envmatrix.errors import ReadOnlyViolation

OFFLINE = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": "/nonexistent/envmatrix", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix"}


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in OFFLINE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(guard.CALL_LOG_VARIABLE, raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    guard.reset_calls()
    with mock_aws():
        yield
    guard.reset_calls()


def _body(key: str) -> dict[str, Any]:
    """The request's parameters, from the recorded request (the guard records what botocore is about to send)."""
    return dict(json.loads(key)["body"])


def _rds(session: boto3.Session) -> Any:
    return session.client("rds", region_name="eu-west-1")


def test_a_declared_read_is_recorded_with_its_parameters_and_environment() -> None:
    client = _rds(guard.guard_session(boto3.Session()))
    with guard.scoped("production"), pytest.raises(client.exceptions.DBInstanceNotFoundFault):
        client.describe_db_instances(DBInstanceIdentifier="production-taskmanager-db")
    [((service, operation, key), count)] = guard.calls().items()
    assert (service, operation, count) == ("rds", "DescribeDBInstances", 1)
    assert _body(key)["DBInstanceIdentifier"] == "production-taskmanager-db"
    assert guard.calls_for("production") == 1
    assert guard.calls_for("staging") == 0 and guard.calls_for("") == 0


def test_calls_outside_a_scope_count_for_no_environment_and_scopes_nest() -> None:
    client = _rds(guard.guard_session(boto3.Session()))
    client.describe_db_instances()
    with guard.scoped("staging"):
        with guard.scoped("dev"):
            client.describe_db_instances()
        client.describe_db_instances()
        client.describe_db_instances()
    assert (guard.calls_for(""), guard.calls_for("dev"), guard.calls_for("staging")) == (1, 1, 2)
    [((service, operation, key), count)] = guard.calls().items()
    assert (service, operation, count) == ("rds", "DescribeDBInstances", 4)
    assert key == json.dumps(json.loads(key), sort_keys=True)  # one key per request, whatever the dict order
    assert _body(key) == {"Action": "DescribeDBInstances", "Version": "2014-10-31"}
    guard.reset_calls()
    assert guard.calls() == {} and guard.calls_for("dev") == 0


def test_the_call_log_gets_one_line_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(guard.CALL_LOG_VARIABLE, str(log))
    client = _rds(guard.guard_session(boto3.Session()))
    client.describe_db_instances(MaxRecords=20)
    client.describe_db_instances()
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["service"], line["operation"], _body(line["params"]).get("MaxRecords")) for line in lines] == [
        ("rds", "DescribeDBInstances", 20), ("rds", "DescribeDBInstances", None)]
    assert [line["params"] for line in lines] == [key for key, in [k[2:] for k in guard.calls()]]
    assert {line["pid"] for line in lines} == {__import__("os").getpid()}


def test_guarding_twice_installs_one_hook() -> None:
    session = guard.guard_session(guard.guard_session(boto3.Session()))
    client = _rds(session)
    client.describe_db_instances()
    assert sum(guard.calls().values()) == 1


def test_a_refused_call_is_named_and_not_recorded() -> None:
    client = _rds(guard.guard_session(boto3.Session()))
    with pytest.raises(ReadOnlyViolation, match=r"refused rds:ModifyDBInstance: not in the declared allow-list"):
        client.modify_db_instance(DBInstanceIdentifier="x", BackupRetentionPeriod=1)
    assert guard.calls() == {}


def test_an_unguarded_session_is_not_watched() -> None:
    client = _rds(boto3.Session())
    client.describe_db_instances()
    assert guard.calls() == {}
