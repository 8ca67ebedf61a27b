"""Live security: secret delivery and rotation, network exposure, TLS on the load balancer, WAF, encryption, tags."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

from envmatrix import Environment, check
from envmatrix.aws.alb import SECURE_PROTOCOLS, Action, AlbInventory, Listener
from envmatrix.aws.checking import (
    ROLES,
    cache,
    container,
    judged_db,
    present,
    tagged_resources,
    task_definition,
)
from envmatrix.aws.ecs import Container
from envmatrix.aws.elasticache import ServerlessCache
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.rds import RdsInventory
from envmatrix.aws.rotation import UnreadableSchedule
from envmatrix.aws.secrets import Secret, SecretsInventory, rotation_interval
from envmatrix.aws.waf import WafInventory
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text

WORLD = ("0.0.0.0/0", "::/0")


def _uses_secrets_manager(spec: EnvironmentSpec) -> bool:
    return bool(spec.secrets.from_secrets_manager)


def _rotates(spec: EnvironmentSpec) -> bool:
    return bool(spec.secrets.rotation)


def _has_waf(spec: EnvironmentSpec) -> bool:
    return spec.security.waf


@check("SECRETS-PLACEHOLDERS", layer="live", area="security", row="security", evidence=True, severity="critical",
       applies=_uses_secrets_manager)
def test_secrets_placeholders(env: Environment) -> None:
    """Every secret-class variable comes from its Secrets Manager secret (``secrets``), never plain ``environment``."""
    secrets = env.live.section(SecretsInventory)
    prefix = env.live.names["secret_prefix"]
    with env.every():  # every mismatch at once: a renamed secret is rarely the only one
        for role in ROLES:
            resource, app = container(env, role)
            for name in env.spec.secrets.from_secrets_manager:
                _expect_secret(env, secrets, resource, app, name, prefix)


def _expect_secret(env: Environment, secrets: SecretsInventory, resource: str, app: Container, name: str,
                   prefix: str) -> None:
    short, key = env.suite.project.secrets.reference(name)
    wanted = f"{prefix}{short}" + (f" JSON key {key}" if key else "")
    value_from = app.secrets.get(name)
    secret = secrets.by_arn(value_from) if value_from else None
    if name in app.environment:
        seen = "<plain text in environment>"
    elif value_from is None:
        seen = "<missing>"
    else:
        seen = f"secrets valueFrom {secret.name if secret else value_from}"
        seen += f" JSON key {value_from.split(':')[-3]}" if value_from.endswith("::") else ""
    env.expect(f"{resource}[{name}]", "delivery", wanted, seen, expected_text=f"secrets valueFrom {wanted}",
               ok=lambda want, got: got == f"secrets valueFrom {want}")


@check("SECRETS-NO-LITERALS", layer="live", area="security", row="security", evidence=True, severity="high")
def test_secrets_no_literals(env: Environment) -> None:
    """No credential in any container's plain environment or log options (sidecars too; a log router's
    credential belongs in secretOptions): none by name, none by shape (cloud keys, tokens, webhook URLs,
    passwords in URLs). The failure names each variable, never its value."""
    for role in ROLES:
        resource, app = container(env, role)
        for item in task_definition(env, role)[1].containers:
            where = resource if item is app else f"{resource}/container:{item.name}"
            for setting in ("environment", "logConfiguration.options"):
                literals = item.literals.get(setting, [])
                env.expect(where, setting, "no literal secrets", literals or "none", ok=lambda _w, got: got == "none")


@check("SECRETS-ROTATION", layer="live", area="security", row="security",
       evidence=True, severity="high", applies=_rotates)
def test_secrets_rotation(env: Environment) -> None:
    """Secrets Manager rotation every N days (AutomaticallyAfterDays or rate(...) exactly; a cron(...) schedule
    never more than N days apart) and running (a secret never rotated must be younger than its period), or off
    where the spec says manual."""
    secrets = env.live.section(SecretsInventory)
    prefix = env.live.names["secret_prefix"]
    for short, rule in sorted(env.spec.secrets.rotation.items()):
        resource = f"secret:{prefix}{short}"
        secret = present(env, secrets.secrets.get(short), resource)
        if rule == "manual":
            env.expect(resource, "RotationEnabled", False, secret.rotation_enabled, expected_text="false (manual)")
            continue
        env.expect(resource, "RotationEnabled", True, secret.rotation_enabled)
        interval = _rotation_period(env, resource, secret, rule)
        _rotation_running(env, resource, secret, interval)


def _rotation_period(env: Environment, resource: str, secret: Secret, days: int) -> dt.timedelta:
    """The rule's period: a fixed one (AutomaticallyAfterDays, rate(...)) is the documented days exactly, as
    before; a calendar one (cron(...)) cannot say "N days" exactly, so it must never let more than N days pass.
    An unreadable schedule fails naming it."""
    schedule = secret.rotation_schedule
    setting = "RotationRules.ScheduleExpression" if schedule else "RotationRules.AutomaticallyAfterDays"
    fixed = not schedule or schedule.strip().startswith("rate(")
    period = dt.timedelta(days=days)
    try:
        interval = rotation_interval(secret)
        shown: object = schedule if fixed else f"{schedule} (up to {_days(interval or period)} days apart)"
    except UnreadableSchedule:
        interval, shown = None, f"{schedule} (a schedule envmatrix cannot read)"
    wanted = None if not schedule else f"every {days} days" if fixed else f"rotation at least every {days} days"
    env.expect(resource, setting, days, shown if schedule else secret.rotation_days, expected_text=wanted,
               ok=lambda _w, _g: interval is not None and (interval == period if fixed else interval <= period))
    assert interval is not None  # env.expect failed otherwise
    return interval


def _rotation_running(env: Environment, resource: str, secret: Secret, interval: dt.timedelta) -> None:
    """Enabled but never run (no LastRotatedDate): a finding once the secret is older than its period."""
    if secret.last_rotated is not None:
        return
    taken = dt.datetime.fromisoformat(env.live.taken_at)
    age = taken - secret.created if secret.created else None
    due = age is not None and age > interval
    shown = "never rotated, CreatedDate unknown" if age is None else (
        f"never rotated, created {age.days} days ago" + ("" if due else ": not yet due"))
    env.expect(resource, "LastRotatedDate", f"a rotation within {_days(interval)} days of creation", shown,
               ok=lambda _w, _g: age is not None and not due)


def _days(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 86400:g}" if span.seconds else str(span.days)


@check("NET-VPC-CIDR", layer="live", area="security", row="security", evidence=True, severity="high")
def test_net_vpc_cidr(env: Environment) -> None:
    """The VPC's primary CIDR as documented (secondary CIDR associations are fine)."""
    resource = f"vpc:{env.live.names['vpc']}"
    vpc = present(env, env.live.section(NetworkInventory).vpc, resource)
    env.expect(resource, "CidrBlock", env.spec.network.vpc_cidr, vpc.cidr)


