"""Live evidence of the Uptime SLA row: the design its grade needs, availability observed, external health check."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.alarms import AlarmsInventory
from envmatrix.aws.alb import AlbInventory, LoadBalancer
from envmatrix.aws.checking import cache, present, primary_db, service
from envmatrix.aws.elasticache import ServerlessCache
from envmatrix.aws.healthchecks import ExternalCheck, HealthChecksInventory
from envmatrix.aws.metrics import Availability, MetricsInventory
from envmatrix.aws.network import NetworkInventory
from envmatrix.aws.scaling import ScalingInventory
from envmatrix.spec import EnvironmentSpec, SlaGrade
from envmatrix.verdict import holds
from envmatrix.wording import Figure

#: What an alarm on each kind of external check watches: (namespace, dimension naming the check).
WATCHED_BY: dict[str, tuple[str, str]] = {"route53": ("AWS/Route53", "HealthCheckId"),
                                          "canary": ("CloudWatchSynthetics", "CanaryName")}


def _graded(spec: EnvironmentSpec) -> bool:
    return spec.sla.uptime_percent is not None


def _external(spec: EnvironmentSpec) -> bool:
    return spec.sla.external_health_check


def _grade(env: Environment) -> SlaGrade:
    grade = env.suite.spec.sla_grade(env.name)
    assert grade is not None  # applies= and the spec's own validation guarantee it
    return grade


def _alb(env: Environment) -> tuple[str, LoadBalancer]:
    resource = f"load-balancer:{env.live.names['alb']}"
    return resource, present(env, env.live.section(AlbInventory).load_balancer, resource)


@check("SLA-ZONES", layer="live", area="sla", row="uptime_sla", severity="critical", applies=_graded,
       evidence=True)
def test_sla_zones(env: Environment) -> None:
    """The load balancer and the api service's subnets each use at least the zones the SLA grade needs."""
    need = _grade(env).min_availability_zones
    resource, balancer = _alb(env)
    env.expect(resource, "AvailabilityZones", f"at least {need} zones", balancer.zones,
               ok=lambda _w, got: len(set(got)) >= need)
    label, api = service(env, "api")
    zone_of = {subnet.id: subnet.availability_zone for subnet in env.live.section(NetworkInventory).subnets}
    zones = sorted({zone_of.get(subnet, f"{subnet} (not a subnet of the VPC)") for subnet in api.subnets})
    env.expect(label, "awsvpcConfiguration.subnets.AvailabilityZone", f"at least {need} zones of the VPC", zones,
               ok=lambda _w, got: len([z for z in got if "(" not in z]) >= need and all("(" not in z for z in got))


@check("SLA-API-MIN-TASKS", layer="live", area="sla", row="uptime_sla", severity="critical", applies=_graded,
       evidence=True)
def test_sla_api_min_tasks(env: Environment) -> None:
    """The api never runs fewer tasks than the grade needs: the scalable target's minimum, else the desired count."""
    need = _grade(env).min_api_tasks
    snapshot = env.live
    scalable = snapshot.section(ScalingInventory).targets.get("api")
    if scalable is not None:
        label = f"scalable-target:{snapshot.names['cluster']}/{snapshot.names['api_service']}"
        env.expect(label, "MinCapacity", f"at least {need}", scalable.min_capacity, ok=lambda _w, got: got >= need)
        return
    label, api = service(env, "api")
    env.expect(label, "desiredCount", f"at least {need} (no scalable target)", api.desired_count,
               ok=lambda _w, got: got >= need)


@check("SLA-DB-MULTI-AZ", layer="live", area="sla", row="uptime_sla", severity="critical", applies=_graded,
       evidence=True)
def test_sla_db_multi_az(env: Environment) -> None:
    """The database survives the loss of a zone where the grade needs it (RDS MultiAZ)."""
    resource, db = primary_db(env)
    if _grade(env).multi_az_database:
        env.expect(resource, "MultiAZ", True, db.multi_az)


@check("SLA-CACHE-FAILOVER", layer="live", area="sla", row="uptime_sla", severity="critical", applies=_graded,
       evidence=True)
def test_sla_cache_failover(env: Environment) -> None:
    """The cache fails over automatically where the grade needs it."""
    resource, found = cache(env)
    if _grade(env).cache_failover:  # a serverless cache always fails over across Availability Zones
        env.expect(resource, "AutomaticFailover", "enabled",
                   "enabled" if isinstance(found, ServerlessCache) else found.automatic_failover)


