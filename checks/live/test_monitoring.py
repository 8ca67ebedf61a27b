"""Live monitoring: Container Insights where full; where alerting, alarms on the level's signals, subscribed."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.alarms import AlarmsInventory, names_resource
from envmatrix.aws.arn import parse_arn
from envmatrix.aws.checking import present
from envmatrix.aws.ecs import EcsInventory
from envmatrix.spec import AlarmSignal, EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text, word


def _alerts(spec: EnvironmentSpec) -> bool:
    return spec.monitoring.alerting


@check("MON-CONTAINER-INSIGHTS", layer="live", area="monitoring", row="monitoring", evidence=True, severity="medium",
       figure=Figure("settings.containerInsights", word("Container Insights", "no Container Insights")))
def test_mon_container_insights(env: Environment) -> None:
    """ECS Container Insights on where the matrix says Full monitoring, off where Basic."""
    resource = f"ecs-cluster:{env.live.names['cluster']}"
    cluster = present(env, env.live.section(EcsInventory).cluster, resource)
    expected = "enabled" if env.spec.monitoring.container_insights else "disabled"
    env.expect(resource, "settings.containerInsights", expected, cluster.container_insights or "disabled",
               ok=lambda want, got: (got in ("enabled", "enhanced")) == (want == "enabled"))


@check("MON-ALARMS", layer="live", area="monitoring", row="monitoring", evidence=True, severity="high", applies=_alerts,
       figure=Figure("count", text("{} alarms"), part=2))
def test_mon_alarms(env: Environment) -> None:
    """CloudWatch alarms exist, tagged with the environment, each notifying an SNS topic (itself, or through a
    composite alarm that watches it)."""
    inventory = env.live.section(AlarmsInventory)
    alarms = inventory.alarms
    prefix = env.live.names["alarm_prefix"]
    env.expect(f"alarms:{prefix}*", "count", "at least one alarm", len(alarms), ok=lambda _w, got: got > 0)
    for alarm in alarms:
        resource = f"alarm:{alarm.name}"
        key = env.suite.project.tags.environment
        env.expect(resource, f"tags.{key}", env.short_name, alarm.tags.get(key))
        through = inventory.alerting(alarm)
        if through and through != ["itself"]:  # no SNS action of its own: a composite alarm notifies for it
            env.expect(resource, "AlarmActions", "an SNS topic", f"via composite alarm {', '.join(through)}",
                       ok=lambda _w, _g: True)
            continue
        sns = [action for action in alarm.actions if (arn := parse_arn(action)) and arn.service == "sns"]
        env.expect(resource, "AlarmActions", "an SNS topic", sns or "none", ok=lambda _w, got: got != "none")
        env.expect(resource, "ActionsEnabled", True, alarm.actions_enabled)


def _signal_text(signal: AlarmSignal) -> str:
    return f"an enabled alarm notifying SNS on {signal.namespace} {' or '.join(signal.metrics)} of {signal.resource}"


@check("MON-ALARM-SIGNALS", layer="live", area="monitoring", row="monitoring", evidence=True, severity="high",
       applies=_alerts)
def test_mon_alarm_signals(env: Environment) -> None:
    """Each signal the monitoring level names has an enabled alarm with an SNS action, its own or a composite
    alarm's that watches it (found by metric, not name)."""
    snapshot = env.live
    level = env.suite.spec.monitoring_level(env.name)
    env.expect("spec", "monitoring_levels", env.spec.monitoring.level, "defined" if level else "undefined",
               ok=lambda _w, got: got == "defined")
    assert level is not None  # env.expect raised otherwise
    inventory = snapshot.section(AlarmsInventory)
    alarms = inventory.alarms
    names, prefix = snapshot.names, snapshot.names["alarm_prefix"]
    for key in level.signals:
        signal = env.suite.spec.alarm_signals[key]
        watching = [alarm.name for alarm in alarms if inventory.alerting(alarm)
                    and any(metric.namespace == signal.namespace and metric.name in signal.metrics
                            and names_resource(metric, signal.resource, names) for metric in alarm.metrics)]
        env.expect(f"alarms:{prefix}*", f"signal.{key}", _signal_text(signal), watching or "none",
                   ok=lambda _w, got: got != "none")


@check("MON-ALERT-SUBSCRIPTIONS", layer="live", area="monitoring", row="monitoring", evidence=True,
       severity="high", applies=_alerts,
       figure=Figure("Subscriptions", text("alerts to {}"), part=3))
def test_mon_alert_subscriptions(env: Environment) -> None:
    """Every SNS topic the alarms notify exists and has a confirmed subscription (PendingConfirmation is none)."""
    inventory = env.live.section(AlarmsInventory)
    env.expect(f"alarms:{env.live.names['alarm_prefix']}*", "AlarmActions (SNS topics)", "at least one topic",
               len(inventory.topics), ok=lambda _w, got: got > 0)
    for arn, topic in sorted(inventory.topics.items()):
        parsed = parse_arn(arn)
        resource = f"sns-topic:{parsed.resource_name if parsed else arn}"
        env.expect(resource, "exists", "present", "present" if topic.exists else "missing")
        shown = f"{topic.confirmed} confirmed ({', '.join(topic.protocols)})" if topic.confirmed else \
            f"none ({topic.pending} pending confirmation)" if topic.pending else "none"
        env.expect(resource, "Subscriptions", "at least one confirmed subscription", shown,
                   ok=holds(topic.confirmed > 0))
