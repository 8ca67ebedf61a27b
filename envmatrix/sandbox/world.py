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
    comparison: Literal["GreaterThanThreshold", "LessThanThreshold"] = "GreaterThanThreshold"


class Subscription(_Model):
    """Who the alert topic notifies (SNS protocol and endpoint; the on-call channel's address)."""

    protocol: Literal["email", "https", "sqs", "lambda", "sms"]
    endpoint: StrictStr


class Alerting(_Model):
    """The SNS topic alarms notify, who it notifies, and the alarms."""

    topic: StrictStr
    alarms: tuple[Alarm, ...] = Field(min_length=1)
    subscriptions: tuple[Subscription, ...] = ()


class ScalingPolicy(_Model):
    """The target-tracking policy Terraform puts on each scalable target (the seed: scale on CPU)."""

    metric: Literal["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]
    target_percent: PositiveFloat


class Buckets(_Model):
    backups: StrictBool
    log_archive: StrictBool


class Edge(_Model):
    """What the edge in front of the application does (the reference service plays it)."""

    basic_auth: StrictBool
    hsts: StrictBool


class Budget(_Model):
    """The monthly cost budget finance set for the environment, and the share of it that alerts."""

    limit_usd: PositiveFloat
    alert_percent: PositiveFloat
    alert_email: StrictStr


class WorldEnv(_Model):
    """One environment's deployment facts outside the tfvars and env files."""

    tags: dict[StrictStr, StrictStr]
    image_tag: StrictStr
    container_insights: StrictBool
    alerting: Alerting | None
    #: None: no scaling policy (the scalable targets, if the tfvars register any, never scale)
    scaling_policy: ScalingPolicy | None = None
    budget: Budget | None = None
    #: Secrets Manager secret name -> rotation days; a secret not listed is rotated by hand.
    rotation: dict[StrictStr, PositiveInt]
    waf: StrictBool
    buckets: Buckets
    tls_policy: StrictStr
    edge: Edge


class World(_Model):
    secret_marker: StrictStr
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
    return world


@cache
def default_world() -> World:
    """The shipped world file, read once."""
    return load_world()
