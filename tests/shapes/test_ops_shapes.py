"""Real shapes for the operations rows: scaling policies and suspension, RDS LatestRestorableTime."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import rds, scaling
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
            "TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
            "ScaleOutCooldown": 60, "ScaleInCooldown": 300}
        policy["Alarms"] = [{"AlarmName": f"TargetTracking-{RESOURCES[role]}-AlarmHigh-0e",
                             "AlarmARN": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:TargetTracking-0e"}]
    else:
        policy["StepScalingPolicyConfiguration"] = {
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 60,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2}]}
    return policy


def _scaling(targets: list[dict[str, Any]], *pages: list[dict[str, Any]]) -> Any:
    clients = StubbedClients(ENV)
    stub = clients.stub("application-autoscaling")
    stub.add_response("describe_scalable_targets", {"ScalableTargets": targets},
                      {"ServiceNamespace": "ecs", "ResourceIds": list(RESOURCES.values()),
                       "ScalableDimension": "ecs:service:DesiredCount"})
    for number, page in enumerate(pages):
        last = number == len(pages) - 1
        stub.add_response("describe_scaling_policies", {"ScalingPolicies": page, **({} if last else {"NextToken": "n"})},
                          {"ServiceNamespace": "ecs", **({"NextToken": "n"} if number else {})})
    inventory = scaling.fetch(target(ENV, clients))
    clients.verify()
    return judge(SLA, "AUTO-SCALING-POLICY", ENV, snapshot_of(ENV, scaling=inventory))


def test_target_tracking_on_each_target_is_green() -> None:
    assert _scaling([_target("api"), _target("worker")], [_policy("api"), _policy("worker")]).passed


def test_policies_over_pages_and_other_services_are_green() -> None:
    """Other services' policies share the namespace; ours may come on a later page, step policies count."""
    other = _policy("api", resource="service/other-cluster/api")
    assert _scaling([_target("api"), _target("worker")], [other, _policy("api", "StepScaling")],
                    [_policy("worker")]).passed


def test_scheduled_scaling_suspended_is_green() -> None:
    """Scheduled actions paused: the policies still scale."""
    targets = [_target("api", {"ScheduledScalingSuspended": True}), _target("worker")]
    assert _scaling(targets, [_policy("api"), _policy("worker")]).passed


def test_target_without_policy_is_red() -> None:
    verdict = _scaling([_target("api"), _target("worker")], [_policy("api")])
    assert not verdict.passed
    assert ("production AUTO-SCALING-POLICY scalable-target:production-taskmanager/worker.ScalingPolicies: "
            "expected at least one scaling policy, got none") in verdict.message


@pytest.mark.parametrize("flag", ["DynamicScalingInSuspended", "DynamicScalingOutSuspended"])
def test_suspended_dynamic_scaling_is_red(flag: str) -> None:
    verdict = _scaling([_target("api", {flag: True}), _target("worker")], [_policy("api"), _policy("worker")])
    assert not verdict.passed
    assert ("scalable-target:production-taskmanager/api.SuspendedState: expected dynamic scaling not suspended, "
            f'got ["{flag}"]') in verdict.message


def test_no_scalable_target_is_red_without_asking_for_policies() -> None:
    verdict = _scaling([])
    assert not verdict.passed
    assert "scalable-target:production-taskmanager/api.exists: expected present, got missing" in verdict.message
