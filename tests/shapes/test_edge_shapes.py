"""Real-AWS shapes at the edge: ALB listeners and rules, TLS policies, WAF, security groups, VPCs, tags.

Each answer is shaped as AWS returns it (botocore's service model and AWS's API reference), fed through the
Stubber into the real inventory code, then judged by the real shipped check.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from envmatrix.aws import alb, network, snapshot, waf
from envmatrix.aws.target import Wants
from envmatrix.errors import InventoryUnavailable
from tests.shapes.harness import (
    ACCOUNT,
    REGION,
    StubbedClients,
    judge,
    repo_spec,
    repo_suite,
    snapshot_of,
    stub_no_bastion,
    target,
)

ENV = "production"
SECURITY = "checks/live/test_security.py"
ALB_NAME = "production-taskmanager-alb"
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{ALB_NAME}/50dc6c495c0c9188"
LISTENER = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/{ALB_NAME}/50dc6c495c0c9188"
GROUP = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/production-taskmanager-api/73e2d6bc24d8a067"
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012"
TAGS = [{"Key": "Environment", "Value": ENV}, {"Key": "Project", "Value": "taskmanager"}]
MODERN, OLD = "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08"
REDIRECT = {"Type": "redirect", "Order": 1,
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}",
                               "Query": "#{query}", "StatusCode": "HTTP_301"}}
FORWARD = {"Type": "forward", "Order": 1, "TargetGroupArn": GROUP,
           "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": GROUP, "Weight": 1}],
                             "TargetGroupStickinessConfig": {"Enabled": False}}}
FIXED = {"Type": "fixed-response", "Order": 1,
         "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "not found"}}


# --- elbv2 answers --------------------------------------------------------------------------------
def _balancer() -> dict[str, Any]:
    return {"LoadBalancers": [{
        "LoadBalancerArn": ALB_ARN, "DNSName": f"{ALB_NAME}-1234567890.{REGION}.elb.amazonaws.com",
        "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K", "LoadBalancerName": ALB_NAME, "Scheme": "internet-facing",
        "VpcId": "vpc-0a1b2c3d4e5f67890", "State": {"Code": "active"}, "Type": "application",
        "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": "subnet-0aaa"},
                              {"ZoneName": f"{REGION}b", "SubnetId": "subnet-0bbb"}],
        "SecurityGroups": ["sg-0alb"], "IpAddressType": "ipv4"}]}


def _listener(port: int, protocol: str, default: dict[str, Any], policy: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"ListenerArn": f"{LISTENER}/{port:016x}", "LoadBalancerArn": ALB_ARN, "Port": port,
                            "Protocol": protocol, "DefaultActions": [default]}
    if protocol == "HTTPS":
        item["Certificates"] = [{"CertificateArn": CERT}]
    if policy:
        item["SslPolicy"] = policy
    return item


def _rule(listener_port: int, priority: str, actions: list[dict[str, Any]], path: str = "/api/*") -> dict[str, Any]:
    default = priority == "default"
    return {"RuleArn": f"{LISTENER.replace(':listener/', ':listener-rule/')}/{listener_port:016x}/{priority}",
            "Priority": priority, "IsDefault": default, "Actions": actions,
            "Conditions": [] if default else [{"Field": "path-pattern", "Values": [path],
                                               "PathPatternConfig": {"Values": [path]}}]}


def _policy(name: str, protocols: list[str]) -> dict[str, Any]:
    return {"Name": name, "SslProtocols": protocols,
            "Ciphers": [{"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 1}],
            "SupportedLoadBalancerTypes": ["application", "network"]}


def _stub_alb(clients: StubbedClients, listeners: list[dict[str, Any]], rules: dict[int, list[list[dict[str, Any]]]],
              policies: dict[str, list[str]]) -> None:
    """Queue one ALB read: DescribeLoadBalancers, DescribeListeners, DescribeRules (pages) per plain listener
    (rules behind TLS decide nothing and are not read), DescribeSSLPolicies for the policies asked for,
    DescribeTags of the load balancer only."""
    elb = clients.stub("elbv2")
    elb.add_response("describe_load_balancers", _balancer(), {"Names": [ALB_NAME]})
    elb.add_response("describe_listeners", {"Listeners": listeners}, {"LoadBalancerArn": ALB_ARN})
    for item in listeners:
        if item["Protocol"] in ("HTTPS", "TLS"):
            continue
        pages = rules[item["Port"]]
        for index, page in enumerate(pages):
            answer: dict[str, Any] = {"Rules": page}
            params: dict[str, Any] = {"ListenerArn": item["ListenerArn"]}
            if index + 1 < len(pages):
                answer["NextMarker"] = f"page-{index + 1}"
            if index:
                params["Marker"] = f"page-{index}"
            elb.add_response("describe_rules", answer, params)
    if policies:
        elb.add_response("describe_ssl_policies",
                         {"SslPolicies": [_policy(name, protocols) for name, protocols in policies.items()]},
                         {"Names": sorted(policies)})
    elb.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": ALB_ARN, "Tags": TAGS}]},
                     {"ResourceArns": [ALB_ARN]})
    # the target groups' health checks are the Uptime SLA's (tests/shapes/test_sla_shapes.py)
    elb.add_response("describe_target_groups", {"TargetGroups": []}, {"LoadBalancerArn": ALB_ARN})


def _alb(listeners: list[dict[str, Any]], rules: dict[int, list[list[dict[str, Any]]]],
         policies: dict[str, list[str]]) -> alb.AlbInventory:
    clients = StubbedClients(ENV)
    _stub_alb(clients, listeners, rules, policies)
    inventory = alb.fetch(target(ENV, clients))
    clients.verify()
    return inventory


def _conforming_listeners(policy: str = MODERN) -> list[dict[str, Any]]:
    return [_listener(80, "HTTP", REDIRECT), _listener(443, "HTTPS", FORWARD, policy)]


def _verdict(check_id: str, inventory: alb.AlbInventory) -> tuple[bool, str]:
    result = judge(SECURITY, check_id, ENV, snapshot_of(ENV, alb=inventory))
    return result.passed, result.message


def test_listeners_with_a_default_and_a_forward_rule_are_green() -> None:
    inventory = _alb(_conforming_listeners(),
                     {80: [[_rule(80, "default", [REDIRECT])]],
                      443: [[_rule(443, "10", [FORWARD]), _rule(443, "default", [FORWARD])]]},
                     {MODERN: ["TLSv1.3", "TLSv1.2"]})
    assert _verdict("ALB-HTTPS", inventory) == (True, "")
    assert _verdict("ALB-TLS-POLICY", inventory) == (True, "")


def test_a_forward_rule_on_port_80_behind_a_redirecting_default_is_red() -> None:
    rules = {80: [[_rule(80, "5", [FORWARD])], [_rule(80, "default", [REDIRECT])]],  # two pages of DescribeRules
             443: [[_rule(443, "default", [FORWARD])]]}
    passed, message = _verdict("ALB-HTTPS", _alb(_conforming_listeners(), rules, {MODERN: ["TLSv1.3", "TLSv1.2"]}))
    assert not passed
    assert (f"production ALB-HTTPS load-balancer:{ALB_NAME}/listener:80/rule:5.Actions: "
            "expected redirect to HTTPS or fixed-response, got forward") in message


def test_a_fixed_response_default_and_an_https_redirect_rule_on_port_80_are_green() -> None:
    listeners = [_listener(80, "HTTP", FIXED), _listener(443, "HTTPS", FORWARD, MODERN)]
    rules = {80: [[_rule(80, "1", [REDIRECT]), _rule(80, "default", [FIXED])]],
             443: [[_rule(443, "default", [FORWARD])]]}
    assert _verdict("ALB-HTTPS", _alb(listeners, rules, {MODERN: ["TLSv1.3", "TLSv1.2"]})) == (True, "")


def test_a_redirect_that_keeps_plain_http_is_red() -> None:
    keep = {**REDIRECT, "RedirectConfig": {**REDIRECT["RedirectConfig"], "Protocol": "#{protocol}", "Port": "8080"}}
    listeners = [_listener(80, "HTTP", keep), _listener(443, "HTTPS", FORWARD, MODERN)]
    rules = {80: [[_rule(80, "default", [keep])]], 443: [[_rule(443, "default", [FORWARD])]]}
    passed, message = _verdict("ALB-HTTPS", _alb(listeners, rules, {MODERN: ["TLSv1.3", "TLSv1.2"]}))
    assert not passed and "listener:80.DefaultActions: expected redirect to HTTPS or fixed-response, got " \
        "redirect #{protocol}:8080" in message


def test_an_old_tls_policy_is_red() -> None:
    inventory = _alb(_conforming_listeners(OLD),
                     {80: [[_rule(80, "default", [REDIRECT])]], 443: [[_rule(443, "default", [FORWARD])]]},
                     {OLD: ["TLSv1", "TLSv1.1", "TLSv1.2"]})
    assert _verdict("ALB-HTTPS", inventory) == (True, "")
    passed, message = _verdict("ALB-TLS-POLICY", inventory)
    assert not passed
    assert (f"production ALB-TLS-POLICY load-balancer:{ALB_NAME}/listener:443.SslPolicy: expected TLSv1.2 or newer, "
            f"got {OLD} (oldest protocol TLSv1)") in message


def test_a_policy_on_a_plain_http_listener_is_not_asked_for() -> None:
    """moto reports an SslPolicy on HTTP listeners; only the HTTPS listener's policy is described and judged."""
    listeners = [_listener(80, "HTTP", REDIRECT, OLD), _listener(443, "HTTPS", FORWARD, MODERN)]
    inventory = _alb(listeners, {80: [[_rule(80, "default", [REDIRECT])]], 443: [[_rule(443, "default", [FORWARD])]]},
                     {MODERN: ["TLSv1.3", "TLSv1.2"]})
    assert [item.ssl_policy for item in inventory.listeners] == [None, MODERN]
    assert _verdict("ALB-TLS-POLICY", inventory) == (True, "")


