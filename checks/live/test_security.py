"""Live security: secret delivery and rotation, network exposure, TLS on the load balancer, WAF, encryption, tags."""

from __future__ import annotations

import ipaddress

from envmatrix import Environment, check
from envmatrix.aws.checking import ROLES, container, live, present, tagged_resources, task_definition
from envmatrix.aws.names import secret_reference
from envmatrix.redact import URL_CREDENTIALS, is_secret_name
from envmatrix.spec import EnvironmentSpec

WORLD = ("0.0.0.0/0", "::/0")


def _uses_secrets_manager(spec: EnvironmentSpec) -> bool:
    return bool(spec.secrets.from_secrets_manager)


def _rotates(spec: EnvironmentSpec) -> bool:
    return bool(spec.secrets.rotation)


def _has_waf(spec: EnvironmentSpec) -> bool:
    return spec.security.waf


@check("SECRETS-PLACEHOLDERS", layer="live", area="security", row="security", severity="critical",
       applies=_uses_secrets_manager)
def test_secrets_placeholders(env: Environment) -> None:
    """Every secret-class variable comes from its Secrets Manager secret (``secrets``), never plain ``environment``."""
    secrets = live(env).section("secrets")
    prefix = live(env).names["secret_prefix"]
    for role in ROLES:
        resource, app = container(env, role)
        for name in env.spec.secrets.from_secrets_manager:
            short, key = secret_reference(name)
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


@check("SECRETS-NO-LITERALS", layer="live", area="security", row="security", severity="high")
def test_secrets_no_literals(env: Environment) -> None:
    """No secret-like variable and no URL with credentials in any container's plain environment (sidecars too)."""
    for role in ROLES:
        resource, _app = container(env, role)
        for index, item in enumerate(task_definition(env, role)[1].containers):
            literals = sorted(name for name, value in item.environment.items()
                              if is_secret_name(name) or URL_CREDENTIALS.search(value))
            env.expect(resource if index == 0 else f"{resource}/container:{item.name}", "environment",
                       "no literal secrets", literals or "none", ok=lambda _w, got: got == "none")


@check("SECRETS-ROTATION", layer="live", area="security", row="security", severity="high", applies=_rotates)
def test_secrets_rotation(env: Environment) -> None:
    """Secrets Manager rotation: enabled every N days, or off where the spec says manual."""
    secrets = live(env).section("secrets")
    prefix = live(env).names["secret_prefix"]
    for short, rule in sorted(env.spec.secrets.rotation.items()):
        resource = f"secret:{prefix}{short}"
        secret = present(env, secrets.secrets.get(short), resource)
        if rule == "manual":
            env.expect(resource, "RotationEnabled", False, secret.rotation_enabled, expected_text="false (manual)")
        else:
            env.expect(resource, "RotationEnabled", True, secret.rotation_enabled)
            env.expect(resource, "RotationRules.AutomaticallyAfterDays", rule, secret.rotation_days)


@check("NET-VPC-CIDR", layer="live", area="security", row="security", severity="high")
def test_net_vpc_cidr(env: Environment) -> None:
    """The VPC's CIDR as documented."""
    resource = f"vpc:{live(env).names['vpc']}"
    vpc = present(env, live(env).section("network").vpc, resource)
    env.expect(resource, "CidrBlock", env.spec.network.vpc_cidr, vpc.cidr)


