"""Fault catalogue, operations: scaling policies and suspension, alert subscriptions, alarm signals, cost."""

from __future__ import annotations

from typing import Any

from envmatrix.sandbox.provision_ops import bill, queue_bill
from envmatrix.sandbox.world import default_world
from tests.faults.actions import FaultTarget
from tests.faults.registry import conforming, fault, live

DIMENSION = "ecs:service:DesiredCount"


def _reregister(target: FaultTarget, role: str, **changes: Any) -> None:
    """Register the role's scalable target again with the same range and ``changes`` (e.g. SuspendedState)."""
    scaling, resource = target.client("application-autoscaling"), target.names.scalable_target(role)
    current = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"][0]
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION,
                                     MinCapacity=current["MinCapacity"], MaxCapacity=current["MaxCapacity"],
                                     **changes)


def _policies(target: FaultTarget, role: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = target.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=target.names.scalable_target(role))["ScalingPolicies"]
    return found


# --- auto scaling -------------------------------------------------------------------------------------
@fault("production-api-no-scaling-policy", "production", "production api scalable target without a scaling policy",
       live("AUTO-SCALING-POLICY"), "scalable-target:production-taskmanager/api.ScalingPolicies")
def _no_policy(target: FaultTarget) -> None:
    scaling = target.client("application-autoscaling")
    for policy in _policies(target, "api"):
        scaling.delete_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="ecs",
                                      ResourceId=policy["ResourceId"], ScalableDimension=DIMENSION)


@fault("staging-worker-scale-out-suspended", "staging", "staging worker scale-out suspended",
       live("AUTO-SCALING-POLICY"), "scalable-target:staging-taskmanager/worker.SuspendedState")
def _suspended(target: FaultTarget) -> None:
    _reregister(target, "worker", SuspendedState={"DynamicScalingOutSuspended": True})


@conforming("production-scheduled-scaling-suspended", "production",
            "scheduled scaling suspended on the api (target tracking still scales it)")
def _scheduled_suspended(target: FaultTarget) -> None:
    _reregister(target, "api", SuspendedState={"ScheduledScalingSuspended": True})


@conforming("staging-api-step-scaling", "staging", "staging api scales by a step policy instead of target tracking")
def _step_policy(target: FaultTarget) -> None:
    scaling = target.client("application-autoscaling")
    for policy in _policies(target, "api"):
        scaling.delete_scaling_policy(PolicyName=policy["PolicyName"], ServiceNamespace="ecs",
                                      ResourceId=policy["ResourceId"], ScalableDimension=DIMENSION)
    scaling.put_scaling_policy(
        PolicyName="staging-taskmanager-api-step", ServiceNamespace="ecs",
        ResourceId=target.names.scalable_target("api"), ScalableDimension=DIMENSION, PolicyType="StepScaling",
        StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity", "Cooldown": 60,
                                        "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]})


# --- alerting ---------------------------------------------------------------------------------------
@fault("production-alerts-unsubscribed", "production", "production alert topic with no subscriber left",
       live("MON-ALERT-SUBSCRIPTIONS"), "sns-topic:production-taskmanager-alerts.Subscriptions")
def _unsubscribed(target: FaultTarget) -> None:
    sns = target.client("sns")
    topic = target.alarm("db-cpu-high")["AlarmActions"][0]
    for subscription in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])


@fault("production-free-storage-alarm-deleted", "production", "production database free-storage alarm deleted",
       live("MON-ALARM-SIGNALS"), "alarms:production-taskmanager-*.signal.db-free-storage")
def _free_storage_deleted(target: FaultTarget) -> None:
    target.client("cloudwatch").delete_alarms(AlarmNames=[f"{target.names.prefix}-db-free-storage-low"])


@fault("production-latency-alarm-other-balancer", "production", "production latency alarm on another load balancer",
       live("MON-ALARM-SIGNALS"), "alarms:production-taskmanager-*.signal.alb-latency")
def _latency_elsewhere(target: FaultTarget) -> None:
    target.put_alarm(target.alarm("alb-latency"),
                     Dimensions=[{"Name": "LoadBalancer", "Value": "app/other-alb/0123456789abcdef"}])


@conforming("production-5xx-alarm-on-targets", "production",
            "the 5XX alarm watches the targets' 5XX (HTTPCode_Target_5XX_Count) instead of the load balancer's")
def _target_5xx(target: FaultTarget) -> None:
    target.put_alarm(target.alarm("alb-5xx"), MetricName="HTTPCode_Target_5XX_Count")


