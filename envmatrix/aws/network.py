"""EC2 network inventory: the VPC, its subnets and the environment's security groups."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.names import SECURITY_GROUP_ROLES
from envmatrix.aws.reading import reading, tag_dict
from envmatrix.aws.target import Model, Target


class Vpc(Model):
    id: str
    cidr: str
    tags: dict[str, str]


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

    def covers(self, port: int) -> bool:
        if self.protocol == "-1" or self.from_port is None:
            return True
        return self.from_port <= port <= (self.to_port if self.to_port is not None else self.from_port)


class SecurityGroup(Model):
    id: str
    name: str
    ingress: list[Rule]
    tags: dict[str, str]


class NetworkInventory(Model):
    vpc: Vpc | None
    subnets: list[Subnet]
    security_groups: dict[str, SecurityGroup | None]


def _rule(raw: dict[str, Any]) -> Rule:
    cidrs = [r["CidrIp"] for r in raw.get("IpRanges", [])] + [r["CidrIpv6"] for r in raw.get("Ipv6Ranges", [])]
    return Rule(protocol=str(raw.get("IpProtocol", "-1")), from_port=raw.get("FromPort"), to_port=raw.get("ToPort"),
                cidrs=cidrs, source_groups=[g["GroupId"] for g in raw.get("UserIdGroupPairs", []) if "GroupId" in g])


def _groups(target: Target, vpc_id: str) -> dict[str, SecurityGroup | None]:
    roles = {target.names.security_group(role): role for role in SECURITY_GROUP_ROLES}
    answer = target.clients.client("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": list(roles)}])
    found: dict[str, SecurityGroup | None] = dict.fromkeys(SECURITY_GROUP_ROLES)
    for raw in answer.get("SecurityGroups", []):
        if raw.get("GroupName") in roles:
            found[roles[raw["GroupName"]]] = SecurityGroup(
                id=raw["GroupId"], name=raw["GroupName"], ingress=[_rule(r) for r in raw.get("IpPermissions", [])],
                tags=tag_dict(raw.get("Tags")))
    return found


def fetch(target: Target) -> NetworkInventory:
    """The VPC by its Name tag; subnets and security groups filtered by that VPC's id."""
    ec2 = target.clients.client("ec2")
    with reading(target.env, f"VPC tagged Name={target.names.vpc}"):
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [target.names.vpc]}]).get("Vpcs", [])
        if not vpcs:
            return NetworkInventory(vpc=None, subnets=[], security_groups=dict.fromkeys(SECURITY_GROUP_ROLES))
        raw_vpc = vpcs[0]
        vpc = Vpc(id=raw_vpc["VpcId"], cidr=raw_vpc.get("CidrBlock", ""), tags=tag_dict(raw_vpc.get("Tags")))
        raw_subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc.id]}]).get("Subnets", [])
        groups = _groups(target, vpc.id)
    subnets = [Subnet(id=s["SubnetId"], availability_zone=s.get("AvailabilityZone", ""), cidr=s.get("CidrBlock", ""),
                      tags=tag_dict(s.get("Tags"))) for s in raw_subnets]
    return NetworkInventory(vpc=vpc, subnets=subnets, security_groups=groups)