def _inside(cidr: str, vpc_cidrs: list[str]) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    for block in map(ipaddress.ip_network, vpc_cidrs):
        if network.version == block.version and network.subnet_of(block):  # type: ignore[arg-type]
            return True
    return False


@check("NET-DATA-INGRESS", layer="live", area="security", row="security", evidence=True, severity="critical")
def test_net_data_ingress(env: Environment) -> None:
    """Database and cache security groups admit traffic only from inside the VPC (any of its CIDRs) or from
    security groups; a prefix list is not proven inside, so it counts as a source outside."""
    network = env.live.section(NetworkInventory)
    vpc = present(env, network.vpc, f"vpc:{env.live.names['vpc']}")
    for role in ("db", "cache"):
        resource = f"security-group:{env.live.names['sg_prefix']}{role}-sg"
        group = present(env, network.security_groups.get(role), resource)
        outside = {cidr for rule in group.ingress for cidr in rule.cidrs if not _inside(cidr, vpc.cidrs)}
        outside |= {f"prefix-list:{item}" for rule in group.ingress for item in rule.prefix_lists}
        env.expect(f"security-group:{group.name}", "IpPermissions", f"sources inside {', '.join(vpc.cidrs)} only",
                   sorted(outside) or "none", ok=lambda _w, got: got == "none")


