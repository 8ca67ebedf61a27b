"""Uptime SLA evidence in real AWS shapes: target groups, GetMetricData pages, Route 53 health checks, canaries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.stub import ANY

from envmatrix.aws import alb, healthchecks, metrics
from envmatrix.aws.alarms import Alarm, AlarmsInventory
from envmatrix.aws.snapshot import Snapshot
from envmatrix.aws.target import Wants
from envmatrix.errors import InventoryUnavailable, SpecError
from envmatrix.spec import load_spec
from tests.shapes.harness import (
    ACCOUNT,
    REGION,
    ROOT,
    StubbedClients,
    Verdict,
    judge,
    repo_spec,
    snapshot_of,
    target,
)

ENV = "production"
CHECKS = "checks/live/test_availability.py"
ALB_NAME = f"{ENV}-taskmanager-alb"
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{ALB_NAME}/50dc6c495c0c9188"
DIMENSION = f"app/{ALB_NAME}/50dc6c495c0c9188"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:{ENV}-taskmanager-alerts"
HEALTH = f"{ENV}-taskmanager-health"


def _red(verdict: Verdict, check_id: str, message: str) -> None:
    assert not verdict.passed and verdict.message.startswith(f"{ENV} {check_id} ") and message in verdict.message, \
        verdict.message


def _balancer() -> dict[str, Any]:
    return {"LoadBalancers": [{
        "LoadBalancerArn": ALB_ARN, "DNSName": f"{ALB_NAME}-1234567890.{REGION}.elb.amazonaws.com",
        "LoadBalancerName": ALB_NAME, "Scheme": "internet-facing", "VpcId": "vpc-0a1b2c3d4e5f67890",
        "State": {"Code": "active"}, "Type": "application", "IpAddressType": "ipv4", "SecurityGroups": ["sg-0alb"],
        "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": "subnet-0aaa", "LoadBalancerAddresses": []},
                              {"ZoneName": f"{REGION}b", "SubnetId": "subnet-0bbb", "LoadBalancerAddresses": []}]}]}


def _group(name: str, **overrides: Any) -> dict[str, Any]:
    """A DescribeTargetGroups member as AWS returns it for an ECS (ip) target group behind the ALB."""
    return {"TargetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/73e2d6bc24d8a067",
            "TargetGroupName": name, "Protocol": "HTTP", "Port": 8000, "VpcId": "vpc-0a1b2c3d4e5f67890",
            "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True,
            "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 5,
            "UnhealthyThresholdCount": 2, "HealthCheckPath": "/health", "Matcher": {"HttpCode": "200"},
            "LoadBalancerArns": [ALB_ARN], "TargetType": "ip", "ProtocolVersion": "HTTP1", "IpAddressType": "ipv4",
            **overrides}


def _alb_snapshot(*groups: dict[str, Any]) -> Snapshot:
    clients = StubbedClients(ENV)
    elb = clients.stub("elbv2")
    elb.add_response("describe_load_balancers", _balancer(), {"Names": [ALB_NAME]})
    elb.add_response("describe_listeners", {"Listeners": []}, {"LoadBalancerArn": ALB_ARN})
    elb.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": ALB_ARN, "Tags": [
        {"Key": "Environment", "Value": ENV}]}]},
                     {"ResourceArns": [ALB_ARN]})
    elb.add_response("describe_target_groups", {"TargetGroups": list(groups)}, {"LoadBalancerArn": ALB_ARN})
    inventory = alb.fetch(target(ENV, clients))
    clients.verify()
    assert inventory.load_balancer is not None and inventory.load_balancer.zones == [f"{REGION}a", f"{REGION}b"]
    assert inventory.load_balancer.metric_id == DIMENSION
    return snapshot_of(ENV, alb=inventory)


@pytest.mark.parametrize("overrides", [
    {}, {"HealthCheckProtocol": "HTTPS", "HealthCheckPort": "8443"},  # end-to-end TLS to the tasks
    {"HealthyThresholdCount": 2, "HealthCheckIntervalSeconds": 10},  # stricter than needed
], ids=["defaults", "https", "stricter"])
def test_target_group_health_checks_that_stay_green(overrides: dict[str, Any]) -> None:
    snapshot = _alb_snapshot(_group(f"{ENV}-taskmanager-api", **overrides))
    assert judge(CHECKS, "SLA-TARGET-HEALTH-CHECK", ENV, snapshot).passed


@pytest.mark.parametrize(("overrides", "message"), [
    ({"HealthCheckPath": "/"}, "target-group:production-taskmanager-api.HealthCheckPath: expected /health, got /"),
    ({"HealthCheckEnabled": False}, "target-group:production-taskmanager-api.HealthCheckEnabled: expected true, "
                                    "got false"),
    ({"HealthCheckIntervalSeconds": 300}, ".HealthCheckIntervalSeconds: expected at most 30, got 300"),
    ({"UnhealthyThresholdCount": 10}, ".UnhealthyThresholdCount: expected at most 3, got 10"),
], ids=["path", "disabled", "interval", "unhealthy-threshold"])
def test_target_group_health_checks_that_go_red(overrides: dict[str, Any], message: str) -> None:
    verdict = judge(CHECKS, "SLA-TARGET-HEALTH-CHECK", ENV, _alb_snapshot(_group(f"{ENV}-taskmanager-api",
                                                                                  **overrides)))
    _red(verdict, "SLA-TARGET-HEALTH-CHECK", message)


def test_no_target_group_is_red() -> None:
    verdict = judge(CHECKS, "SLA-TARGET-HEALTH-CHECK", ENV, _alb_snapshot())
    assert not verdict.passed and "load-balancer:production-taskmanager-alb.TargetGroups: expected at least one " \
                                  "target group, got 0" in verdict.message


# --- GetMetricData -----------------------------------------------------------------------------------------------
def _result(query: str, daily: list[float], status: str = "Complete") -> dict[str, Any]:
    start = dt.datetime(2026, 10, 26, tzinfo=dt.UTC)
    return {"Id": query, "Label": metrics.METRICS[query], "StatusCode": status, "Values": daily,
            "Timestamps": [start + dt.timedelta(days=day) for day in range(len(daily))]}


def _metrics_snapshot(pages: list[dict[str, Any]]) -> tuple[Snapshot, metrics.Availability]:
    clients = StubbedClients(ENV)
    clients.stub("elbv2").add_response("describe_load_balancers", _balancer(), {"Names": [ALB_NAME]})
    for index, page in enumerate(pages):
        params: dict[str, Any] = {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY,
                                  "ScanBy": "TimestampAscending"}
        if index:
            params["NextToken"] = f"token-{index}"
        clients.stub("cloudwatch").add_response("get_metric_data", page, params)
    inventory = metrics.fetch(target(ENV, clients))
    clients.verify()
    assert inventory.availability is not None
    alb_part = alb.AlbInventory(load_balancer=alb.LoadBalancer(name=ALB_NAME, arn=ALB_ARN, scheme="internet-facing",
                                                               security_groups=[], tags={}), listeners=[])
    return snapshot_of(ENV, alb=alb_part, metrics=inventory), inventory.availability


def test_metric_pages_are_summed_across_next_token() -> None:
    """Page one: 15 days of each metric with PartialData and a NextToken; page two: the other 15, Complete."""
    first = {"MetricDataResults": [_result("requests", [250_000.0] * 15, "PartialData"),
                                   _result("elb_5xx", [2.0] * 15, "PartialData"),
                                   _result("target_5xx", [3.0] * 15, "PartialData")],
             "NextToken": "token-1", "Messages": []}
    second = {"MetricDataResults": [_result("requests", [250_000.0] * 15), _result("elb_5xx", [2.0] * 15),
                                    _result("target_5xx", [3.0] * 15)], "Messages": []}
    snapshot, seen = _metrics_snapshot([first, second])
    assert (seen.requests, seen.errors, seen.incomplete) == (7_500_000.0, 150.0, "")
    verdict = judge(CHECKS, "SLA-OBSERVED-AVAILABILITY", ENV, snapshot)
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "100.00% over 30 d, 98% of the error budget left"


def test_days_without_errors_are_absent_not_zero() -> None:
    """CloudWatch returns no datum for a day without 5XX: a shorter Values list, still green."""
    page = {"MetricDataResults": [_result("requests", [100_000.0] * 30), _result("elb_5xx", []),
                                  _result("target_5xx", [40.0] * 2)], "Messages": []}
    snapshot, seen = _metrics_snapshot([page])
    assert seen.errors == 80.0 and seen.days_with_data == 30
    assert judge(CHECKS, "SLA-OBSERVED-AVAILABILITY", ENV, snapshot).passed


@pytest.mark.parametrize(("results", "message"), [
    ([_result("requests", [10_000.0] * 30), _result("elb_5xx", [5.0] * 30), _result("target_5xx", [10.0] * 30)],
     "cloudwatch:production-taskmanager-alb.availability: expected at least 99.9% over 30 d, "
     "got 99.85% over 30 d, 0% of the error budget left"),
    ([_result("requests", []), _result("elb_5xx", []), _result("target_5xx", [])],
     "availability: expected at least 99.9% over 30 d, got no requests observed over 30 d"),
    ([_result("requests", [10_000.0] * 30, "PartialData"), _result("elb_5xx", []), _result("target_5xx", [])],
     "MetricDataResults.StatusCode: expected Complete, got requests: PartialData"),
    ([_result("requests", [10_000.0] * 30), _result("elb_5xx", [], "Forbidden"), _result("target_5xx", [])],
     "MetricDataResults.StatusCode: expected Complete, got elb_5xx: Forbidden"),
], ids=["over-budget", "no-traffic", "partial-at-the-end", "forbidden"])
def test_observed_availability_that_goes_red(results: list[dict[str, Any]], message: str) -> None:
    snapshot, _seen = _metrics_snapshot([{"MetricDataResults": results, "Messages": []}])
    verdict = judge(CHECKS, "SLA-OBSERVED-AVAILABILITY", ENV, snapshot)
    _red(verdict, "SLA-OBSERVED-AVAILABILITY", message)


def test_staging_is_judged_against_its_own_sla() -> None:
    """The same 99.85% meets staging's 95%."""
    results = [_result("requests", [10_000.0] * 30), _result("elb_5xx", [5.0] * 30), _result("target_5xx", [10.0] * 30)]
    snapshot, seen = _metrics_snapshot([{"MetricDataResults": results, "Messages": []}])
    staging = snapshot.model_copy(update={"environment": "staging", "names": {**snapshot.names,
                                                                                "alb": "staging-taskmanager-alb"}})
    assert judge(CHECKS, "SLA-OBSERVED-AVAILABILITY", "staging", staging).passed


