"""CloudTrail's event history for the sandbox's moto server: every write request it serves, recorded as AWS would.

AWS records every management API call of an account in its 90-day event history (what LookupEvents reads),
whatever trails exist. moto records nothing, so the sandbox's moto process records each write request it answers
successfully as a CloudTrail event: who (the principal behind the request's access key: an assumed-role session,
an IAM user's key, else the account's root), what (event name and source from the request's signature scope),
when, from where (source address, User-Agent) and on what (the request's identifiers). Read-only calls are not
kept: the suite reads hundreds of times per run and change control asks about writes only.

The log lives on moto's CloudTrail backend of the account and region, so moto's reset forgets it. Two
sandbox-only ways let the fault catalogue play what the sandbox cannot do itself: the request header
``x-envmatrix-trail`` (JSON: ``eventTime``, ``userAgent``, ``sourceIPAddress``, ``invokedBy``,
``sessionCredentialFromConsole``) shapes the event of a real call (a console session, a service acting through
its service-linked role, a change an hour ago), and ``POST /envmatrix-api/cloudtrail/events`` appends whole
events made by principals the sandbox cannot act as (AWS services' own events).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

#: The sandbox-only request header shaping the recorded event of a real call (JSON object).
OVERRIDE_HEADER = "x-envmatrix-trail"
#: The sandbox-only endpoint appending whole events (JSON: {"region": ..., "events": [CloudTrail records]}).
APPEND_PATH = "/envmatrix-api/cloudtrail/events"
_LOG = "_envmatrix_events"
#: how long the event history keeps an event (LookupEvents' 90 days)
HISTORY = dt.timedelta(days=90)
_SCOPE = re.compile(r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
#: Operation names AWS records as read-only (readOnly: true); everything else is a write.
_READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "Head", "Search", "Select", "Query", "Scan", "BatchGet",
                  "Check", "Validate", "Estimate", "Preview", "Detect", "Filter", "AssumeRole", "Decode")
_HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"  # what CloudTrail writes in place of a secret parameter
_SECRET_PARAMETER = re.compile(r"secret(string|binary)|password|token|privatekey|^value$|credentials", re.I)
#: request parameter -> the CloudTrail resource type it names (Resources of LookupEvents)
RESOURCE_TYPES: dict[str, str] = {
    "DBInstanceIdentifier": "AWS::RDS::DBInstance", "SourceDBInstanceIdentifier": "AWS::RDS::DBInstance",
    "DBParameterGroupName": "AWS::RDS::DBParameterGroup",
    "DBSnapshotIdentifier": "AWS::RDS::DBSnapshot", "ReplicationGroupId": "AWS::ElastiCache::ReplicationGroup",
    "GroupId": "AWS::EC2::SecurityGroup", "VpcId": "AWS::EC2::VPC", "InstanceId": "AWS::EC2::Instance",
    "logGroupName": "AWS::Logs::LogGroup", "service": "AWS::ECS::Service", "serviceName": "AWS::ECS::Service",
    "cluster": "AWS::ECS::Cluster", "clusterName": "AWS::ECS::Cluster", "family": "AWS::ECS::TaskDefinition",
    "LoadBalancerArn": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "ListenerArn": "AWS::ElasticLoadBalancingV2::Listener", "SecretId": "AWS::SecretsManager::Secret",
    "Name": "", "TrailName": "AWS::CloudTrail::Trail", "AlarmName": "AWS::CloudWatch::Alarm",
    "TopicArn": "AWS::SNS::Topic", "repositoryName": "AWS::ECR::Repository", "ResourceId": "",
    "RoleName": "AWS::IAM::Role", "UserName": "AWS::IAM::User", "applicationName": "AWS::CodeDeploy::Application",
}
#: services whose events AWS writes to us-east-1 (global endpoints)
_GLOBAL = {"iam", "sts", "budgets", "cloudfront", "route53", "organizations"}


def is_write(operation: str) -> bool:
    return not operation.startswith(_READ_PREFIXES)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_of(account: str, region: str) -> list[dict[str, Any]]:
    """The event history of one account and region (on moto's CloudTrail backend: reset forgets it)."""
    from moto.cloudtrail.models import cloudtrail_backends

    backend = cloudtrail_backends[account][region]
    log: list[dict[str, Any]] | None = getattr(backend, _LOG, None)
    if log is None:
        log = []
        setattr(backend, _LOG, log)
    return log


# --- who: the principal behind an access key --------------------------------------------------
def _assumed_role(account: str, key: str) -> dict[str, Any] | None:
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for session in sts_backends[account]["aws"].assumed_roles:
        if session.access_key_id != key:
            continue
        role_name = session.role_arn.split("/")[-1]
        try:
            role = iam_backends[account]["aws"].get_role_by_arn(session.role_arn)
            role_id = role.id
        except Exception:  # noqa: BLE001 - a role deleted since: AWS still names the session
            role_id = "AROA" + role_name.upper()[:17]
        return {"type": "AssumedRole", "principalId": f"{role_id}:{session.session_name}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session.session_name}",
                "accountId": account, "accessKeyId": key,
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": role_id,
                                                     "arn": session.role_arn, "accountId": account,
                                                     "userName": role_name},
                                   "webIdFederationData": {},
                                   "attributes": {"creationDate": _now(), "mfaAuthenticated": "false"}}}
    return None


