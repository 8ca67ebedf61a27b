"""The sandbox's own description of the deployment (world.yaml): what neither the tfvars nor the env files carry."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
)

from envmatrix.errors import InputError

WORLD_FILE = Path(__file__).with_name("world.yaml")
#: Another world file (a project with environments of its own: each needs its description here too).
WORLD_VARIABLE = "ENVMATRIX_SANDBOX_WORLD"
#: An environment's name as the deployment uses it (resource names, file paths).
EnvName = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


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
    #: URI path prefixes of the admin endpoints a WAF rule guards where the tfvars give admin_allowed_cidrs
    admin_paths: tuple[StrictStr, ...] = ()


class Traffic(_Model):
    """What the load balancer served each day of the recent past (CloudWatch's AWS/ApplicationELB sums)."""

    days: PositiveInt
    requests_per_day: PositiveInt
    elb_5xx_per_day: NonNegativeInt
    target_5xx_per_day: NonNegativeInt


class HealthCheck(_Model):
    """The external health check on the environment's domain, and whether an alarm watches it."""

    kind: Literal["route53", "canary"]
    path: StrictStr
    alarm: StrictBool


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


class Budget(_Model):
    """The monthly cost budget finance set for the environment, and the share of it that alerts."""

    limit_usd: PositiveFloat
    alert_percent: PositiveFloat
    alert_email: StrictStr


class CostExplorer(_Model):
    """Cost Explorer's view of the account's last full month, beside the environments' own lines."""

    #: shared costs carrying no environment tag (DNS zone, CloudTrail, ...): the ``Environment$`` group
    untagged_usd: PositiveFloat | None = None
    #: AWS may still revise a closed month in the next one's first days
    estimated: StrictBool = False


class DbAudit(_Model):
    """The database module's audit settings, applied where the tfvars turn db_audit_logging on."""

    log_exports: tuple[StrictStr, ...]
    parameter_family: StrictStr
    parameters: dict[StrictStr, StrictStr]


class Trail(_Model):
    """The environment's CloudTrail trail (``<env>-taskmanager-trail``), logging to its own bucket."""

    #: basic: EventSelectors (``read_write`` of management events); advanced: AdvancedEventSelectors on
    #: management events (with ``readOnly = false`` where ``read_write`` is WriteOnly)
    selectors: Literal["basic", "advanced"] = "basic"
    read_write: Literal["All", "WriteOnly"] = "All"
    multi_region: StrictBool = True
    logging: StrictBool = True


class WorldEnv(_Model):
    """One environment's deployment facts outside the tfvars and env files."""

    tags: dict[StrictStr, StrictStr]
    image_tag: StrictStr
    container_insights: StrictBool
    alerting: Alerting | None
    #: None: no scaling policy (the scalable targets, if the tfvars register any, never scale)
    scaling_policy: ScalingPolicy | None = None
    budget: Budget | None = None
    #: what the environment cost last month (UnblendedCost, USD) under its Environment tag; None: nothing recorded
    last_month_cost_usd: PositiveFloat | None = None
    #: Secrets Manager secret name -> rotation days; a secret not listed is rotated by hand.
    rotation: dict[StrictStr, PositiveInt]
    waf: StrictBool
    buckets: Buckets
    tls_policy: StrictStr
    edge: Edge
    traffic: Traffic | None = None  # None: the load balancer served nothing
    health_check: HealthCheck | None = None
    deploy: Deploy
    #: None: the module's audit settings are not described (db_audit_logging = true then fails provisioning)
    db_audit: DbAudit | None = None
    #: None: no trail (change control then has nothing to read)
    trail: Trail | None = None


class GithubReviewer(_Model):
    """A required reviewer of a deployment environment: a user (login) or a team (slug)."""

    type: Literal["User", "Team"]
    name: StrictStr


class GithubEnvironment(_Model):
    reviewers: tuple[GithubReviewer, ...] = ()
    wait_timer: int = Field(default=0, ge=0)


class GithubBranch(_Model):
    """A protected branch; a branch not listed is not protected. ``required_approving_review_count`` None:
    pull requests need no review; status checks as the repository's settings hold them (one shape or both)."""

    required_approving_review_count: int | None = Field(ge=0, le=6)
    contexts: tuple[StrictStr, ...] = ()
    checks: tuple[StrictStr, ...] = ()
    enforce_admins: StrictBool = True


class GithubRepository(_Model):
    """The repository the pipeline deploys from, as its settings stand (played by the sandbox's GitHub stand-in)."""

    repository: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    environments: dict[StrictStr, GithubEnvironment]
    branches: dict[StrictStr, GithubBranch]


class World(_Model):
    secret_marker: StrictStr
    registry: Registry
    #: The deployment's environments; the sandbox provisions those selected (all of them by default).
    environments: dict[EnvName, WorldEnv] = Field(min_length=1)
    github: GithubRepository | None = None
    cost_explorer: CostExplorer | None = None  # None: Cost Explorer holds no data for the account
    _source: Path = PrivateAttr(default=WORLD_FILE)

    def env(self, name: str) -> WorldEnv:
        if name not in self.environments:
            raise WorldError(self._source, f"no description of {name}; add environments.{name} "
                             f"(described: {', '.join(self.environments)})")
        return self.environments[name]


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
    world._source = path
    unbuilt = sorted(env for env, item in world.environments.items() if item.image_tag not in world.registry.builds)
    if unbuilt:
        raise WorldError(path, f"environments.{unbuilt[0]}.image_tag: not a build listed in registry.builds")
    return world


def default_world() -> World:
    """The world file the sandbox plays: $ENVMATRIX_SANDBOX_WORLD, else the shipped one; each read once."""
    return _cached_world(Path(os.environ.get(WORLD_VARIABLE) or WORLD_FILE))


@cache
def _cached_world(path: Path) -> World:
    return load_world(path)
