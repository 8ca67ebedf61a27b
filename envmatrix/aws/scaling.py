"""Application Auto Scaling inventory: the ECS services' DesiredCount scalable targets and their policies."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

ROLES: tuple[str, ...] = ("api", "worker")
DIMENSION = "ecs:service:DesiredCount"


class ScalingPolicy(Model):
    name: str
    policy_type: str  # TargetTrackingScaling, StepScaling or PredictiveScaling


class ScalableTarget(Model):
    resource_id: str
    min_capacity: int
    max_capacity: int
    #: Dynamic SuspendedState flags that are true: policies then never scale the target in (or out)
    suspended: list[str] = []
    policies: list[ScalingPolicy] = []


class ScalingInventory(Model):
    # Tags are not read: moto does not implement tagging for scalable targets.
    targets: dict[str, ScalableTarget | None]


def _suspended(raw: dict[str, Any]) -> list[str]:
    # ScheduledScalingSuspended is left out: it pauses scheduled actions only, never the policies' scaling.
    flags = raw.get("SuspendedState") or {}
    return sorted(flag for flag, on in flags.items() if on is True and flag.startswith("DynamicScaling"))


def _policies(target: AwsTarget, ids: dict[str, str]) -> dict[str, list[ScalingPolicy]]:
    """Each target's policies, one read per resource id (the API filters by one ResourceId; a namespace-wide read
    would be the same request for every environment of the account, and page through unrelated services)."""
    client = target.clients.client("application-autoscaling")
    found: dict[str, list[ScalingPolicy]] = {role: [] for role in ids.values()}
    with reading(target.env, f"scaling policies of {', '.join(ids)}"):
        for resource, role in ids.items():
            pages = client.get_paginator("describe_scaling_policies").paginate(
                ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)
            found[role] = [ScalingPolicy(name=raw["PolicyName"], policy_type=raw.get("PolicyType", ""))
                           for page in pages for raw in page.get("ScalingPolicies", [])]
    return found


def fetch(target: AwsTarget) -> ScalingInventory:
    ids = {target.names.scalable_target(role): role for role in ROLES}
    client = target.clients.client("application-autoscaling")
    found: dict[str, ScalableTarget | None] = dict.fromkeys(ROLES)
    with reading(target.env, f"scalable targets {', '.join(ids)}"):
        answer = client.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=list(ids),
                                                  ScalableDimension=DIMENSION)
    raws = [raw for raw in answer.get("ScalableTargets", []) if raw.get("ResourceId") in ids]
    policies = _policies(target, ids) if raws else {}  # no target: nothing can scale, no policy to read
    for raw in raws:
        role = ids[raw["ResourceId"]]
        found[role] = ScalableTarget(
            resource_id=raw["ResourceId"], min_capacity=int(raw["MinCapacity"]),
            max_capacity=int(raw["MaxCapacity"]), suspended=_suspended(raw), policies=policies.get(role, []))
    return ScalingInventory(targets=found)


SECTION = Section("scaling", fetch, ScalingInventory, services=("application-autoscaling",), operations=(
    ("application-autoscaling", "DescribeScalableTargets"),
    ("application-autoscaling", "DescribeScalingPolicies"),
))
