"""Real shapes for change control: CloudTrail's DescribeTrails, GetTrailStatus, GetEventSelectors and LookupEvents
(CloudTrailEvent records as AWS writes them: SSO sessions, IAM users' access keys, service-linked roles, services
acting on their own), fed through the Stubber into the real section and judged by the real checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from envmatrix.aws import cloudtrail
from envmatrix.aws.changecontrol import automated, patterns
from envmatrix.aws.network import NetworkInventory, SecurityGroup
from envmatrix.aws.target import ChangeWindow
from envmatrix.errors import InventoryUnavailable
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, judge, repo_spec, snapshot_of, target

CHECKS = "checks/live/test_change_control.py"
END = dt.datetime(2026, 12, 6, 3, 17, tzinfo=dt.UTC)
WINDOW = ChangeWindow(END - dt.timedelta(hours=24), END, "in 24 h", 20)
ORG_TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/o-a1b2c3d4e5/org-trail"
SG = "sg-0a1b2c3d4e5f60718"
#: what a CloudTrail answer does not carry as data: a user's long-term access key (kept out of every snapshot)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The backoff's pauses are recorded, not slept."""
    pauses: list[float] = []
    monkeypatch.setattr(cloudtrail, "_sleep", pauses.append)
    yield pauses


# -- AWS's shapes --------------------------------------------------------------------------------------------------


def _org_trail(**extra: Any) -> dict[str, Any]:
    """An organization trail as a member account's DescribeTrails(includeShadowTrails) lists it."""
    return {"Name": "org-trail", "S3BucketName": "org-cloudtrail-logs", "IncludeGlobalServiceEvents": True,
            "IsMultiRegionTrail": True, "HomeRegion": "us-east-1", "TrailARN": ORG_TRAIL,
            "LogFileValidationEnabled": True, "HasCustomEventSelectors": False, "HasInsightSelectors": False,
            "IsOrganizationTrail": True, **extra}


def _status(logging: bool) -> dict[str, Any]:
    status: dict[str, Any] = {"IsLogging": logging, "LatestDeliveryTime": END - dt.timedelta(minutes=5),
                              "StartLoggingTime": dt.datetime(2025, 1, 6, tzinfo=dt.UTC)}
    if not logging:
        status["StopLoggingTime"] = END - dt.timedelta(hours=3)
    return status


def _selectors(kind: str = "All", management: bool = True) -> dict[str, Any]:
    return {"TrailARN": ORG_TRAIL, "EventSelectors": [{"ReadWriteType": kind, "IncludeManagementEvents": management,
                                                       "DataResources": [], "ExcludeManagementEventSources": []}]}


def _advanced(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"TrailARN": ORG_TRAIL, "AdvancedEventSelectors": [
        {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                         *fields]}]}


def sso(user: str = "alice") -> dict[str, Any]:
    role = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID1234:{user}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{user}", "accountId": ACCOUNT,
            "accessKeyId": "ASIAEXAMPLETEMPKEY12",
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": "AROAEXAMPLEROLEID1234", "accountId": ACCOUNT, "userName": role,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{role}"},
                "attributes": {"creationDate": "2026-12-05T13:58:40Z", "mfaAuthenticated": "false"}}}


def role(name: str, session: str, path: str = "", invoked_by: str = "") -> dict[str, Any]:
    found = {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID5678:{session}",
             "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}", "accountId": ACCOUNT,
             "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLEID5678",
                                                  "arn": f"arn:aws:iam::{ACCOUNT}:role/{path}{name}",
                                                  "accountId": ACCOUNT, "userName": name},
                                "attributes": {"creationDate": "2026-12-05T02:00:00Z", "mfaAuthenticated": "false"}}}
    return {**found, "invokedBy": invoked_by} if invoked_by else found


def iam_user(name: str = "bob") -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSERID123", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "accountId": ACCOUNT, "accessKeyId": ACCESS_KEY, "userName": name}