def _iam_user(account: str, key: str) -> dict[str, Any] | None:
    from moto.iam.models import iam_backends

    for user in iam_backends[account]["aws"].users.values():
        if any(access.access_key_id == key for access in user.access_keys):
            return {"type": "IAMUser", "principalId": user.id, "arn": user.arn, "accountId": account,
                    "accessKeyId": key, "userName": user.name}
    return None


def identity(account: str, key: str) -> dict[str, Any]:
    """CloudTrail's userIdentity for a request signed with ``key`` (an unknown key: the account's root)."""
    return (_assumed_role(account, key) or _iam_user(account, key)
            or {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root",
                "accountId": account, "accessKeyId": key})


def username(user: dict[str, Any]) -> str | None:
    """LookupEvents' Username: the IAM user's name, the role session's name, root; none for a service."""
    kind = user.get("type")
    if kind == "IAMUser":
        return str(user["userName"])
    if kind == "AssumedRole":
        return str(user["arn"]).rsplit("/", 1)[-1]
    if kind == "Root":
        return "root"
    return None


# --- what: request parameters and resources -----------------------------------------------------
def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def request_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The top-level scalar parameters, keyed as CloudTrail writes them (lowerCamel); secrets hidden as AWS
    hides them. Nested structures (task definitions, policies) are left out: never more than a finding needs."""
    kept: dict[str, Any] = {}
    for name, value in params.items():
        if name in ("Action", "Version") or "." in name:
            continue
        if _SECRET_PARAMETER.search(name):
            kept[_lower_first(name)] = _HIDDEN
        elif isinstance(value, (str, int, float, bool)):
            kept[_lower_first(name)] = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            kept[_lower_first(name)] = value[0] if len(value) == 1 and name[:1].isupper() else value
    return kept


def resources(params: dict[str, Any], service: str = "") -> list[dict[str, str]]:
    """The resources an event names, from its identifier parameters (empty where none is known: AWS's too)."""
    found = []
    types = {**RESOURCE_TYPES, "Name": "AWS::CloudTrail::Trail"} if service == "cloudtrail" else RESOURCE_TYPES
    for name, kind in types.items():
        value = params.get(name)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str) and value and kind:
            found.append({"ResourceType": kind, "ResourceName": value})
    return found