def test_no_https_listener_fails_the_tls_check_too() -> None:
    listeners = [_listener(80, "HTTP", FIXED)]
    passed, message = _verdict("ALB-TLS-POLICY", _alb(listeners, {80: [[_rule(80, "default", [FIXED])]]}, {}))
    assert not passed and "Listeners: expected an HTTPS listener, got 0" in message


def test_listeners_carry_no_tags_and_the_tag_check_stays_green() -> None:
    """Only the load balancer's tags are read (DescribeTags of its ARN alone); untagged listeners are fine."""
    inventory = _alb(_conforming_listeners(),
                     {80: [[_rule(80, "default", [REDIRECT])]], 443: [[_rule(443, "default", [FORWARD])]]},
                     {MODERN: ["TLSv1.3", "TLSv1.2"]})
    result = judge(SECURITY, "RESOURCE-TAGS", ENV, snapshot_of(ENV, alb=inventory))
    assert result.passed, result.message
    assert [e.resource for e in result.evidence if e.setting.startswith("tags.")] == [f"load-balancer:{ALB_NAME}"] * 2


# --- WAF -------------------------------------------------------------------------------------------
def _acl() -> dict[str, Any]:
    arn = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/production-taskmanager-waf/a1b2c3d4-5678-90ab-cdef"
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "waf"}
    return {"WebACL": {"Name": "production-taskmanager-waf", "Id": "a1b2c3d4-5678-90ab-cdef", "ARN": arn,
                       "DefaultAction": {"Allow": {}}, "Rules": [], "VisibilityConfig": visibility, "Capacity": 700,
                       "ManagedByFirewallManager": False, "LabelNamespace": "awswaf:210987654321:webacl:waf:"}}


