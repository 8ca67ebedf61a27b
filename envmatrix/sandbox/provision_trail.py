"""Sandbox change control: the deploy role every environment is provisioned through, and its CloudTrail trail.

The sandbox's moto server records every write it serves as a CloudTrail event of the principal behind the
request's keys (envmatrix/sandbox/moto_trail_log.py). A real deployment is applied by its CI pipeline's role,
so each environment is provisioned through ``<env>-taskmanager-deploy`` (assumed, session ``GitHubActions``):
the clean world's event history then holds automation only. The roles themselves are the account's bootstrap,
made long before the 90 days the history keeps, so no event of their making is kept either.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from envmatrix.sandbox.moto_trail_log import OVERRIDE_HEADER
from envmatrix.sandbox.naming import SandboxNames
from envmatrix.sandbox.provision_target import ProvisionTarget, SandboxClients

#: the CI pipeline's role session name (GitHub Actions' configure-aws-credentials names its sessions so)
DEPLOY_SESSION = "GitHubActions"
_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}}]})
_BOOTSTRAP_AGE = dt.timedelta(days=400)  # older than the event history's 90 days: nothing of it is kept


def deploy_role(env: str) -> str:
    return f"{SandboxNames(env).prefix}-deploy"


def trail_name(env: str) -> str:
    return f"{SandboxNames(env).prefix}-trail"


def shape_events(client: Any, **fields: Any) -> Any:
    """Make ``client``'s calls carry the sandbox-only header that shapes their recorded events (time, agent,
    ``invokedBy``, a console session); ``eventTime`` may be a datetime."""
    if isinstance(fields.get("eventTime"), dt.datetime):
        fields["eventTime"] = fields["eventTime"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    value = json.dumps(fields)

    def add_header(request: Any, **_: Any) -> None:
        request.headers[OVERRIDE_HEADER] = value
    client.meta.events.register("before-sign.*.*", add_header)
    return client


def _bootstrap_role(clients: SandboxClients, region: str, role: str, path: str = "/") -> str:
    """The role's ARN, creating it as the account's bootstrap did (long ago: no event kept)."""
    iam = clients.client("iam", region)
    try:
        return str(iam.get_role(RoleName=role)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    # a client of its own: the header shaping its events must not stick to the shared ones
    bootstrap = shape_events(SandboxClients(clients.endpoint).client("iam", region),
                             eventTime=dt.datetime.now(dt.UTC) - _BOOTSTRAP_AGE)
    return str(bootstrap.create_role(RoleName=role, Path=path, AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"])


def assumed_clients(clients: SandboxClients, region: str, role: str, session: str, *,
                    path: str = "/") -> SandboxClients:
    """Clients whose requests are ``role``'s session ``session`` (the role made by the bootstrap if missing)."""
    arn = _bootstrap_role(clients, region, role, path)
    credentials = clients.client("sts", region).assume_role(RoleArn=arn, RoleSessionName=session)["Credentials"]
    return SandboxClients(clients.endpoint, {
        "aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"]})


def applied_earlier(clients: SandboxClients, age: dt.timedelta) -> SandboxClients:
    """``clients`` whose recorded events are dated ``age`` ago: the world's Terraform apply happened before the
    nightly window, so a lookup of the last hours holds only what changed since (LookupEvents reads a page or two,
    not the whole build of the account at 2 pages a second), while the history still holds the apply."""
    made, shaped = clients.client, set()
    when = dt.datetime.now(dt.UTC) - age

    def client(service: str, region: str) -> Any:
        answer = made(service, region)
        if id(answer) not in shaped:
            shaped.add(id(answer))
            shape_events(answer, eventTime=when)
        return answer
    clients.client = client  # type: ignore[method-assign]
    return clients


def deploy_clients(clients: SandboxClients, env: str, region: str) -> SandboxClients:
    """The CI pipeline's clients for ``env``: its deploy role's session."""
    return assumed_clients(clients, region, deploy_role(env), DEPLOY_SESSION)


def _selectors(target: ProvisionTarget) -> dict[str, Any]:
    trail = target.world.trail
    assert trail is not None
    if trail.selectors == "basic":
        return {"EventSelectors": [{"ReadWriteType": trail.read_write, "IncludeManagementEvents": True}]}
    fields = [{"Field": "eventCategory", "Equals": ["Management"]}]
    if trail.read_write == "WriteOnly":
        fields.append({"Field": "readOnly", "Equals": ["false"]})
    return {"AdvancedEventSelectors": [{"Name": "Management write events", "FieldSelectors": fields}]}


def trail(target: ProvisionTarget) -> None:
    """The environment's trail, delivering to its own bucket, logging, with the world's event selectors."""
    if target.world.trail is None:
        return
    name, bucket = trail_name(target.env), f"{trail_name(target.env)}-logs"
    s3 = target.client("s3")
    if target.region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": target.region})
    cloudtrail = target.client("cloudtrail")
    cloudtrail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=target.world.trail.multi_region,
                            IncludeGlobalServiceEvents=True, EnableLogFileValidation=True,
                            TagsList=target.tag_list())
    cloudtrail.put_event_selectors(TrailName=name, **_selectors(target))
    if target.world.trail.logging:
        cloudtrail.start_logging(Name=name)
