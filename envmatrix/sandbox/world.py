"""The sandbox's own description of the deployment (world.yaml): what neither the tfvars nor the env files carry."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, StrictBool, StrictStr, ValidationError

from envmatrix.environments import ENVIRONMENTS
from envmatrix.errors import InputError

WORLD_FILE = Path(__file__).with_name("world.yaml")


class WorldError(InputError):
    kind = "sandbox world"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Alarm(_Model):
    """One CloudWatch alarm: its name suffix, metric, the resource it watches and its threshold."""

    name: StrictStr
    namespace: StrictStr
    metric: StrictStr
    resource: Literal["api", "worker", "db", "cache", "alb"]
    threshold: PositiveFloat


class Alerting(_Model):
    """The SNS topic alarms notify, and the alarms."""

    topic: StrictStr
    alarms: tuple[Alarm, ...] = Field(min_length=1)


class Buckets(_Model):
    backups: StrictBool
    log_archive: StrictBool


class Edge(_Model):
    """What the edge in front of the application does (the reference service plays it)."""

    basic_auth: StrictBool
    hsts: StrictBool


class BlueGreen(_Model):
    """A CodeDeploy blue/green deployment group for the api service (production's release pipeline)."""

    config: StrictStr
    rollback_events: tuple[Literal["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
                           ...]
    #: name suffixes of the environment's alarms (alerting.alarms) that stop a deployment
    alarms: tuple[StrictStr, ...]
    termination_wait_minutes: PositiveInt


class Deploy(_Model):
    """How the pipeline deploys the environment's services."""

    #: the api service's ECS deployment controller (the worker always rolls: it has no load balancer to shift)
    api_controller: Literal["ECS", "CODE_DEPLOY"]
    blue_green: BlueGreen | None
    #: the ECS deployment circuit breaker on rolling services (enable and rollback)
    circuit_breaker: StrictBool


class Registry(_Model):
    """The one ECR registry all environments pull from: repositories and the builds pushed to them."""

    tag_mutability: Literal["MUTABLE", "IMMUTABLE"]
    scan_on_push: StrictBool
    #: image tag -> the commit it was built from (one build is one manifest, so one digest, under several tags)
    builds: dict[StrictStr, StrictStr] = Field(min_length=1)


class WorldEnv(_Model):
    """One environment's deployment facts outside the tfvars and env files."""

    tags: dict[StrictStr, StrictStr]
    image_tag: StrictStr
    container_insights: StrictBool
    alerting: Alerting | None
    #: Secrets Manager secret name -> rotation days; a secret not listed is rotated by hand.
    rotation: dict[StrictStr, PositiveInt]
    waf: StrictBool
    buckets: Buckets
    tls_policy: StrictStr
    edge: Edge
    deploy: Deploy


class World(_Model):
    secret_marker: StrictStr
    registry: Registry
    environments: dict[Literal["dev", "staging", "production"], WorldEnv]

    def env(self, name: str) -> WorldEnv:
        return self.environments[name]  # type: ignore[index]


def load_world(path: Path = WORLD_FILE) -> World:
    """Read and validate a world file; raise WorldError naming the file and field on any problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise WorldError(path, f"cannot read: {exc}") from None
    try:
        world = World.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part != "[key]")  # pydantic marks bad dict keys
        raise WorldError(path, f"field {where}: {first['msg']}") from None
    missing = sorted(set(ENVIRONMENTS) - set(world.environments))
    if missing:
        raise WorldError(path, f"no description of {', '.join(missing)}")
    unbuilt = sorted(env for env, item in world.environments.items() if item.image_tag not in world.registry.builds)
    if unbuilt:
        raise WorldError(path, f"environments.{unbuilt[0]}.image_tag: not a build listed in registry.builds")
    return world


@cache
def default_world() -> World:
    """The shipped world file, read once."""
    return load_world()