def _waf_clients() -> StubbedClients:
    clients = StubbedClients(ENV)
    clients.stub("elbv2").add_response("describe_load_balancers", _balancer(), {"Names": [ALB_NAME]})
    return clients


def test_waf_nonexistent_item_means_no_web_acl() -> None:
    clients = _waf_clients()
    clients.stub("wafv2").add_client_error("get_web_acl_for_resource", "WAFNonexistentItemException",
                                           "AWS WAF couldn't perform the operation because your resource "
                                           "doesn't exist.", 400, expected_params={"ResourceArn": ALB_ARN})
    inventory = waf.fetch(target(ENV, clients))
    clients.verify()
    assert inventory.looked_up and inventory.web_acl is None
    result = judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory))
    assert not result.passed
    assert (f"production WAF-ASSOCIATED load-balancer:{ALB_NAME}.WebACL: expected production-taskmanager-waf, "
            "got none") in result.message


def test_an_empty_answer_also_means_no_web_acl() -> None:
    """GetWebACLForResource may also answer 200 without a WebACL member (it is optional in the model)."""
    clients = _waf_clients()
    clients.stub("wafv2").add_response("get_web_acl_for_resource", {}, {"ResourceArn": ALB_ARN})
    inventory = waf.fetch(target(ENV, clients))
    clients.verify()
    result = judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory))
    assert not result.passed and "WebACL: expected production-taskmanager-waf, got none" in result.message


