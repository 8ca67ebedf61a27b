"""Sandbox provisioning of operations (from world.yaml): scaling policies, alert subscribers, the cost budget,
and Cost Explorer's bill of last month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from envmatrix.aws.costs import METRIC, last_full_month, utc_today
from envmatrix.sandbox.naming import SERVICES, SandboxNames
from envmatrix.sandbox.provision_app import ACCOUNT, SCALABLE_DIMENSION
from envmatrix.sandbox.provision_target import ProvisionTarget
from envmatrix.sandbox.world import World

#: moto's documented way to give GetCostAndUsage an answer (envmatrix/sandbox/moto_ce.py: the latest one is the bill)
CE_RESULTS = "/moto-api/static/ce/cost-and-usage-results"
TAG_KEY = "Environment"  # the sandbox tags its resources Environment=<env> (naming.SandboxNames.tags)


def scaling_policies(target: ProvisionTarget) -> None:
    """The world's target-tracking policy on each registered scalable target (after the services exist)."""
    policy = target.world.scaling_policy
    if policy is None:
        return
    scaling = target.client("application-autoscaling")
    for service in SERVICES:
        scaling.put_scaling_policy(
            PolicyName=f"{target.names.prefix}-{service}-cpu", ServiceNamespace="ecs",
            ResourceId=target.names.scalable_target(service), ScalableDimension=SCALABLE_DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": policy.target_percent, "ScaleInCooldown": 300, "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": policy.metric}},
        )


def alert_subscriptions(target: ProvisionTarget) -> None:
    """The alert topic's subscribers (the topic exists from the first stage)."""
    if target.world.alerting is None:
        return
    sns = target.client("sns")
    for subscription in target.world.alerting.subscriptions:
        sns.subscribe(TopicArn=target.ids["topic"], Protocol=subscription.protocol, Endpoint=subscription.endpoint)


def budget(target: ProvisionTarget) -> None:
    """The world's monthly cost budget, alerting by email at its share of the limit (AWS Budgets is global)."""
    budget = target.world.budget
    if budget is None:
        return
    target.client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={"BudgetName": target.names.live.budget, "BudgetType": "COST", "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": f"{budget.limit_usd:g}", "Unit": "USD"}},
        NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                             "Threshold": budget.alert_percent, "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": budget.alert_email}]}],
    )


def _group(key: str, value: str, amount: float) -> dict[str, Any]:
    """One GetCostAndUsage group as AWS writes it: ``<TagKey>$<value>``, the amount a string of many decimals."""
    return {"Keys": [f"{key}${value}"], "Metrics": {METRIC: {"Amount": f"{amount:.10f}", "Unit": "USD"}}}


def cost_answer(lines: Mapping[str, float], *, tag_key: str = TAG_KEY, untagged_usd: float | None = None,
                estimated: bool = False, today: dt.date | None = None) -> dict[str, Any]:
    """Cost Explorer's answer for last month grouped by ``tag_key``: one group per tag value in ``lines``."""
    groups = [_group(tag_key, value, amount) for value, amount in lines.items()]
    if untagged_usd is not None:
        groups.append(_group(tag_key, "", untagged_usd))
    start, end = last_full_month(today or utc_today())
    return {"GroupDefinitions": [{"Type": "TAG", "Key": tag_key}], "DimensionValueAttributes": [],
            "ResultsByTime": [{"TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()}, "Total": {},
                               "Groups": groups, "Estimated": estimated}]}


def bill(world: World, environments: Iterable[str], *, today: dt.date | None = None,
         costs: Mapping[str, float | None] | None = None, untagged_usd: float | None = None,
         estimated: bool | None = None) -> dict[str, Any] | None:
    """Cost Explorer's answer for last month, grouped by the Environment tag: each provisioned environment's
    line from the world (``costs`` overrides a line; None drops it) and the untagged shared costs (or
    ``untagged_usd``). None where the world says Cost Explorer holds no data."""
    explorer = world.cost_explorer
    if explorer is None:
        return None
    lines = {env: world.env(env).last_month_cost_usd for env in environments}
    lines.update(costs or {})
    return cost_answer({SandboxNames(env).env: amount for env, amount in lines.items() if amount is not None},
                       untagged_usd=untagged_usd if untagged_usd is not None else explorer.untagged_usd,
                       estimated=explorer.estimated if estimated is None else estimated, today=today)


def queue_bill(endpoint: str, answer: dict[str, Any] | None) -> None:
    """Make ``answer`` the sandbox's Cost Explorer bill (nothing to queue: moto's empty answer, no cost anywhere)."""
    if answer is not None:
        httpx.post(f"{endpoint}{CE_RESULTS}", json={"results": [answer], "account_id": ACCOUNT},
                   timeout=10).raise_for_status()
