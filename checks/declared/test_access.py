"""Declared access: the tfvars a Terraform setup carries for who can reach the environment (the Access row)."""

from __future__ import annotations

import ipaddress

from envmatrix import Environment, check
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds


def _has_access(spec: EnvironmentSpec) -> bool:
    return spec.access is not None


def _guards_admin(spec: EnvironmentSpec) -> bool:
    return spec.access is not None and spec.access.admin_access != "any"


@check("ACCESS-REACH", layer="declared", area="security", row="access", evidence=True, severity="critical",
       applies=_has_access)
def test_access_reach(env: Environment) -> None:
    """alb_internal as the spec's exposure says: true for a private environment, false for a public one."""
    assert env.spec.access is not None
    private = env.spec.access.exposure == "private"
    env.expect_tfvars("alb_internal", private, env.tfvars.alb_internal,
                      expected_text=f"{str(private).lower()} ({env.spec.access.exposure} environment)")


@check("ACCESS-ADMIN-PATHS", layer="declared", area="security", row="access", evidence=True, severity="critical",
       applies=_guards_admin)
def test_access_admin_paths(env: Environment) -> None:
    """admin_allowed_cidrs as the spec's admin_access says: "allow-list" some sources, none world-wide;
    "nowhere" an empty list (the rule blocks every source)."""
    assert env.spec.access is not None
    cidrs = env.tfvars.admin_allowed_cidrs
    if env.spec.access.admin_access == "nowhere":
        env.expect_tfvars("admin_allowed_cidrs", "[] (the admin paths blocked from everywhere)", cidrs,
                          ok=holds(cidrs == []))
        return
    world = [cidr for cidr in cidrs or [] if _world(cidr)]
    env.expect_tfvars("admin_allowed_cidrs", "an allow-list of sources, none world-wide",
                      world or cidrs if cidrs else "none", ok=holds(bool(cidrs) and not world))


def _world(cidr: str) -> bool:
    """A source that is everyone (prefix /0); an unreadable CIDR counts as everyone (fail closed)."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return True
