"""Load balancer inventory: the ALB (zones, tags), its listeners and rules, the TLS policies, its target groups."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import Once, or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: Listener protocols that terminate TLS (their SslPolicy matters; moto reports one on plain HTTP listeners too).
SECURE_PROTOCOLS = ("HTTPS", "TLS")


class Action(Model):
    type: str
    redirect_protocol: str | None
    redirect_port: str | None
    status_code: str | None


class ListenerRule(Model):
    """One rule of a listener as DescribeRules gives it (the default rule included, priority "default")."""

    priority: str
    is_default: bool
    actions: list[Action]


class Listener(Model):
    arn: str
    port: int
    protocol: str
    certificates: list[str]
    ssl_policy: str | None  # only on HTTPS / TLS listeners
    actions: list[Action]  # the default actions
    #: every rule of a plain (HTTP/TCP) listener; behind TLS no rule decides a verdict, so they are not read (None)
    rules: list[ListenerRule] | None


class LoadBalancer(Model):
    name: str
    arn: str
    scheme: str
    security_groups: list[str]
    tags: dict[str, str]
    zones: list[str] = []  # the availability zones it is enabled in (AvailabilityZones[].ZoneName)
    vpc_id: str = ""  # the VPC it sits in (where a private environment's Client VPN endpoint must lead)

    @property
    def metric_id(self) -> str:
        """CloudWatch's LoadBalancer dimension: the ARN's suffix after ``loadbalancer/`` (app/name/id)."""
        return self.arn.split(":loadbalancer/", 1)[-1]


class TargetGroup(Model):
    """One target group of the ALB with its health check (DescribeTargetGroups)."""

    name: str
    arn: str
    protocol: str | None
    health_check_enabled: bool
    health_check_protocol: str | None
    health_check_path: str | None
    healthy_threshold: int | None
    unhealthy_threshold: int | None
    interval_seconds: int | None


class AlbInventory(Model):
    load_balancer: LoadBalancer | None
    listeners: list[Listener]
    #: SSL policy name -> its SslProtocols (DescribeSSLPolicies, once, for the policies the listeners use)
    ssl_policies: dict[str, list[str]] = {}
    target_groups: list[TargetGroup] = []


#: The ALB and WAF sections run in parallel threads and both need the load balancer: one lookup per target.
_BALANCERS = Once()
#: AWS's predefined TLS policies are the same for every environment read through one client: described once.
_POLICIES = Once()


def _describe(target: AwsTarget) -> dict[str, Any] | None:
    elb = target.clients.client("elbv2")
    with reading(target.env, f"load balancer {target.names.alb}"):
        answer = or_none(lambda: elb.describe_load_balancers(Names=[target.names.alb]), "LoadBalancerNotFound")
    found: list[dict[str, Any]] = (answer or {}).get("LoadBalancers") or []
    return found[0] if found else None


def find_load_balancer(target: AwsTarget) -> dict[str, Any] | None:
    """The ALB's DescribeLoadBalancers entry (None if absent), asked once per target (shared with the WAF)."""
    return _BALANCERS.get(id(target), lambda: _describe(target), target)


def _action(raw: dict[str, Any]) -> Action:
    redirect = raw.get("RedirectConfig") or {}
    return Action(type=raw.get("Type", ""), redirect_protocol=redirect.get("Protocol"),
                  redirect_port=redirect.get("Port"), status_code=redirect.get("StatusCode"))


def _actions(raw: list[dict[str, Any]]) -> list[Action]:
    return [_action(item) for item in sorted(raw, key=lambda item: item.get("Order", 0))]


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key, [])]


def _rules(elb: Any, listener_arn: str) -> list[ListenerRule]:
    return [ListenerRule(priority=str(rule.get("Priority", "")), is_default=bool(rule.get("IsDefault")),
                         actions=_actions(rule.get("Actions", [])))
            for rule in _pages(elb, "describe_rules", "Rules", ListenerArn=listener_arn)]