# --- Route 53 health checks and Synthetics canaries ---------------------------------------------------------------
def _health_check(check_id: str, domain: str = "taskmanager.com", path: str = "/health") -> dict[str, Any]:
    return {"Id": check_id, "CallerReference": f"terraform-{check_id}", "HealthCheckVersion": 1,
            "HealthCheckConfig": {"Type": "HTTPS", "FullyQualifiedDomainName": domain, "ResourcePath": path,
                                  "Port": 443, "RequestInterval": 30, "FailureThreshold": 3, "MeasureLatency": False,
                                  "Inverted": False, "Disabled": False, "EnableSNI": True}}


def _alarm(namespace: str, dimension: str, value: str) -> AlarmsInventory:
    return AlarmsInventory(alarms=[Alarm(name=f"{ENV}-taskmanager-health-check-failing", arn="arn:alarm",
                                         actions=[TOPIC], actions_enabled=True, tags={}, namespace=namespace,
                                         metric="HealthCheckStatus", dimensions={dimension: value})])


def _route53_clients(checks: list[dict[str, Any]], tagged: str | None) -> StubbedClients:
    """ListHealthChecks in pages of 100 (Marker), tags 10 ids at a time; ``tagged`` carries Name=<health>."""
    clients = StubbedClients(ENV)
    route53 = clients.stub("route53")
    route53.add_response("list_health_checks", {"HealthChecks": checks[:100], "Marker": "", "IsTruncated":
                                                len(checks) > 100, "MaxItems": "100",
                                                **({"NextMarker": checks[100]["Id"]} if len(checks) > 100 else {})}, {})
    if len(checks) > 100:
        route53.add_response("list_health_checks", {"HealthChecks": checks[100:], "Marker": checks[100]["Id"],
                                                    "IsTruncated": False, "MaxItems": "100"},
                             {"Marker": checks[100]["Id"]})
    ids = [item["Id"] for item in checks]
    for first in range(0, len(ids), 10):
        batch = ids[first:first + 10]
        sets = [{"ResourceType": "healthcheck", "ResourceId": each,
                 "Tags": [{"Key": "Name", "Value": HEALTH if each == tagged else f"other-{each}"}]} for each in batch]
        route53.add_response("list_tags_for_resources", {"ResourceTagSets": sets},
                             {"ResourceType": "healthcheck", "ResourceIds": batch})
    return clients


