"""Real-AWS shapes of the Access row: the load balancer's scheme and listeners' groups, Client VPN endpoints, the
web ACL's rules on the admin paths and their IP sets. Each answer is shaped as AWS returns it (botocore's service
model), fed through the Stubber into the real inventory code, then judged by the real shipped check."""

from __future__ import annotations

from typing import Any

import pytest

from envmatrix.aws import alb, network, vpn, waf
from envmatrix.aws.snapshot import Snapshot
from envmatrix.names import SECURITY_GROUP_ROLES
from envmatrix.spec import load_spec
from tests.shapes.harness import (
    ACCOUNT,
    REGION,
    ROOT,
    StubbedClients,
    judge,
    repo_suite,
    snapshot_of,
    stub_no_bastion,
    target,
)

ACCESS = "checks/live/test_access.py"
VPC_ID = "vpc-0a1b2c3d4e5f67890"
WORLD = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
#: the spec's values, read from it (the tests never restate them)
SPEC = load_spec(ROOT / "fixtures/matrix.yaml")


def _alb_arn(env: str) -> str:
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{env}-taskmanager-alb/50dc6c495c0c9188"


def _stub_alb(clients: StubbedClients, env: str, scheme: str) -> None:
    """DescribeLoadBalancers (the lookup the ALB, WAF and VPN reads share), then the ALB section's reads: an HTTPS
    and an HTTP listener (the plain one's rules), tags, target groups."""
    name, arn = f"{env}-taskmanager-alb", _alb_arn(env)
    elb = clients.stub("elbv2")
    elb.add_response("describe_load_balancers", {"LoadBalancers": [{
        "LoadBalancerArn": arn, "DNSName": f"{name}-1234567890.{REGION}.elb.amazonaws.com",
        "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K", "LoadBalancerName": name, "Scheme": scheme, "VpcId": VPC_ID,
        "State": {"Code": "active"}, "Type": "application", "SecurityGroups": ["sg-0alb"], "IpAddressType": "ipv4",
        "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": "subnet-0aaa"}]}]}, {"Names": [name]})
    listener = arn.replace(":loadbalancer/", ":listener/")
    redirect = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    elb.add_response("describe_listeners", {"Listeners": [
        {"ListenerArn": f"{listener}/443", "LoadBalancerArn": arn, "Port": 443, "Protocol": "HTTPS",
         "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "DefaultActions": [{"Type": "forward"}]},
        {"ListenerArn": f"{listener}/80", "LoadBalancerArn": arn, "Port": 80, "Protocol": "HTTP",
         "DefaultActions": [redirect]}]}, {"LoadBalancerArn": arn})
    elb.add_response("describe_rules", {"Rules": [{"Priority": "default", "IsDefault": True, "Actions": [redirect],
                                                   "Conditions": []}]}, {"ListenerArn": f"{listener}/80"})
    elb.add_response("describe_ssl_policies", {"SslPolicies": []}, {"Names": ["ELBSecurityPolicy-TLS13-1-2-2021-06"]})
    tags = [{"Key": "Environment", "Value": env}]
    elb.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": arn, "Tags": tags}]},
                     {"ResourceArns": [arn]})
    elb.add_response("describe_target_groups", {"TargetGroups": []}, {"LoadBalancerArn": arn})


def _permission(port: int, **sources: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [], "Ipv6Ranges": [],
            "PrefixListIds": [], "UserIdGroupPairs": [], **sources}


def _network(env: str, alb_ingress: list[dict[str, Any]]) -> network.NetworkInventory:
    """DescribeVpcs, DescribeSubnets, DescribeSecurityGroups (the five role groups; the ALB's as given), no bastion."""
    clients = StubbedClients(env)
    ec2 = clients.stub("ec2")
    ec2.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC_ID, "CidrBlock": "10.1.0.0/16", "State": "available"}]})
    ec2.add_response("describe_subnets", {"Subnets": []})
    groups = [{"GroupName": f"{env}-taskmanager-{role}-sg", "GroupId": f"sg-0{role}", "OwnerId": ACCOUNT,
               "Description": "Managed by Terraform", "VpcId": VPC_ID, "IpPermissionsEgress": [],
               "IpPermissions": alb_ingress if role == "alb" else []} for role in SECURITY_GROUP_ROLES]
    ec2.add_response("describe_security_groups", {"SecurityGroups": groups})
    stub_no_bastion(ec2)
    inventory = network.fetch(target(env, clients))
    clients.verify()
    return inventory


