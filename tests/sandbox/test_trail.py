"""The sandbox's CloudTrail, through boto3 against its real moto server: who changed what, answered as AWS answers.

The clean world's history holds the CI deploy roles' changes only; each change fault of tests/faults/changes.py
leaves exactly its principal's events; LookupEvents pages, filters and refuses as AWS does; and every answer the
sandbox gives passes botocore's Stubber, which validates it against CloudTrail's output shapes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from envmatrix.context import Paths, Suite
from envmatrix.sandbox.aws import RunningAws, start_aws
from envmatrix.sandbox.moto_trail_log import is_write, request_parameters
from envmatrix.sandbox.provision_trail import trail_name
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.faults.actions import FaultTarget
from tests.faults.catalogue import CATALOGUE, VARIANTS
from tests.faults.changes import (
    AUTOSCALING,
    AUTOSCALING_ROLE,
    CLI,
    CONSOLE,
    ORGANIZATION_TRAIL,
    iam_user_arn,
    sso_arn,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = re.compile(r"^arn:aws:sts::123456789012:assumed-role/(?P<env>[a-z]+)-taskmanager-deploy/GitHubActions$")
WRITES = [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningAws, Suite]]:
    reports = tmp_path_factory.mktemp("trail-sandbox")
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports)
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))
    running = start_aws(suite)
    yield running, suite
    running.stop()


@pytest.fixture
def clean(sandbox: tuple[RunningAws, Suite]) -> RunningAws:
    """The sandbox with every environment freshly provisioned (a fault test before may have changed it)."""
    aws, suite = sandbox
    if set(aws.environments) != set(SHIPPED_ENVIRONMENTS) or getattr(aws, "_dirty", False):
        aws.reset()
        aws.provision(suite)
    aws._dirty = False  # type: ignore[attr-defined]
    return aws


def history(aws: RunningAws, page: int = 50, **filters: Any) -> list[dict[str, Any]]:
    """Every event LookupEvents gives for ``filters`` (page after page), each answer checked by the Stubber."""
    cloudtrail, events, token = aws.client("cloudtrail"), [], None
    while True:
        request = {**filters, "MaxResults": page, **({"NextToken": token} if token else {})}
        answer = cloudtrail.lookup_events(**request)
        validated(cloudtrail, "lookup_events", answer)
        events += answer["Events"]
        token = answer.get("NextToken")
        if not token:
            return events


def validated(client: Any, operation: str, answer: dict[str, Any]) -> None:
    """Stubber.add_response validates ``answer`` against the operation's output shape (a ParamValidationError
    where real AWS could not have answered it)."""
    stubber = Stubber(client)
    stubber.add_response(operation, {k: v for k, v in answer.items() if k != "ResponseMetadata"})


def record(event: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(event["CloudTrailEvent"])
    return parsed


def principal(event: dict[str, Any]) -> str:
    user = record(event)["userIdentity"]
    return str(user.get("arn") or user.get("invokedBy"))


def not_automation(aws: RunningAws) -> list[dict[str, Any]]:
    return [event for event in history(aws, LookupAttributes=WRITES) if not DEPLOY.match(principal(event))]


# --- the clean world -----------------------------------------------------------------------------
def test_clean_world_changes_are_all_the_deploy_roles(clean: RunningAws) -> None:
    events = history(clean, LookupAttributes=WRITES)
    assert len(events) > 100
    roles = {}
    for event in events:
        found = DEPLOY.match(principal(event))
        assert found, (event["EventName"], principal(event))
        roles[found["env"]] = roles.get(found["env"], 0) + 1
        named = [r["ResourceName"] for r in event["Resources"]] + [  # by resource or by request identifier
            str(value) for value in (record(event)["requestParameters"] or {}).values()]
        for value in named:  # each environment's role changed its own resources only
            other = re.search(r"(dev|staging|production)-taskmanager", value)
            assert other is None or other[1] == found["env"], (event["EventName"], value, principal(event))
    assert set(roles) == set(SHIPPED_ENVIRONMENTS)
    assert {event["ReadOnly"] for event in events} == {"false"}


def test_every_environment_has_a_logging_trail_recording_management_writes(clean: RunningAws) -> None:
    cloudtrail = clean.client("cloudtrail")
    trails = cloudtrail.describe_trails()
    validated(cloudtrail, "describe_trails", trails)
    assert {trail["Name"] for trail in trails["trailList"]} == {trail_name(env) for env in SHIPPED_ENVIRONMENTS}
    for trail in trails["trailList"]:
        assert trail["HasCustomEventSelectors"] is True and trail["IsMultiRegionTrail"] is True
        status = cloudtrail.get_trail_status(Name=trail["TrailARN"])
        validated(cloudtrail, "get_trail_status", status)
        assert status["IsLogging"] is True and "StopLoggingTime" not in status
        assert "" not in status.values()  # moto's blanks left out, as AWS leaves them out
        selectors = cloudtrail.get_event_selectors(TrailName=trail["TrailARN"])
        validated(cloudtrail, "get_event_selectors", selectors)
        basic = [s for s in selectors.get("EventSelectors", []) if s["IncludeManagementEvents"]
                 and s["ReadWriteType"] in ("All", "WriteOnly")]
        advanced = [s for s in selectors.get("AdvancedEventSelectors", [])
                    if {"Field": "eventCategory", "Equals": ["Management"]} in s["FieldSelectors"]]
        assert basic or advanced, selectors


def test_events_are_shaped_as_cloudtrail_writes_them(clean: RunningAws) -> None:
    event = history(clean, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateDBInstance"}])[0]
    body = record(event)
    assert body["eventSource"] == event["EventSource"] == "rds.amazonaws.com"
    assert body["eventID"] == event["EventId"] and body["readOnly"] is False and body["eventType"] == "AwsApiCall"
    assert dt.datetime.fromisoformat(body["eventTime"].replace("Z", "+00:00")) == event["EventTime"]
    assert body["userIdentity"]["type"] == "AssumedRole" and event["Username"] == "GitHubActions"
    assert body["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"].endswith("-taskmanager-deploy")
    assert event["AccessKeyId"] == body["userIdentity"]["accessKeyId"] and event["AccessKeyId"].startswith("ASIA")
    assert body["userAgent"].startswith("Boto3/") and body["sourceIPAddress"] == "127.0.0.1"
    assert body["requestParameters"]["dBInstanceIdentifier"] in [r["ResourceName"] for r in event["Resources"]]
    assert {"ResourceType": "AWS::RDS::DBInstance"}.items() <= event["Resources"][0].items()


def test_secret_values_are_never_recorded(clean: RunningAws) -> None:
    for event in history(clean, LookupAttributes=[{"AttributeKey": "EventSource",
                                                   "AttributeValue": "secretsmanager.amazonaws.com"}]):
        parameters = record(event)["requestParameters"] or {}
        assert parameters.get("secretString", "HIDDEN_DUE_TO_SECURITY_REASONS") == "HIDDEN_DUE_TO_SECURITY_REASONS"


# --- LookupEvents as AWS answers it --------------------------------------------------------------
def test_pages_are_newest_first_and_cover_everything_once(clean: RunningAws) -> None:
    whole = history(clean, LookupAttributes=WRITES)
    paged = history(clean, page=7, LookupAttributes=WRITES)
    assert [e["EventId"] for e in paged] == [e["EventId"] for e in whole]
    times = [e["EventTime"] for e in paged]
    assert times == sorted(times, reverse=True)
    first = clean.client("cloudtrail").lookup_events()
    assert len(first["Events"]) == 50 and first.get("NextToken")  # AWS's default page: 50


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("EventName", "CreateCluster", {"CreateCluster"}),
    ("EventSource", "logs.amazonaws.com", {"CreateLogGroup", "PutRetentionPolicy"}),
    ("ResourceName", "production-taskmanager-db", {"CreateDBInstance", "CreateDBInstanceReadReplica"}),
    ("ResourceType", "AWS::CloudTrail::Trail", {"StartLogging"}),
])
def test_one_lookup_attribute_filters(clean: RunningAws, key: str, value: str, expected: set[str]) -> None:
    events = history(clean, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])
    assert events and {e["EventName"] for e in events} >= expected
    if key == "EventName":
        assert {e["EventName"] for e in events} == expected


def test_username_and_access_key_filters(clean: RunningAws) -> None:
    events = history(clean, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "GitHubActions"}])
    key = events[0]["AccessKeyId"]
    by_key = history(clean, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key}])
    assert by_key and {e["AccessKeyId"] for e in by_key} == {key} and len(by_key) < len(events)


def test_time_range_is_inclusive_and_empty_outside(clean: RunningAws) -> None:
    events = history(clean)
    newest = events[0]["EventTime"]
    assert history(clean, StartTime=newest, EndTime=newest)
    assert history(clean, StartTime=newest + dt.timedelta(seconds=1)) == []
    assert history(clean, EndTime=events[-1]["EventTime"] - dt.timedelta(seconds=1)) == []


@pytest.mark.parametrize(("request_", "code"), [
    ({"LookupAttributes": [*WRITES, {"AttributeKey": "EventName", "AttributeValue": "x"}]},
     "InvalidLookupAttributesException"),
    ({"LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "no"}]}, "InvalidLookupAttributesException"),
    ({"LookupAttributes": [{"AttributeKey": "Region", "AttributeValue": "us-east-1"}]},
     "InvalidLookupAttributesException"),
    ({"StartTime": dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "EndTime": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
     "InvalidTimeRangeException"),
    ({"MaxResults": 51}, "InvalidMaxResultsException"),
    ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
])
def test_invalid_lookups_are_refused_as_aws_refuses_them(clean: RunningAws, request_: dict[str, Any],
                                                         code: str) -> None:
    unvalidated = clean.clients._session.client(  # botocore would refuse some of these before sending
        "cloudtrail", region_name=clean.region, endpoint_url=clean.endpoint,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as raised:
        unvalidated.lookup_events(**request_)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- the change faults and variants, as the trail saw them ---------------------------------------
def _apply(sandbox: tuple[RunningAws, Suite], item_id: str) -> RunningAws:
    aws, suite = sandbox
    item = next(i for i in [*CATALOGUE, *VARIANTS] if i.id == item_id)
    aws.reset()
    aws.provision(suite, [item.env])
    aws._dirty = True  # type: ignore[attr-defined]
    item.apply(FaultTarget(aws, item.env))
    return aws


def test_sso_console_change_names_alice(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-db-modified-by-sso-user")
    [event] = not_automation(aws)
    body = record(event)
    assert (event["EventName"], principal(event), event["Username"]) == ("ModifyDBInstance", sso_arn("alice"),
                                                                         "alice")
    assert body["userAgent"] == CONSOLE
    assert body["sessionCredentialFromConsole"] == "true"
    assert body["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"].startswith(
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_")
    assert event["Resources"] == [{"ResourceType": "AWS::RDS::DBInstance",
                                   "ResourceName": "production-taskmanager-db"}]


def test_reverted_retention_change_leaves_two_events_and_no_drift(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-log-retention-changed-and-reverted")
    events = not_automation(aws)
    assert [(e["EventName"], principal(e)) for e in events] == [("PutRetentionPolicy", sso_arn("bob"))] * 2
    revert, change = (record(e) for e in events)  # newest first
    assert change["requestParameters"]["retentionInDays"] == 1
    now = dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=115) < now - events[1]["EventTime"] < dt.timedelta(minutes=125)
    assert dt.timedelta(minutes=55) < now - events[0]["EventTime"] < dt.timedelta(minutes=65)
    assert change["userAgent"] == CLI
    assert revert["requestParameters"]["logGroupName"] == "/ecs/production-taskmanager-api"
    live = aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/production-taskmanager-api")["logGroups"]
    assert live[0]["retentionInDays"] == revert["requestParameters"]["retentionInDays"] != 1


def test_access_key_change_names_the_iam_user(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-sg-ingress-by-iam-user")
    [event] = not_automation(aws)
    body = record(event)
    assert event["EventName"] == "AuthorizeSecurityGroupIngress"
    assert principal(event) == iam_user_arn("ops-deploy-legacy")
    assert body["userIdentity"]["type"] == "IAMUser" and event["Username"] == "ops-deploy-legacy"
    assert event["AccessKeyId"].startswith("AKIA") and body["userAgent"] == CLI
    assert event["Resources"][0]["ResourceType"] == "AWS::EC2::SecurityGroup"


def test_stopped_trail_is_not_logging_and_names_who(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-trail-stopped")
    [event] = not_automation(aws)
    assert (event["EventName"], principal(event)) == ("StopLogging", sso_arn("alice"))
    assert event["Resources"] == [{"ResourceType": "AWS::CloudTrail::Trail",
                                   "ResourceName": "production-taskmanager-trail"}]
    status = aws.client("cloudtrail").get_trail_status(Name="production-taskmanager-trail")
    validated(aws.client("cloudtrail"), "get_trail_status", status)
    assert status["IsLogging"] is False and status["StopLoggingTime"]


def test_pipeline_update_is_automation(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-deploy-role-update-service")
    assert not_automation(aws) == []
    updates = history(aws, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UpdateService"}])
    assert any(record(e)["requestParameters"].get("forceNewDeployment") is True for e in updates)


def test_autoscaling_change_is_invoked_by_the_service(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-autoscaling-changed-desired-count")
    [event] = not_automation(aws)
    body = record(event)
    assert event["EventName"] == "UpdateService" and body["userIdentity"]["invokedBy"] == AUTOSCALING
    assert body["userIdentity"]["arn"].endswith(f"assumed-role/{AUTOSCALING_ROLE}/AutoScaling")
    assert body["sourceIPAddress"] == body["userAgent"] == AUTOSCALING


def test_rds_maintenance_is_the_services_own_event(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-rds-maintenance")
    [event] = not_automation(aws)
    body = record(event)
    assert body["userIdentity"] == {"type": "AWSService", "invokedBy": "rds.amazonaws.com"}
    assert body["eventType"] == "AwsServiceEvent" and "Username" not in event and "AccessKeyId" not in event
    assert event["Resources"][0]["ResourceName"].endswith(":db:production-taskmanager-db")


def test_dev_manual_change_is_recorded_too(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "dev-manual-change")
    [event] = not_automation(aws)
    assert (event["EventName"], principal(event)) == ("ModifyDBInstance", sso_arn("alice"))
    assert event["Resources"][0]["ResourceName"] == "dev-taskmanager-db"


def test_organization_trail_replaces_the_environments_own(sandbox: tuple[RunningAws, Suite]) -> None:
    aws = _apply(sandbox, "production-organization-trail")
    assert not_automation(aws) == []
    cloudtrail = aws.client("cloudtrail")
    trails = cloudtrail.describe_trails()
    validated(cloudtrail, "describe_trails", trails)
    [trail] = trails["trailList"]
    assert (trail["Name"], trail["IsOrganizationTrail"], trail["HasCustomEventSelectors"]) == (
        ORGANIZATION_TRAIL, True, True)
    assert cloudtrail.get_trail_status(Name=trail["TrailARN"])["IsLogging"] is True


# --- the recorder's pure parts --------------------------------------------------------------------
def test_request_parameters_keep_identifiers_and_hide_secrets_as_aws_does() -> None:
    hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert request_parameters({
        "Action": "ModifyDBInstance", "DBInstanceIdentifier": "production-taskmanager-db", "BackupRetentionPeriod": 7,
        "MasterUserPassword": "pw", "SecretString": "s", "AuthToken": "t", "Tags.member.1.Key": "k",
        "containerDefinitions": [{"environment": [{"name": "X", "value": "literal"}]}],
    }) == {"dBInstanceIdentifier": "production-taskmanager-db", "backupRetentionPeriod": 7,
           "masterUserPassword": hidden, "secretString": hidden, "authToken": hidden}


@pytest.mark.parametrize(("operation", "write"), [
    ("ModifyDBInstance", True), ("PutRetentionPolicy", True), ("StopLogging", True), ("UpdateService", True),
    ("DescribeDBInstances", False), ("GetTrailStatus", False), ("ListTagsForResource", False),
    ("LookupEvents", False), ("AssumeRole", False), ("BatchGetSecretValue", False),
])
def test_write_events_are_the_non_read_only_operations(operation: str, write: bool) -> None:
    assert is_write(operation) is write


def test_a_trail_without_selectors_answers_the_default_one(clean: RunningAws) -> None:
    """AWS gives a trail whose selectors were never set its default selector: every management event."""
    cloudtrail = clean.client("cloudtrail")
    clean.client("s3").create_bucket(Bucket="trail-default-selectors")
    cloudtrail.create_trail(Name="default-selectors", S3BucketName="trail-default-selectors")
    clean._dirty = True  # type: ignore[attr-defined]
    answer = cloudtrail.get_event_selectors(TrailName="default-selectors")
    validated(cloudtrail, "get_event_selectors", answer)
    assert answer["EventSelectors"] == [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                         "DataResources": [], "ExcludeManagementEventSources": []}]
    [trail] = [t for t in cloudtrail.describe_trails()["trailList"] if t["Name"] == "default-selectors"]
    assert trail["HasCustomEventSelectors"] is False