def test_an_associated_web_acl_is_green() -> None:
    clients = _waf_clients()
    answer = _acl()
    clients.stub("wafv2").add_response("get_web_acl_for_resource", answer, {"ResourceArn": ALB_ARN})
    clients.stub("wafv2").add_response("list_tags_for_resource", {"TagInfoForResource": {
        "ResourceARN": answer["WebACL"]["ARN"], "TagList": TAGS}}, {"ResourceARN": answer["WebACL"]["ARN"]})
    inventory = waf.fetch(target(ENV, clients))
    clients.verify()
    assert judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory)).passed


def test_waf_is_not_looked_up_where_the_spec_expects_none() -> None:
    clients = StubbedClients("dev")  # nothing queued: any call would fail the Stubber
    inventory = waf.fetch(target("dev", clients))
    assert not inventory.looked_up and inventory.web_acl is None


@pytest.mark.parametrize("code", ["ThrottlingException", "AccessDeniedException"])
def test_a_failed_waf_call_leaves_the_alb_checks_green(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ALB and WAF sections share one DescribeLoadBalancers; WAF's failure is WAF's alone."""
    clients = StubbedClients(ENV)
    _stub_alb(clients, _conforming_listeners(),
              {80: [[_rule(80, "default", [REDIRECT])]], 443: [[_rule(443, "default", [FORWARD])]]},
              {MODERN: ["TLSv1.3", "TLSv1.2"]})
    clients.stub("wafv2").add_client_error("get_web_acl_for_resource", code, "Rate exceeded or not allowed", 400)
    monkeypatch.setattr(snapshot, "SECTIONS", tuple(s for s in snapshot.SECTIONS if s.name in ("alb", "waf")))
    taken = snapshot.take_snapshot(target(ENV, clients), "shapes")
    clients.verify()  # DescribeLoadBalancers was queued once and asked once
    assert set(taken.unavailable) == {"waf"} and code in taken.unavailable["waf"][1]
    for check_id in ("ALB-HTTPS", "ALB-TLS-POLICY"):
        result = judge(SECURITY, check_id, ENV, taken)
        assert result.passed, result.message
    with pytest.raises(InventoryUnavailable, match=code):
        judge(SECURITY, "WAF-ASSOCIATED", ENV, taken)


# --- EC2: VPC and security groups -----------------------------------------------------------------
VPC_ID = "vpc-0a1b2c3d4e5f67890"
SUFFIX = "20261125101530123400000001"  # Terraform's name_prefix suffix: 18-digit timestamp + 8 hex digits


def _vpc(**extra: Any) -> dict[str, Any]:
    return {"Vpcs": [{
        "VpcId": VPC_ID, "CidrBlock": "10.0.0.0/16", "State": "available", "OwnerId": ACCOUNT,
        "DhcpOptionsId": "dopt-0123", "InstanceTenancy": "default", "IsDefault": False,
        "CidrBlockAssociationSet": [
            {"AssociationId": "vpc-cidr-assoc-01", "CidrBlock": "10.0.0.0/16",
             "CidrBlockState": {"State": "associated"}},
            {"AssociationId": "vpc-cidr-assoc-02", "CidrBlock": "100.64.0.0/16",
             "CidrBlockState": {"State": "associated"}},
            {"AssociationId": "vpc-cidr-assoc-03", "CidrBlock": "172.31.0.0/16",
             "CidrBlockState": {"State": "disassociated"}}],
        "Tags": [{"Key": "Name", "Value": "production-taskmanager-vpc"}, *TAGS], **extra}]}


def _permission(port: int, **sources: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [], "Ipv6Ranges": [],
            "PrefixListIds": [], "UserIdGroupPairs": [], **sources}


def _from_group(group_id: str) -> dict[str, Any]:
    return {"UserIdGroupPairs": [{"GroupId": group_id, "UserId": ACCOUNT, "Description": "from the app tier"}]}


def _group(name: str, group_id: str, permissions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"GroupName": name, "GroupId": group_id, "Description": "Managed by Terraform", "OwnerId": ACCOUNT,
            "VpcId": VPC_ID, "IpPermissions": permissions, "IpPermissionsEgress": [], "Tags": TAGS}


def _groups(**changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    world = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    permissions = {
        "alb": [_permission(80, **world), _permission(443, **world)],
        "api": [_permission(8000, **_from_group("sg-0alb"))],
        "worker": [],
        "db": [_permission(5432, **_from_group("sg-0api")),
               _permission(5432, IpRanges=[{"CidrIp": "100.64.12.0/24", "Description": "secondary CIDR subnet"}])],
        "cache": [_permission(6379, **_from_group("sg-0api"))],
        **changes,
    }
    names = {"alb": "production-taskmanager-alb-sg", "api": f"production-taskmanager-api-sg-{SUFFIX}",
             "worker": f"production-taskmanager-worker-sg{SUFFIX}", "db": "production-taskmanager-db-sg",
             "cache": f"production-taskmanager-cache-sg-{SUFFIX}"}
    return [_group(names[role], f"sg-0{role}", permissions[role]) for role in names]


def _network(groups: list[dict[str, Any]]) -> network.NetworkInventory:
    clients = StubbedClients(ENV)
    ec2 = clients.stub("ec2")
    ec2.add_response("describe_vpcs", _vpc(),
                     {"Filters": [{"Name": "tag:Name", "Values": ["production-taskmanager-vpc"]}]})
    ec2.add_response("describe_subnets", {"Subnets": [
        {"SubnetId": f"subnet-0{zone}", "VpcId": VPC_ID, "AvailabilityZone": f"{REGION}{zone}",
         "CidrBlock": cidr, "State": "available", "Tags": TAGS}
        for zone, cidr in (("a", "10.0.1.0/24"), ("b", "10.0.2.0/24"), ("c", "100.64.12.0/24"))]})
    ec2.add_response("describe_security_groups", {"SecurityGroups": groups[:2], "NextToken": "more"})
    ec2.add_response("describe_security_groups", {"SecurityGroups": groups[2:]})
    stub_no_bastion(ec2)
    inventory = network.fetch(target(ENV, clients))
    clients.verify()
    return inventory


def _network_verdict(check_id: str, inventory: network.NetworkInventory) -> tuple[bool, str]:
    result = judge(SECURITY, check_id, ENV, snapshot_of(ENV, network=inventory))
    return result.passed, result.message


def test_prefixed_groups_source_groups_and_a_secondary_cidr_are_green() -> None:
    inventory = _network(_groups())
    assert all(inventory.security_groups.values())
    assert inventory.vpc is not None and inventory.vpc.secondary_cidrs == ["100.64.0.0/16"]
    for check_id in ("NET-VPC-CIDR", "NET-DATA-INGRESS", "NET-WORLD-INGRESS"):
        assert _network_verdict(check_id, inventory) == (True, ""), check_id


def test_the_exact_name_wins_over_a_prefixed_one_and_other_names_are_not_taken() -> None:
    groups = [*_groups(), _group(f"production-taskmanager-db-sg-{SUFFIX}", "sg-0olddb", [
        _permission(5432, IpRanges=[{"CidrIp": "0.0.0.0/0"}])]),
              _group("production-taskmanager-db-sg-legacy", "sg-0legacy", [])]
    inventory = _network(groups)
    db = inventory.security_groups["db"]
    assert db is not None and db.id == "sg-0db"


def test_ipv6_world_counts_as_world() -> None:
    inventory = _network(_groups(api=[_permission(8000, Ipv6Ranges=[{"CidrIpv6": "::/0"}])]))
    passed, message = _network_verdict("NET-WORLD-INGRESS", inventory)
    assert not passed
    assert (f"production NET-WORLD-INGRESS security-group:production-taskmanager-api-sg-{SUFFIX}.IpPermissions: "
            'expected nothing open to 0.0.0.0/0 or ::/0, got ["tcp:8000-8000"]') in message


def test_a_prefix_list_source_is_not_world_open() -> None:
    prefix = {"PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0", "Description": "office"}]}
    inventory = _network(_groups(api=[_permission(8000, **prefix)]))
    api = inventory.security_groups["api"]
    assert api is not None and api.ingress[0].prefix_lists == ["pl-0123456789abcdef0"]
    assert _network_verdict("NET-WORLD-INGRESS", inventory) == (True, "")


def test_a_prefix_list_on_the_database_is_not_proven_inside_the_vpc() -> None:
    prefix = {"PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}
    inventory = _network(_groups(db=[_permission(5432, **prefix)]))
    passed, message = _network_verdict("NET-DATA-INGRESS", inventory)
    assert not passed and 'got ["prefix-list:pl-0123456789abcdef0"]' in message


def test_a_source_outside_every_vpc_cidr_is_red() -> None:
    inventory = _network(_groups(db=[_permission(5432, IpRanges=[{"CidrIp": "172.31.5.0/24"}])]))
    passed, message = _network_verdict("NET-DATA-INGRESS", inventory)
    assert not passed
    assert ("security-group:production-taskmanager-db-sg.IpPermissions: expected sources inside 10.0.0.0/16, "
            '100.64.0.0/16 only, got ["172.31.5.0/24"]') in message


def test_a_wrong_primary_cidr_is_red_even_with_the_documented_one_secondary() -> None:
    clients = StubbedClients(ENV)
    answer = _vpc()
    vpc = answer["Vpcs"][0]
    vpc["CidrBlock"] = "100.64.0.0/16"
    vpc["CidrBlockAssociationSet"][:2] = vpc["CidrBlockAssociationSet"][1::-1]
    clients.stub("ec2").add_response("describe_vpcs", answer)
    clients.stub("ec2").add_response("describe_subnets", {"Subnets": []})
    clients.stub("ec2").add_response("describe_security_groups", {"SecurityGroups": _groups()})
    stub_no_bastion(clients.stub("ec2"))
    inventory = network.fetch(target(ENV, clients))
    passed, message = _network_verdict("NET-VPC-CIDR", inventory)
    assert not passed and "vpc:production-taskmanager-vpc.CidrBlock: expected 10.0.0.0/16, got 100.64.0.0/16" in message


# --- WAF on CloudFront in front of the load balancer ------------------------------------------------
DNS_NAME = f"{ALB_NAME}-1234567890.{REGION}.elb.amazonaws.com"
GLOBAL_ID = "e5f6a7b8-9012-3456-7890-abcdef012345"
GLOBAL_ACL = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/production-taskmanager-waf/{GLOBAL_ID}"


def _distribution(ident: str, origin: str, web_acl: str = GLOBAL_ACL, *, enabled: bool = True) -> dict[str, Any]:
    """A ListDistributions summary (CloudFront API reference): one custom origin, the WAFv2 web ACL's ARN."""
    return {
        "Id": ident, "ARN": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{ident}", "Status": "Deployed",
        "LastModifiedTime": "2026-11-20T09:30:00Z", "DomainName": f"{ident.lower()}.cloudfront.net",
        "Aliases": {"Quantity": 1, "Items": ["taskmanager.com"]},
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "alb", "DomainName": origin, "OriginPath": "", "CustomHeaders": {"Quantity": 0},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                                   "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                                   "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5},
            "ConnectionAttempts": 3, "ConnectionTimeout": 10}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
        "CacheBehaviors": {"Quantity": 0}, "CustomErrorResponses": {"Quantity": 0}, "Comment": "",
        "PriceClass": "PriceClass_100", "Enabled": enabled,
        "ViewerCertificate": {"ACMCertificateArn": CERT, "SSLSupportMethod": "sni-only",
                              "MinimumProtocolVersion": "TLSv1.2_2021"},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": web_acl, "HttpVersion": "http2and3", "IsIPV6Enabled": True, "Staging": False}