def _listener(elb: Any, raw: dict[str, Any]) -> Listener:
    protocol = raw.get("Protocol", "")
    secure = protocol in SECURE_PROTOCOLS
    return Listener(
        arn=raw["ListenerArn"], port=int(raw.get("Port", 0)), protocol=protocol,
        certificates=[c.get("CertificateArn", "") for c in raw.get("Certificates", [])],
        ssl_policy=raw.get("SslPolicy") if secure else None,
        actions=_actions(raw.get("DefaultActions", [])),
        rules=None if secure else _rules(elb, raw["ListenerArn"]),
    )


def _ssl_policies(elb: Any, listeners: list[Listener]) -> dict[str, list[str]]:
    names = sorted({item.ssl_policy for item in listeners if item.ssl_policy})
    if not names:
        return {}
    def describe() -> dict[str, list[str]]:
        policies = _pages(elb, "describe_ssl_policies", "SslPolicies", Names=names)
        return {policy["Name"]: list(policy.get("SslProtocols", [])) for policy in policies if "Name" in policy}
    return _POLICIES.get((id(elb), tuple(names)), describe, elb)


def _target_group(raw: dict[str, Any]) -> TargetGroup:
    return TargetGroup(
        name=raw.get("TargetGroupName", ""), arn=raw.get("TargetGroupArn", ""), protocol=raw.get("Protocol"),
        health_check_enabled=raw.get("HealthCheckEnabled") is not False,  # absent on old answers: always on
        health_check_protocol=raw.get("HealthCheckProtocol"), health_check_path=raw.get("HealthCheckPath"),
        healthy_threshold=raw.get("HealthyThresholdCount"), unhealthy_threshold=raw.get("UnhealthyThresholdCount"),
        interval_seconds=raw.get("HealthCheckIntervalSeconds"))


def fetch(target: AwsTarget) -> AlbInventory:
    """The ALB by name, every listener and every rule of each plain one, the TLS policies in use, the ALB's tags."""
    raw = find_load_balancer(target)
    if raw is None:
        return AlbInventory(load_balancer=None, listeners=[])
    elb = target.clients.client("elbv2")
    with reading(target.env, f"listeners of load balancer {target.names.alb}"):
        listeners = [_listener(elb, item) for item in
                     _pages(elb, "describe_listeners", "Listeners", LoadBalancerArn=raw["LoadBalancerArn"])]
        policies = _ssl_policies(elb, listeners)
        described = elb.describe_tags(ResourceArns=[raw["LoadBalancerArn"]]).get("TagDescriptions", [])
        groups = [_target_group(item) for item in
                  _pages(elb, "describe_target_groups", "TargetGroups", LoadBalancerArn=raw["LoadBalancerArn"])]
    tags = {item["ResourceArn"]: tag_dict(item.get("Tags")) for item in described}
    balancer = LoadBalancer(name=raw["LoadBalancerName"], arn=raw["LoadBalancerArn"], scheme=raw.get("Scheme", ""),
                            security_groups=list(raw.get("SecurityGroups", [])),
                            tags=tags.get(raw["LoadBalancerArn"], {}),
                            zones=sorted(z["ZoneName"] for z in raw.get("AvailabilityZones", []) if "ZoneName" in z),
                            vpc_id=raw.get("VpcId", ""))
    return AlbInventory(load_balancer=balancer, listeners=listeners, ssl_policies=policies, target_groups=groups)


SECTION = Section("alb", fetch, AlbInventory, services=("elbv2",), operations=(
    ("elbv2", "DescribeListeners"),
    ("elbv2", "DescribeLoadBalancers"),
    ("elbv2", "DescribeRules"),
    ("elbv2", "DescribeSSLPolicies"),
    ("elbv2", "DescribeTags"),
    ("elbv2", "DescribeTargetGroups"),
))