def test_route53_health_check_found_by_its_name_tag_among_many() -> None:
    """105 health checks in two pages; the environment's is the 13th, in the second batch of tags (every batch is
    read: the listing is shared by every environment of the run)."""
    checks = [_health_check(f"{index:08x}-0000-4000-8000-000000000000", domain=f"other{index}.example.com")
              for index in range(105)]
    checks[12] = _health_check(checks[12]["Id"])
    clients = _route53_clients(checks, checks[12]["Id"])
    inventory = healthchecks.fetch(target(ENV, clients))
    clients.verify()
    assert inventory.external is not None and inventory.external.id == checks[12]["Id"]
    snapshot = snapshot_of(ENV, healthchecks=inventory, alarms=_alarm("AWS/Route53", "HealthCheckId",
                                                                      checks[12]["Id"]))
    assert judge(CHECKS, "SLA-EXTERNAL-HEALTH-CHECK", ENV, snapshot).passed


def test_route53_health_checks_are_listed_once_for_every_environment() -> None:
    """Route 53 allows 5 requests a second per account: environments read through the same clients share one
    listing (ListHealthChecks and the tags), as they share Cost Explorer's bill; each finds its own check in it."""
    clients = StubbedClients(ENV)
    route53 = clients.stub("route53")
    checks = [_health_check("prod-0001"), _health_check("stag-0001", domain="staging.taskmanager.com")]
    route53.add_response("list_health_checks", {"HealthChecks": checks, "Marker": "", "IsTruncated": False,
                                                "MaxItems": "100"}, {})
    sets = [{"ResourceType": "healthcheck", "ResourceId": "prod-0001", "Tags": [{"Key": "Name", "Value": HEALTH}]},
            {"ResourceType": "healthcheck", "ResourceId": "stag-0001",
             "Tags": [{"Key": "Name", "Value": "staging-taskmanager-health"}]}]
    route53.add_response("list_tags_for_resources", {"ResourceTagSets": sets},
                         {"ResourceType": "healthcheck", "ResourceIds": ["prod-0001", "stag-0001"]})
    staging_wants = dataclasses.replace(Wants.from_spec(repo_spec().env("staging")), health_check=True)
    production = healthchecks.fetch(target(ENV, clients))
    staging = healthchecks.fetch(target("staging", clients, wants=staging_wants))  # nothing more queued
    clients.verify()
    assert production.external is not None and production.external.id == "prod-0001"
    assert staging.external is not None and staging.external.id == "stag-0001"
    assert staging.external.domain == "staging.taskmanager.com"


