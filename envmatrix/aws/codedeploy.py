"""CodeDeploy inventory: the deployment group that rolls out the api service blue/green, and how it shifts traffic."""

from __future__ import annotations

import math
from typing import Any

from envmatrix.aws.reading import or_none, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

MISSING = ("ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException")
#: Groups looked at when the named one is missing (one GetDeploymentGroup each, those naming the api service first,
#: from every page of the listing); more is someone else's app.
MAX_GROUPS = 10


class TrafficShift(Model):
    """How a deployment config moves traffic to the new (green) task set."""

    config_name: str
    kind: str  # AllAtOnce, TimeBasedCanary, TimeBasedLinear
    first_percent: int  # share of traffic the first shift moves
    first_step_minutes: int  # how long traffic stays at the first step before the next shift
    steps_percent: list[int]  # cumulative share after each shift
    source: str  # "AWS predefined config" or "GetDeploymentConfig"


#: AWS's predefined ECS configs (docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html):
#: facts of AWS, read as data because GetDeploymentConfig is not needed (nor implemented by moto) for them.
PREDEFINED: dict[str, tuple[str, int, int]] = {
    "CodeDeployDefault.ECSAllAtOnce": ("AllAtOnce", 100, 0),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": ("TimeBasedCanary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": ("TimeBasedCanary", 10, 15),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": ("TimeBasedLinear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": ("TimeBasedLinear", 10, 3),
}


class DeploymentGroup(Model):
    application: str
    name: str
    services: list[str]  # "cluster/service" of each ECS service the group deploys
    style: str  # "<deploymentType> <deploymentOption>", e.g. "BLUE_GREEN WITH_TRAFFIC_CONTROL"
    config_name: str
    auto_rollback: bool
    rollback_events: list[str]
    alarms_enabled: bool
    alarms: list[str]
    traffic: TrafficShift | None  # None: a custom config that could not be read


class CodeDeployInventory(Model):
    group: DeploymentGroup | None


def shift(config_name: str, kind: str, percent: int, minutes: int, source: str) -> TrafficShift:
    """The traffic steps of a canary (one step, then the rest) or linear (equal steps) config."""
    if kind == "TimeBasedCanary":
        steps = [percent, 100]
    elif kind == "TimeBasedLinear" and percent > 0:
        steps = [min(percent * n, 100) for n in range(1, math.ceil(100 / percent) + 1)]
    else:
        steps, percent, minutes = [100], 100, 0
    return TrafficShift(config_name=config_name, kind=kind, first_percent=steps[0], first_step_minutes=minutes,
                        steps_percent=steps, source=source)


def _custom_config(target: AwsTarget, name: str) -> TrafficShift | None:
    client = target.clients.client("codedeploy")
    answer = or_none(lambda: client.get_deployment_config(deploymentConfigName=name),
                     "DeploymentConfigDoesNotExistException")
    routing = ((answer or {}).get("deploymentConfigInfo") or {}).get("trafficRoutingConfig") or {}
    kind = routing.get("type")
    if kind == "TimeBasedCanary":
        canary = routing.get("timeBasedCanary") or {}
        return shift(name, kind, int(canary.get("canaryPercentage", 0)), int(canary.get("canaryInterval", 0)),
                     "GetDeploymentConfig")
    if kind == "TimeBasedLinear":
        linear = routing.get("timeBasedLinear") or {}
        return shift(name, kind, int(linear.get("linearPercentage", 0)), int(linear.get("linearInterval", 0)),
                     "GetDeploymentConfig")
    return shift(name, "AllAtOnce", 100, 0, "GetDeploymentConfig") if kind == "AllAtOnce" else None


def traffic_of(target: AwsTarget, name: str) -> TrafficShift | None:
    if name in PREDEFINED:
        kind, percent, minutes = PREDEFINED[name]
        return shift(name, kind, percent, minutes, "AWS predefined config")
    return _custom_config(target, name)


def _group(target: AwsTarget, raw: dict[str, Any]) -> DeploymentGroup:
    style = raw.get("deploymentStyle") or {}
    rollback = raw.get("autoRollbackConfiguration") or {}
    alarms = raw.get("alarmConfiguration") or {}
    config = raw.get("deploymentConfigName", "CodeDeployDefault.ECSAllAtOnce")
    return DeploymentGroup(
        application=raw.get("applicationName", ""), name=raw.get("deploymentGroupName", ""),
        services=[f"{s.get('clusterName')}/{s.get('serviceName')}" for s in raw.get("ecsServices", [])],
        style=f"{style.get('deploymentType', 'IN_PLACE')} {style.get('deploymentOption', 'WITHOUT_TRAFFIC_CONTROL')}",
        config_name=config, auto_rollback=bool(rollback.get("enabled")),
        rollback_events=sorted(rollback.get("events") or []), alarms_enabled=bool(alarms.get("enabled")),
        alarms=[a.get("name", "") for a in alarms.get("alarms") or []], traffic=traffic_of(target, config))


def _group_names(client: Any, application: str) -> list[str]:
    """Every page of ListDeploymentGroups (AWS pages them with nextToken; the api's group may be on any page)."""
    pages = client.get_paginator("list_deployment_groups").paginate(applicationName=application)
    return [name for page in pages for name in page.get("deploymentGroups", [])]


def _find(target: AwsTarget) -> dict[str, Any] | None:
    """The named group; else the application's group that deploys the api service (names differ in real accounts)."""
    client, names = target.clients.client("codedeploy"), target.names
    application = names.codedeploy_application
    answer = or_none(lambda: client.get_deployment_group(applicationName=application,
                                                         deploymentGroupName=names.api_deployment_group), *MISSING)
    if answer is not None:
        return dict(answer["deploymentGroupInfo"])
    listed = or_none(lambda: _group_names(client, application), *MISSING)
    wanted = f"{names.cluster}/{names.service('api')}"
    service = names.service("api")
    likely = sorted(listed or [], key=lambda name: service not in name)  # stable: the api's names first
    for name in likely[:MAX_GROUPS]:
        raw = client.get_deployment_group(applicationName=application, deploymentGroupName=name)
        info = dict(raw["deploymentGroupInfo"])
        if any(f"{s.get('clusterName')}/{s.get('serviceName')}" == wanted for s in info.get("ecsServices", [])):
            return info
    return None


def fetch(target: AwsTarget) -> CodeDeployInventory:
    """The api service's deployment group, only where the spec asks for blue/green (production)."""
    if not target.wants.blue_green:
        return CodeDeployInventory(group=None)
    names = target.names
    with reading(target.env, f"CodeDeploy deployment group {names.codedeploy_application}/"
                             f"{names.api_deployment_group}"):
        raw = _find(target)
        return CodeDeployInventory(group=_group(target, raw) if raw is not None else None)


SECTION = Section("codedeploy", fetch, CodeDeployInventory, services=("codedeploy",), operations=(
    ("codedeploy", "GetDeploymentConfig"),
    ("codedeploy", "GetDeploymentGroup"),
    ("codedeploy", "ListDeploymentGroups"),
))