def record(*, account: str, region: str, service: str, operation: str, key: str, params: dict[str, Any],
           user_agent: str, source_ip: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """One write event as CloudTrail records it (eventVersion 1.09), appended to the account's history."""
    user = identity(account, key)
    invoked_by = overrides.get("invokedBy")
    if invoked_by:
        user["invokedBy"] = invoked_by
    event_region = "us-east-1" if service in _GLOBAL else region
    found = resources(params, service)
    event_time = str(overrides.get("eventTime") or _now())
    event = {
        "eventVersion": "1.09", "userIdentity": user, "eventTime": event_time,
        "eventSource": f"{service}.amazonaws.com", "eventName": operation, "awsRegion": event_region,
        "sourceIPAddress": overrides.get("sourceIPAddress") or invoked_by or source_ip,
        "userAgent": overrides.get("userAgent") or invoked_by or user_agent,
        "requestParameters": request_parameters(params) or None, "responseElements": None,
        "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False,
        "resources": [{"accountId": account, "type": item["ResourceType"], "ARN": item["ResourceName"]}
                      for item in found if item["ResourceName"].startswith("arn:")] or None,
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
        "eventCategory": "Management",
        "_lookup_resources": found,
    }
    if overrides.get("sessionCredentialFromConsole"):  # a top-level field of the record, a string
        event["sessionCredentialFromConsole"] = "true"
    if _age(event_time) <= HISTORY:
        log_of(account, event_region).append(event)
    return event


def _age(event_time: str) -> dt.timedelta:
    when = dt.datetime.strptime(event_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC) - when


# --- the hooks in the server process -------------------------------------------------------------
def _parameters(response: Any) -> dict[str, Any]:
    """The request's parameters: a JSON body (JSON protocols), else the query/form values (query protocols)."""
    body = getattr(response, "body", "") or ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if body.startswith("{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {}
        return parsed if isinstance(parsed, dict) else {}
    query: dict[str, Any] = getattr(response, "querystring", {}) or {}
    return {name: values[0] if isinstance(values, list) and len(values) == 1 else values
            for name, values in query.items()}


def _after_call(response: Any, status: int) -> None:
    if status >= 300:
        return
    headers = response.headers
    scope = _SCOPE.search(headers.get("Authorization", "") or "")
    if scope is None:  # moto's own API and unsigned requests are not AWS calls
        return
    operation = response._get_action()
    if not operation or not is_write(operation):
        return
    try:
        overrides = json.loads(headers.get(OVERRIDE_HEADER) or "{}")
    except ValueError:
        overrides = {}
    record(account=response.current_account, region=scope["region"], service=scope["service"],
           operation=operation, key=scope["key"], params=_parameters(response),
           user_agent=headers.get("User-Agent", ""), source_ip=_source_ip(response), overrides=overrides)


def _source_ip(response: Any) -> str:
    request = getattr(response, "request", None)
    return str(getattr(request, "remote_addr", None) or "127.0.0.1")


def install() -> None:
    """Record every successful write request moto's services answer (in this server process only)."""
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action
    if getattr(original, "_envmatrix", False):
        return

    def call_action(self: Any) -> Any:
        answer = original(self)
        try:
            _after_call(self, int(answer[0]))
        except Exception:  # noqa: BLE001 - recording must never break the call it records
            pass
        return answer

    call_action._envmatrix = True  # type: ignore[attr-defined]
    BaseResponse.call_action = call_action  # type: ignore[method-assign]


def append(account: str, region: str, events: Iterable[dict[str, Any]]) -> int:
    """Append whole CloudTrail records (the fault catalogue's events of principals the sandbox cannot be)."""
    log = log_of(account, region)
    count = 0
    for event in events:
        event = {"eventVersion": "1.09", "eventID": str(uuid.uuid4()), "requestID": str(uuid.uuid4()),
                 "awsRegion": region, "recipientAccountId": account, "readOnly": False,
                 "managementEvent": True, "eventCategory": "Management", "eventTime": _now(), **event}
        event.setdefault("_lookup_resources", [
            {"ResourceType": item.get("type", ""), "ResourceName": item.get("ARN") or item.get("resourceName", "")}
            for item in event.get("resources") or []])
        log.append(event)
        count += 1
    return count


def with_append_endpoint(app: Callable[..., Any], account: str) -> Callable[..., Any]:
    """The moto WSGI app with the sandbox-only append endpoint in front of it."""
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != APPEND_PATH or environ.get("REQUEST_METHOD") != "POST":
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            count = append(account, str(body["region"]), body["events"])
        except (ValueError, KeyError, TypeError) as exc:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [f"bad event append: {exc}".encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"appended": count}).encode()]
    return serve
