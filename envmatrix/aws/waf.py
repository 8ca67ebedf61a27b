"""WAF inventory: the web ACL associated with the load balancer (its rules read as path rules), and the IP sets
its blocking path rules exempt; looked up only where the spec expects a WAF or a WAF rule on the admin paths.

Where the spec allows it (``security.waf_cloudfront``), a web ACL of scope CLOUDFRONT on the enabled CloudFront
distribution whose origin is the load balancer counts as the environment's WAF when none is on the load balancer."""

from __future__ import annotations

import re
from typing import Any

from envmatrix.aws.alb import find_load_balancer
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: What GetWebACLForResource answers when nothing is associated (AWS documents it; data, not an error).
NO_WEB_ACL = "WAFNonexistentItemException"


#: CLOUDFRONT-scope web ACLs (and their IP sets) are read in us-east-1, whatever the environment's region.
CLOUDFRONT_REGION = "us-east-1"
#: A WAFv2 web ACL of scope CLOUDFRONT: ``arn:<partition>:wafv2:us-east-1:<account>:global/webacl/<name>/<id>``
#: (a WAF Classic web ACL id, a bare UUID, is not read: WAF Classic is retired).
_GLOBAL_ACL = re.compile(r"^arn:[a-z-]+:wafv2:[a-z0-9-]+:\d{12}:global/webacl/(?P<name>[^/]+)/(?P<id>[^/]+)$")


#: The byte-match position that makes a URI path statement cover every path under a prefix
PATH_POSITION = "STARTS_WITH"


class WafRule(Model):
    """One rule of the web ACL as a path rule: the URI paths it matches, the IP sets it exempts."""

    name: str
    priority: int
    #: the rule's Action key (Block, Allow, Count, Captcha, Challenge); "override" for a rule group's
    action: str
    #: URI path prefixes any of which the rule matches (ByteMatch on UriPath, STARTS_WITH)
    paths: list[str]
    #: ARNs of the IP sets whose sources the rule exempts (a NotStatement of an IPSetReferenceStatement)
    except_ip_sets: list[str]
    #: the statement holds something else too (a condition envmatrix does not read: not a plain path rule)
    other: bool

    def covers(self, path: str) -> bool:
        """The rule matches every request under ``path`` (one of its prefixes is a prefix of it)."""
        return not self.other and any(path.startswith(prefix) for prefix in self.paths)


class WebAcl(Model):
    name: str
    arn: str
    tags: dict[str, str]
    rules: list[WafRule] = []
    scope: str = "REGIONAL"  # CLOUDFRONT: on the distribution in front of the load balancer
    #: the CloudFront distribution (id) the web ACL is found through (scope CLOUDFRONT only)
    distribution: str | None = None


class IpSet(Model):
    arn: str
    name: str
    addresses: list[str]


class WafInventory(Model):
    looked_up: bool  # False where the spec expects no WAF: nothing was asked
    load_balancer_arn: str | None
    web_acl: WebAcl | None
    #: ARN -> the IP sets the blocking path rules exempt (GetIPSet)
    ip_sets: dict[str, IpSet] = {}


def guard_of(acl: WebAcl, path: str) -> WafRule | None:
    """The blocking rule that decides requests under ``path`` first (lowest priority), None if none does."""
    return next((rule for rule in sorted(acl.rules, key=lambda r: r.priority)
                 if rule.action == "Block" and rule.covers(path)), None)


