"""Live logging: the containers' LOG_LEVEL, awslogs destinations, log group retention, the log archive."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.buckets import expiration_days
from envmatrix.aws.checking import ROLES, container, live, present
from envmatrix.spec import EnvironmentSpec


def _archives(spec: EnvironmentSpec) -> bool:
    return spec.logging.archive_days is not None and spec.security.log_archive_bucket


@check("LOG-LEVEL", layer="live", area="logging", row="log_level", evidence=True, severity="medium")
def test_log_level(env: Environment) -> None:
    """LOG_LEVEL in the api and worker task definitions."""
    for role in ROLES:
        resource, app = container(env, role)
        env.expect(resource, "environment.LOG_LEVEL", env.spec.logging.level, app.environment.get("LOG_LEVEL"))


@check("LOG-DESTINATION", layer="live", area="logging", row="log_level", severity="high")
def test_log_destination(env: Environment) -> None:
    """Each container logs through awslogs to its service's log group."""
    snapshot = live(env)
    for role in ROLES:
        resource, app = container(env, role)
        env.expect(resource, "logConfiguration.logDriver", "awslogs", app.log_driver)
        env.expect(resource, "logConfiguration.options.awslogs-group", snapshot.names[f"{role}_log_group"],
                   app.log_options.get("awslogs-group"))


@check("LOG-RETENTION", layer="live", area="logging", row="log_level", severity="medium")
def test_log_retention(env: Environment) -> None:
    """CloudWatch log group retention (days) of both services."""
    snapshot = live(env)
    for role in ROLES:
        resource = f"log-group:{snapshot.names[f'{role}_log_group']}"
        group = present(env, snapshot.section("logs").groups.get(role), resource)
        env.expect(resource, "retentionInDays", env.spec.logging.retention_days, group.retention_days)


@check("LOG-ARCHIVE", layer="live", area="logging", row="log_level", severity="medium", applies=_archives)
def test_log_archive(env: Environment) -> None:
    """The log archive bucket keeps objects for the documented days (lifecycle expiration)."""
    resource = f"s3:{live(env).names['log_archive_bucket']}"
    bucket = present(env, live(env).section("buckets").log_archive, resource)
    days = expiration_days(bucket)
    partial = sorted(f"{rule.expiration_days} for {rule.scope} only" for rule in bucket.lifecycle
                     if rule.enabled and rule.expiration_days and rule.scope is not None)
    shown = days[0] if len(days) == 1 else (days or partial or None)
    env.expect(resource, "LifecycleConfiguration.Expiration.Days", env.spec.logging.archive_days, shown,
               expected_text=f"{env.spec.logging.archive_days} (a rule covering the whole bucket)",
               ok=lambda want, _g: days == [want])
