"""Client VPN for the sandbox's moto server: ``DescribeClientVpnEndpoints`` answers as AWS does for an account
with no endpoint.

moto 5.2 has no Client VPN at all (the action answers 500). The sandbox's deployment has no Client VPN either
(its dev load balancer is internal), so the honest answer is an empty list; a run whose private environment is
internet-facing then judges it against the spec's VPN client CIDRs, as on an account without an endpoint.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Give moto's EC2 responses the action (in this server process only)."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses import EC2Response

    if hasattr(EC2Response, "describe_client_vpn_endpoints"):
        return

    def describe_client_vpn_endpoints(self: Any) -> Any:
        return ActionResult({"ClientVpnEndpoints": []})

    EC2Response.describe_client_vpn_endpoints = describe_client_vpn_endpoints  # type: ignore[attr-defined]