@check("NET-WORLD-INGRESS", layer="live", area="security", row="security", evidence=True, severity="critical")
def test_net_world_ingress(env: Environment) -> None:
    """Nothing is open to the world (0.0.0.0/0 or ::/0) except the load balancer's ports 80 and 443."""
    snapshot = env.live
    network = snapshot.section(NetworkInventory)
    present(env, network.vpc, f"vpc:{snapshot.names['vpc']}")
    for role, found in sorted(network.security_groups.items()):
        group = present(env, found, f"security-group:{snapshot.names['sg_prefix']}{role}-sg")
        open_ports = sorted({f"{rule.protocol}:{rule.from_port}-{rule.to_port}" for rule in group.ingress
                             if any(cidr in WORLD for cidr in rule.cidrs)
                             and not (role == "alb" and rule.protocol == "tcp" and rule.from_port == rule.to_port
                                      and rule.from_port in (80, 443))})
        env.expect(f"security-group:{group.name}", "IpPermissions", "nothing open to 0.0.0.0/0 or ::/0"
                   + (" but tcp 80/443" if role == "alb" else ""), open_ports or "none",
                   ok=lambda _w, got: got == "none")


def _shown(actions: list[Action]) -> str:
    return " then ".join(f"redirect {a.redirect_protocol}:{a.redirect_port}" if a.type == "redirect" else a.type
                         for a in actions) or "none"


def _never_forwards(actions: list[Action]) -> bool:
    """Plain HTTP may only be answered: a redirect to HTTPS or a fixed response, never passed on."""
    return bool(actions) and all((a.type == "redirect" and a.redirect_protocol == "HTTPS") or a.type == "fixed-response"
                                 for a in actions)


def _plain_http(env: Environment, resource: str, listener: Listener) -> None:
    where = f"{resource}/listener:{listener.port}"
    wanted = "redirect to HTTPS or fixed-response"
    safe = _never_forwards(listener.actions)
    env.expect(where, "DefaultActions", wanted, _shown(listener.actions), ok=holds(safe))
    for rule in listener.rules or []:  # a plain listener's rules are always read (None only behind TLS)
        if not rule.is_default:  # the default rule repeats DefaultActions
            safe = _never_forwards(rule.actions)
            env.expect(f"{where}/rule:{rule.priority}", "Actions", wanted, _shown(rule.actions),
                       ok=holds(safe))


@check("ALB-HTTPS", layer="live", area="security", row="security", evidence=True, severity="critical")
def test_alb_https(env: Environment) -> None:
    """An HTTPS listener on 443 with a certificate; nothing forwards plain HTTP, whatever the default action:
    on every HTTP listener the default action and every rule redirect to HTTPS or answer a fixed response."""
    balancer = env.live.section(AlbInventory)
    resource = f"load-balancer:{env.live.names['alb']}"
    present(env, balancer.load_balancer, resource)
    https = next((item for item in balancer.listeners if item.port == 443), None)
    https = present(env, https, f"{resource}/listener:443")
    env.expect(f"{resource}/listener:443", "Protocol", "HTTPS", https.protocol)
    env.expect(f"{resource}/listener:443", "Certificates", "a certificate", https.certificates or "none",
               ok=lambda _w, got: got != "none")
    for listener in balancer.listeners:
        if listener.protocol == "HTTP":
            _plain_http(env, resource, listener)


def _tls_rank(protocol: str) -> int:
    """An SslProtocols name (TLSv1.2) in the order of ssl.TLSVersion; an unknown name ranks lowest."""
    try:
        return int(ssl.TLSVersion[protocol.replace(".", "_")])
    except KeyError:
        return -1


@check("ALB-TLS-POLICY", layer="live", area="security", row="security", evidence=True, severity="high")
def test_alb_tls_policy(env: Environment) -> None:
    """Every HTTPS listener's TLS policy accepts no protocol older than the spec's minimum (its SslProtocols)."""
    balancer = env.live.section(AlbInventory)
    resource = f"load-balancer:{env.live.names['alb']}"
    present(env, balancer.load_balancer, resource)
    secure = [item for item in balancer.listeners if item.protocol in SECURE_PROTOCOLS]
    env.expect(resource, "Listeners", "an HTTPS listener", len(secure), ok=lambda _w, got: got > 0)
    for listener in secure:
        _tls_policy(env, f"{resource}/listener:{listener.port}", listener.ssl_policy,
                    balancer.ssl_policies.get(listener.ssl_policy or "", []))


