"""Composite alarms, as real accounts answer DescribeAlarms (AlarmTypes CompositeAlarm and MetricAlarm).

A common setup pages through one composite alarm: the metric alarms carry no action of their own and the
composite, whose AlarmRule names them, notifies SNS. Such an alarm alerts; one that only feeds a composite
without actions, a composite with its actions disabled, one on a cycle or one naming it under NOT does not.
"""

from __future__ import annotations

from typing import Any

import pytest

from envmatrix.aws import alarms as alarms_inventory
from envmatrix.aws.composites import references
from tests.shapes.harness import ACCOUNT, StubbedClients, judge, snapshot_of, target
from tests.shapes.test_ops_shapes import CONFIRMED, ENV, MON, TAKEN, TOPIC, WATCHES, _alarm

PREFIX = "production-taskmanager-"
SILENT = {"AlarmActions": [], "OKActions": []}


def composite(suffix: str, rule: str, *, actions: list[str] | None = None, enabled: bool = True) -> dict[str, Any]:
    """A DescribeAlarms CompositeAlarms member as AWS returns it."""
    name = f"{PREFIX}{suffix}"
    return {"AlarmName": name, "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}",
            "AlarmDescription": "pages the on-call engineer", "AlarmRule": rule, "ActionsEnabled": enabled,
            "AlarmActions": [TOPIC] if actions is None else actions, "OKActions": [], "InsufficientDataActions": [],
            "StateValue": "OK", "StateReason": "", "StateUpdatedTimestamp": TAKEN,
            "AlarmConfigurationUpdatedTimestamp": TAKEN, "StateTransitionedTimestamp": TAKEN}


def any_of(*keys: str) -> str:
    return " OR ".join(f'ALARM("{PREFIX}{key}")' for key in keys)


def monitoring(metric_alarms: list[dict[str, Any]], composites: list[dict[str, Any]], check: str) -> Any:
    clients = StubbedClients(ENV)
    cloudwatch = clients.stub("cloudwatch")
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": metric_alarms, "CompositeAlarms": composites},
                            {"AlarmNamePrefix": PREFIX, "AlarmTypes": ["CompositeAlarm", "MetricAlarm"]})
    for alarm in metric_alarms:
        cloudwatch.add_response("list_tags_for_resource", {"Tags": [{"Key": "Environment", "Value": ENV}]},
                                {"ResourceARN": alarm["AlarmArn"]})
    if any(item["AlarmActions"] for item in [*metric_alarms, *composites]):
        clients.stub("sns").add_response("list_subscriptions_by_topic", {"Subscriptions": CONFIRMED},
                                         {"TopicArn": TOPIC})
    inventory = alarms_inventory.fetch(target(ENV, clients))
    clients.verify()
    return judge(MON, check, ENV, snapshot_of(ENV, alarms=inventory))


def silent_alarms() -> list[dict[str, Any]]:
    return [_alarm(key, **SILENT) for key in WATCHES]


CHECKS = ("MON-ALARMS", "MON-ALARM-SIGNALS", "MON-ALERT-SUBSCRIPTIONS")


@pytest.mark.parametrize("check", CHECKS)
def test_alarms_paging_through_one_composite_are_green(check: str) -> None:
    verdict = monitoring(silent_alarms(), [composite("page-oncall", any_of(*WATCHES))], check)
    assert verdict.passed, verdict.message


def test_the_evidence_names_the_composite() -> None:
    verdict = monitoring(silent_alarms(), [composite("page-oncall", any_of(*WATCHES))], "MON-ALARMS")
    shown = [item.actual for item in verdict.evidence if item.setting == "AlarmActions"]
    assert shown and all(value == f"via composite alarm {PREFIX}page-oncall" for value in shown)


@pytest.mark.parametrize("check", CHECKS[:2])
def test_nested_composites_arn_references_and_at_least_are_green(check: str) -> None:
    """A composite without actions feeding one that pages; children named by ARN and in AT_LEAST."""
    keys = list(WATCHES)
    arn = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{PREFIX}{keys[0]}"
    inner = composite("db-and-alb", f'(ALARM("{arn}") OR AT_LEAST(1, ALARM, ('
                      + ", ".join(f'"{PREFIX}{key}"' for key in keys[1:4]) + ")))", actions=[])
    outer = composite("page-oncall", f'ALARM("{PREFIX}db-and-alb") OR ' + any_of(*keys[4:]))
    verdict = monitoring(silent_alarms(), [inner, outer], check)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("check", CHECKS[:2])
def test_a_composite_without_actions_does_not_count(check: str) -> None:
    verdict = monitoring(silent_alarms(), [composite("all", any_of(*WATCHES), actions=[])], check)
    assert not verdict.passed
    if check == "MON-ALARMS":
        assert (f"{ENV} MON-ALARMS alarm:{PREFIX}alb-5xx.AlarmActions: expected an SNS topic, got none"
                in verdict.message), verdict.message


def test_a_composite_with_actions_disabled_does_not_count() -> None:
    verdict = monitoring(silent_alarms(), [composite("page-oncall", any_of(*WATCHES), enabled=False)], "MON-ALARMS")
    assert not verdict.passed and f"alarm:{PREFIX}alb-5xx.AlarmActions: expected an SNS topic, got none" \
        in verdict.message


def test_composites_on_a_cycle_do_not_count() -> None:
    """CloudWatch stops evaluating composites caught in a cycle: their actions never fire."""
    loop_a = composite("loop-a", f'ALARM("{PREFIX}loop-b") OR ' + any_of(*WATCHES))
    loop_b = composite("loop-b", f'ALARM("{PREFIX}loop-a")')
    verdict = monitoring(silent_alarms(), [loop_a, loop_b], "MON-ALARMS")
    assert not verdict.passed and f"alarm:{PREFIX}alb-5xx.AlarmActions: expected an SNS topic, got none" \
        in verdict.message


def test_an_alarm_named_only_under_not_does_not_count() -> None:
    keys = list(WATCHES)
    rule = f'{any_of(*keys[1:])} AND NOT ALARM("{PREFIX}{keys[0]}")'
    verdict = monitoring(silent_alarms(), [composite("page-oncall", rule)], "MON-ALARMS")
    assert not verdict.passed
    assert f"alarm:{PREFIX}{keys[0]}.AlarmActions: expected an SNS topic, got none" in verdict.message


@pytest.mark.parametrize(("rule", "firing", "named"), [
    ('ALARM("a") OR ALARM(b)', {"a", "b"}, {"a", "b"}),
    ('ALARM("a") AND NOT ALARM("b")', {"a"}, {"a", "b"}),
    ('ALARM(a) AND NOT (ALARM(b) OR OK("c"))', {"a"}, {"a", "b", "c"}),
    ('AT_LEAST(2, ALARM, ("a", "b", c)) AND INSUFFICIENT_DATA("d")', {"a", "b", "c"}, {"a", "b", "c", "d"}),
    ('AT_LEAST(50%, NOT ALARM, (a, b))', set(), {"a", "b"}),
    ('ALARM("arn:aws:cloudwatch:us-east-1:1:alarm:x") OR TRUE', {"x"}, {"x"}),
])
def test_rule_references(rule: str, firing: set[str], named: set[str]) -> None:
    assert references(rule) == (firing, named)
