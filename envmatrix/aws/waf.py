"""WAF inventory: the web ACL associated with the load balancer, looked up only where the spec expects a WAF."""

from __future__ import annotations

from envmatrix.aws.alb import find_load_balancer
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: What GetWebACLForResource answers when nothing is associated (AWS documents it; data, not an error).
NO_WEB_ACL = "WAFNonexistentItemException"


class WebAcl(Model):
    name: str
    arn: str
    tags: dict[str, str]


class WafInventory(Model):
    looked_up: bool  # False where the spec expects no WAF: nothing was asked
    load_balancer_arn: str | None
    web_acl: WebAcl | None


def fetch(target: AwsTarget) -> WafInventory:
    """The ALB (the lookup the ALB section shares), then the web ACL associated with it and the ACL's tags."""
    if not target.wants.waf:
        return WafInventory(looked_up=False, load_balancer_arn=None, web_acl=None)
    balancer = find_load_balancer(target)
    if balancer is None:
        return WafInventory(looked_up=True, load_balancer_arn=None, web_acl=None)
    arn = balancer["LoadBalancerArn"]
    waf = target.clients.client("wafv2")
    with reading(target.env, f"WAF web ACL of {target.names.alb}"):
        answer = or_none(lambda: waf.get_web_acl_for_resource(ResourceArn=arn), NO_WEB_ACL)
        acl = (answer or {}).get("WebACL")
        if not acl:
            return WafInventory(looked_up=True, load_balancer_arn=arn, web_acl=None)
        tags = waf.list_tags_for_resource(ResourceARN=acl["ARN"]).get("TagInfoForResource", {}).get("TagList", [])
    web_acl = WebAcl(name=acl.get("Name", ""), arn=acl["ARN"], tags=tag_dict(tags))
    return WafInventory(looked_up=True, load_balancer_arn=arn, web_acl=web_acl)


#: its own section: a WAF failure leaves the ALB's checks alone (the ALB lookup is the alb section's)
SECTION = Section("waf", fetch, WafInventory, services=("elbv2", "wafv2"), operations=(
    ("wafv2", "GetWebACLForResource"),
    ("wafv2", "ListTagsForResource"),
))