def _text(value: object) -> str:
    """A ByteMatch SearchString: a blob (bytes) from botocore, text from a hand-made answer."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _path(statement: dict[str, Any]) -> str | None:
    match = statement.get("ByteMatchStatement")
    if not match or "UriPath" not in match.get("FieldToMatch", {}):
        return None
    if match.get("PositionalConstraint") != PATH_POSITION:
        return None
    return _text(match.get("SearchString", b""))


def _paths(statement: dict[str, Any]) -> list[str] | None:
    """The paths of a path match or an OR of path matches; None for anything else."""
    single = _path(statement)
    if single is not None:
        return [single]
    parts = statement.get("OrStatement", {}).get("Statements")
    found = [_path(part) for part in parts or []]
    return [item for item in found if item is not None] if parts and None not in found else None


def _exempted(statement: dict[str, Any]) -> str | None:
    inner = statement.get("NotStatement", {}).get("Statement", {})
    reference = inner.get("IPSetReferenceStatement") or {}
    return reference.get("ARN") if len(inner) == 1 else None


def _rule(raw: dict[str, Any]) -> WafRule:
    """Reads ``path``, ``OR(path...)``, and ``AND(path..., NOT(ip set)...)``; anything more is ``other``."""
    statement = raw.get("Statement", {})
    action = next(iter(raw.get("Action") or {}), "override" if raw.get("OverrideAction") else "")
    parts = statement.get("AndStatement", {}).get("Statements") or [statement]
    paths: list[str] = []
    exempt: list[str] = []
    other = False
    for part in parts:
        found, arn = _paths(part), _exempted(part)
        paths += found or []
        exempt += [arn] if arn else []
        other = other or (found is None and arn is None)
    return WafRule(name=raw.get("Name", ""), priority=int(raw.get("Priority", 0)), action=action, paths=paths,
                   except_ip_sets=exempt, other=other)


def _ip_set(waf: Any, arn: str) -> IpSet:
    """GetIPSet by the parts of its ARN (``...:regional/ipset/<name>/<id>``)."""
    scope, _, name, ident = arn.split(":", 5)[-1].split("/")
    found = waf.get_ip_set(Name=name, Scope="CLOUDFRONT" if scope == "global" else "REGIONAL", Id=ident)["IPSet"]
    return IpSet(arn=arn, name=found.get("Name", name), addresses=list(found.get("Addresses", [])))


def _ip_sets(waf: Any, rules: list[WafRule]) -> dict[str, IpSet]:
    """The IP sets a blocking path rule exempts (the only ones a verdict reads), each asked once."""
    wanted = sorted({arn for rule in rules if rule.action == "Block" and rule.paths for arn in rule.except_ip_sets})
    return {arn: _ip_set(waf, arn) for arn in wanted}


def _origin(value: str) -> str:
    return value.lower().rstrip(".")


def _fronting(target: AwsTarget, dns_name: str) -> tuple[str, str] | None:
    """(distribution id, WAFv2 web ACL ARN) of the enabled distribution whose origin is the load balancer and
    which has a WAFv2 web ACL; None when no such distribution exists (every page of ListDistributions)."""
    pages = target.clients.client("cloudfront").get_paginator("list_distributions").paginate()
    for page in pages:
        for item in (page.get("DistributionList") or {}).get("Items") or []:
            origins = (item.get("Origins") or {}).get("Items") or []
            fronts = any(_origin(origin.get("DomainName", "")) == _origin(dns_name) for origin in origins)
            if fronts and item.get("Enabled") and _GLOBAL_ACL.match(item.get("WebACLId") or ""):
                return str(item["Id"]), str(item["WebACLId"])
    return None


def _cloudfront_acl(target: AwsTarget, dns_name: str) -> tuple[dict[str, Any], str] | None:
    """The CLOUDFRONT-scope web ACL (GetWebACL in us-east-1) of the distribution in front of the load balancer."""
    found = _fronting(target, dns_name)
    if found is None:
        return None
    distribution, arn = found
    parts = _GLOBAL_ACL.match(arn)
    assert parts is not None  # _fronting matched it
    waf = target.clients.client("wafv2", CLOUDFRONT_REGION)
    answer = or_none(lambda: waf.get_web_acl(Name=parts["name"], Scope="CLOUDFRONT", Id=parts["id"]), NO_WEB_ACL)
    acl = (answer or {}).get("WebACL")
    return (dict(acl), distribution) if acl else None


def _inventory(waf: Any, arn: str, acl: dict[str, Any], distribution: str | None = None) -> WafInventory:
    """The web ACL with its tags and rules, and the IP sets its blocking path rules exempt (read by ``waf``, the
    client of the ACL's own scope)."""
    tags = waf.list_tags_for_resource(ResourceARN=acl["ARN"]).get("TagInfoForResource", {}).get("TagList", [])
    rules = [_rule(item) for item in acl.get("Rules", [])]
    web_acl = WebAcl(name=acl.get("Name", ""), arn=acl["ARN"], tags=tag_dict(tags), rules=rules,
                     scope="CLOUDFRONT" if distribution else "REGIONAL", distribution=distribution)
    return WafInventory(looked_up=True, load_balancer_arn=arn, web_acl=web_acl, ip_sets=_ip_sets(waf, rules))


def fetch(target: AwsTarget) -> WafInventory:
    """The ALB (the lookup the ALB section shares), then the web ACL associated with it and the ACL's tags; where
    none is and the spec allows it, the web ACL of the CloudFront distribution in front of it."""
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
        if acl:
            return _inventory(waf, arn, acl)
    if not target.wants.waf_cloudfront:
        return WafInventory(looked_up=True, load_balancer_arn=arn, web_acl=None)
    with reading(target.env, f"CloudFront web ACL in front of {target.names.alb}"):
        fronting = _cloudfront_acl(target, str(balancer.get("DNSName", "")))
        if fronting is None:
            return WafInventory(looked_up=True, load_balancer_arn=arn, web_acl=None)
        return _inventory(target.clients.client("wafv2", CLOUDFRONT_REGION), arn, *fronting)


#: its own section: a WAF failure leaves the ALB's checks alone (the ALB lookup is the alb section's)
SECTION = Section("waf", fetch, WafInventory, services=("elbv2", "wafv2"), operations=(
    ("wafv2", "GetWebACLForResource"),
    ("wafv2", "ListTagsForResource"),
    ("wafv2", "GetIPSet"),
    ("cloudfront", "ListDistributions"),
    ("wafv2", "GetWebACL"),
))
