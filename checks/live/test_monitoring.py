"""Live monitoring: Container Insights where monitoring is full, alarms with actions where it alerts."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.arn import parse_arn
from envmatrix.aws.checking import live, present
from envmatrix.spec import EnvironmentSpec


def _alerts(spec: EnvironmentSpec) -> bool:
    return spec.monitoring.alerting


@check("MON-CONTAINER-INSIGHTS", layer="live", area="monitoring", row="monitoring", evidence=True, severity="medium")
def test_mon_container_insights(env: Environment) -> None:
    """ECS Container Insights on where the matrix says Full monitoring, off where Basic."""
    resource = f"ecs-cluster:{live(env).names['cluster']}"
    cluster = present(env, live(env).section("ecs").cluster, resource)
    expected = "enabled" if env.spec.monitoring.container_insights else "disabled"
    env.expect(resource, "settings.containerInsights", expected, cluster.container_insights or "disabled",
               ok=lambda want, got: (got in ("enabled", "enhanced")) == (want == "enabled"))


@check("MON-ALARMS", layer="live", area="monitoring", row="monitoring", evidence=True, severity="high", applies=_alerts)
def test_mon_alarms(env: Environment) -> None:
    """CloudWatch alarms exist, tagged with the environment, each notifying an SNS topic."""
    alarms = live(env).section("alarms").alarms
    prefix = live(env).names["alarm_prefix"]
    env.expect(f"alarms:{prefix}*", "count", "at least one alarm", len(alarms), ok=lambda _w, got: got > 0)
    for alarm in alarms:
        resource = f"alarm:{alarm.name}"
        key = env.suite.project.tags.environment
        env.expect(resource, f"tags.{key}", env.short_name, alarm.tags.get(key))
        sns = [action for action in alarm.actions if (arn := parse_arn(action)) and arn.service == "sns"]
        env.expect(resource, "AlarmActions", "an SNS topic", sns or "none", ok=lambda _w, got: got != "none")
        env.expect(resource, "ActionsEnabled", True, alarm.actions_enabled)