def _distributions(clients: StubbedClients, pages: list[list[dict[str, Any]]]) -> None:
    """ListDistributions in pages (Marker / NextMarker, IsTruncated)."""
    for index, items in enumerate(pages):
        more = index + 1 < len(pages)
        listing: dict[str, Any] = {"Marker": f"m{index}" if index else "", "MaxItems": 100, "IsTruncated": more,
                                   "Quantity": len(items), "Items": items}
        if more:
            listing["NextMarker"] = f"m{index + 1}"
        clients.stub("cloudfront").add_response("list_distributions", {"DistributionList": listing},
                                                {"Marker": f"m{index}"} if index else {})


def _cloudfront_clients(pages: list[list[dict[str, Any]]], *, acl_read: bool = True) -> StubbedClients:
    """No web ACL on the load balancer; the distributions; where one fronts it, its web ACL read in us-east-1."""
    clients = _waf_clients()
    clients.stub("wafv2").add_client_error("get_web_acl_for_resource", "WAFNonexistentItemException",
                                           "AWS WAF couldn't perform the operation because your resource "
                                           "doesn't exist.", 400, expected_params={"ResourceArn": ALB_ARN})
    _distributions(clients, pages)
    if acl_read:
        answer = _acl()
        answer["WebACL"].update(ARN=GLOBAL_ACL, Id=GLOBAL_ID)
        global_waf = clients.stub("wafv2", "us-east-1")
        global_waf.add_response("get_web_acl", {**answer, "LockToken": "0123abcd-ef45-6789-abcd-ef0123456789"},
                                {"Name": "production-taskmanager-waf", "Scope": "CLOUDFRONT", "Id": GLOBAL_ID})
        global_waf.add_response("list_tags_for_resource", {"TagInfoForResource": {
            "ResourceARN": GLOBAL_ACL, "TagList": TAGS}}, {"ResourceARN": GLOBAL_ACL})
    return clients