SERVICE_RDS = {"type": "AWSService", "invokedBy": "rds.amazonaws.com"}
CONSOLE = "signin.amazonaws.com"
CLI = ("aws-cli/2.15.30 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off "
       "command/ec2.authorize-security-group-ingress")


def event(name: str, source: str, who: dict[str, Any], *, params: dict[str, Any] | None = None,
          resources: tuple[tuple[str, str], ...] = (), agent: str = CONSOLE, ip: str = "203.0.113.24",
          when: str = "2026-12-05T14:02:11Z", console: bool = False, error: str = "", number: int = 1
          ) -> dict[str, Any]:
    """One LookupEvents event: its own fields, and the whole record as a JSON string in CloudTrailEvent."""
    event_id = f"6f1c2b7e-0a4d-4c1e-9b1f-{number:012d}"
    record: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": who, "eventTime": when, "eventSource": source, "eventName": name,
        "awsRegion": REGION, "sourceIPAddress": ip if "invokedBy" not in who else who["invokedBy"],
        "userAgent": agent if "invokedBy" not in who else who["invokedBy"], "requestParameters": params,
        "responseElements": None, "requestID": f"c0ffee00-{number:04d}-4000-8000-000000000000", "eventID": event_id,
        "readOnly": False, "eventType": "AwsApiCall" if who.get("type") != "AWSService" else "AwsServiceEvent",
        "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management"}
    if console:
        record["sessionCredentialFromConsole"] = "true"
    if error:
        record["errorCode"], record["errorMessage"] = error, "User is not authorized to perform this operation"
    found: dict[str, Any] = {
        "EventId": event_id, "EventName": name, "ReadOnly": "false", "EventSource": source,
        "EventTime": dt.datetime.fromisoformat(when.replace("Z", "+00:00")),
        "Resources": [{"ResourceType": kind, "ResourceName": value} for kind, value in resources],
        "CloudTrailEvent": json.dumps(record)}
    if who.get("type") != "AWSService":
        found["Username"] = str(who.get("userName") or who.get("arn", "").rsplit("/", 1)[-1])
    if who.get("accessKeyId"):
        found["AccessKeyId"] = who["accessKeyId"]
    return found


def modify_db(who: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return event("ModifyDBInstance", "rds.amazonaws.com", who or sso(), console=True,
                 params={"dBInstanceIdentifier": "production-taskmanager-db", "backupRetentionPeriod": 7,
                         "applyImmediately": True},
                 resources=(("AWS::RDS::DBInstance", "production-taskmanager-db"),), **extra)


# -- feeding them through the section ------------------------------------------------------------------------------

LOOKUP = {"LookupAttributes": [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}],
          "StartTime": WINDOW.start, "EndTime": WINDOW.end, "MaxResults": 50}


def _stub_trail(stub: Any, trail: dict[str, Any], status: dict[str, Any] | None,
                selectors: dict[str, Any] | None) -> None:
    name = trail["TrailARN"]
    if status is not None:
        stub.add_response("get_trail_status", status, {"Name": name})
    if selectors is not None:
        stub.add_response("get_event_selectors", selectors, {"TrailName": name})