def _endpoint(cidr: str, vpc_id: str = VPC_ID) -> dict[str, Any]:
    return {"ClientVpnEndpointId": "cvpn-endpoint-0123456789abcdef0", "Status": {"Code": "available"},
            "ClientCidrBlock": cidr, "VpcId": vpc_id, "SecurityGroupIds": ["sg-0vpn"], "TransportProtocol": "udp",
            "VpnProtocol": "openvpn", "SplitTunnel": True}


def _dev(scheme: str, alb_ingress: list[dict[str, Any]], endpoints: list[dict[str, Any]] | None) -> Snapshot:
    """Dev's ALB, VPN and network reads (endpoints None: the VPN read must ask nothing)."""
    clients = StubbedClients("dev")
    _stub_alb(clients, "dev", scheme)
    if endpoints is not None:
        clients.stub("ec2").add_response("describe_client_vpn_endpoints", {"ClientVpnEndpoints": endpoints}, {})
    aim = target("dev", clients)
    balancer = alb.fetch(aim)
    found = vpn.fetch(aim, balancer)
    clients.verify()
    return snapshot_of("dev", alb=balancer, vpn=found, network=_network("dev", alb_ingress))


def _figure(result: Any, setting: str) -> list[str]:
    return [str(item.actual) for item in result.evidence if item.setting == setting]


def test_an_internal_dev_load_balancer_is_green_and_asks_no_vpn() -> None:
    result = judge(ACCESS, "ACCESS-REACH", "dev", _dev("internal", [_permission(443, **WORLD)], None))
    assert result.passed, result.message
    assert _figure(result, "reach") == ["internal ALB"]


def test_a_public_world_open_dev_load_balancer_is_red_naming_listener_and_rule() -> None:
    result = judge(ACCESS, "ACCESS-REACH", "dev", _dev("internet-facing", [_permission(443, **WORLD)], []))
    assert not result.passed
    spec_cidrs = ", ".join(SPEC.env("dev").access.vpn_client_cidrs)
    assert result.message.startswith("dev ACCESS-REACH load-balancer:dev-taskmanager-alb/listener:443.reach: "
                                     f"expected internal ALB, or each listener from the VPN's clients only (spec "
                                     f"access.vpn_client_cidrs (no Client VPN endpoint found): {spec_cidrs})")
    assert 'got ["dev-taskmanager-alb-sg: tcp 443-443 from 0.0.0.0/0"]' in result.message


def test_dev_through_a_client_vpn_is_green() -> None:
    """Conforming variant: internet-facing, but every listener admits only the endpoint's client CIDR (or its
    security group)."""
    ingress = [_permission(443, IpRanges=[{"CidrIp": "10.100.0.0/22"}]),
               _permission(80, UserIdGroupPairs=[{"GroupId": "sg-0vpn"}])]
    result = judge(ACCESS, "ACCESS-REACH", "dev", _dev("internet-facing", ingress, [_endpoint("10.100.0.0/22")]))
    assert result.passed, result.message
    assert "VPN clients only (10.100.0.0/22)" in _figure(result, "reach")


def test_an_endpoint_into_another_vpc_is_not_the_environments() -> None:
    """An endpoint leading elsewhere is ignored: its CIDR does not admit anyone here (the spec's CIDRs apply)."""
    ingress = [_permission(443, IpRanges=[{"CidrIp": "10.100.0.0/22"}])]
    snapshot = _dev("internet-facing", ingress, [_endpoint("10.100.0.0/22", vpc_id="vpc-0other")])
    assert snapshot.vpn is not None and snapshot.vpn.endpoints == []
    result = judge(ACCESS, "ACCESS-REACH", "dev", snapshot)
    assert not result.passed and "from 10.100.0.0/22" in result.message


def test_a_public_environment_must_be_internet_facing() -> None:
    clients = StubbedClients("production")
    _stub_alb(clients, "production", "internal")
    balancer = alb.fetch(target("production", clients))
    result = judge(ACCESS, "ACCESS-REACH", "production", snapshot_of("production", alb=balancer))
    assert not result.passed
    assert ("production ACCESS-REACH load-balancer:production-taskmanager-alb.reach: expected internet-facing ALB, "
            "got internal ALB") in result.message


# --- the admin paths: WAF ------------------------------------------------------------------------------
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