def _allowing() -> Any:
    """The shipped spec's production with ``security.waf_cloudfront: true``."""
    spec = repo_spec()
    production = spec.env(ENV)
    security = production.security.model_copy(update={"waf_cloudfront": True})
    return spec.model_copy(update={"environments": {**spec.environments, ENV: production.model_copy(
        update={"security": security})}})


def _allowed_wants() -> Wants:
    return dataclasses.replace(Wants.from_spec(repo_spec().env(ENV)), waf_cloudfront=True)


def test_a_cloudfront_web_acl_in_front_of_the_load_balancer_is_green_where_allowed() -> None:
    """Second page of ListDistributions: the distribution whose origin is the ALB's DNS name (any case, a trailing
    dot) carries a CLOUDFRONT-scope web ACL, read with GetWebACL in us-east-1."""
    clients = _cloudfront_clients([[_distribution("E1OTHER0000001", "static.example.com.s3.amazonaws.com")],
                                   [_distribution("E2FRONT0000002", DNS_NAME.upper() + ".")]])
    inventory = waf.fetch(target(ENV, clients, wants=_allowed_wants()))
    clients.verify()
    assert inventory.web_acl is not None and inventory.web_acl.scope == "CLOUDFRONT"
    assert inventory.web_acl.distribution == "E2FRONT0000002"
    suite = repo_suite()
    suite.spec = _allowing()
    result = judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory), suite=suite)
    assert result.passed, result.message
    assert any(e.setting == "WebACL scope" and "E2FRONT0000002" in str(e.actual) for e in result.evidence)


