"""Sandbox provisioning of the network: VPC, subnets, security groups, load balancer, certificate, WAF."""

from __future__ import annotations

import ipaddress
from typing import Any

from envmatrix.sandbox.naming import SECURITY_GROUPS
from envmatrix.sandbox.provision_target import ProvisionTarget
from envmatrix.sandbox.world import WORLD_FILE, WorldError

WORLD = "0.0.0.0/0"
API_PORT = 8000
DB_PORT = 5432
CACHE_PORT = 6379


def network(target: ProvisionTarget) -> None:
    """VPC (Name tag, tfvars CIDR), one subnet per availability zone, and the five security groups."""
    ec2 = target.client("ec2")
    vpc_id = ec2.create_vpc(
        CidrBlock=target.tfvars.vpc_cidr, TagSpecifications=target.named_tag_spec("vpc", target.names.vpc),
    )["Vpc"]["VpcId"]
    target.ids["vpc"] = vpc_id
    blocks = ipaddress.ip_network(target.tfvars.vpc_cidr).subnets(new_prefix=24)
    for zone, block in zip(target.tfvars.availability_zones, blocks, strict=False):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=str(block), AvailabilityZone=zone,
            TagSpecifications=target.named_tag_spec("subnet", f"{target.names.prefix}-{zone}"),
        )
        target.subnets.append(subnet["Subnet"]["SubnetId"])
    for role in SECURITY_GROUPS:
        name = target.names.security_group(role)
        target.ids[f"sg:{role}"] = ec2.create_security_group(
            GroupName=name, Description=f"{target.names.prefix} {role}", VpcId=vpc_id,
            TagSpecifications=target.named_tag_spec("security-group", name),
        )["GroupId"]
    _ingress(target)


def _from_groups(port: int, group_ids: list[str]) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "UserIdGroupPairs": [{"GroupId": group_id} for group_id in group_ids]}


def _ingress(target: ProvisionTarget) -> None:
    """ALB open to the world on 80/443; api from the ALB; database and cache only from api and worker."""
    ec2, sg = target.client("ec2"), target.ids
    world = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": WORLD}]}
             for port in (80, 443)]
    app_groups = [sg["sg:api"], sg["sg:worker"]]
    rules = {
        "alb": world,
        "api": [_from_groups(API_PORT, [sg["sg:alb"]])],
        "db": [_from_groups(DB_PORT, app_groups)],
        "cache": [_from_groups(CACHE_PORT, app_groups)],
    }
    for role, permissions in rules.items():
        ec2.authorize_security_group_ingress(GroupId=sg[f"sg:{role}"], IpPermissions=permissions)


#: the bastion's image (the sandbox runs no instance; any id EC2's stand-in knows)
BASTION_IMAGE = "ami-12c6146b"
SSH_PORT = 22


def bastion(target: ProvisionTarget) -> None:
    """Where the tfvars enable one: a bastion instance carrying the bastion tag in the first subnet, its group
    admitting SSH from inside the VPC only, and the database's group admitting the bastion's."""
    if not target.tfvars.bastion_enabled:
        return
    ec2, name = target.client("ec2"), target.names.security_group("bastion")
    key, _, value = target.names.live.bastion_tag.partition("=")
    group = ec2.create_security_group(GroupName=name, Description=f"{target.names.prefix} bastion",
                                      VpcId=target.ids["vpc"],
                                      TagSpecifications=target.named_tag_spec("security-group", name))["GroupId"]
    target.ids["sg:bastion"] = group
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": SSH_PORT, "ToPort": SSH_PORT,
         "IpRanges": [{"CidrIp": target.tfvars.vpc_cidr}]}])
    tags = [*target.tag_list(), {"Key": "Name", "Value": f"{target.names.prefix}-bastion"},
            {"Key": key, "Value": value}]
    target.ids["bastion"] = ec2.run_instances(
        ImageId=BASTION_IMAGE, InstanceType="t3.nano", MinCount=1, MaxCount=1, SubnetId=target.subnets[0],
        SecurityGroupIds=[group], TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]
    ec2.authorize_security_group_ingress(GroupId=target.ids["sg:db"], IpPermissions=[_from_groups(DB_PORT, [group])])


