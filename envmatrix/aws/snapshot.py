"""One read-only snapshot per environment: every service fetched in parallel threads into one model."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pydantic import BaseModel

from envmatrix.aws.alarms import AlarmsInventory
from envmatrix.aws.alb import AlbInventory
from envmatrix.aws.buckets import BucketsInventory
from envmatrix.aws.budgets import BudgetsInventory
from envmatrix.aws.cloudtrail import ChangesInventory
from envmatrix.aws.codedeploy import CodeDeployInventory
from envmatrix.aws.costs import CostsInventory
from envmatrix.aws.dbclusters import DbClustersInventory
from envmatrix.aws.dbparameters import DbParametersInventory
from envmatrix.aws.dbsnapshots import DbSnapshotsInventory
from envmatrix.aws.ecr import EcrInventory
from envmatrix.aws.ecs import EcsInventory
from envmatrix.aws.elasticache import CacheInventory
from envmatrix.aws.guard import calls_for, retries_for, scoped
from envmatrix.aws.healthchecks import HealthChecksInventory
from envmatrix.aws.identity import Identity
from envmatrix.aws.logs import LogsInventory
from envmatrix.aws.metrics import MetricsInventory
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.rds import RdsInventory
from envmatrix.aws.reading import reason_of
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.aws.secrets import SecretsInventory
from envmatrix.aws.section import Section
from envmatrix.aws.sections import SECTIONS, warm_services
from envmatrix.aws.target import AwsTarget, Model
from envmatrix.aws.vpn import VpnInventory
from envmatrix.aws.waf import WafInventory
from envmatrix.errors import EnvmatrixError, InventoryUnavailable
from envmatrix.names import Names, as_dict

M = TypeVar("M", bound=BaseModel)
#: inventory model -> the section (the Snapshot field) that holds it, from the one list of sections
SECTION_OF: dict[type[BaseModel], str] = {section.model: section.name for section in SECTIONS}

#: Fields of every snapshot that are not a section's inventory.
NOT_SECTIONS = ("run_id", "environment", "taken_at", "seconds", "setup_seconds", "api_calls", "section_seconds",
                "names", "unavailable", "region", "access", "access_brief", "api_retries")
#: What every check of an environment that could not be read at all says after its reason: the one line per
#: account the terminal summary (and the report's header) carries.
ACCESS_POINTER = "see 'envmatrix live: NO ACCESS'"


class Snapshot(Model):
    """What was seen of one environment (values of secret-like variables already redacted)."""

    run_id: str
    environment: str
    taken_at: str
    seconds: float  # wall time of the fetch (all sections in parallel)
    setup_seconds: float = 0.0  # making the guarded clients (loading botocore's service models)
    api_calls: int
    #: "service:Operation" -> retries sent for it (throttling, 5xx), only those retried; none on a quiet account
    api_retries: dict[str, int] = {}
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
    db_clusters: DbClustersInventory | None = None
    db_snapshots: DbSnapshotsInventory | None = None
    db_parameters: DbParametersInventory | None = None
    vpn: VpnInventory | None = None
    changes: ChangesInventory | None = None
    #: section -> [resource, reason] for every section that could not be read
    unavailable: dict[str, tuple[str, str]] = {}
    #: the region read (the clients'), shown in the reports' header
    region: str = ""
    #: why nothing of the environment could be read (no credentials, a profile or role that fails, a region
    #: other than its tfvars'): one line, said once per account; "" when it could be read
    access: str = ""
    #: ``access`` in a few words: what each check of the environment says, pointing at the line
    access_brief: str = ""

    def section(self, model: type[M]) -> M:
        """The inventory of type ``model`` (``snapshot.section(RdsInventory)``); InventoryUnavailable if its section
        could not be read (the original reason) or is not in this snapshot: never None, never "nothing there"."""
        name = SECTION_OF[model]
        self.require(name)
        found = getattr(self, name)
        if not isinstance(found, model):
            raise InventoryUnavailable(self.environment, name, "not in the snapshot")
        return found

    def require(self, name: str) -> None:
        """Raise InventoryUnavailable with the original reason if section ``name`` could not be read; where the
        environment could not be read at all, its one line (said once in full, in the summary) and a pointer."""
        if self.access:
            raise InventoryUnavailable(self.environment, "AWS", f"{self.access_brief or self.access}; {ACCESS_POINTER}")
        if name in self.unavailable:
            resource, reason = self.unavailable[name]
            raise InventoryUnavailable(self.environment, resource, reason)


def _fetch_one(target: AwsTarget, section: Section, timings: dict[str, float],
               done: dict[str, BaseModel | InventoryUnavailable] | None = None) -> BaseModel | InventoryUnavailable:
    started = time.perf_counter()
    try:
        with scoped(target.env):
            if section.after is None:
                return section.run(target)
            found = (done or {}).get(section.after)
            if not isinstance(found, BaseModel):  # what it builds on could not be read: the same reason
                return found or InventoryUnavailable(target.env, section.after, "not fetched")
            return section.run(target, found)
    except InventoryUnavailable as exc:
        return exc
    except EnvmatrixError:
        raise
    except Exception as exc:  # an unexpected answer shape is still "could not read", never "nothing there"
        return InventoryUnavailable(target.env, section.name, reason_of(exc))
    finally:
        timings[section.name] = round(time.perf_counter() - started, 3)


def take_snapshot(target: AwsTarget, run_id: str, *, workers: int | None = None) -> Snapshot:
    """Fetch every section in parallel; a section that fails is recorded as unavailable with its reason.

    The first wave starts at once; a section that waits for another starts once the first wave is done."""
    first = [section for section in SECTIONS if section.after is None]
    later = [section for section in SECTIONS if section.after is not None]
    setup_started = time.perf_counter()
    target.clients.prepare(warm_services(SECTIONS))
    started, before, retried = time.perf_counter(), calls_for(target.env), retries_for(target.env)
    with ThreadPoolExecutor(max_workers=workers or len(first), thread_name_prefix=f"snapshot-{target.env}") as pool:
        timings: dict[str, float] = {}
        results = {s.name: r for s, r in zip(first, pool.map(lambda s: _fetch_one(target, s, timings), first),
                                             strict=True)}
        results.update({s.name: r for s, r in zip(later, pool.map(lambda s: _fetch_one(target, s, timings, results),
                                                                  later), strict=True)})
    sections = {name: result for name, result in results.items() if not isinstance(result, InventoryUnavailable)}
    unavailable = {name: (result.resource, result.reason) for name, result in results.items()
                   if isinstance(result, InventoryUnavailable)}
    return Snapshot(
        run_id=run_id, environment=target.env, taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3), setup_seconds=round(started - setup_started, 3),
        api_calls=calls_for(target.env) - before, api_retries=dict(sorted((retries_for(target.env) - retried).items())),
        section_seconds=timings,
        names=as_dict(target.names), unavailable=unavailable, region=target.clients.region, **sections,
    )


def unavailable_snapshot(env: str, names: Names, run_id: str, error: InventoryUnavailable,
                         region: str = "", brief: str = "") -> Snapshot:
    """A snapshot that could not be started at all (no session, no credentials, the wrong region): every section
    carries the same reason, and ``access`` says it once."""
    return Snapshot(
        run_id=run_id, environment=env, taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=0.0, api_calls=0, names=as_dict(names),
        unavailable={name: (error.resource, error.reason) for name in (section.name for section in SECTIONS)},
        region=region, access=access_text(error), access_brief=brief,
    )


def access_text(error: InventoryUnavailable) -> str:
    """The one line saying why an environment could not be read at all (its resource, unless that is AWS)."""
    return f"{error.resource}: {error.reason}" if error.resource != "AWS" else error.reason