def test_a_failed_listing_is_not_kept_for_the_next_environment() -> None:
    """Once keeps answers, not failures: a throttled listing fails this environment and is asked again."""
    clients = StubbedClients(ENV)
    route53 = clients.stub("route53")
    route53.add_client_error("list_health_checks", "Throttling", "Rate exceeded", 400)
    with pytest.raises(InventoryUnavailable, match="Route 53 health check tagged .*Throttling"):
        healthchecks.fetch(target(ENV, clients))
    route53.add_response("list_health_checks", {"HealthChecks": [_health_check("prod-0001")], "Marker": "",
                                                "IsTruncated": False, "MaxItems": "100"}, {})
    route53.add_response("list_tags_for_resources", {"ResourceTagSets": [
        {"ResourceType": "healthcheck", "ResourceId": "prod-0001", "Tags": [{"Key": "Name", "Value": HEALTH}]}]},
        {"ResourceType": "healthcheck", "ResourceIds": ["prod-0001"]})
    found = healthchecks.fetch(target(ENV, clients))
    clients.verify()
    assert found.external is not None and found.external.id == "prod-0001"


@pytest.mark.parametrize(("check", "alarms", "message"), [
    (_health_check("abc", domain="www.example.com"), "abc",
     "route53-health-check:production-taskmanager-health.FullyQualifiedDomainName: expected taskmanager.com, "
     "got www.example.com"),
    (_health_check("abc", path="/"), "abc", ".ResourcePath: expected /health, got /"),
    (_health_check("abc"), "another-id", ".alarm: expected a CloudWatch alarm with an action on it, got none"),
], ids=["other-domain", "other-path", "alarm-on-another-check"])
def test_route53_health_checks_that_go_red(check: dict[str, Any], alarms: str, message: str) -> None:
    clients = _route53_clients([check], check["Id"])
    inventory = healthchecks.fetch(target(ENV, clients))
    snapshot = snapshot_of(ENV, healthchecks=inventory, alarms=_alarm("AWS/Route53", "HealthCheckId", alarms))
    verdict = judge(CHECKS, "SLA-EXTERNAL-HEALTH-CHECK", ENV, snapshot)
    _red(verdict, "SLA-EXTERNAL-HEALTH-CHECK", message)


