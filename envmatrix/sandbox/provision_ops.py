"""Sandbox provisioning of operations (from world.yaml): scaling policies, alert subscribers, the cost budget."""

from __future__ import annotations

from envmatrix.sandbox.naming import SERVICES
from envmatrix.sandbox.provision import Target
from envmatrix.sandbox.provision_app import ACCOUNT, SCALABLE_DIMENSION


def scaling_policies(target: Target) -> None:
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


def alert_subscriptions(target: Target) -> None:
    """The alert topic's subscribers (the topic exists from the first stage)."""
    if target.world.alerting is None:
        return
    sns = target.client("sns")
    for subscription in target.world.alerting.subscriptions:
        sns.subscribe(TopicArn=target.ids["topic"], Protocol=subscription.protocol, Endpoint=subscription.endpoint)


def budget(target: Target) -> None:
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
