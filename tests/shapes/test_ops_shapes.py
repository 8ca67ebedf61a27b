"""Real shapes for the operations rows: scaling policies, RDS LatestRestorableTime, alarm signals, SNS subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import alarms as alarms_inventory
from envmatrix.aws import budgets, rds, scaling
from tests.shapes.harness import ACCOUNT, StubbedClients, judge, snapshot_of, target
from tests.shapes.test_harness import _instance

ENV = "production"
DB = "production-taskmanager-db"
TAKEN = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # snapshot_of's taken_at
SLA = "checks/live/test_sla.py"
RESOURCES = {role: f"service/production-taskmanager/{role}" for role in ("api", "worker")}


# --- RDS: backups happening -------------------------------------------------------------------------
def _backups(**overrides: Any) -> Any:
    clients = StubbedClients(ENV)
    clients.stub("rds").add_response("describe_db_instances", {"DBInstances": [_instance(DB, **overrides)]},
                                     {"DBInstanceIdentifier": DB})
    verdict = judge("checks/live/test_backups.py", "DB-BACKUPS-RECENT", ENV,
                    snapshot_of(ENV, rds=rds.fetch(target(ENV, clients))))
    clients.verify()
    return verdict


@pytest.mark.parametrize("minutes", [0, 5, 14])
def test_restorable_time_within_the_window_is_green(minutes: int) -> None:
    assert _backups(LatestRestorableTime=TAKEN - dt.timedelta(minutes=minutes)).passed


def test_stale_restorable_time_is_red() -> None:
    verdict = _backups(LatestRestorableTime=TAKEN - dt.timedelta(hours=6))
    assert not verdict.passed
    assert (f"production DB-BACKUPS-RECENT rds:{DB}.LatestRestorableTime: expected within 15 min, got 360 min ago"
            in verdict.message)


def test_no_restorable_time_is_red() -> None:
    """Backups off (retention 0) or a new instance: AWS leaves LatestRestorableTime out."""
    verdict = _backups(BackupRetentionPeriod=0)
    assert not verdict.passed
    assert "got none (no automated backup yet)" in verdict.message


# --- Application Auto Scaling: policies and suspension ------------------------------------------------
def _target(role: str, suspended: dict[str, bool] | None = None) -> dict[str, Any]:
    """A DescribeScalableTargets member as AWS returns it (SuspendedState is always present on AWS)."""
    return {"ServiceNamespace": "ecs", "ResourceId": RESOURCES[role], "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 5, "MaxCapacity": 50, "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs",
            "CreationTime": TAKEN - dt.timedelta(days=30),
            "ScalableTargetARN": f"arn:aws:application-autoscaling:us-east-1:{ACCOUNT}:scalable-target/0e{role}",
            "SuspendedState": {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False,
                               "ScheduledScalingSuspended": False, **(suspended or {})}}


def _policy(role: str, kind: str = "TargetTrackingScaling", resource: str | None = None) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "PolicyARN": f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:scalingPolicy:0e:resource/ecs/{RESOURCES[role]}:"
                     f"policyName/{role}-cpu", "PolicyName": f"{role}-cpu", "ServiceNamespace": "ecs",
        "ResourceId": resource or RESOURCES[role], "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": kind, "CreationTime": TAKEN - dt.timedelta(days=30)}
    if kind == "TargetTrackingScaling":
        policy["TargetTrackingScalingPolicyConfiguration"] = {
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
            "ScaleOutCooldown": 60, "ScaleInCooldown": 300}
        policy["Alarms"] = [{"AlarmName": f"TargetTracking-{RESOURCES[role]}-AlarmHigh-0e",
                             "AlarmARN": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:TargetTracking-0e"}]
    else:
        policy["StepScalingPolicyConfiguration"] = {
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 60,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2}]}
    return policy


def _scaling(targets: list[dict[str, Any]], api: list[list[dict[str, Any]]] | None = None,
             worker: list[list[dict[str, Any]]] | None = None) -> Any:
    """Answers for the targets, then each role's DescribeScalingPolicies pages (one paginated read per target)."""
    clients = StubbedClients(ENV)
    stub = clients.stub("application-autoscaling")
    stub.add_response("describe_scalable_targets", {"ScalableTargets": targets},
                      {"ServiceNamespace": "ecs", "ResourceIds": list(RESOURCES.values()),
                       "ScalableDimension": "ecs:service:DesiredCount"})
    for role, pages in (("api", api), ("worker", worker)):
        for number, page in enumerate(pages or []):
            more = {} if number == len(pages or []) - 1 else {"NextToken": "n"}
            asked = {"ServiceNamespace": "ecs", "ResourceId": RESOURCES[role],
                     "ScalableDimension": "ecs:service:DesiredCount", **({"NextToken": "n"} if number else {})}
            stub.add_response("describe_scaling_policies", {"ScalingPolicies": page, **more}, asked)
    inventory = scaling.fetch(target(ENV, clients))
    clients.verify()
    return judge(SLA, "AUTO-SCALING-POLICY", ENV, snapshot_of(ENV, scaling=inventory))


