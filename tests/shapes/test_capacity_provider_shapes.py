"""ECS on EC2 capacity providers, as real accounts answer: no task-level cpu/memory, the containers sized instead.

On Fargate a task definition carries ``cpu`` and ``memory``; on EC2 both are optional at task level and each
container reserves ``cpu`` units and ``memory`` (hard limit) or ``memoryReservation`` (soft). The live layer then
judges the containers' sums (saying which fields it summed) and fails closed where nothing sizes the task.
"""

from __future__ import annotations

from typing import Any

from tests.shapes.harness import judge, snapshot_of
from tests.shapes.test_ecs_shapes import (
    DRIFT,
    ENV,
    FIRELENS,
    NAMES,
    RIGHT,
    SLA,
    World,
    app_container,
    service,
    task_definition,
)

PROVIDER = [{"capacityProvider": f"{NAMES.cluster}-ec2", "weight": 1, "base": 0}]


def on_ec2(raw: dict[str, Any]) -> dict[str, Any]:
    """A DescribeServices member placed by a capacity provider strategy (no launchType on service or deployment)."""
    raw = {key: value for key, value in raw.items() if key != "launchType"}
    raw["capacityProviderStrategy"] = PROVIDER
    raw["deployments"] = [{**{k: v for k, v in item.items() if k != "launchType"}, "capacityProviderStrategy": PROVIDER}
                          for item in raw.get("deployments", [])]
    return raw


def ec2_definition(role: str, revision: int, containers: list[dict[str, Any]]) -> dict[str, Any]:
    """A DescribeTaskDefinition answer of an EC2 task definition: bridge networking, sized per container only."""
    answer = task_definition(role, revision, containers=containers)
    raw = answer["taskDefinition"]
    for key in ("cpu", "memory"):
        del raw[key]
    raw.update(networkMode="bridge", requiresCompatibilities=["EC2"], compatibilities=["EC2"])
    return answer


def sized(container: dict[str, Any], **size: int) -> dict[str, Any]:
    return {**container, **size}


def snapshot(api_containers: list[dict[str, Any]]) -> Any:
    world = World().services(on_ec2(service("api", 8, desired=5)), on_ec2(service("worker", 7, desired=10)))
    world.definition(NAMES.family("api"), ec2_definition("api", 8, api_containers))
    world.definition(NAMES.family("worker"), task_definition("worker", 7))  # the latest is the running revision
    return snapshot_of(ENV, ecs=world.inventory())


def firelens() -> dict[str, Any]:
    return {key: value for key, value in FIRELENS.items()}


def test_container_reservations_summed_meet_the_documented_size() -> None:
    """cpu 896 + 128 = 1024 and memory 1792 (hard limit) + 256 (soft reservation only) = 2048: green, and the
    evidence says which fields were summed."""
    cpu, memory, _level = RIGHT["api"]
    shot = snapshot([sized(app_container("api"), cpu=896, memory=1792),
                     sized(firelens(), cpu=128, memoryReservation=256)])
    verdict = judge(SLA, "ECS-API-TASK-SIZE", ENV, shot)
    assert verdict.passed, verdict.message
    settings = {item.setting: item.actual for item in verdict.evidence}
    assert settings["containerDefinitions[].cpu (sum: api.cpu 896 + log_router.cpu 128)"] == cpu
    assert settings["containerDefinitions[].memory (sum: api.memory 1792 + log_router.memoryReservation 256)"] \
        == memory
    for key in ("api_cpu", "api_memory"):
        drift = judge(DRIFT, "DRIFT-SERVICES", ENV, shot, key=key)
        assert drift.passed, drift.message


def test_hard_limit_wins_over_the_soft_reservation_of_the_same_container() -> None:
    shot = snapshot([sized(app_container("api"), cpu=1024, memory=2048, memoryReservation=1024)])
    assert judge(SLA, "ECS-API-TASK-SIZE", ENV, shot).passed


def test_containers_reserving_less_than_documented_is_red_naming_the_sum() -> None:
    shot = snapshot([sized(app_container("api"), cpu=512, memoryReservation=1024),
                     sized(firelens(), memoryReservation=256)])
    verdict = judge(SLA, "ECS-API-TASK-SIZE", ENV, shot)
    assert not verdict.passed
    assert verdict.message.startswith(
        f"{ENV} ECS-API-TASK-SIZE ecs-task-definition:{NAMES.family('api')}.containerDefinitions[].cpu "
        "(sum: api.cpu 512): expected 1024, got 512"), verdict.message


def test_no_cpu_anywhere_fails_closed_naming_it() -> None:
    """EC2 allows a task reserving no cpu (containers share the instance): nothing to judge, so red, never null."""
    shot = snapshot([sized(app_container("api"), cpu=0, memory=2048)])  # AWS answers cpu 0 where none was given
    verdict = judge(SLA, "ECS-API-TASK-SIZE", ENV, shot)
    assert not verdict.passed
    assert "no task-level cpu and no container reserves cpu (all 0 or unset)" in verdict.message
    assert "null" not in verdict.message and "None" not in verdict.message
    drift = judge(DRIFT, "DRIFT-SERVICES", ENV, shot, key="api_cpu")
    assert not drift.passed and "no task-level cpu and no container reserves cpu (all 0 or unset)" in drift.message


def test_a_container_without_memory_or_reservation_fails_closed_naming_it() -> None:
    shot = snapshot([sized(app_container("api"), cpu=1024, memory=2048), sized(firelens(), cpu=0)])
    verdict = judge(SLA, "ECS-API-TASK-SIZE", ENV, shot)
    assert not verdict.passed
    assert "container(s) log_router set neither memory nor memoryReservation" in verdict.message
