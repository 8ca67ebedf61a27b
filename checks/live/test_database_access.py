"""Live database access: who the database's security group admits, the bastion host, production's audit logging."""

from __future__ import annotations

import ipaddress

from envmatrix import Environment, check
from envmatrix.aws.checking import present, primary_db
from envmatrix.aws.dbparameters import DbParametersInventory
from envmatrix.aws.network import NetworkInventory, SecurityGroup
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text

WORLD = ("0.0.0.0/0", "::/0")
SSH_PORT = 22
#: PostgreSQL's spellings of a boolean parameter (RDS shows "1"; a user may set "on")
BOOLEAN = {"1": "1", "on": "1", "true": "1", "yes": "1", "0": "0", "off": "0", "false": "0", "no": "0"}


def _bastion(spec: EnvironmentSpec) -> bool:
    return spec.database_access.bastion


def _audited(spec: EnvironmentSpec) -> bool:
    return spec.database_access.audit is not None


def _within(cidr: str, allowed: tuple[str, ...]) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return any(network.version == block.version and network.subnet_of(block)  # type: ignore[arg-type]
               for block in map(ipaddress.ip_network, allowed))


def _admitted(env: Environment) -> dict[str, str]:
    """Group id -> the name shown for it, of every group the spec lets the database admit."""
    network, rules = env.live.section(NetworkInventory), env.spec.database_access
    named: dict[str, str] = {group.id: role for role in rules.source_roles
                             if (group := network.security_groups.get(role))}
    if rules.bastion:
        named |= dict.fromkeys(network.bastions.group_ids() if network.bastions else (), "bastion")
    return named


@check("DB-ACCESS-SOURCES", layer="live", area="security", row="access", evidence=True, severity="critical",
       figure=Figure("IpPermissions.Sources", text("DB from {}"), part=4))
def test_db_access_sources(env: Environment) -> None:
    """The database's security group admits the application's groups and the bastion's only, and no CIDR outside
    the private ranges the spec allows (a prefix list is not proven inside, so it counts as outside)."""
    rules = env.spec.database_access
    group = present(env, env.live.section(NetworkInventory).security_groups.get("db"),
                    f"security-group:{env.live.names['sg_prefix']}db-sg")
    named = _admitted(env)
    sources = [named.get(source, source) for rule in group.ingress for source in rule.source_groups]
    cidrs = [cidr for rule in group.ingress for cidr in rule.cidrs]
    lists = [f"prefix-list:{item}" for rule in group.ingress for item in rule.prefix_lists]
    wrong = [s for s in sources if s not in named.values()] + [c for c in cidrs if not _within(c, rules.allowed_cidrs)]
    allowed = [*rules.source_roles, *(["bastion"] if rules.bastion else []), *rules.allowed_cidrs]
    env.expect(f"security-group:{group.name}", "IpPermissions.Sources", f"{', '.join(allowed)} only",
               ", ".join(dict.fromkeys([*sources, *cidrs, *lists])) or "none", ok=holds(not wrong and not lists))


def _world_ssh(group: SecurityGroup) -> list[str]:
    return sorted({cidr for rule in group.ingress if rule.covers(SSH_PORT) for cidr in rule.cidrs if cidr in WORLD})


@check("DB-BASTION", layer="live", area="security", row="access", evidence=True, severity="high", applies=_bastion,
       figure=Figure("Instances", text("bastion: {}"), part=5))
def test_db_bastion(env: Environment) -> None:
    """A bastion host (an instance in the VPC carrying the bastion tag; an SSM-managed one may admit nothing at all)
    and no SSH (tcp 22) open to the world on any of its groups."""
    network = env.live.section(NetworkInventory)
    present(env, network.vpc, f"vpc:{env.live.names['vpc']}")
    found = present(env, network.bastions, f"ec2-instances:tag {env.live.names['bastion_tag']}")
    # named by its Name tag (what a reviewer knows it by; the id only when untagged, as AWS ids are random)
    listed = ", ".join(f"{bastion.tags.get('Name') or bastion.id} ({bastion.state})" for bastion in found.instances)
    env.expect(f"ec2-instances:tag {found.tag}", "Instances", "a bastion host in the VPC", listed or "none",
               ok=holds(bool(found.instances)))
    with env.every():
        for group in sorted(found.groups.values(), key=lambda g: g.id):
            env.expect(f"security-group:{group.name or group.id}", "IpPermissions",
                       "no SSH (tcp 22) from 0.0.0.0/0 or ::/0", ", ".join(_world_ssh(group)) or "none",
                       ok=lambda _w, got: got == "none")


def _classes(value: str) -> tuple[set[str], set[str]]:
    parts = {part.strip().lower() for part in value.split(",") if part.strip()}
    return {p for p in parts if not p.startswith("-")}, {p[1:] for p in parts if p.startswith("-")}


def meets(wanted: str | tuple[str, ...], value: str | None) -> bool:
    """A value as the spec wants it: a list names classes the value must include (``all`` includes every class
    not excluded by ``-class``, as pgaudit reads it); a boolean in any PostgreSQL spelling; else the same text."""
    if value is None:
        return False
    if isinstance(wanted, tuple):
        on, off = _classes(value)
        return all((item.lower() in on or "all" in on) and item.lower() not in off for item in wanted)
    return BOOLEAN.get(value.strip().lower(), value.strip()) == BOOLEAN.get(wanted.lower(), wanted)


@check("DB-AUDIT-LOGGING", layer="live", area="logging", row="access", evidence=True, severity="high",
       applies=_audited, figure=Figure("pgaudit.log", text("pgaudit: {}"), part=6))
def test_db_audit_logging(env: Environment) -> None:
    """The database is audit-logged as documented: its log exported to CloudWatch Logs
    (EnabledCloudwatchLogsExports) and its parameter group's audit parameters set (whatever their source)."""
    audit = env.spec.database_access.audit
    assert audit is not None  # applies=_audited
    resource, db = primary_db(env)  # an Aurora member's log exports are its cluster's
    params = env.live.section(DbParametersInventory)
    with env.every():
        env.expect(resource, "EnabledCloudwatchLogsExports", f"including {', '.join(audit.log_exports)}",
                   ", ".join(db.log_exports) or "none", ok=holds(set(audit.log_exports) <= set(db.log_exports)))
        group = f"rds-parameter-group:{db.parameter_group or 'none'}"
        env.require(group, "exists", "present", "present" if params.group and params.group_found else "missing",
                    holds=bool(params.group and params.group_found))
        for name, wanted in sorted(audit.parameters.items()):
            found = params.parameters.get(name)
            shown = wanted if isinstance(wanted, str) else f"including {', '.join(wanted)}"
            value = found.value if found is not None else None
            env.expect(group, name, shown, value if value is not None else "not set", ok=holds(meets(wanted, value)))
