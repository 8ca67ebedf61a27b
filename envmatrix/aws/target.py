"""What a service fetch is given: the environment, its resource names, guarded clients, what to look for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from envmatrix.aws.session import Clients
from envmatrix.names import Names
from envmatrix.spec import EnvironmentSpec


class Model(BaseModel):
    """Base of every inventory model: frozen, no unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _audit_parameters(spec: EnvironmentSpec) -> tuple[str, ...]:
    audit = spec.database_access.audit
    return tuple(sorted(audit.parameters)) if audit is not None else ()


@dataclass(frozen=True)
class Wants:
    """Optional resources worth fetching for this environment (the spec says they should exist)."""

    backup_bucket: bool
    log_archive_bucket: bool
    alarms: bool
    waf: bool = False
    #: days of load balancer metrics to read (the SLA window); None where no SLA is documented
    availability_days: int | None = None
    health_check: bool = False  # an external health check (Route 53 or Synthetics) on the domain
    blue_green: bool = False  # production's CodeDeploy deployment group
    images: bool = False  # the running images in ECR: digests, tags, scans
    real_data: bool = False  # real customer data: whom its DB snapshots are shared with (else: who shares into it)
    #: the database parameters whose values to read (the documented audit settings); empty: none read
    db_parameters: tuple[str, ...] = ()
    vpn: bool = False  # the Client VPN endpoints of the load balancer's VPC (a private environment)
    #: a CLOUDFRONT-scope web ACL on the distribution in front of the load balancer counts as its WAF
    waf_cloudfront: bool = False

    @classmethod
    def from_spec(cls, spec: EnvironmentSpec) -> Wants:
        days = spec.sla.window_days if spec.sla.uptime_percent is not None else None
        access = spec.access
        admin_rule = access is not None and access.admin_access != "any"  # a WAF rule guards the admin paths
        return cls(spec.security.backup_bucket, spec.security.log_archive_bucket, spec.monitoring.alerting,
                   spec.security.waf or admin_rule, days, spec.sla.external_health_check,
                   blue_green=spec.deployment.blue_green is not None, images=spec.deployment.images is not None,
                   real_data=spec.data.real_customer_data, db_parameters=_audit_parameters(spec),
                   vpn=access is not None and access.exposure == "private",
                   waf_cloudfront=spec.security.waf_cloudfront)


@dataclass(frozen=True)
class ChangeWindow:
    """The CloudTrail window a run reads write events over: fixed once per run, so every environment and every
    xdist worker reads the same one (and environments of one account share the read)."""

    start: dt.datetime
    end: dt.datetime
    #: how the window is said in the row's figure: "in 24 h", "since 2026-12-05T03:17:00Z (the last run)"
    label: str
    page_cap: int = 20


@dataclass(frozen=True)
class AwsTarget:
    """One environment as the live layer's reads see it: its names, guarded read-only clients, what to look for.

    (Not ``http.settings.ServiceTarget``, the service the smoke layer talks to, nor the sandbox's
    ``ProvisionTarget``, the environment it writes.)
    """

    env: str
    names: Names
    clients: Clients
    wants: Wants
    #: (tag key, value) naming the environment's resources, as [tags] configures it; None: Environment=<env>
    environment_tag: tuple[str, str] | None = None
    #: the window of write events to read (None: the last 24 hours); the environment's name prefix
    changes: ChangeWindow | None = None
    name_prefix: str = ""
