"""Client VPN inventory: the endpoints leading into the load balancer's VPC, read only for a private environment
whose load balancer is internet-facing (an internal one needs no VPN to prove it is private)."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.alb import AlbInventory
from envmatrix.aws.reading import reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: The scheme of a load balancer with no public address (DescribeLoadBalancers' Scheme)
INTERNAL = "internal"


class VpnEndpoint(Model):
    id: str
    client_cidr: str  # ClientCidrBlock: the addresses the VPN's clients are given
    security_groups: list[str]  # SecurityGroupIds: what the endpoint's traffic carries into the VPC
    state: str


class VpnInventory(Model):
    looked_up: bool  # False where nothing was asked (not a private environment, or an internal load balancer)
    endpoints: list[VpnEndpoint]


def _endpoint(raw: dict[str, Any]) -> VpnEndpoint:
    return VpnEndpoint(id=raw.get("ClientVpnEndpointId", ""), client_cidr=raw.get("ClientCidrBlock", ""),
                       security_groups=list(raw.get("SecurityGroupIds", [])),
                       state=str(raw.get("Status", {}).get("Code", "")))


def fetch(target: AwsTarget, alb: AlbInventory) -> VpnInventory:
    """The account's Client VPN endpoints (the API filters by id or protocol only), kept where they lead into the
    load balancer's VPC and are not deleted."""
    balancer = alb.load_balancer
    if not target.wants.vpn or balancer is None or balancer.scheme == INTERNAL:
        return VpnInventory(looked_up=False, endpoints=[])
    ec2 = target.clients.client("ec2")
    with reading(target.env, f"Client VPN endpoints of VPC {balancer.vpc_id}"):
        pages = ec2.get_paginator("describe_client_vpn_endpoints").paginate()
        raws = [raw for page in pages for raw in page.get("ClientVpnEndpoints", [])]
    endpoints = [_endpoint(raw) for raw in raws if raw.get("VpcId") == balancer.vpc_id]
    return VpnInventory(looked_up=True, endpoints=[item for item in endpoints if item.state != "deleted"])


SECTION = Section("vpn", fetch, VpnInventory, services=("ec2",), after="alb", operations=(
    ("ec2", "DescribeClientVpnEndpoints"),
))