BOTH = [_target("api"), _target("worker")]


def test_target_tracking_on_each_target_is_green() -> None:
    assert _scaling(BOTH, [[_policy("api")]], [[_policy("worker")]]).passed


def test_policies_over_pages_and_step_policies_are_green() -> None:
    assert _scaling(BOTH, [[], [_policy("api", "StepScaling")]], [[_policy("worker")]]).passed


def test_scheduled_scaling_suspended_is_green() -> None:
    """Scheduled actions paused: the policies still scale."""
    targets = [_target("api", {"ScheduledScalingSuspended": True}), _target("worker")]
    assert _scaling(targets, [[_policy("api")]], [[_policy("worker")]]).passed


def test_target_without_policy_is_red() -> None:
    verdict = _scaling(BOTH, [[_policy("api")]], [[]])
    assert not verdict.passed
    assert ("production AUTO-SCALING-POLICY scalable-target:production-taskmanager/worker.ScalingPolicies: "
            "expected at least one scaling policy, got none") in verdict.message


@pytest.mark.parametrize("flag", ["DynamicScalingInSuspended", "DynamicScalingOutSuspended"])
def test_suspended_dynamic_scaling_is_red(flag: str) -> None:
    verdict = _scaling([_target("api", {flag: True}), _target("worker")], [[_policy("api")]], [[_policy("worker")]])
    assert not verdict.passed
    assert ("scalable-target:production-taskmanager/api.SuspendedState: expected dynamic scaling not suspended, "
            f'got ["{flag}"]') in verdict.message


def test_no_scalable_target_is_red_without_asking_for_policies() -> None:
    verdict = _scaling([])
    assert not verdict.passed
    assert "scalable-target:production-taskmanager/api.exists: expected present, got missing" in verdict.message


# --- CloudWatch alarms on the monitoring level's signals, SNS subscriptions --------------------------
MON = "checks/live/test_monitoring.py"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:production-taskmanager-alerts"
ALB_DIMENSION = "app/production-taskmanager-alb/50dc6c495c0c9188"
WATCHES: dict[str, tuple[str, str, dict[str, str]]] = {
    "alb-5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": ALB_DIMENSION}),
    "alb-latency": ("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": ALB_DIMENSION}),
    "db-cpu": ("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": DB}),
    "db-free-storage": ("AWS/RDS", "FreeStorageSpace", {"DBInstanceIdentifier": DB}),
    **{f"{role}-{kind}": ("AWS/ECS", metric, {"ClusterName": "production-taskmanager", "ServiceName": role})
       for role in ("api", "worker") for kind, metric in (("cpu", "CPUUtilization"), ("memory", "MemoryUtilization"))},
}


def _alarm(key: str, **overrides: Any) -> dict[str, Any]:
    """A DescribeAlarms MetricAlarms member as AWS returns it."""
    namespace, metric, dims = WATCHES[key]
    name = f"production-taskmanager-{key}"
    return {"AlarmName": name, "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}",
            "ActionsEnabled": True, "AlarmActions": [TOPIC], "OKActions": [TOPIC], "InsufficientDataActions": [],
            "StateValue": "OK", "StateUpdatedTimestamp": TAKEN, "MetricName": metric, "Namespace": namespace,
            "Statistic": "Average", "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Period": 300, "EvaluationPeriods": 2, "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
            **overrides}