def fetch(env: str, *pages: list[dict[str, Any]], trails: list[dict[str, Any]] | None = None,
          status: dict[str, Any] | None = None, selectors: dict[str, Any] | None = None,
          window: ChangeWindow = WINDOW, throttled: int = 0, more: bool = False) -> cloudtrail.ChangesInventory:
    """The section over stubbed answers: the trails (default: the organization's, logging everything), then one
    LookupEvents answer per page (NextToken between them, and after the last with ``more``), ``throttled``
    ThrottlingExceptions before the first."""
    clients = StubbedClients(env)
    trail_stub = clients.stub("cloudtrail")
    listed = [_org_trail()] if trails is None else trails
    trail_stub.add_response("describe_trails", {"trailList": listed}, {"includeShadowTrails": True})
    read = sorted(listed, key=lambda raw: raw["Name"] != f"{env}-taskmanager-trail")  # its own first
    if read and (read[0]["HomeRegion"] == REGION or read[0]["IsMultiRegionTrail"]):
        status = status or _status(True)
        _stub_trail(trail_stub, read[0], status, (selectors or _selectors()) if status["IsLogging"] else None)
    clients.stub("sts").add_response("get_caller_identity", {
        "UserId": "AROAEXAMPLE:envmatrix", "Account": ACCOUNT,
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/envmatrix-readonly/envmatrix"})
    params = dict(LOOKUP, StartTime=window.start, EndTime=window.end)
    for _ in range(throttled):
        trail_stub.add_client_error("lookup_events", "ThrottlingException", "Rate exceeded", 400,
                                    expected_params=params)
    for number, events in enumerate(pages or ([],), start=1):
        answer: dict[str, Any] = {"Events": events}
        token = "kbOt5LlZe++mErCebpy2TgaMgmDvF1kYGFcH64JSjIbZFjsuvrSqg66b5YGssKutDYIyII4lrP4IDbeQdiObkp9YAlju"
        if number < len(pages) or more:
            answer["NextToken"] = f"{token}{number}"
        trail_stub.add_response("lookup_events", answer, params)
        if "NextToken" in answer:
            params = {**params, "NextToken": answer["NextToken"]}
    # a window of its own: a run's environments share one read of their window (keyed by the window itself)
    found = cloudtrail.fetch(_target(env, clients, dataclasses.replace(window)))
    clients.verify()
    return found


def _target(env: str, clients: StubbedClients, window: ChangeWindow) -> Any:
    base = target(env, clients)
    return type(base)(base.env, base.names, base.clients, base.wants, base.environment_tag, window,
                      f"{env}-taskmanager")


def shown(result: Any, setting: str = "ManualChanges") -> list[str]:
    """What the check's evidence of ``setting`` says (the first is the cell's figure)."""
    return [evidence.actual for evidence in result.evidence if evidence.setting == setting]


def verdict(env: str, inventory: cloudtrail.ChangesInventory, check: str = "CHANGE-MANUAL",
            **sections: Any) -> Any:
    return judge(CHECKS, check, env, snapshot_of(env, changes=inventory, **sections))


# -- the trail -----------------------------------------------------------------------------------------------------


def test_an_organization_trail_logging_every_management_event_is_the_recording_trail() -> None:
    found = fetch("production")
    result = verdict("production", found, "CHANGE-TRAIL")
    assert result.passed, result.message
    assert found.recording is not None and found.recording.organization
    assert shown(verdict("production", found)) == ["0 manual changes in 24 h (trail: org-trail, logging)"]


def test_advanced_selectors_for_management_write_events_record() -> None:
    found = fetch("production", selectors=_advanced({"Field": "readOnly", "Equals": ["false"]}))
    assert verdict("production", found, "CHANGE-TRAIL").passed
    assert "advanced selector" in (found.recording.writes if found.recording else "")


@pytest.mark.parametrize("selectors", [
    _selectors("ReadOnly"),
    _selectors("All", management=False),
    _advanced({"Field": "readOnly", "Equals": ["true"]}),
], ids=["read-only selectors", "data events only", "advanced read-only"])
def test_selectors_that_record_no_management_write_fail_closed(selectors: dict[str, Any]) -> None:
    found = fetch("production", selectors=selectors)
    for check in ("CHANGE-TRAIL", "CHANGE-MANUAL"):
        result = verdict("production", found, check)
        assert not result.passed
        assert "org-trail: its event selectors record no management write events" in result.message


def test_a_stopped_trail_is_red_naming_it() -> None:
    found = fetch("production", status=_status(False))
    result = verdict("production", found, "CHANGE-TRAIL")
    assert not result.passed
    assert result.message.startswith(f"production CHANGE-TRAIL cloudtrail:{ACCOUNT}/{REGION}.Trail: expected a trail")
    assert "org-trail: not logging (GetTrailStatus IsLogging false)" in result.message
    assert not verdict("production", found).passed  # no change seen means nothing then


def test_the_environments_own_trail_stopped_is_red_though_an_organization_trail_records() -> None:
    own = _org_trail(Name="production-taskmanager-trail", IsOrganizationTrail=False, IsMultiRegionTrail=False,
                     TrailARN=f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/production-taskmanager-trail")
    found = fetch("production", trails=[_org_trail(), own], status=_status(False))
    assert [trail.name for trail in found.trails] == ["production-taskmanager-trail"]  # the others are not read
    result = verdict("production", found, "CHANGE-TRAIL")
    assert not result.passed and "production-taskmanager-trail: not logging" in result.message


def test_no_trail_covering_the_region_is_red() -> None:
    other = _org_trail(Name="eu-trail", HomeRegion="eu-west-1", IsMultiRegionTrail=False, IsOrganizationTrail=False,
                       TrailARN=f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/eu-trail")
    found = fetch("staging", trails=[other])
    result = verdict("staging", found, "CHANGE-TRAIL")
    assert not result.passed and "no trail covers us-east-1" in result.message


def test_a_trail_whose_status_cannot_be_read_says_why() -> None:
    clients = StubbedClients("production")
    stub = clients.stub("cloudtrail")
    stub.add_response("describe_trails", {"trailList": [_org_trail()]}, {"includeShadowTrails": True})
    stub.add_client_error("get_trail_status", "TrailNotFoundException", "Unknown trail", 400,
                          expected_params={"Name": ORG_TRAIL})
    trails = cloudtrail._trails(clients.client("cloudtrail"), REGION, "production-taskmanager")
    assert trails[0].problem.startswith("AWS error (HTTP 400): TrailNotFoundException")


# -- the events ----------------------------------------------------------------------------------------------------


def test_a_manual_modify_db_instance_on_production_by_an_sso_user_is_red_naming_who_and_when() -> None:
    found = fetch("production", [modify_db()])
    result = verdict("production", found)
    assert not result.passed
    assert result.message == (
        "production CHANGE-MANUAL rds:production-taskmanager-db: ModifyDBInstance by arn:aws:sts::210987654321:"
        "assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice at 2026-12-05T14:02:11Z from "
        "the console (signin.amazonaws.com)")
    assert shown(result)[0].startswith("rds:production-taskmanager-db: ModifyDBInstance")  # the cell's figure


def test_a_retention_change_reverted_an_hour_later_lists_both_events() -> None:
    """Drift sees nothing the next night (the value is back); change control sees both writes."""
    def retention(days: int, when: str, number: int) -> dict[str, Any]:
        return event("PutRetentionPolicy", "logs.amazonaws.com", sso("bob"), console=True, when=when, number=number,
                     agent="console.amazonaws.com",
                     params={"logGroupName": "/ecs/production-taskmanager-api", "retentionInDays": days})
    # LookupEvents answers newest first
    found = fetch("production", [retention(90, "2026-12-05T15:10:02Z", 2), retention(1, "2026-12-05T14:09:55Z", 1)])
    result = verdict("production", found)
    lines = result.message.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("production CHANGE-MANUAL logs:/ecs/production-taskmanager-api: PutRetentionPolicy by "
                               "arn:aws:sts::210987654321:assumed-role/AWSReservedSSO_AdministratorAccess_")
    assert "/bob at 2026-12-05T14:09:55Z from the console (console.amazonaws.com)" in lines[0]
    assert "at 2026-12-05T15:10:02Z" in lines[1]


def test_an_ingress_rule_added_with_an_iam_users_access_key_is_red_and_the_key_is_not_kept() -> None:
    found = fetch("production", [event(
        "AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", iam_user(), agent=CLI,
        params={"groupId": SG, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
                                                            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})])
    group = SecurityGroup(id=SG, name="production-taskmanager-db-sg", ingress=[], tags={})
    network = NetworkInventory(vpc=None, subnets=[], security_groups={"db": group})
    result = verdict("production", found, network=network)
    assert result.message == (
        f"production CHANGE-MANUAL ec2:{SG}: AuthorizeSecurityGroupIngress by arn:aws:iam::210987654321:user/bob "
        f"(an access key) at 2026-12-05T14:02:11Z from the AWS CLI (aws-cli/2.15.30)")
    assert ACCESS_KEY not in found.model_dump_json()
    # another environment's group (not in this snapshot) is not this environment's change
    assert verdict("production", found).passed


def test_a_data_api_statement_is_a_direct_database_modification() -> None:
    cluster = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:production-taskmanager-db"
    found = fetch("production", [event(
        "ExecuteStatement", "rds-data.amazonaws.com", sso(), console=True, agent="console.amazonaws.com",
        params={"resourceArn": cluster, "secretArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:x",
                "sql": "UPDATE users SET password_hash = 'x' WHERE id = 1", "database": "taskmanager"})])
    result = verdict("production", found)
    assert result.message.startswith("production CHANGE-MANUAL rds:production-taskmanager-db: ExecuteStatement "
                                     "(a direct database modification) by arn:aws:sts::")
    assert "password_hash" not in found.model_dump_json()  # the SQL is never kept


def test_an_event_with_empty_resources_is_matched_by_its_request_identifiers() -> None:
    found = fetch("staging", [event("UpdateService", "ecs.amazonaws.com", sso(), console=True,
                                    params={"cluster": "staging-taskmanager", "service": "api", "desiredCount": 0})])
    assert found.events[0].resources == ()
    result = verdict("staging", found)
    assert result.message.startswith("staging CHANGE-MANUAL ecs:staging-taskmanager: UpdateService by ")


def test_a_change_to_a_resource_deleted_since_is_matched_by_the_name_prefix() -> None:
    found = fetch("production", [event("DeleteDBSnapshot", "rds.amazonaws.com", sso(), console=True,
                                       params={"dBSnapshotIdentifier": "production-taskmanager-db-manual-0412"},
                                       resources=(("AWS::RDS::DBSnapshot", "production-taskmanager-db-manual-0412"),))])
    result = verdict("production", found)
    assert result.message.startswith("production CHANGE-MANUAL rds:production-taskmanager-db-manual-0412: "
                                     "DeleteDBSnapshot by ")


def test_other_environments_events_are_not_kept_nor_judged() -> None:
    found = fetch("production", [modify_db(), event(
        "ModifyDBInstance", "rds.amazonaws.com", sso(), params={"dBInstanceIdentifier": "staging-taskmanager-db"},
        resources=(("AWS::RDS::DBInstance", "staging-taskmanager-db"),), number=2)])
    assert [e.identifiers for e in found.events] == [("production-taskmanager-db",)]


@pytest.mark.parametrize("conforming", [
    event("UpdateService", "ecs.amazonaws.com", role("production-taskmanager-deploy", "GitHubActions"),
          agent="aws-cli/2.15.30", params={"cluster": "production-taskmanager", "service": "api",
                                           "taskDefinition": "production-taskmanager-api:42"}),
    event("UpdateService", "ecs.amazonaws.com", role(
        "AWSServiceRoleForApplicationAutoScaling_ECSService", "AutoScaling",
        path="aws-service-role/ecs.application-autoscaling.amazonaws.com/",
        invoked_by="application-autoscaling.amazonaws.com"),
          params={"cluster": "production-taskmanager", "service": "api", "desiredCount": 6}),
    event("UpdateService", "ecs.amazonaws.com", role(
        "AWSServiceRoleForApplicationAutoScaling_ECSService", "AutoScaling",
        path="aws-service-role/ecs.application-autoscaling.amazonaws.com/"),
          agent="application-autoscaling.amazonaws.com",
          params={"cluster": "production-taskmanager", "service": "api", "desiredCount": 6}),
    event("RebootDBInstance", "rds.amazonaws.com", SERVICE_RDS,
          resources=(("AWS::RDS::DBInstance", "production-taskmanager-db"),)),
    event("CreateDeployment", "codedeploy.amazonaws.com", role("production-taskmanager-codedeploy", "deploy"),
          params={"applicationName": "production-taskmanager", "deploymentGroupName": "production-taskmanager-api"}),
    modify_db(error="AccessDenied"),
], ids=["deploy role UpdateService", "autoscaling invokedBy", "autoscaling service-linked role",
        "RDS maintenance", "CodeDeploy role", "a refused write"])
def test_automation_and_refused_writes_stay_green(conforming: dict[str, Any]) -> None:
    result = verdict("production", fetch("production", [conforming]))
    assert result.passed, result.message
    assert shown(result) == ["0 manual changes in 24 h (trail: org-trail, logging)"]


def test_a_manual_change_in_dev_is_listed_not_judged() -> None:
    found = fetch("dev", [event("ModifyDBInstance", "rds.amazonaws.com", sso(), console=True,
                                params={"dBInstanceIdentifier": "dev-taskmanager-db"})])
    result = verdict("dev", found)
    assert result.passed
    assert shown(result) == ["1 manual change in 24 h (trail: org-trail, logging); allowed here"]
    assert shown(result, "ManualChange")[0].startswith("ModifyDBInstance by arn:aws:sts::")


# -- pages, throttling, the cap -----------------------------------------------------------------------


def test_pages_are_followed_by_next_token(_no_waiting: list[float]) -> None:
    # the 2-a-second pace is the suite clients' LookupEvents budget (envmatrix.aws.throttle, API_RATES), proven in
    # tests/live/test_throttle_units.py; a Stubber answers before any request is sent, so none is taken here
    pages = [[modify_db(number=n)] for n in (1, 2, 3)]
    found = fetch("production", *pages)
    assert found.pages == 3 and len(found.events) == 3 and not found.truncated
    assert _no_waiting == []  # no backoff: nothing was throttled


def test_throttling_is_waited_out_with_backoff(_no_waiting: list[float]) -> None:
    found = fetch("production", [modify_db()], throttled=2)
    assert len(found.events) == 1
    assert [pause for pause in _no_waiting if pause in cloudtrail.BACKOFF] == [1.0, 2.0]


def test_throttling_that_does_not_stop_fails_the_section() -> None:
    with pytest.raises(InventoryUnavailable, match="ThrottlingException"):
        fetch("production", [], throttled=len(cloudtrail.BACKOFF) + 1)


def test_the_page_cap_reached_fails_closed() -> None:
    window = ChangeWindow(WINDOW.start, WINDOW.end, WINDOW.label, page_cap=2)
    deploy = role("production-taskmanager-deploy", "gh")
    found = fetch("production", [event("UpdateService", "ecs.amazonaws.com", deploy,
                                       params={"cluster": "production-taskmanager"})],
                  [SERVICE_EVENT], window=window, more=True)
    assert found.truncated and found.pages == 2
    result = verdict("production", found)
    assert not result.passed
    assert "more than 100 write events in the window; read the first 100" in result.message


SERVICE_EVENT = event("RebootDBInstance", "rds.amazonaws.com", SERVICE_RDS, number=9,
                      resources=(("AWS::RDS::DBInstance", "production-taskmanager-db"),))


def test_the_spec_patterns_fill_in_the_prefix() -> None:
    control = repo_spec().change_control
    automation = patterns(control.automation_principals, "production-taskmanager", "production")
    trimmed = cloudtrail.trim(event("UpdateService", "ecs.amazonaws.com", role("staging-taskmanager-deploy", "gh"),
                                    params={"cluster": "production-taskmanager"}))
    assert not automated(trimmed, automation)  # staging's pipeline role is not production's
