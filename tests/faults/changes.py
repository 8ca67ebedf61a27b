"""Fault catalogue, change control: changes made by hand (red) and by the automation (green), as CloudTrail saw them.

Every other fault of the catalogue is made through the environment's CI deploy role (FaultTarget.client): the
pipeline misconfigured it, and only the check tied to the setting goes red. Here the principal is the point. Each
change is a real API call against the sandbox's moto server made with that principal's own credentials (an SSO
user's role session, an IAM user's access key, a service-linked role's session), its event shaped where a real
one differs from what a local client can send (a console session, an hour ago, ``invokedBy`` a service); only an
AWS service's own event, which no credentials can make, is appended to the history
(envmatrix/sandbox/moto_trail_log.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from envmatrix.sandbox.moto_trail_log import APPEND_PATH
from envmatrix.sandbox.provision_app import ACCOUNT, SCALABLE_DIMENSION
from envmatrix.sandbox.provision_target import SandboxClients
from envmatrix.sandbox.provision_trail import assumed_clients, shape_events, trail_name
from tests.faults.actions import FaultTarget
from tests.faults.registry import conforming, fault, live

#: IAM Identity Center's role for the AdministratorAccess permission set (as AWS names and places it)
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
#: Application Auto Scaling's service-linked role for ECS, and the session it acts in
AUTOSCALING_ROLE = "AWSServiceRoleForApplicationAutoScaling_ECSService"
AUTOSCALING_PATH = "/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
AUTOSCALING = "application-autoscaling.amazonaws.com"
CONSOLE = "console.amazonaws.com"
CLI = "aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython"
OPERATOR_IP = "198.51.100.23"  # an operator's laptop (documentation range)
ORGANIZATION_TRAIL = "taskmanager-org-trail"


def sso_arn(user: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{SSO_ROLE}/{user}"


def iam_user_arn(user: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{user}"


def _ago(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


def as_sso_user(target: FaultTarget, user: str, service: str, **shape: Any) -> Any:
    """A client of ``user``'s IAM Identity Center session (the AdministratorAccess permission set)."""
    clients = assumed_clients(target.aws.clients, target.aws.region, SSO_ROLE, user, path=SSO_PATH)
    return shape_events(clients.client(service, target.aws.region), sourceIPAddress=OPERATOR_IP, **shape)


def as_iam_user(target: FaultTarget, user: str, service: str) -> Any:
    """A client signing with ``user``'s own long-term access key (the user and key made long ago)."""
    iam = shape_events(SandboxClients(target.aws.endpoint).client("iam", target.aws.region),
                       eventTime=_ago(days=200))
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    clients = SandboxClients(target.aws.endpoint, {"aws_access_key_id": key["AccessKeyId"],
                                                    "aws_secret_access_key": key["SecretAccessKey"]})
    return shape_events(clients.client(service, target.aws.region), userAgent=CLI, sourceIPAddress=OPERATOR_IP)


# --- made by hand: red ---------------------------------------------------------------------------
@fault("production-db-modified-by-sso-user", "production",
       "alice changed production's database from the console (an SSO session), not through the pipeline",
       live("CHANGE-MANUAL"), sso_arn("alice"))
def _db_by_console(target: FaultTarget) -> None:
    rds = as_sso_user(target, "alice", "rds", userAgent=CONSOLE, sessionCredentialFromConsole=True)
    rds.modify_db_instance(DBInstanceIdentifier=target.names.db, PreferredMaintenanceWindow="sun:05:00-sun:06:00",
                           ApplyImmediately=True)


@fault("production-log-retention-changed-and-reverted", "production",
       "bob cut the api logs' retention to 1 day with the CLI two hours ago and restored it an hour later "
       "(no drift left; both changes are in the trail)", live("CHANGE-MANUAL"), "PutRetentionPolicy")
def _retention_reverted(target: FaultTarget) -> None:
    group = target.names.log_group("api")
    kept = target.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"]
    for days, when in ((1, _ago(hours=2)), (kept, _ago(hours=1))):
        logs = as_sso_user(target, "bob", "logs", userAgent=CLI, eventTime=when)
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)


@fault("production-sg-ingress-by-iam-user", "production",
       "an IAM user's access key let the alb reach the api containers on another port (inside the VPC)",
       live("CHANGE-MANUAL"), iam_user_arn("ops-deploy-legacy"))