@pytest.mark.parametrize("distribution", [
    _distribution("E3ELSEWHERE003", "other-alb-1.us-east-1.elb.amazonaws.com"),
    _distribution("E4DISABLED0004", DNS_NAME, enabled=False),
    _distribution("E5NOACL0000005", DNS_NAME, web_acl=""),
    _distribution("E6CLASSIC00006", DNS_NAME, web_acl="473e64fd-f30b-4765-81a0-62ad96dd167a"),
], ids=["points-elsewhere", "disabled", "no-web-acl", "waf-classic"])
def test_a_distribution_that_does_not_front_the_load_balancer_with_a_waf_is_red(distribution: dict[str, Any]) -> None:
    clients = _cloudfront_clients([[distribution]], acl_read=False)
    inventory = waf.fetch(target(ENV, clients, wants=_allowed_wants()))
    clients.verify()
    assert inventory.web_acl is None
    suite = repo_suite()
    suite.spec = _allowing()
    result = judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory), suite=suite)
    assert not result.passed
    assert f"production WAF-ASSOCIATED load-balancer:{ALB_NAME}.WebACL: expected production-taskmanager-waf, " \
        "got none" in result.message


def test_cloudfront_is_not_asked_where_the_spec_does_not_allow_it() -> None:
    """The shipped spec (the document puts the WAF on the load balancer): no ListDistributions at all."""
    clients = _cloudfront_clients([], acl_read=False)
    inventory = waf.fetch(target(ENV, clients))
    clients.verify()
    assert inventory.web_acl is None


def test_a_cloudfront_web_acl_does_not_count_where_the_spec_does_not_allow_it() -> None:
    """A snapshot holding a CLOUDFRONT-scope web ACL judged against a spec that does not allow one: red."""
    clients = _cloudfront_clients([[_distribution("E2FRONT0000002", DNS_NAME)]])
    inventory = waf.fetch(target(ENV, clients, wants=_allowed_wants()))
    result = judge(SECURITY, "WAF-ASSOCIATED", ENV, snapshot_of(ENV, waf=inventory))
    assert not result.passed
    assert (f"production WAF-ASSOCIATED load-balancer:{ALB_NAME}.WebACL scope: expected REGIONAL, got CLOUDFRONT "
            "(distribution E2FRONT0000002)") in result.message
