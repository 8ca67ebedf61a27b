"""EC2 network inventory: the VPC, its subnets, the environment's security groups and its bastion hosts."""

from __future__ import annotations

import re
from typing import Any

from envmatrix.aws.reading import reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model
from envmatrix.names import SECURITY_GROUP_ROLES

#: Terraform's ``name_prefix`` appends a unique suffix of 26 characters: an 18-digit UTC timestamp and an
#: 8-hex-digit counter (terraform-plugin-sdk ``id.PrefixedUniqueId``, ``UniqueIdSuffixLength = 26``).
TERRAFORM_SUFFIX = r"-?\d{18}[0-9a-f]{8}"


class Vpc(Model):
    id: str
    cidr: str  # the primary CIDR (CidrBlock)
    #: further CIDRs associated with the VPC (CidrBlockAssociationSet, Ipv6CidrBlockAssociationSet)
    secondary_cidrs: list[str] = []
    tags: dict[str, str]

    @property
    def cidrs(self) -> list[str]:
        return [self.cidr, *self.secondary_cidrs]


class Subnet(Model):
    id: str
    availability_zone: str
    cidr: str
    tags: dict[str, str]


class Rule(Model):
    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: list[str]
    source_groups: list[str]
    prefix_lists: list[str] = []

    def covers(self, port: int) -> bool:
        if self.protocol == "-1" or self.from_port is None:
            return True
        return self.from_port <= port <= (self.to_port if self.to_port is not None else self.from_port)


class SecurityGroup(Model):
    id: str
    name: str
    ingress: list[Rule]
    tags: dict[str, str]


class Bastion(Model):
    id: str
    state: str
    security_groups: list[str]  # ids
    tags: dict[str, str]


class Bastions(Model):
    """The bastion hosts in the VPC, found by the names' bastion_tag (key=value), and their groups by id."""

    tag: str
    instances: list[Bastion]
    groups: dict[str, SecurityGroup]

    def group_ids(self) -> set[str]:
        return {group for bastion in self.instances for group in bastion.security_groups}


class NetworkInventory(Model):
    vpc: Vpc | None
    subnets: list[Subnet]
    security_groups: dict[str, SecurityGroup | None]
    #: None: not read (no VPC)
    bastions: Bastions | None = None


def _rule(raw: dict[str, Any]) -> Rule:
    cidrs = [r["CidrIp"] for r in raw.get("IpRanges", [])] + [r["CidrIpv6"] for r in raw.get("Ipv6Ranges", [])]
    return Rule(protocol=str(raw.get("IpProtocol", "-1")), from_port=raw.get("FromPort"), to_port=raw.get("ToPort"),
                cidrs=cidrs, source_groups=[g["GroupId"] for g in raw.get("UserIdGroupPairs", []) if "GroupId" in g],
                prefix_lists=[p["PrefixListId"] for p in raw.get("PrefixListIds", []) if "PrefixListId" in p])


def security_group(raw: dict[str, Any]) -> SecurityGroup:
    """One group of a DescribeSecurityGroups answer."""
    return SecurityGroup(id=raw["GroupId"], name=raw.get("GroupName", ""),
                         ingress=[_rule(r) for r in raw.get("IpPermissions", [])], tags=tag_dict(raw.get("Tags")))


def _role_of(group_name: str, patterns: dict[str, re.Pattern[str]]) -> str | None:
    return next((role for role, pattern in patterns.items() if pattern.fullmatch(group_name)), None)


def _groups(target: AwsTarget, vpc_id: str) -> dict[str, SecurityGroup | None]:
    """Each role's group by its name, or by that name used as Terraform's ``name_prefix`` (the newest then)."""
    names = {role: target.names.security_group(role) for role in SECURITY_GROUP_ROLES}
    patterns = {role: re.compile(re.escape(name) + f"(?:{TERRAFORM_SUFFIX})?") for role, name in names.items()}
    wildcards = [f"{name}*" for name in names.values()]  # EC2 filters take * wildcards
    pages = target.clients.client("ec2").get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": wildcards}])
    found: dict[str, SecurityGroup | None] = dict.fromkeys(SECURITY_GROUP_ROLES)
    # the exact name first, then prefixed names newest first (the suffix starts with a timestamp)
    raws = sorted((raw for page in pages for raw in page.get("SecurityGroups", [])),
                  key=lambda raw: str(raw.get("GroupName", "")), reverse=True)
    raws.sort(key=lambda raw: raw.get("GroupName") not in names.values())
    for raw in raws:
        role = _role_of(raw.get("GroupName", ""), patterns)
        if role is not None and found[role] is None:
            found[role] = security_group(raw)
    return found