def _inside(cidr: str, vpc: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return network.version == vpc.version and network.subnet_of(vpc)  # type: ignore[arg-type]


@check("NET-DATA-INGRESS", layer="live", area="security", row="security", severity="critical")
def test_net_data_ingress(env: Environment) -> None:
    """Database and cache security groups admit traffic only from inside the VPC."""
    network = live(env).section("network")
    vpc = present(env, network.vpc, f"vpc:{live(env).names['vpc']}")
    inside = ipaddress.ip_network(vpc.cidr)
    for role in ("db", "cache"):
        resource = f"security-group:{live(env).names['sg_prefix']}{role}-sg"
        group = present(env, network.security_groups.get(role), resource)
        outside = sorted({cidr for rule in group.ingress for cidr in rule.cidrs if not _inside(cidr, inside)})
        env.expect(resource, "IpPermissions", f"sources inside {vpc.cidr} only", outside or "none",
                   ok=lambda _w, got: got == "none")


@check("NET-WORLD-INGRESS", layer="live", area="security", row="security", severity="critical")
def test_net_world_ingress(env: Environment) -> None:
    """Nothing is open to the world except the load balancer's ports 80 and 443."""
    snapshot = live(env)
    network = snapshot.section("network")
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


@check("ALB-HTTPS", layer="live", area="security", row="security", severity="critical")
def test_alb_https(env: Environment) -> None:
    """An HTTPS listener on 443 with a certificate; port 80 only redirects to HTTPS 443."""
    balancer = live(env).section("alb")
    resource = f"load-balancer:{live(env).names['alb']}"
    present(env, balancer.load_balancer, resource)
    https = next((item for item in balancer.listeners if item.port == 443), None)
    https = present(env, https, f"{resource}/listener:443")
    env.expect(f"{resource}/listener:443", "Protocol", "HTTPS", https.protocol)
    env.expect(f"{resource}/listener:443", "Certificates", "a certificate", https.certificates or "none",
               ok=lambda _w, got: got != "none")
    http = next((item for item in balancer.listeners if item.port == 80), None)
    if http is None:
        return  # no plain HTTP listener at all is fine
    action = http.actions[0] if http.actions else None
    shown = f"{action.type} {action.redirect_protocol}:{action.redirect_port}" if action else "none"
    env.expect(f"{resource}/listener:80", "DefaultActions", "redirect HTTPS:443", shown)


@check("WAF-ASSOCIATED", layer="live", area="security", row="security", severity="critical", applies=_has_waf)
def test_waf_associated(env: Environment) -> None:
    """The WAF web ACL is associated with the load balancer."""
    balancer = live(env).section("alb")
    resource = f"load-balancer:{live(env).names['alb']}"
    present(env, balancer.load_balancer, resource)
    acl = balancer.web_acl
    env.expect(resource, "WebACL", live(env).names["waf"], acl.name if acl else "none")


@check("DATA-ENCRYPTION", layer="live", area="security", row="security", severity="critical")
def test_data_encryption(env: Environment) -> None:
    """Database storage encrypted and not publicly accessible; cache encrypted at rest and in transit."""
    snapshot = live(env)
    resource = f"rds:{snapshot.names['db']}"
    db = present(env, snapshot.section("rds").primary, resource)
    env.expect(resource, "StorageEncrypted", True, db.storage_encrypted)
    env.expect(resource, "PubliclyAccessible", False, db.publicly_accessible)
    for replica in snapshot.section("rds").replicas:
        env.expect(f"rds:{replica.identifier}", "StorageEncrypted", True, replica.storage_encrypted)
        env.expect(f"rds:{replica.identifier}", "PubliclyAccessible", False, replica.publicly_accessible)
    cache_resource = f"elasticache:{snapshot.names['cache']}"
    group = present(env, snapshot.section("cache").group, cache_resource)
    env.expect(cache_resource, "AtRestEncryptionEnabled", True, group.at_rest_encryption)
    env.expect(cache_resource, "TransitEncryptionEnabled", True, group.transit_encryption)


@check("RESOURCE-TAGS", layer="live", area="security", row="security", severity="medium")
def test_resource_tags(env: Environment) -> None:
    """The environment and project tags (keys from [tags]) on every resource found."""
    wanted = env.tags
    found = tagged_resources(live(env))
    env.expect("taggable resources", "count", "at least one resource found", len(found),
               ok=lambda _w, got: got > 0)
    for resource, tags in found:
        for key, value in wanted.items():
            env.expect(resource, f"tags.{key}", value, tags.get(key))
