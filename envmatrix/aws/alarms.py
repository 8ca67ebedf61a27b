"""CloudWatch alarms inventory: the environment's alarms (by name prefix), what they watch, their SNS topics, and the
composite alarms (same prefix) that alert for them."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.composites import CompositeAlarm, alerting_for, notifies_sns
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

#: SNS marks a subscription that was never confirmed by this SubscriptionArn instead of an ARN.
PENDING = ("PendingConfirmation", "Deleted")


class WatchedMetric(Model):
    namespace: str
    name: str
    dimensions: dict[str, str]


class Alarm(Model):
    name: str
    arn: str
    actions: list[str]
    actions_enabled: bool
    tags: dict[str, str]
    namespace: str = ""
    metric: str = ""
    dimensions: dict[str, str] = {}  # what the alarm watches (e.g. HealthCheckId, CanaryName)
    #: the metric it watches, or every metric of a metric-math alarm
    metrics: list[WatchedMetric] = []


class Topic(Model):
    """An SNS topic alarms notify: how many subscriptions are confirmed, and by which protocols."""

    arn: str
    exists: bool
    confirmed: int = 0
    pending: int = 0
    protocols: list[str] = []


class AlarmsInventory(Model):
    alarms: list[Alarm]
    topics: dict[str, Topic] = {}
    #: composite alarms under the same name prefix: an alarm without an SNS action of its own still alerts when
    #: one of these watches it and notifies SNS
    composites: list[CompositeAlarm] = []

    def alerting(self, alarm: Alarm) -> list[str]:
        """How ``alarm`` reaches SNS: ``["itself"]`` through its own enabled SNS action, else the composite alarms
        that alert for it ([]: nobody is told)."""
        if alarm.actions_enabled and notifies_sns(alarm.actions):
            return ["itself"]
        return alerting_for(alarm.name, self.composites)


def _dimensions(raw: list[dict[str, Any]] | None) -> dict[str, str]:
    return {item["Name"]: str(item.get("Value", "")) for item in raw or []}


def _metrics(raw: dict[str, Any]) -> list[WatchedMetric]:
    """A single-metric alarm's metric, or the MetricStat metrics of a metric-math alarm."""
    if raw.get("MetricName"):
        return [WatchedMetric(namespace=raw.get("Namespace", ""), name=raw["MetricName"],
                              dimensions=_dimensions(raw.get("Dimensions")))]
    stats = [query["MetricStat"]["Metric"] for query in raw.get("Metrics", []) if "MetricStat" in query]
    return [WatchedMetric(namespace=metric.get("Namespace", ""), name=metric.get("MetricName", ""),
                          dimensions=_dimensions(metric.get("Dimensions"))) for metric in stats]


def _subscriptions(sns: Any, arn: str) -> list[dict[str, Any]]:
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
    return [item for page in pages for item in page.get("Subscriptions", [])]


def _topic(target: AwsTarget, arn: str) -> Topic:
    """A topic's subscriptions, read in the topic's own region; a topic that is gone is data, not an error."""
    parsed = parse_arn(arn)
    region = parsed.region if parsed and parsed.region != target.clients.region else None
    sns = target.clients.client("sns", region) if region else target.clients.client("sns")
    with reading(target.env, f"SNS subscriptions of {arn}"):
        found = or_none(lambda: _subscriptions(sns, arn), "NotFound")
    if found is None:
        return Topic(arn=arn, exists=False)
    confirmed = [item for item in found if item.get("SubscriptionArn") not in PENDING]
    return Topic(arn=arn, exists=True, confirmed=len(confirmed), pending=len(found) - len(confirmed),
                 protocols=sorted({str(item.get("Protocol", "")) for item in confirmed}))


def fetch(target: AwsTarget) -> AlarmsInventory:
    if not target.wants.alarms:
        return AlarmsInventory(alarms=[])
    prefix = target.names.alarm_prefix
    cloudwatch = target.clients.client("cloudwatch")
    found, composites = [], []
    with reading(target.env, f"CloudWatch alarms {prefix}*"):
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=prefix, AlarmTypes=["CompositeAlarm", "MetricAlarm"])
        for page in pages:
            composites += [_composite(raw) for raw in page.get("CompositeAlarms", [])]
            for raw in page.get("MetricAlarms", []):
                tags = cloudwatch.list_tags_for_resource(ResourceARN=raw["AlarmArn"]).get("Tags", [])
                found.append(Alarm(name=raw["AlarmName"], arn=raw["AlarmArn"], tags=tag_dict(tags),
                                   actions=list(raw.get("AlarmActions", [])),
                                   actions_enabled=raw.get("ActionsEnabled") is True,
                                   namespace=raw.get("Namespace", ""), metric=raw.get("MetricName", ""),
                                   dimensions={d["Name"]: d["Value"] for d in raw.get("Dimensions", [])},
                                   metrics=_metrics(raw)))
    every_action = [*(action for alarm in found for action in alarm.actions),
                    *(action for composite in composites for action in composite.actions)]
    arns = sorted({action for action in every_action
                   if (arn := parse_arn(action)) and arn.service == "sns"})
    return AlarmsInventory(alarms=found, topics={arn: _topic(target, arn) for arn in arns},  # each topic read once
                           composites=composites)


def _composite(raw: dict[str, Any]) -> CompositeAlarm:
    return CompositeAlarm(name=raw["AlarmName"], arn=raw.get("AlarmArn", ""), rule=raw.get("AlarmRule", ""),
                          actions=list(raw.get("AlarmActions", [])), actions_enabled=raw.get("ActionsEnabled") is True)


def names_resource(metric: WatchedMetric, resource: str, names: dict[str, str]) -> bool:
    """Whether the metric's dimensions name the environment's ``resource`` (api, worker, db, cache, alb)."""
    dims = metric.dimensions
    if resource in ("api", "worker"):
        return dims.get("ClusterName") == names["cluster"] and dims.get("ServiceName") == names[f"{resource}_service"]
    if resource == "alb":  # AWS's value is the ARN's tail, app/<name>/<id>
        value = dims.get("LoadBalancer", "")
        return names["alb"] in (value, *value.split("/")[1:2])
    if resource == "cache":  # a group-level metric, one of its member clusters (<group>-001, ...), or serverless
        return dims.get("ReplicationGroupId") == names["cache"] or dims.get("clusterId") == names["cache"] or \
            dims.get("CacheClusterId", "").startswith(f"{names['cache']}-")
    return dims.get("DBInstanceIdentifier") == names["db"]


SECTION = Section("alarms", fetch, AlarmsInventory, services=("cloudwatch", "sns"), operations=(
    ("cloudwatch", "DescribeAlarms"),
    ("cloudwatch", "ListTagsForResource"),
    ("sns", "ListSubscriptionsByTopic"),
))