#: An instance in any of these states still is the bastion (a stopped one can be started); terminated is gone.
LIVING = ("pending", "running", "stopping", "stopped")


def tag_filter(tag: str) -> tuple[str, str]:
    """``Role=bastion`` -> (``Role``, ``bastion``); a bare key matches any value of it (EC2's ``*``)."""
    key, _, value = tag.partition("=")
    return key.strip(), value.strip() or "*"


def _bastions(target: AwsTarget, vpc_id: str) -> Bastions:
    """Instances by tag inside the VPC (SSM-managed or not), then their groups by id."""
    ec2, tag = target.clients.client("ec2"), target.names.bastion_tag
    key, value = tag_filter(tag)
    pages = ec2.get_paginator("describe_instances").paginate(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": f"tag:{key}", "Values": [value]},
        {"Name": "instance-state-name", "Values": list(LIVING)}])
    instances = [Bastion(id=raw["InstanceId"], state=raw.get("State", {}).get("Name", ""),
                         security_groups=[g["GroupId"] for g in raw.get("SecurityGroups", [])],
                         tags=tag_dict(raw.get("Tags")))
                 for page in pages for reservation in page.get("Reservations", [])
                 for raw in reservation.get("Instances", [])]
    ids = sorted({group for bastion in instances for group in bastion.security_groups})
    raws = ec2.describe_security_groups(GroupIds=ids).get("SecurityGroups", []) if ids else []
    return Bastions(tag=tag, instances=instances, groups={group.id: group for group in map(security_group, raws)})


def _vpc(raw: dict[str, Any]) -> Vpc:
    """The primary CIDR and every other associated one (a disassociated or failed association is not the VPC's)."""
    primary = raw.get("CidrBlock", "")
    ipv4 = [item.get("CidrBlock", "") for item in raw.get("CidrBlockAssociationSet", [])
            if item.get("CidrBlockState", {}).get("State", "associated") == "associated"]
    ipv6 = [item.get("Ipv6CidrBlock", "") for item in raw.get("Ipv6CidrBlockAssociationSet", [])
            if item.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"]
    secondary = [cidr for cidr in dict.fromkeys(ipv4 + ipv6) if cidr and cidr != primary]
    return Vpc(id=raw["VpcId"], cidr=primary, secondary_cidrs=secondary, tags=tag_dict(raw.get("Tags")))


def fetch(target: AwsTarget) -> NetworkInventory:
    """The VPC by its Name tag; subnets and security groups filtered by that VPC's id."""
    ec2 = target.clients.client("ec2")
    with reading(target.env, f"VPC tagged Name={target.names.vpc}"):
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [target.names.vpc]}]).get("Vpcs", [])
        if not vpcs:
            return NetworkInventory(vpc=None, subnets=[], security_groups=dict.fromkeys(SECURITY_GROUP_ROLES))
        vpc = _vpc(vpcs[0])
        raw_subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc.id]}]).get("Subnets", [])
        groups = _groups(target, vpc.id)
        bastions = _bastions(target, vpc.id)
    subnets = [Subnet(id=s["SubnetId"], availability_zone=s.get("AvailabilityZone", ""), cidr=s.get("CidrBlock", ""),
                      tags=tag_dict(s.get("Tags"))) for s in raw_subnets]
    return NetworkInventory(vpc=vpc, subnets=subnets, security_groups=groups, bastions=bastions)


SECTION = Section("network", fetch, NetworkInventory, services=("ec2",), operations=(
    ("ec2", "DescribeInstances"),
    ("ec2", "DescribeSecurityGroups"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeVpcs"),
))