def _canary(state: str) -> dict[str, Any]:
    return {
        "Id": "6d5f1a2b-0c3e-4d7f-9a8b-1c2d3e4f5a6b", "Name": HEALTH, "RuntimeVersion": "syn-nodejs-puppeteer-9.1",
        "Code": {"Handler": "index.handler", "SourceLocationArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:x:1"},
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/canary", "Schedule": {"Expression": "rate(5 minutes)"},
        "RunConfig": {"TimeoutInSeconds": 60, "MemoryInMB": 960, "ActiveTracing": False},
        "Status": {"State": state}, "ArtifactS3Location": f"cw-syn-results-{ACCOUNT}-{REGION}/canary",
        "Tags": {"Environment": ENV}}


def _canary_snapshot(state: str | None, alarmed: str = HEALTH) -> Snapshot:
    clients = _route53_clients([_health_check("unrelated", domain="other.example.com")], None)
    canaries = [] if state is None else [_canary(state)]
    clients.stub("synthetics").add_response("describe_canaries", {"Canaries": canaries}, {"Names": [HEALTH]})
    inventory = healthchecks.fetch(target(ENV, clients))
    clients.verify()
    return snapshot_of(ENV, healthchecks=inventory, alarms=_alarm("CloudWatchSynthetics", "CanaryName", alarmed))


def test_a_running_canary_instead_of_a_route53_check_is_green() -> None:
    assert judge(CHECKS, "SLA-EXTERNAL-HEALTH-CHECK", ENV, _canary_snapshot("RUNNING")).passed


@pytest.mark.parametrize(("state", "alarmed", "message"), [
    ("STOPPED", HEALTH, "synthetics-canary:production-taskmanager-health.Status.State: expected RUNNING, got STOPPED"),
    ("RUNNING", "another-canary", "synthetics-canary:production-taskmanager-health.alarm: expected a CloudWatch "
                                  "alarm with an action on it, got none"),
    (None, HEALTH, "route53-health-check/synthetics-canary:production-taskmanager-health.exists: expected present, "
                   "got missing"),
], ids=["stopped", "unalarmed", "neither"])
def test_canaries_that_go_red(state: str | None, alarmed: str, message: str) -> None:
    verdict = judge(CHECKS, "SLA-EXTERNAL-HEALTH-CHECK", ENV, _canary_snapshot(state, alarmed))
    _red(verdict, "SLA-EXTERNAL-HEALTH-CHECK", message)


# --- the spec's grades ---------------------------------------------------------------------------------------------
def test_each_documented_sla_has_its_grade_and_none_needs_nothing() -> None:
    spec = load_spec(ROOT / "fixtures/matrix.yaml")
    assert spec.sla_grade("dev") is None
    staging, production = spec.sla_grade("staging"), spec.sla_grade("production")
    assert staging is not None and production is not None
    assert production.target_health_check.path == "/health" and production.min_api_tasks >= 2
    assert [spec.env(env).sla.external_health_check for env in ("dev", "staging", "production")] == [False, False, True]


def test_an_sla_without_a_grade_is_a_spec_error(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    del data["sla_grades"]["99.9%"]
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError, match="production: uptime SLA '99.9%' has no entry in sla_grades"):
        load_spec(path)
