"""CloudWatch alarms inventory: the environment's alarms (by name prefix) with their actions and tags."""

from __future__ import annotations

from envmatrix.aws.reading import reading, tag_dict
from envmatrix.aws.target import Model, Target


class Alarm(Model):
    name: str
    arn: str
    actions: list[str]
    actions_enabled: bool
    tags: dict[str, str]
    namespace: str = ""
    metric: str = ""
    dimensions: dict[str, str] = {}  # what the alarm watches (e.g. HealthCheckId, CanaryName)


class AlarmsInventory(Model):
    alarms: list[Alarm]


def fetch(target: Target) -> AlarmsInventory:
    if not target.wants.alarms:
        return AlarmsInventory(alarms=[])
    prefix = target.names.alarm_prefix
    cloudwatch = target.clients.client("cloudwatch")
    found = []
    with reading(target.env, f"CloudWatch alarms {prefix}*"):
        pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])
        for page in pages:
            for raw in page.get("MetricAlarms", []):
                tags = cloudwatch.list_tags_for_resource(ResourceARN=raw["AlarmArn"]).get("Tags", [])
                found.append(Alarm(name=raw["AlarmName"], arn=raw["AlarmArn"], tags=tag_dict(tags),
                                   actions=list(raw.get("AlarmActions", [])),
                                   actions_enabled=raw.get("ActionsEnabled") is True,
                                   namespace=raw.get("Namespace", ""), metric=raw.get("MetricName", ""),
                                   dimensions={d["Name"]: d["Value"] for d in raw.get("Dimensions", [])}))
    return AlarmsInventory(alarms=found)