def _ingress_by_key(target: FaultTarget) -> None:
    ec2 = as_iam_user(target, "ops-deploy-legacy", "ec2")
    ec2.authorize_security_group_ingress(GroupId=target.group_id("api"), IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 9090, "ToPort": 9090,
        "UserIdGroupPairs": [{"GroupId": target.group_id("alb"), "Description": "metrics"}]}])


@fault("production-trail-stopped", "production", "alice stopped production's trail (StopLogging): nothing is recorded",
       live("CHANGE-TRAIL", "CHANGE-MANUAL"), "IsLogging")
def _trail_stopped(target: FaultTarget) -> None:
    as_sso_user(target, "alice", "cloudtrail", userAgent=CLI).stop_logging(Name=trail_name(target.env))


# --- made by the automation, or allowed: green ---------------------------------------------------
@conforming("production-deploy-role-update-service", "production",
            "the pipeline's deploy role rolled the worker out again (UpdateService)")
def _pipeline_update(target: FaultTarget) -> None:
    target.client("ecs").update_service(cluster=target.names.cluster, service="worker", forceNewDeployment=True)


@conforming("production-autoscaling-changed-desired-count", "production",
            "Application Auto Scaling (its service-linked role, invokedBy the service) moved the worker's desiredCount")
def _autoscaled(target: FaultTarget) -> None:
    scalable = target.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[target.names.scalable_target("worker")],
        ScalableDimension=SCALABLE_DIMENSION)["ScalableTargets"][0]
    clients = assumed_clients(target.aws.clients, target.aws.region, AUTOSCALING_ROLE, "AutoScaling",
                              path=AUTOSCALING_PATH)
    ecs = shape_events(clients.client("ecs", target.aws.region), invokedBy=AUTOSCALING)
    ecs.update_service(cluster=target.names.cluster, service="worker",
                       desiredCount=(scalable["MinCapacity"] + scalable["MaxCapacity"]) // 2)


def rds_maintenance_event(db_arn: str, when: dt.datetime) -> dict[str, Any]:
    """RDS's own event (no principal of the account: type AWSService, an AwsServiceEvent) on the database."""
    return {"eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": "rds.amazonaws.com",
            "eventName": "RebootDBInstance", "eventType": "AwsServiceEvent",
            "userIdentity": {"type": "AWSService", "invokedBy": "rds.amazonaws.com"},
            "sourceIPAddress": "rds.amazonaws.com", "userAgent": "rds.amazonaws.com",
            "requestParameters": None, "responseElements": None,
            "serviceEventDetails": {"maintenanceAction": "system-update", "status": "applied"},
            "resources": [{"accountId": ACCOUNT, "type": "AWS::RDS::DBInstance", "ARN": db_arn}]}


def append_events(target: FaultTarget, *events: dict[str, Any]) -> None:
    """Add events no credentials can make to the sandbox's event history (its sandbox-only endpoint)."""
    httpx.post(f"{target.aws.endpoint}{APPEND_PATH}", json={"region": target.aws.region, "events": list(events)},
               timeout=10).raise_for_status()


@conforming("production-rds-maintenance", "production",
            "RDS applied a system update to the database in its maintenance window (RDS's own event)")
def _maintenance(target: FaultTarget) -> None:
    append_events(target, rds_maintenance_event(target.db_arn(), _ago(hours=5)))


@conforming("dev-manual-change", "dev", "alice changed dev's database from the console (dev allows manual changes)")
def _dev_by_hand(target: FaultTarget) -> None:
    rds = as_sso_user(target, "alice", "rds", userAgent=CONSOLE, sessionCredentialFromConsole=True)
    rds.modify_db_instance(DBInstanceIdentifier=target.names.db, PreferredMaintenanceWindow="sun:05:00-sun:06:00",
                           ApplyImmediately=True)


@conforming("production-organization-trail", "production",
            "production's own trail replaced by the organization's trail (multi-region, logging, management writes)")
def _organization_trail(target: FaultTarget) -> None:
    cloudtrail = target.client("cloudtrail")
    bucket = cloudtrail.get_trail(Name=trail_name(target.env))["Trail"]["S3BucketName"]
    cloudtrail.delete_trail(Name=trail_name(target.env))
    cloudtrail.create_trail(Name=ORGANIZATION_TRAIL, S3BucketName=bucket, IsMultiRegionTrail=True,
                            IsOrganizationTrail=True, IncludeGlobalServiceEvents=True, EnableLogFileValidation=True)
    cloudtrail.put_event_selectors(TrailName=ORGANIZATION_TRAIL, EventSelectors=[
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    cloudtrail.start_logging(Name=ORGANIZATION_TRAIL)
