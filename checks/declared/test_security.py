"""Declared security: secrets only as Secrets Manager placeholders, sane and separate networks, database access."""

from __future__ import annotations

import ipaddress

from envmatrix import Environment, check
from envmatrix.redact import literal_credential
from envmatrix.spec import EnvironmentSpec


def _uses_secrets_manager(spec: EnvironmentSpec) -> bool:
    return bool(spec.secrets.from_secrets_manager)


@check("SECRETS-PLACEHOLDERS", layer="declared", area="security", row="security", evidence=True, severity="critical",
       applies=_uses_secrets_manager)
def test_secrets_placeholders(env: Environment) -> None:
    """Every secret-class variable is present and only a Secrets Manager placeholder, never a literal."""
    placeholder = env.suite.spec.defaults.secret_placeholder
    values = env.env_file.values
    with env.every():  # every mismatch at once
        for name in env.spec.secrets.from_secrets_manager:
            env.expect(env.env_file.path.name, name, placeholder, values.get(name, "<missing>"))


@check("NET-VPC-CIDR", layer="declared", area="security", row="security", evidence=True, severity="high")
def test_net_vpc_cidr(env: Environment) -> None:
    """VPC CIDR as documented, a valid private network, overlapping no other environment."""
    cidr = env.tfvars.vpc_cidr
    env.expect_tfvars("vpc_cidr", env.spec.network.vpc_cidr, cidr)
    network = ipaddress.ip_network(cidr, strict=False)
    env.expect_tfvars("vpc_cidr", "a private network", cidr, ok=lambda _w, _g: network.is_private)
    others = [name for name in env.suite.environments if name != env.name]
    overlapping = [
        f"{name} {env.suite.tfvars(name).vpc_cidr}" for name in others
        if network.overlaps(ipaddress.ip_network(env.suite.tfvars(name).vpc_cidr, strict=False))
    ]
    env.expect_tfvars("vpc_cidr", "no overlap with other environments", overlapping or "none",
               ok=lambda _w, got: got == "none")


@check("SECRETS-NO-LITERALS", layer="declared", area="security", row="security", evidence=True, severity="high")
def test_secrets_no_literals(env: Environment) -> None:
    """No literal credential in the env file: none by name, none by shape (a password inside a URL, cloud keys,
    tokens, webhook URLs). The failure names each variable, never its value."""
    placeholder = env.suite.spec.defaults.secret_placeholder
    literals = sorted(
        name for name, value in env.env_file.values.items()
        if value != placeholder and literal_credential(name, value)
    )
    env.expect(env.env_file.path.name, "literal_values", "none", literals or "none",
               ok=lambda _want, got: got == "none")


def _bastion(spec: EnvironmentSpec) -> bool:
    return spec.database_access.bastion


def _audited(spec: EnvironmentSpec) -> bool:
    return spec.database_access.audit is not None


@check("DB-BASTION", layer="declared", area="security", row="access", evidence=True, severity="high", applies=_bastion)
def test_db_bastion(env: Environment) -> None:
    """A bastion host for the database where the document says so (bastion_enabled)."""
    env.expect_tfvars("bastion_enabled", env.spec.database_access.bastion, env.tfvars.bastion_enabled)


@check("DB-AUDIT-LOGGING", layer="declared", area="logging", row="access", evidence=True, severity="high",
       applies=_audited)
def test_db_audit_logging(env: Environment) -> None:
    """The database audit-logged where the document says so (db_audit_logging)."""
    env.expect_tfvars("db_audit_logging", env.spec.database_access.audit is not None, env.tfvars.db_audit_logging)
