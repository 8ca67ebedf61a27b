"""Live logging: the containers' LOG_LEVEL, CloudWatch destinations, log group retention, the log archive."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings
from envmatrix.aws.buckets import BucketsInventory, expiration_days
from envmatrix.aws.checking import ROLES, container, present, task_definition
from envmatrix.aws.ecs import Container, TaskDefinition
from envmatrix.aws.logs import LogsInventory
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, days, text


def _archives(spec: EnvironmentSpec) -> bool:
    return spec.logging.archive_days is not None and spec.security.log_archive_bucket


@check("LOG-LEVEL", layer="live", area="logging", row="log_level", evidence=True, severity="medium",
       figure=Figure("environment.LOG_LEVEL", text(), "-api"))
def test_log_level(env: Environment) -> None:
    """LOG_LEVEL in the api and worker task definitions, as pydantic-settings reads it (names in any case)."""
    settings, level = AppSettings.of(env.suite.spec, env.name), env.spec.logging.level
    for role in ROLES:
        resource, app = container(env, role)
        found = settings.find("LOG_LEVEL", app.environment, app.secrets, like=level)
        env.expect(resource, "environment.LOG_LEVEL", level, found.shown(), ok=holds(found.agrees(level)))


#: ECS log drivers (AWS's words): straight to CloudWatch Logs, or through a FireLens log router container.
AWSLOGS = "awslogs"
FIRELENS = "awsfirelens"
#: Fluent Bit output plugins that deliver to CloudWatch Logs (the current one and the older Go plugin).
CLOUDWATCH_OUTPUTS = ("cloudwatch_logs", "cloudwatch")


def _firelens_to_cloudwatch(app: Container, definition: TaskDefinition) -> bool:
    """The app logs through a FireLens router of its own task whose output is CloudWatch Logs."""
    routed = app.log_driver == FIRELENS and any(item.firelens for item in definition.containers)
    return routed and app.log_options.get("Name", "").lower() in CLOUDWATCH_OUTPUTS


@check("LOG-DESTINATION", layer="live", area="logging", row="log_level", severity="high")
def test_log_destination(env: Environment) -> None:
    """Each container logs to its service's CloudWatch log group: by awslogs, or by a FireLens router's
    CloudWatch output (a router shipping elsewhere, e.g. only to Datadog, does not count)."""
    snapshot = env.live
    for role in ROLES:
        resource, app = container(env, role)
        group = snapshot.names[f"{role}_log_group"]
        if _firelens_to_cloudwatch(app, task_definition(env, role)[1]):
            env.expect(resource, "logConfiguration.options.log_group_name", group,
                       app.log_options.get("log_group_name"))
            continue
        env.expect(resource, "logConfiguration.logDriver", AWSLOGS, app.log_driver,
                   expected_text=f"{AWSLOGS} (or {FIRELENS} with a CloudWatch output)")
        env.expect(resource, "logConfiguration.options.awslogs-group", group, app.log_options.get("awslogs-group"))


@check("LOG-RETENTION", layer="live", area="logging", row="log_level", severity="medium",
       figure=Figure("retentionInDays", days(), "-api", part=2))
def test_log_retention(env: Environment) -> None:
    """CloudWatch log group retention (days) of both services."""
    snapshot = env.live
    for role in ROLES:
        resource = f"log-group:{snapshot.names[f'{role}_log_group']}"
        group = present(env, snapshot.section(LogsInventory).groups.get(role), resource)
        env.expect(resource, "retentionInDays", env.spec.logging.retention_days, group.retention_days)


@check("LOG-ARCHIVE", layer="live", area="logging", row="log_level", severity="medium", applies=_archives)
def test_log_archive(env: Environment) -> None:
    """The log archive bucket keeps objects for the documented days (lifecycle expiration)."""
    resource = f"s3:{env.live.names['log_archive_bucket']}"
    bucket = present(env, env.live.section(BucketsInventory).log_archive, resource)
    days = expiration_days(bucket)
    partial = sorted(f"{rule.expiration_days} for {rule.scope} only" for rule in bucket.lifecycle
                     if rule.enabled and rule.expiration_days and rule.scope is not None)
    shown = days[0] if len(days) == 1 else (days or partial or None)
    env.expect(resource, "LifecycleConfiguration.Expiration.Days", env.spec.logging.archive_days, shown,
               expected_text=f"{env.spec.logging.archive_days} (a rule covering the whole bucket)",
               ok=lambda want, _g: days == [want])
