"""Live access: who can reach each environment (the document's Access Control sections; the Access row)."""

from __future__ import annotations

import ipaddress

from envmatrix import Environment, check
from envmatrix.aws.alb import AlbInventory, LoadBalancer
from envmatrix.aws.checking import present
from envmatrix.aws.network import NetworkInventory, Rule
from envmatrix.aws.vpn import INTERNAL, VpnInventory
from envmatrix.aws.waf import WafInventory, WafRule, WebAcl, guard_of
from envmatrix.spec import Access, EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text

#: What an internet-facing load balancer's Scheme reads
PUBLIC = "internet-facing"


def _has_access(spec: EnvironmentSpec) -> bool:
    return spec.access is not None


def _guards_admin(spec: EnvironmentSpec) -> bool:
    return spec.access is not None and spec.access.admin_access != "any"


def _access(env: Environment) -> Access:
    assert env.spec.access is not None  # applies= generates the check only where the spec has it
    return env.spec.access


@check("ACCESS-REACH", layer="live", area="security", row="access", evidence=True, severity="critical",
       applies=_has_access, figure=Figure("reach", text()))
def test_access_reach(env: Environment) -> None:
    """Who can reach the service. Private: the load balancer is internal, or every listener's security groups
    admit only the VPN's clients (the Client VPN endpoint's CIDR and groups in its VPC; the spec's CIDRs where the
    account has no endpoint there). Public: internet-facing."""
    resource = f"load-balancer:{env.live.names['alb']}"
    balancer = present(env, env.live.section(AlbInventory).load_balancer, resource)
    if _access(env).exposure == "public":
        env.expect(resource, "reach", f"{PUBLIC} ALB", f"{balancer.scheme} ALB")
        return
    if balancer.scheme == INTERNAL:
        env.expect(resource, "reach", "internal ALB or VPN clients only", "internal ALB", ok=holds(True))
        return
    _vpn_only(env, resource, balancer)


def _vpn_sources(env: Environment) -> tuple[list[str], list[str], str]:
    """(client CIDRs, security groups, where they come from): the endpoints in the VPC, else the spec's CIDRs."""
    endpoints = env.live.section(VpnInventory).endpoints
    if endpoints:
        return ([item.client_cidr for item in endpoints], [g for item in endpoints for g in item.security_groups],
                "Client VPN " + ", ".join(item.id for item in endpoints))
    return list(_access(env).vpn_client_cidrs), [], "spec access.vpn_client_cidrs (no Client VPN endpoint found)"


def _inside(cidr: str, blocks: list[str]) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return any(network.version == block.version and network.subnet_of(block)  # type: ignore[arg-type]
               for block in map(ipaddress.ip_network, blocks))


def _outsiders(rule: Rule, cidrs: list[str], groups: list[str]) -> list[str]:
    found = [cidr for cidr in rule.cidrs if not _inside(cidr, cidrs)]
    found += [f"group {group}" for group in rule.source_groups if group not in groups]
    return found + [f"prefix-list {item}" for item in rule.prefix_lists]


def _vpn_only(env: Environment, resource: str, balancer: LoadBalancer) -> None:
    """Every listener: each ingress rule covering its port admits the VPN's sources only (a group envmatrix did
    not read fails: its rules are unknown)."""
    cidrs, vpn_groups, origin = _vpn_sources(env)
    network = env.live.section(NetworkInventory)
    read = {group.id: group for group in network.security_groups.values() if group is not None}
    wanted = f"internal ALB, or each listener from the VPN's clients only ({origin}: {', '.join(cidrs) or 'none'})"
    env.expect(resource, "VpnClients", f"the VPN's client CIDRs ({origin})", ", ".join(cidrs) or "none known",
               ok=holds(bool(cidrs or vpn_groups)))
    unread = sorted(set(balancer.security_groups) - set(read))
    env.expect(resource, "SecurityGroups", "every group read", unread or "all read", ok=holds(not unread))
    for listener in env.live.section(AlbInventory).listeners:
        open_to = [f"{read[group].name}: {rule.protocol} {rule.from_port}-{rule.to_port} from {source}"
                   for group in balancer.security_groups for rule in read[group].ingress if rule.covers(listener.port)
                   for source in _outsiders(rule, cidrs, vpn_groups)]
        env.expect(f"{resource}/listener:{listener.port}", "reach", wanted,
                   open_to or f"VPN clients only ({', '.join(cidrs)})", ok=holds(not open_to))