@check("SLA-TARGET-HEALTH-CHECK", layer="live", area="sla", row="uptime_sla", applies=_graded, evidence=True)
def test_sla_target_health_check(env: Environment) -> None:
    """Every target group of the load balancer checks the health path, often enough to take a bad task out."""
    wanted = _grade(env).target_health_check
    resource, _balancer = _alb(env)
    groups = env.live.section(AlbInventory).target_groups
    env.expect(resource, "TargetGroups", "at least one target group", len(groups), ok=lambda _w, got: got > 0)
    for group in groups:
        label = f"target-group:{group.name}"
        env.expect(label, "HealthCheckEnabled", True, group.health_check_enabled)
        env.expect(label, "HealthCheckPath", wanted.path, group.health_check_path)
        env.expect(label, "HealthCheckProtocol", f"one of {list(wanted.protocols)}", group.health_check_protocol,
                   ok=lambda _w, got: got in wanted.protocols)
        for setting, value, most in (("HealthyThresholdCount", group.healthy_threshold, wanted.max_healthy_threshold),
                                     ("UnhealthyThresholdCount", group.unhealthy_threshold,
                                      wanted.max_unhealthy_threshold),
                                     ("HealthCheckIntervalSeconds", group.interval_seconds,
                                      wanted.max_interval_seconds)):
            env.expect(label, setting, f"at most {most}", value, ok=holds(value is not None and value <= most))


def observed(seen: Availability, sla_percent: float) -> str:
    """e.g. "99.97% over 30 d, 70% of the error budget left"."""
    ratio = seen.ratio
    if ratio is None:
        return f"no requests observed over {seen.days} d"
    allowed = seen.requests * (1 - sla_percent / 100)
    left = 1 - seen.errors / allowed if allowed > 0 else (1.0 if seen.errors == 0 else 0.0)
    return f"{ratio * 100:.2f}% over {seen.days} d, {max(left, 0) * 100:.0f}% of the error budget left"


@check("SLA-OBSERVED-AVAILABILITY", layer="live", area="sla", row="uptime_sla", severity="critical",
       applies=_graded, evidence=True,
       figure=Figure("availability"))
def test_sla_observed_availability(env: Environment) -> None:
    """1 - (ELB + target 5XX) / requests over the SLA window (CloudWatch, daily sums) meets the documented SLA."""
    sla = env.spec.sla.uptime_percent
    assert sla is not None  # applies=
    resource, _balancer = _alb(env)
    seen = present(env, env.live.section(MetricsInventory).availability, f"{resource} CloudWatch metrics")
    label = f"cloudwatch:{env.live.names['alb']}"
    env.expect(label, "MetricDataResults.StatusCode", "Complete", seen.incomplete or "Complete")
    env.expect(label, "availability", f"at least {sla}% over {seen.days} d", observed(seen, sla),
               ok=lambda _w, _g: seen.ratio is not None and seen.ratio * 100 >= sla)


def _watching(inventory: AlarmsInventory, found: ExternalCheck) -> list[str]:
    """Alarms on the health check with an action: their own, or a composite alarm's that alerts for them."""
    namespace, dimension = WATCHED_BY[found.kind]
    return [alarm.name for alarm in inventory.alarms
            if alarm.namespace == namespace and alarm.dimensions.get(dimension) == found.id
            and (alarm.actions or inventory.alerting(alarm))]


@check("SLA-EXTERNAL-HEALTH-CHECK", layer="live", area="sla", row="uptime_sla", applies=_external, evidence=True)
def test_sla_external_health_check(env: Environment) -> None:
    """A Route 53 health check (tag Name) on the domain and health path, or a running Synthetics canary; alarmed."""
    snapshot = env.live
    name = snapshot.names["health_check"]
    found = present(env, snapshot.section(HealthChecksInventory).external,
                    f"route53-health-check/synthetics-canary:{name}")
    label = f"{'route53-health-check' if found.kind == 'route53' else 'synthetics-canary'}:{name}"
    if found.kind == "route53":
        env.expect(label, "FullyQualifiedDomainName", env.spec.domain_name, found.domain)
        env.expect(label, "ResourcePath", _grade(env).target_health_check.path, found.path)
        env.expect(label, "Disabled", False, found.disabled)
    else:
        env.expect(label, "Status.State", "RUNNING", found.state)
    inventory = snapshot.section(AlarmsInventory)
    env.expect(label, "alarm", "a CloudWatch alarm with an action on it", _watching(inventory, found) or "none",
               ok=lambda _w, got: got != "none")
