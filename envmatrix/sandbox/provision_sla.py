"""Sandbox provisioning of the Uptime SLA evidence: the load balancer's traffic history and the external check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from envmatrix.sandbox.provision_target import ProvisionTarget

NAMESPACE = "AWS/ApplicationELB"
CANARY_RUNTIME = "syn-python-selenium-3.0"


def _dimension(alb_arn: str) -> list[dict[str, str]]:
    return [{"Name": "LoadBalancer", "Value": alb_arn.split(":loadbalancer/", 1)[-1]}]


def traffic(target: ProvisionTarget) -> None:
    """One datum per metric per day at noon UTC of each of the last ``days`` whole days (what the ALB served)."""
    served = target.world.traffic
    if served is None:
        return
    cloudwatch, dimensions = target.client("cloudwatch"), _dimension(target.ids["alb"])
    today = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    counts = {"RequestCount": served.requests_per_day, "HTTPCode_ELB_5XX_Count": served.elb_5xx_per_day,
              "HTTPCode_Target_5XX_Count": served.target_5xx_per_day}
    data = [{"MetricName": metric, "Dimensions": dimensions, "Timestamp": today - dt.timedelta(days=day),
             "Value": float(count), "Unit": "Count"}
            for day in range(1, served.days + 1) for metric, count in counts.items()]
    for first in range(0, len(data), 500):  # PutMetricData takes at most 1000 data per call
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[first:first + 500])


def put_health_check_alarm(target: ProvisionTarget, namespace: str, metric: str, dimension: dict[str, str]) -> None:
    """The alarm paging the environment's alerts topic when the external check fails."""
    topic = [target.ids["topic"]] if "topic" in target.ids else []
    target.client("cloudwatch").put_metric_alarm(
        AlarmName=f"{target.names.prefix}-health-check-failing", Namespace=namespace, MetricName=metric,
        Dimensions=[dimension], Statistic="Minimum", Period=60, EvaluationPeriods=2, Threshold=1,
        ComparisonOperator="LessThanThreshold", AlarmActions=topic, OKActions=topic, Tags=target.tag_list())


def route53_check(target: ProvisionTarget, path: str) -> str:
    """An HTTPS Route 53 health check on the domain's health path, tagged Name=<env>-<project>-health."""
    route53 = target.client("route53")
    check_id: str = route53.create_health_check(CallerReference=f"{target.names.prefix}-health", HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": target.tfvars.domain_name, "ResourcePath": path, "Port": 443,
        "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]
    tags = [*target.tag_list(), {"Key": "Name", "Value": target.names.live.health_check}]
    route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check_id, AddTags=tags)
    return check_id


def canary(target: ProvisionTarget) -> str:
    """A Synthetics canary named <env>-<project>-health (its script calls the domain's health path)."""
    name = target.names.live.health_check
    code: dict[str, Any] = {"Handler": "health.handler", "S3Bucket": f"{target.names.prefix}-canaries",
                            "S3Key": "health.zip"}
    target.client("synthetics").create_canary(
        Name=name, Code=code, ArtifactS3Location=f"s3://{target.names.prefix}-canaries/artifacts",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/canary", Schedule={"Expression": "rate(5 minutes)"},
        RuntimeVersion=CANARY_RUNTIME, Tags=target.tags)
    return name


def external_check(target: ProvisionTarget) -> None:
    """The world's external health check on the domain, and its alarm where the world has one."""
    wanted = target.world.health_check
    if wanted is None:
        return
    if wanted.kind == "route53":
        check_id = route53_check(target, wanted.path)
        watched = ("AWS/Route53", "HealthCheckStatus", {"Name": "HealthCheckId", "Value": check_id})
    else:
        name = canary(target)
        watched = ("CloudWatchSynthetics", "SuccessPercent", {"Name": "CanaryName", "Value": name})
    if wanted.alarm:
        put_health_check_alarm(target, *watched)