@conforming("production-alerts-second-subscriber", "production", "a second subscriber (SQS) on the alert topic")
def _second_subscriber(target: FaultTarget) -> None:
    queue = target.client("sqs").create_queue(QueueName="production-taskmanager-alerts-archive")["QueueUrl"]
    attributes = target.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    arn = attributes["Attributes"]["QueueArn"]
    target.client("sns").subscribe(TopicArn=target.alarm("db-cpu-high")["AlarmActions"][0], Protocol="sqs",
                                   Endpoint=arn)


# --- cost budget ------------------------------------------------------------------------------------
def _budget(target: FaultTarget, amount: str | None = None, **notification: Any) -> None:
    """Replace the budget (moto keeps no UpdateBudget history): the same name, a new limit or notification."""
    budgets, account = target.client("budgets"), target.client("sts").get_caller_identity()["Account"]
    name = target.names.live.budget
    current = budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    budgets.delete_budget(AccountId=account, BudgetName=name)
    limit = {"Amount": amount or current["BudgetLimit"]["Amount"], "Unit": "USD"}
    note = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
            "ThresholdType": "PERCENTAGE", **notification}
    budgets.create_budget(AccountId=account, Budget={"BudgetName": name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
                                                     "BudgetLimit": limit},
                          NotificationsWithSubscribers=[{"Notification": note, "Subscribers": [
                              {"SubscriptionType": "EMAIL", "Address": "finops@taskmanager.invalid"}]}])


@fault("staging-budget-deleted", "staging", "staging monthly cost budget deleted",
       live("COST-BUDGET"), "budget:staging-taskmanager-monthly.exists")
def _budget_deleted(target: FaultTarget) -> None:
    account = target.client("sts").get_caller_identity()["Account"]
    target.client("budgets").delete_budget(AccountId=account, BudgetName=target.names.live.budget)


@fault("production-budget-too-small", "production", "production budget limited at $1,000 (documented ~$2,210-$5,450)",
       live("COST-BUDGET"), "budget:production-taskmanager-monthly.BudgetLimit")
def _budget_small(target: FaultTarget) -> None:
    _budget(target, "1000")


@conforming("dev-budget-at-table-total", "dev", "dev budget at the infrastructure table's $77, alerting on forecast")
def _budget_table_total(target: FaultTarget) -> None:
    _budget(target, "77", NotificationType="FORECASTED", Threshold=100.0)


# RDS LatestRestorableTime has no fault: moto reports it as the time of the request, even with backups off
# (tests/shapes/test_ops_shapes.py proves the stale and absent cases on AWS's own shape).


# --- last month's cost (Cost Explorer) ----------------------------------------------------------------
def _bill(target: FaultTarget, **changes: Any) -> None:
    """Replace the sandbox's Cost Explorer bill (the world's, for the provisioned environments) by a changed one."""
    queue_bill(target.aws.endpoint, bill(default_world(), target.aws.environments, **changes))


@fault("production-cost-far-above", "production", "production cost $9,870 last month (documented ~$2,210-$5,450)",
       live("COST-LAST-MONTH"), "cost:Environment=production.UnblendedCost")
def _cost_far_above(target: FaultTarget) -> None:
    _bill(target, costs={"production": 9870.1204459117})


@fault("staging-cost-tag-not-activated", "staging",
       "Environment is not an activated cost allocation tag: every cost lands in the untagged group",
       live("COST-LAST-MONTH"), "cost:Environment=staging.UnblendedCost")
def _cost_tag_not_activated(target: FaultTarget) -> None:
    world = default_world()
    lines = [world.env(env).last_month_cost_usd or 0.0 for env in target.aws.environments]
    shared = (world.cost_explorer.untagged_usd or 0.0) if world.cost_explorer else 0.0
    _bill(target, costs=dict.fromkeys(target.aws.environments), untagged_usd=sum(lines) + shared)


@conforming("staging-cost-within-tolerance", "staging",
            "staging cost $409 last month: above the documented ~$380, within its 10% tolerance")
def _cost_within_tolerance(target: FaultTarget) -> None:
    _bill(target, costs={"staging": 409.3321870012})


@conforming("production-cost-estimated", "production",
            "last month's figure still estimated (the first days of the month, before AWS finalises the bill)")
def _cost_estimated(target: FaultTarget) -> None:
    _bill(target, estimated=True)
