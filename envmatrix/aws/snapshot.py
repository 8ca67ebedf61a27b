"""One read-only snapshot per environment: every service fetched in parallel threads into one model."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from envmatrix.aws import (
    alarms,
    alb,
    buckets,
    budgets,
    codedeploy,
    costs,
    ecr,
    ecs,
    elasticache,
    healthchecks,
    logs,
    metrics,
    network,
    rds,
    scaling,
    secrets,
    waf,
)
from envmatrix.aws.alarms import AlarmsInventory
from envmatrix.aws.alb import AlbInventory
from envmatrix.aws.buckets import BucketsInventory
from envmatrix.aws.budgets import BudgetsInventory
from envmatrix.aws.codedeploy import CodeDeployInventory
from envmatrix.aws.costs import CostsInventory
from envmatrix.aws.ecr import EcrInventory
from envmatrix.aws.ecs import EcsInventory
from envmatrix.aws.elasticache import CacheInventory
from envmatrix.aws.guard import calls_for, scoped
from envmatrix.aws.healthchecks import HealthChecksInventory
from envmatrix.aws.identity import Identity
from envmatrix.aws.identity import fetch as fetch_identity
from envmatrix.aws.logs import LogsInventory
from envmatrix.aws.metrics import MetricsInventory
from envmatrix.aws.names import Names, as_dict
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.rds import RdsInventory
from envmatrix.aws.reading import reason_of
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.aws.secrets import SecretsInventory
from envmatrix.aws.target import Model, Target
from envmatrix.aws.waf import WafInventory
from envmatrix.errors import EnvmatrixError, InventoryUnavailable

#: section name -> (fetch function, the boto3 services it uses)
SECTIONS: dict[str, tuple[Callable[[Target], BaseModel], tuple[str, ...]]] = {
    "rds": (rds.fetch, ("rds",)),
    "cache": (elasticache.fetch, ("elasticache",)),
    "ecs": (ecs.fetch, ("ecs",)),
    "scaling": (scaling.fetch, ("application-autoscaling",)),
    "logs": (logs.fetch, ("logs",)),
    "secrets": (secrets.fetch, ("secretsmanager",)),
    "network": (network.fetch, ("ec2",)),
    "alb": (alb.fetch, ("elbv2",)),
    "waf": (waf.fetch, ("elbv2", "wafv2")),  # its own section: a WAF failure leaves the ALB's checks alone
    "buckets": (buckets.fetch, ("s3",)),
    "alarms": (alarms.fetch, ("cloudwatch", "sns")),
    "identity": (fetch_identity, ("sts",)),
    "metrics": (metrics.fetch, ("elbv2", "cloudwatch")),  # the ALB lookup is shared with the alb section
    "healthchecks": (healthchecks.fetch, ("route53", "synthetics")),
    "codedeploy": (codedeploy.fetch, ("codedeploy",)),
    "budgets": (budgets.fetch, ("budgets", "sts")),  # global service; the account id from the shared identity
    "costs": (costs.fetch, ()),  # Cost Explorer, one call shared by every environment (its client: its region)
}
#: Sections that read what another section found, fetched once it has: name -> (fetch, services, the section).
LATER: dict[str, tuple[Callable[[Target, Any], BaseModel], tuple[str, ...], str]] = {
    "ecr": (ecr.fetch, ("ecr",), "ecs"),  # the images the running task definitions name
}


class Snapshot(Model):
    """What was seen of one environment (values of secret-like variables already redacted)."""

    run_id: str
    environment: str
    taken_at: str
    seconds: float  # wall time of the fetch (all sections in parallel)
    setup_seconds: float = 0.0  # making the guarded clients (loading botocore's service models)
    api_calls: int
    section_seconds: dict[str, float] = {}
    names: dict[str, str]
    rds: RdsInventory | None = None
    cache: CacheInventory | None = None
    ecs: EcsInventory | None = None
    scaling: ScalingInventory | None = None
    logs: LogsInventory | None = None
    secrets: SecretsInventory | None = None
    network: NetworkInventory | None = None
    alb: AlbInventory | None = None
    waf: WafInventory | None = None
    buckets: BucketsInventory | None = None
    alarms: AlarmsInventory | None = None
    identity: Identity | None = None
    metrics: MetricsInventory | None = None
    healthchecks: HealthChecksInventory | None = None
    codedeploy: CodeDeployInventory | None = None
    ecr: EcrInventory | None = None
    budgets: BudgetsInventory | None = None
    costs: CostsInventory | None = None
    #: section -> [resource, reason] for every section that could not be read
    unavailable: dict[str, tuple[str, str]] = {}

    def section(self, name: str) -> Any:
        """A section's inventory; InventoryUnavailable (the original reason) if it could not be read."""
        if name in self.unavailable:
            resource, reason = self.unavailable[name]
            raise InventoryUnavailable(self.environment, resource, reason)
        return getattr(self, name)


def _fetch_one(target: Target, name: str, timings: dict[str, float],
               done: dict[str, BaseModel | InventoryUnavailable] | None = None) -> BaseModel | InventoryUnavailable:
    started = time.perf_counter()
    try:
        with scoped(target.env):
            if name in LATER:
                fetch_later, _services, needs = LATER[name]
                found = (done or {}).get(needs)
                if not isinstance(found, BaseModel):  # what it builds on could not be read: the same reason
                    return found or InventoryUnavailable(target.env, needs, "not fetched")
                return fetch_later(target, found)
            return SECTIONS[name][0](target)
    except InventoryUnavailable as exc:
        return exc
    except EnvmatrixError:
        raise
    except Exception as exc:  # an unexpected answer shape is still "could not read", never "nothing there"
        return InventoryUnavailable(target.env, name, reason_of(exc))
    finally:
        timings[name] = round(time.perf_counter() - started, 3)


def take_snapshot(target: Target, run_id: str, *, workers: int = len(SECTIONS)) -> Snapshot:
    """Fetch every section in parallel; a section that fails is recorded as unavailable with its reason."""
    setup_started = time.perf_counter()
    target.clients.prepare(tuple(service for _, services in SECTIONS.values() for service in services)
                           + tuple(service for _, services, _ in LATER.values() for service in services))
    started, before = time.perf_counter(), calls_for(target.env)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"snapshot-{target.env}") as pool:
        timings: dict[str, float] = {}
        results = dict(zip(SECTIONS, pool.map(lambda name: _fetch_one(target, name, timings), SECTIONS), strict=True))
        results.update(zip(LATER, pool.map(lambda name: _fetch_one(target, name, timings, results), LATER),
                           strict=True))
    sections = {name: result for name, result in results.items() if not isinstance(result, InventoryUnavailable)}
    unavailable = {name: (result.resource, result.reason) for name, result in results.items()
                   if isinstance(result, InventoryUnavailable)}
    return Snapshot(
        run_id=run_id, environment=target.env, taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3), setup_seconds=round(started - setup_started, 3),
        api_calls=calls_for(target.env) - before, section_seconds=timings,
        names=as_dict(target.names), unavailable=unavailable, **sections,
    )


def unavailable_snapshot(env: str, names: Names, run_id: str, error: InventoryUnavailable) -> Snapshot:
    """A snapshot that could not be started at all (no session): every section carries the same reason."""
    return Snapshot(
        run_id=run_id, environment=env, taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=0.0, api_calls=0, names=as_dict(names),
        unavailable={name: (error.resource, error.reason) for name in [*SECTIONS, *LATER]},
    )