def _tls_policy(env: Environment, where: str, policy: str | None, protocols: list[str]) -> None:
    minimum = env.spec.security.min_tls_version
    oldest = min(protocols, key=_tls_rank) if protocols else None  # a policy AWS did not describe: unknown
    meets = oldest is not None and _tls_rank(oldest) >= _tls_rank(minimum)
    env.expect(where, "SslPolicy", minimum, f"{policy} (oldest protocol {oldest or 'unknown'})",
               expected_text=f"{minimum} or newer", ok=holds(meets))


@check("WAF-ASSOCIATED", layer="live", area="security", row="security",
       evidence=True, severity="critical", applies=_has_waf,
       figure=Figure("WebACL", text("WAF")))
def test_waf_associated(env: Environment) -> None:
    """The WAF web ACL is associated with the load balancer (read in its own section, apart from the ALB's), or,
    where the spec allows it (``security.waf_cloudfront``), on the CloudFront distribution in front of it."""
    waf = env.live.section(WafInventory)
    resource = f"load-balancer:{env.live.names['alb']}"
    present(env, waf.load_balancer_arn, resource)
    acl = waf.web_acl
    env.expect(resource, "WebACL", env.live.names["waf"], acl.name if acl else "none")
    if acl is not None and acl.scope == "CLOUDFRONT":
        allowed = env.spec.security.waf_cloudfront
        env.expect(resource, "WebACL scope", "REGIONAL" + (" or CLOUDFRONT" if allowed else ""),
                   f"CLOUDFRONT (distribution {acl.distribution})", ok=lambda _want, _got: allowed)


@check("DATA-ENCRYPTION", layer="live", area="security", row="security", evidence=True, severity="critical")
def test_data_encryption(env: Environment) -> None:
    """Database storage encrypted (primary and read replicas); cache encrypted at rest and in transit."""
    snapshot = env.live
    resource = f"rds:{snapshot.names['db']}"
    db = present(env, snapshot.section(RdsInventory).primary, resource)
    label, judged = judged_db(env, db, resource)
    env.expect(label, "StorageEncrypted", True, judged.storage_encrypted)
    for replica in snapshot.section(RdsInventory).replicas:
        label, judged = judged_db(env, replica, f"rds:{replica.identifier}")
        env.expect(label, "StorageEncrypted", True, judged.storage_encrypted)
    cache_resource, group = cache(env)
    if isinstance(group, ServerlessCache):  # always TLS; encrypted at rest unless StorageEncryptionType says none
        env.expect(cache_resource, "StorageEncryptionType", "sse-elasticache or sse-kms",
                   group.storage_encryption or "<absent: always encrypted>", ok=lambda _w, _g: group.at_rest_encryption)
        env.expect(cache_resource, "TransitEncryption", "required", "required (always, on a serverless cache)",
                   ok=lambda _w, _g: True)
        return
    env.expect(cache_resource, "AtRestEncryptionEnabled", True, group.at_rest_encryption)
    env.expect(cache_resource, "TransitEncryptionEnabled", True, group.transit_encryption)
    mode = group.transit_encryption_mode or "<absent: required on engines without modes>"
    env.expect(cache_resource, "TransitEncryptionMode", "required", mode,
               ok=lambda _w, _g: group.transit_encryption_required)


@check("DATA-NOT-PUBLIC", layer="live", area="security", row="security", evidence=True, severity="critical")
def test_data_not_public(env: Environment) -> None:
    """The database (primary and read replicas) is not publicly accessible: no public address from the internet."""
    snapshot = env.live
    resource = f"rds:{snapshot.names['db']}"
    db = present(env, snapshot.section(RdsInventory).primary, resource)
    env.expect(resource, "PubliclyAccessible", False, db.publicly_accessible)
    for replica in snapshot.section(RdsInventory).replicas:
        env.expect(f"rds:{replica.identifier}", "PubliclyAccessible", False, replica.publicly_accessible)


@check("RESOURCE-TAGS", layer="live", area="security", row="security", evidence=True, severity="medium")
def test_resource_tags(env: Environment) -> None:
    """The environment and project tags (keys from [tags]) on every resource found."""
    wanted = env.tags
    found = tagged_resources(env.live)
    env.expect("taggable resources", "count", "at least one resource found", len(found),
               ok=lambda _w, got: got > 0)
    for resource, tags in found:
        for key, value in wanted.items():
            env.expect(resource, f"tags.{key}", value, tags.get(key))
