"""Declared logging: level (tfvars and env file agree), CloudWatch retention, production archive."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.spec import EnvironmentSpec


def _archives(spec: EnvironmentSpec) -> bool:
    return spec.logging.archive_days is not None


@check("LOG-LEVEL", layer="declared", area="logging", row="log_level", evidence=True, severity="medium")
def test_log_level(env: Environment) -> None:
    """Log level in the tfvars and in the application env file."""
    env.expect_tfvars("log_level", env.spec.logging.level, env.tfvars.log_level)
    env.expect(env.env_file.path.name, "LOG_LEVEL", env.spec.logging.level, env.env_file.typed.LOG_LEVEL)


@check("LOG-RETENTION", layer="declared", area="logging", row="log_level", severity="medium")
def test_log_retention(env: Environment) -> None:
    """CloudWatch log retention (days)."""
    env.expect_tfvars("log_retention_days", env.spec.logging.retention_days, env.tfvars.log_retention_days)


@check("LOG-ARCHIVE", layer="declared", area="logging", row="log_level", applies=_archives, severity="medium")
def test_log_archive(env: Environment) -> None:
    """Cold log archive (days, S3) where the environment keeps one."""
    env.expect_tfvars("log_archive_days", env.spec.logging.archive_days, env.tfvars.log_archive_days)
