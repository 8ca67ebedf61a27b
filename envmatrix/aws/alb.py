"""Load balancer inventory: the ALB, its listeners and tags, and the WAF web ACL associated with it."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.target import Model, Target


class Action(Model):
    type: str
    redirect_protocol: str | None
    redirect_port: str | None
    status_code: str | None


class Listener(Model):
    arn: str
    port: int
    protocol: str
    certificates: list[str]
    actions: list[Action]
    tags: dict[str, str]


class WebAcl(Model):
    name: str
    arn: str
    tags: dict[str, str]


class LoadBalancer(Model):
    name: str
    arn: str
    scheme: str
    security_groups: list[str]
    tags: dict[str, str]


class AlbInventory(Model):
    load_balancer: LoadBalancer | None
    listeners: list[Listener]
    web_acl: WebAcl | None


def _action(raw: dict[str, Any]) -> Action:
    redirect = raw.get("RedirectConfig") or {}
    return Action(type=raw.get("Type", ""), redirect_protocol=redirect.get("Protocol"),
                  redirect_port=redirect.get("Port"), status_code=redirect.get("StatusCode"))


def _web_acl(target: Target, lb_arn: str) -> WebAcl | None:
    waf = target.clients.client("wafv2")
    with reading(target.env, f"WAF web ACL of {target.names.alb}"):
        acl = waf.get_web_acl_for_resource(ResourceArn=lb_arn).get("WebACL")
        if not acl:
            return None
        tags = waf.list_tags_for_resource(ResourceARN=acl["ARN"]).get("TagInfoForResource", {}).get("TagList", [])
    return WebAcl(name=acl.get("Name", ""), arn=acl["ARN"], tags=tag_dict(tags))


def fetch(target: Target) -> AlbInventory:
    """The ALB by name, its listeners, the tags of both in one call, then its WAF association."""
    elb = target.clients.client("elbv2")
    with reading(target.env, f"load balancer {target.names.alb}"):
        answer = or_none(lambda: elb.describe_load_balancers(Names=[target.names.alb]), "LoadBalancerNotFound")
        if answer is None or not answer.get("LoadBalancers"):
            return AlbInventory(load_balancer=None, listeners=[], web_acl=None)
        raw = answer["LoadBalancers"][0]
        raw_listeners = elb.describe_listeners(LoadBalancerArn=raw["LoadBalancerArn"]).get("Listeners", [])
        arns = [raw["LoadBalancerArn"], *(item["ListenerArn"] for item in raw_listeners)]
        described = elb.describe_tags(ResourceArns=arns).get("TagDescriptions", [])
    tags = {item["ResourceArn"]: tag_dict(item.get("Tags")) for item in described}
    listeners = [Listener(
        arn=item["ListenerArn"], port=int(item.get("Port", 0)), protocol=item.get("Protocol", ""),
        certificates=[c.get("CertificateArn", "") for c in item.get("Certificates", [])],
        actions=[_action(a) for a in item.get("DefaultActions", [])], tags=tags.get(item["ListenerArn"], {}),
    ) for item in raw_listeners]
    balancer = LoadBalancer(name=raw["LoadBalancerName"], arn=raw["LoadBalancerArn"], scheme=raw.get("Scheme", ""),
                            security_groups=list(raw.get("SecurityGroups", [])),
                            tags=tags.get(raw["LoadBalancerArn"], {}))
    return AlbInventory(load_balancer=balancer, listeners=listeners, web_acl=_web_acl(target, balancer.arn))