def _math_alarm() -> dict[str, Any]:
    """A metric-math 5XX rate alarm: no top-level metric, the metrics are in Metrics[].MetricStat."""
    dims = [{"Name": "LoadBalancer", "Value": ALB_DIMENSION}]
    stat = [{"Id": metric_id, "ReturnData": False, "MetricStat": {"Metric": {
        "Namespace": "AWS/ApplicationELB", "MetricName": name, "Dimensions": dims}, "Period": 300, "Stat": "Sum"}}
        for metric_id, name in (("errors", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount"))]
    alarm = _alarm("alb-5xx", AlarmName="production-taskmanager-5xx-rate",
                   Metrics=[*stat, {"Id": "rate", "Expression": "100*errors/requests", "ReturnData": True}])
    for key in ("MetricName", "Namespace", "Statistic", "Dimensions", "Period"):
        del alarm[key]
    return alarm


def _subscription(arn: str, protocol: str = "https") -> dict[str, Any]:
    return {"SubscriptionArn": arn, "Owner": ACCOUNT, "Protocol": protocol, "Endpoint": "https://hooks.example/x",
            "TopicArn": TOPIC}


def _monitoring(alarms: list[dict[str, Any]], subscriptions: list[dict[str, Any]] | None = None,
                check: str = "MON-ALARM-SIGNALS", topic_missing: bool = False) -> Any:
    clients = StubbedClients(ENV)
    cloudwatch = clients.stub("cloudwatch")
    cloudwatch.add_response("describe_alarms", {"MetricAlarms": alarms}, {
        "AlarmNamePrefix": "production-taskmanager-", "AlarmTypes": ["CompositeAlarm", "MetricAlarm"]})
    for alarm in alarms:
        cloudwatch.add_response("list_tags_for_resource", {"Tags": [{"Key": "Environment", "Value": ENV}]},
                                {"ResourceARN": alarm["AlarmArn"]})
    if topic_missing:
        clients.stub("sns").add_client_error("list_subscriptions_by_topic", "NotFound", "Topic does not exist", 404)
    elif any(alarm["AlarmActions"] for alarm in alarms):
        clients.stub("sns").add_response("list_subscriptions_by_topic",
                                         {"Subscriptions": subscriptions or []}, {"TopicArn": TOPIC})
    inventory = alarms_inventory.fetch(target(ENV, clients))
    clients.verify()
    return judge(MON, check, ENV, snapshot_of(ENV, alarms=inventory))


CONFIRMED = [_subscription(f"{TOPIC}:5f2a7a1e-3c1b-4a0e-9a55-0e4d1b6c2f11")]


def test_every_signal_alarmed_is_green() -> None:
    assert _monitoring([_alarm(key) for key in WATCHES], CONFIRMED).passed


def test_metric_math_alarm_and_cluster_level_cache_alarm_are_green() -> None:
    """A 5XX rate alarm by metric math covers the 5XX signal; an extra alarm on an unlisted signal is fine."""
    others = [_alarm(key) for key in WATCHES if key != "alb-5xx"]
    assert _monitoring([_math_alarm(), *others], CONFIRMED).passed


def test_missing_signal_is_red() -> None:
    verdict = _monitoring([_alarm(key) for key in WATCHES if key != "db-free-storage"], CONFIRMED)
    assert not verdict.passed
    assert ("production MON-ALARM-SIGNALS alarms:production-taskmanager-*.signal.db-free-storage: expected an enabled "
            "alarm notifying SNS on AWS/RDS FreeStorageSpace of db, got none") in verdict.message


def test_signal_on_another_resource_or_disabled_is_red() -> None:
    moved = _alarm("api-memory", Dimensions=[{"Name": "ClusterName", "Value": "staging-taskmanager"},
                                             {"Name": "ServiceName", "Value": "api"}])
    disabled = _alarm("alb-latency", ActionsEnabled=False)
    rest = [_alarm(key) for key in WATCHES if key not in ("api-memory", "alb-latency")]
    verdict = _monitoring([moved, disabled, *rest], CONFIRMED)
    assert not verdict.passed
    assert "signal.alb-latency: expected an enabled alarm" in verdict.message


def test_confirmed_subscription_is_green() -> None:
    pending = _subscription("PendingConfirmation", "email")
    assert _monitoring([_alarm("db-cpu")], [pending, *CONFIRMED], check="MON-ALERT-SUBSCRIPTIONS").passed


def test_only_pending_subscriptions_are_red() -> None:
    verdict = _monitoring([_alarm("db-cpu")], [_subscription("PendingConfirmation", "email")],
                          check="MON-ALERT-SUBSCRIPTIONS")
    assert not verdict.passed
    assert ("production MON-ALERT-SUBSCRIPTIONS sns-topic:production-taskmanager-alerts.Subscriptions: expected at "
            "least one confirmed subscription, got none (1 pending confirmation)") in verdict.message


def test_deleted_topic_is_red() -> None:
    verdict = _monitoring([_alarm("db-cpu")], check="MON-ALERT-SUBSCRIPTIONS", topic_missing=True)
    assert not verdict.passed
    assert "sns-topic:production-taskmanager-alerts.exists: expected present, got missing" in verdict.message


def test_alarms_without_topics_are_red() -> None:
    verdict = _monitoring([_alarm("db-cpu", AlarmActions=[])], check="MON-ALERT-SUBSCRIPTIONS")
    assert not verdict.passed
    assert "AlarmActions (SNS topics): expected at least one topic, got 0" in verdict.message


# --- AWS Budgets: the monthly cost budget --------------------------------------------------------------
BUDGET = "production-taskmanager-monthly"


def _budget(amount: str = "5450.0", notifications: list[dict[str, Any]] | None = None, *, missing: bool = False,
            **overrides: Any) -> Any:
    clients = StubbedClients(ENV)
    clients.stub("sts").add_response("get_caller_identity", {
        "Account": ACCOUNT, "UserId": "AROAEXAMPLE:envmatrix", "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/audit/x"})
    stub = clients.stub("budgets")
    params = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    if missing:
        stub.add_client_error("describe_budget", "NotFoundException", "Unable to get budget", 404,
                              expected_params=params)
    else:
        stub.add_response("describe_budget", {"Budget": {
            "BudgetName": BUDGET, "BudgetLimit": {"Amount": amount, "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST", "CalculatedSpend": {"ActualSpend": {"Amount": "3620.17", "Unit": "USD"}},
            "TimePeriod": {"Start": TAKEN - dt.timedelta(days=24), "End": dt.datetime(2087, 6, 15, tzinfo=dt.UTC)},
            **overrides}}, params)
        note = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                "ThresholdType": "PERCENTAGE", "NotificationState": "OK"}
        stub.add_response("describe_notifications_for_budget",
                          {"Notifications": [note] if notifications is None else notifications}, params)
    inventory = budgets.fetch(target(ENV, clients))
    clients.verify()
    return judge("checks/live/test_cost.py", "COST-BUDGET", ENV, snapshot_of(ENV, budgets=inventory))


@pytest.mark.parametrize("amount", ["5450.0", "2210", "2000.5", "5995"])
def test_budget_within_the_documented_range_is_green(amount: str) -> None:
    assert _budget(amount).passed


def test_forecast_alert_in_absolute_dollars_is_green() -> None:
    forecast = {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 5000.0,
                "ThresholdType": "ABSOLUTE_VALUE"}
    assert _budget(notifications=[forecast]).passed


def test_budget_far_from_the_documented_amount_is_red() -> None:
    verdict = _budget("1000.0")
    assert not verdict.passed
    assert (f"production COST-BUDGET budget:{BUDGET}.BudgetLimit: expected ~$2,210-$5,450 USD (within 10%: "
            "$1,989-$5,995), got $1,000 USD") in verdict.message


def test_budget_without_notification_is_red() -> None:
    verdict = _budget(notifications=[])
    assert not verdict.passed
    assert "Notifications: expected at least one alert notification, got none" in verdict.message


def test_usage_budget_or_missing_budget_is_red() -> None:
    assert "BudgetType: expected COST, got USAGE" in _budget(BudgetType="USAGE").message
    assert f"budget:{BUDGET}.exists: expected present, got missing" in _budget(missing=True).message