def _seen(acl: WebAcl, path: str) -> str:
    """What the web ACL does with ``path`` when no rule blocks it (a rule in Count mode is named: it blocks nothing)."""
    matching = [f"rule {rule.name} ({rule.action or 'no action'}, priority {rule.priority})"
                for rule in acl.rules if any(path.startswith(prefix) for prefix in rule.paths)]
    return "; ".join(matching) or f"no rule on {path}"


def _first_allow(acl: WebAcl, guard: WafRule, path: str) -> WafRule | None:
    """An Allow rule deciding before the guard that may match ``path`` (one envmatrix cannot read counts)."""
    return next((rule for rule in sorted(acl.rules, key=lambda r: r.priority)
                 if rule.priority < guard.priority and rule.action == "Allow"
                 and (rule.other or any(path.startswith(p) or p.startswith(path) for p in rule.paths))), None)


@check("ACCESS-ADMIN-PATHS", layer="live", area="security", row="access", evidence=True, severity="critical",
       applies=_guards_admin, figure=Figure("AdminPaths", text("admin paths: {}"), part=2))
def test_access_admin_paths(env: Environment) -> None:
    """The admin paths are limited as the spec says, by a Block rule of the load balancer's web ACL (a rule in
    Count mode blocks nothing; an Allow rule before it decides first): "allow-list" exempts only an IP set
    (never 0.0.0.0/0 or ::/0), "nowhere" exempts no source."""
    access = _access(env)
    waf = env.live.section(WafInventory)
    resource = f"load-balancer:{env.live.names['alb']}"
    present(env, waf.load_balancer_arn, resource)
    acl = waf.web_acl
    env.expect(resource, "WebACL", "a web ACL guarding the admin paths", acl.name if acl else "none",
               ok=holds(acl is not None))
    assert acl is not None
    where = f"waf:{acl.name}"
    for path in access.admin_paths:
        guard = guard_of(acl, path)
        wanted = f"a Block rule on {path}*" + (" exempting only an IP set" if access.admin_access == "allow-list"
                                               else " exempting no source")
        env.expect(where, "AdminRule", wanted, f"rule {guard.name} (Block, priority {guard.priority})" if guard
                   else "unguarded: " + _seen(acl, path), ok=holds(guard is not None))
        assert guard is not None
        allow = _first_allow(acl, guard, path)
        env.expect(f"{where}/rule:{guard.name}", "RuleOrder", f"no Allow rule on {path} before {guard.name}",
                   f"rule {allow.name} (Allow, priority {allow.priority}) decides first" if allow else "none",
                   ok=holds(allow is None))
        _sources(env, waf, f"{where}/rule:{guard.name}", guard, wanted)


def _sources(env: Environment, waf: WafInventory, where: str, guard: WafRule, wanted: str) -> None:
    """The guard's exemptions: the IP sets' addresses (allow-list, none world-wide) or none at all (nowhere)."""
    sets = [waf.ip_sets.get(arn) for arn in guard.except_ip_sets]
    addresses = sorted({address for item in sets if item is not None for address in item.addresses})
    world = [address for address in addresses if ipaddress.ip_network(address, strict=False).prefixlen == 0]
    if _access(env).admin_access == "nowhere":
        env.expect(where, "AdminPaths", wanted, f"exempts {', '.join(guard.except_ip_sets)}" if sets
                   else "blocked from everywhere", ok=holds(not sets))
        return
    shown = (f"exempts {', '.join(world)} (IP set open to the world)" if world else
             "exempts no IP set" if not sets else "an IP set envmatrix could not read" if None in sets else
             f"{len(addresses)} CIDRs")
    env.expect(where, "AdminPaths", wanted, shown, ok=holds(bool(sets) and None not in sets and not world))