def _ip_set_arn(env: str) -> str:
    return f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/ipset/{env}-admin-allowed/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def _paths(env: str) -> dict[str, Any]:
    matches = [{"ByteMatchStatement": {"SearchString": path.encode(), "FieldToMatch": {"UriPath": {}},
                                       "PositionalConstraint": "STARTS_WITH",
                                       "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}
               for path in SPEC.env(env).access.admin_paths]
    return matches[0] if len(matches) == 1 else {"OrStatement": {"Statements": matches}}


def _admin_rule(env: str, action: str, exempt: bool, priority: int = 1) -> dict[str, Any]:
    statement = _paths(env)
    if exempt:
        reference = {"NotStatement": {"Statement": {"IPSetReferenceStatement": {"ARN": _ip_set_arn(env)}}}}
        statement = {"AndStatement": {"Statements": [statement, reference]}}
    return {"Name": "admin-paths", "Priority": priority, "Action": {action: {}}, "Statement": statement,
            "VisibilityConfig": VISIBILITY}


def _waf(env: str, rules: list[dict[str, Any]], addresses: list[str] | None) -> waf.WafInventory:
    """GetWebACLForResource (the rules come with it), ListTagsForResource, GetIPSet where a Block rule exempts one."""
    clients = StubbedClients(env)
    name = f"{env}-taskmanager-alb"
    clients.stub("elbv2").add_response("describe_load_balancers", {"LoadBalancers": [{
        "LoadBalancerArn": _alb_arn(env), "LoadBalancerName": name, "Scheme": "internet-facing", "VpcId": VPC_ID}]},
        {"Names": [name]})
    acl_arn = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/{env}-taskmanager-waf/a1b2c3d4-5678-90ab-cdef"
    stub = clients.stub("wafv2")
    stub.add_response("get_web_acl_for_resource", {"WebACL": {
        "Name": f"{env}-taskmanager-waf", "Id": "a1b2c3d4-5678-90ab-cdef", "ARN": acl_arn,
        "DefaultAction": {"Allow": {}}, "Rules": rules, "VisibilityConfig": VISIBILITY, "Capacity": 30}},
        {"ResourceArn": _alb_arn(env)})
    tags = [{"Key": "Environment", "Value": env}]
    stub.add_response("list_tags_for_resource", {"TagInfoForResource": {"ResourceARN": acl_arn, "TagList": tags}},
                      {"ResourceARN": acl_arn})
    if addresses is not None:
        stub.add_response("get_ip_set", {"IPSet": {
            "Name": f"{env}-admin-allowed", "Id": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "ARN": _ip_set_arn(env),
            "IPAddressVersion": "IPV4", "Addresses": addresses}, "LockToken": "token"},
            {"Name": f"{env}-admin-allowed", "Scope": "REGIONAL", "Id": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"})
    inventory = waf.fetch(target(env, clients))
    clients.verify()
    return inventory


def _admin(env: str, rules: list[dict[str, Any]], addresses: list[str] | None = None) -> Any:
    return judge(ACCESS, "ACCESS-ADMIN-PATHS", env, snapshot_of(env, waf=_waf(env, rules, addresses)))


def test_staging_admin_paths_behind_an_ip_set_are_green() -> None:
    result = _admin("staging", [_admin_rule("staging", "Block", True)], ["203.0.113.0/24", "198.51.100.10/32"])
    assert result.passed, result.message
    assert _figure(result, "AdminPaths") == ["2 CIDRs"]


def test_a_staging_admin_rule_in_count_mode_is_red() -> None:
    """Count blocks nothing: the rule is named with its mode (its IP set is not even read)."""
    result = _admin("staging", [_admin_rule("staging", "Count", True)])
    assert not result.passed
    path = SPEC.env("staging").access.admin_paths[0]
    assert result.message.startswith(f"staging ACCESS-ADMIN-PATHS waf:staging-taskmanager-waf.AdminRule: expected "
                                     f"a Block rule on {path}* exempting only an IP set, got unguarded: rule "
                                     f"admin-paths (Count, priority 1)")


def test_an_admin_ip_set_open_to_the_world_is_red() -> None:
    result = _admin("staging", [_admin_rule("staging", "Block", True)], ["203.0.113.0/24", "0.0.0.0/0"])
    assert not result.passed
    assert "staging ACCESS-ADMIN-PATHS waf:staging-taskmanager-waf/rule:admin-paths.AdminPaths" in result.message
    assert "exempts 0.0.0.0/0 (IP set open to the world)" in result.message


def test_an_allow_rule_deciding_first_is_red() -> None:
    allow = {"Name": "office", "Priority": 0, "Action": {"Allow": {}}, "VisibilityConfig": VISIBILITY,
             "Statement": {"LabelMatchStatement": {"Scope": "LABEL", "Key": "awswaf:office"}}}
    result = _admin("staging", [allow, _admin_rule("staging", "Block", True)], ["203.0.113.0/24"])
    assert not result.passed and "rule office (Allow, priority 0) decides first" in result.message


def test_a_staging_admin_rule_without_an_ip_set_is_red() -> None:
    result = _admin("staging", [_admin_rule("staging", "Block", False)])
    assert not result.passed and "got exempts no IP set" in result.message


def test_production_admin_paths_blocked_from_everywhere_are_green() -> None:
    group = {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
    managed = {"Name": "aws-common", "Priority": 10, "OverrideAction": {"None": {}}, "VisibilityConfig": VISIBILITY,
               "Statement": {"ManagedRuleGroupStatement": group}}
    result = _admin("production", [_admin_rule("production", "Block", False), managed])
    assert result.passed, result.message
    assert _figure(result, "AdminPaths") == ["blocked from everywhere"]


@pytest.mark.parametrize("rules", [[], "exempting"], ids=["no-rule", "exempting-an-ip-set"])
def test_production_admin_paths_reachable_are_red(rules: Any) -> None:
    exempting = rules == "exempting"
    result = _admin("production", [_admin_rule("production", "Block", True)] if exempting else [],
                    ["203.0.113.0/24"] if exempting else None)
    assert not result.passed
    assert result.message.startswith("production ACCESS-ADMIN-PATHS waf:production-taskmanager-waf")
    path = SPEC.env("production").access.admin_paths[0]
    assert ("exempts arn:aws:wafv2" if exempting else f"unguarded: no rule on {path}") in result.message



# --- drift: the tfvars against what was seen ------------------------------------------------------------
DRIFT = "checks/drift/test_drift_tfvars.py"


def test_admin_allow_list_drift_both_ways() -> None:
    declared = repo_suite().tfvars("staging").admin_allowed_cidrs
    assert declared
    same = snapshot_of("staging", waf=_waf("staging", [_admin_rule("staging", "Block", True)], list(declared)))
    assert judge(DRIFT, "DRIFT-ACCESS", "staging", same, key="admin_allowed_cidrs").passed
    other = snapshot_of("staging", waf=_waf("staging", [_admin_rule("staging", "Block", True)], declared[:1]))
    result = judge(DRIFT, "DRIFT-ACCESS", "staging", other, key="admin_allowed_cidrs")
    assert not result.passed and result.message.startswith("staging DRIFT-ACCESS waf:staging-taskmanager-waf")
    assert f"got {declared[:1]}".replace("'", '"') in result.message.replace("'", '"')


@pytest.mark.parametrize("scheme", ["internal", "internet-facing"])
def test_alb_internal_drift_both_ways(scheme: str) -> None:
    assert repo_suite().tfvars("dev").alb_internal is True
    clients = StubbedClients("dev")
    _stub_alb(clients, "dev", scheme)
    snapshot = snapshot_of("dev", alb=alb.fetch(target("dev", clients)))
    result = judge(DRIFT, "DRIFT-ACCESS", "dev", snapshot, key="alb_internal")
    assert result.passed == (scheme == "internal"), result.message
    assert result.passed or "dev DRIFT-ACCESS load-balancer:dev-taskmanager-alb.Scheme.alb_internal" in result.message


def test_rule_reading_fails_closed_on_what_it_cannot_read() -> None:
    """An OR of path matches guards each path; a condition beside them (a header match) makes the rule
    unreadable as a guard; an EXACTLY match guards no prefix."""
    def match(path: str, position: str = "STARTS_WITH") -> dict[str, Any]:
        return {"ByteMatchStatement": {"SearchString": path.encode(), "FieldToMatch": {"UriPath": {}},
                                       "PositionalConstraint": position, "TextTransformations": []}}
    header = {"ByteMatchStatement": {"SearchString": b"x", "FieldToMatch": {"SingleHeader": {"Name": "x-admin"}},
                                     "PositionalConstraint": "EXACTLY", "TextTransformations": []}}
    either = waf._rule({"Name": "r", "Priority": 1, "Action": {"Block": {}},
                        "Statement": {"OrStatement": {"Statements": [match("/admin"), match("/internal")]}}})
    assert either.covers("/admin/users") and either.covers("/internal") and not either.covers("/api")
    mixed = waf._rule({"Name": "r", "Priority": 1, "Action": {"Block": {}},
                       "Statement": {"AndStatement": {"Statements": [match("/admin"), header]}}})
    assert mixed.other and not mixed.covers("/admin")
    exact = waf._rule({"Name": "r", "Priority": 1, "Action": {"Block": {}}, "Statement": match("/admin", "EXACTLY")})
    assert not exact.covers("/admin/users")