def _certificate(target: ProvisionTarget) -> str:
    acm = target.client("acm")
    arn: str = acm.request_certificate(
        DomainName=target.tfvars.domain_name, SubjectAlternativeNames=[f"*.{target.tfvars.domain_name}"],
        ValidationMethod="DNS", Tags=target.tag_list(),
    )["CertificateArn"]
    return arn


def load_balancer(target: ProvisionTarget) -> None:
    """ALB with an HTTPS listener on 443 (ACM certificate) and port 80 redirecting to 443."""
    elb = target.client("elbv2")
    alb_arn = elb.create_load_balancer(
        Name=target.names.alb, Subnets=target.subnets, SecurityGroups=[target.ids["sg:alb"]],
        Scheme="internal" if target.tfvars.alb_internal else "internet-facing", Type="application",
        Tags=target.tag_list(),
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target.ids["alb"] = alb_arn
    group_arn = elb.create_target_group(
        Name=f"{target.names.prefix}-api", Protocol="HTTP", Port=API_PORT, VpcId=target.ids["vpc"],
        TargetType="ip", HealthCheckPath="/health", Tags=target.tag_list(),
    )["TargetGroups"][0]["TargetGroupArn"]
    target.ids["target_group"] = group_arn
    elb.create_listener(
        LoadBalancerArn=alb_arn, Protocol="HTTPS", Port=443, SslPolicy=target.world.tls_policy,
        Certificates=[{"CertificateArn": _certificate(target)}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}], Tags=target.tag_list(),
    )
    redirect = {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    elb.create_listener(
        LoadBalancerArn=alb_arn, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "redirect", "RedirectConfig": redirect}], Tags=target.tag_list(),
    )


def waf(target: ProvisionTarget) -> None:
    """A regional web ACL associated with the ALB where the world has a WAF (AWS managed common rules) or the
    tfvars guard the admin paths (a rule blocking them unless the source is in admin_allowed_cidrs' IP set)."""
    admin = target.tfvars.admin_allowed_cidrs
    if not target.world.waf and admin is None:
        return
    wafv2 = target.client("wafv2")
    rules = [_admin_rule(target, admin)] if admin is not None else []
    if target.world.waf:
        rules.append({
            "Name": "aws-common", "Priority": 10, "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
            "VisibilityConfig": {**VISIBILITY, "MetricName": "aws-common"},
        })
    acl = wafv2.create_web_acl(
        Name=target.names.waf, Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=rules,
        VisibilityConfig={**VISIBILITY, "MetricName": target.names.waf}, Tags=target.tag_list(),
    )["Summary"]
    target.ids["waf"] = acl["ARN"]
    wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=target.ids["alb"])


VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True}


def _admin_rule(target: ProvisionTarget, cidrs: list[str]) -> dict[str, Any]:
    """Block the world file's admin paths; with sources declared, unless the request comes from their IP set."""
    paths = [{"ByteMatchStatement": {
        "SearchString": path.encode(), "FieldToMatch": {"UriPath": {}}, "PositionalConstraint": "STARTS_WITH",
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}} for path in target.world.edge.admin_paths]
    if not paths:
        raise WorldError(WORLD_FILE, f"environments.{target.env}.edge.admin_paths: none given, but the tfvars set "
                         f"admin_allowed_cidrs (the WAF rule needs the paths it guards)")
    statement: dict[str, Any] = paths[0] if len(paths) == 1 else {"OrStatement": {"Statements": paths}}
    if cidrs:
        ip_set = target.client("wafv2").create_ip_set(
            Name=f"{target.names.prefix}-admin-allowed", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=cidrs,
            Tags=target.tag_list())["Summary"]
        target.ids["admin_ip_set"] = ip_set["ARN"]
        exempt = {"NotStatement": {"Statement": {"IPSetReferenceStatement": {"ARN": ip_set["ARN"]}}}}
        statement = {"AndStatement": {"Statements": [statement, exempt]}}
    return {"Name": "admin-paths", "Priority": 0, "Action": {"Block": {}}, "Statement": statement,
            "VisibilityConfig": {**VISIBILITY, "MetricName": "admin-paths"}}
