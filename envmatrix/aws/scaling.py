"""Application Auto Scaling inventory: the ECS services' DesiredCount scalable targets."""

from __future__ import annotations

from envmatrix.aws.reading import reading
from envmatrix.aws.target import Model, Target

ROLES: tuple[str, ...] = ("api", "worker")
DIMENSION = "ecs:service:DesiredCount"


class ScalableTarget(Model):
    resource_id: str
    min_capacity: int
    max_capacity: int


class ScalingInventory(Model):
    # Tags are not read: moto does not implement tagging for scalable targets.
    targets: dict[str, ScalableTarget | None]


def fetch(target: Target) -> ScalingInventory:
    ids = {target.names.scalable_target(role): role for role in ROLES}
    client = target.clients.client("application-autoscaling")
    found: dict[str, ScalableTarget | None] = dict.fromkeys(ROLES)
    with reading(target.env, f"scalable targets {', '.join(ids)}"):
        answer = client.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=list(ids),
                                                  ScalableDimension=DIMENSION)
    for raw in answer.get("ScalableTargets", []):
        if raw.get("ResourceId") in ids:
            found[ids[raw["ResourceId"]]] = ScalableTarget(
                resource_id=raw["ResourceId"], min_capacity=int(raw["MinCapacity"]),
                max_capacity=int(raw["MaxCapacity"]))
    return ScalingInventory(targets=found)
