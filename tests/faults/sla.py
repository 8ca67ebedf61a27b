"""Fault catalogue, Uptime SLA: availability observed, target-group health check, api minimum, external check."""

from __future__ import annotations

import datetime as dt

from tests.faults.actions import FaultTarget
from tests.faults.registry import conforming, drift, fault, live

#: Production's 250,000 requests a day with 300 more 5XX a day: 99.86%, under the documented 99.9%.
EXTRA_5XX_PER_DAY = 300.0


def _health_check_id(target: FaultTarget) -> str:
    route53 = target.client("route53")
    ids = [item["Id"] for item in route53.list_health_checks()["HealthChecks"]]
    tagged = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids)["ResourceTagSets"]
    name = target.names.live.health_check
    return str(next(item["ResourceId"] for item in tagged
                    if {"Key": "Name", "Value": name} in item.get("Tags", [])))


@fault("production-5xx-over-budget", "production", "300 more target 5XX a day for 30 days: 99.86% < 99.9%",
       live("SLA-OBSERVED-AVAILABILITY"), "cloudwatch:production-taskmanager-alb.availability")
def _5xx_over_budget(target: FaultTarget) -> None:
    dimension = target.alb_arn().split(":loadbalancer/", 1)[-1]
    noon = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    target.client("cloudwatch").put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
        {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": [{"Name": "LoadBalancer", "Value": dimension}],
         "Timestamp": noon - dt.timedelta(days=day), "Value": EXTRA_5XX_PER_DAY, "Unit": "Count"}
        for day in range(1, 31)])


@fault("staging-target-health-check-wrong-path", "staging", "the api target group health-checks / instead of /health",
       live("SLA-TARGET-HEALTH-CHECK"), "target-group:staging-taskmanager-api.HealthCheckPath")
def _health_path(target: FaultTarget) -> None:
    target.client("elbv2").modify_target_group(TargetGroupArn=target.target_group_arn(), HealthCheckPath="/")


@fault("staging-api-one-zone", "staging", "the api service's tasks placed in one subnet (one availability zone)",
       live("SLA-ZONES"), "ecs-service:staging-taskmanager/api.awsvpcConfiguration.subnets.AvailabilityZone")
def _api_one_zone(target: FaultTarget) -> None:
    ecs = target.client("ecs")
    service = ecs.describe_services(cluster=target.names.cluster, services=[target.names.live.service("api")])[
        "services"][0]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    ecs.update_service(cluster=target.names.cluster, service=service["serviceName"], networkConfiguration={
        "awsvpcConfiguration": {**network, "subnets": network["subnets"][:1]}})


@fault("production-api-min-capacity-1", "production", "the api's scalable target may scale in to one task",
       live("SLA-API-MIN-TASKS", "ECS-API-CAPACITY") | drift("DRIFT-SERVICES"),
       "scalable-target:production-taskmanager/api.MinCapacity")
def _api_min_one(target: FaultTarget) -> None:
    target.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=target.names.scalable_target("api"),
        ScalableDimension="ecs:service:DesiredCount", MinCapacity=1)


@fault("production-external-health-check-deleted", "production", "the Route 53 health check on the domain deleted",
       live("SLA-EXTERNAL-HEALTH-CHECK"),
       "route53-health-check/synthetics-canary:production-taskmanager-health.exists")
def _external_deleted(target: FaultTarget) -> None:
    target.client("route53").delete_health_check(HealthCheckId=_health_check_id(target))


@fault("production-health-canary-not-started", "production",
       "a Synthetics canary replaces the Route 53 check, alarmed but never started (it watches nothing)",
       live("SLA-EXTERNAL-HEALTH-CHECK"), "synthetics-canary:production-taskmanager-health.Status.State")
def _canary_not_started(target: FaultTarget) -> None:
    target.client("route53").delete_health_check(HealthCheckId=_health_check_id(target))
    name, prefix = target.names.live.health_check, target.names.prefix
    target.client("synthetics").create_canary(
        Name=name, Code={"Handler": "health.handler", "S3Bucket": f"{prefix}-canaries", "S3Key": "health.zip"},
        ArtifactS3Location=f"s3://{prefix}-canaries/artifacts", ExecutionRoleArn="arn:aws:iam::123456789012:role/c",
        Schedule={"Expression": "rate(5 minutes)"}, RuntimeVersion="syn-python-selenium-3.0")
    cloudwatch = target.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=[f"{prefix}-health-check-failing"])["MetricAlarms"][0]
    cloudwatch.put_metric_alarm(
        AlarmName=alarm["AlarmName"], Namespace="CloudWatchSynthetics", MetricName="SuccessPercent",
        Dimensions=[{"Name": "CanaryName", "Value": name}], Statistic="Minimum", Period=300, EvaluationPeriods=1,
        Threshold=90, ComparisonOperator="LessThanThreshold", AlarmActions=alarm["AlarmActions"])

@conforming("staging-target-health-check-https", "staging",
            "the api target group health-checks /health over HTTPS every 10 s (tasks terminate TLS themselves)")
def _health_https(target: FaultTarget) -> None:
    target.client("elbv2").modify_target_group(TargetGroupArn=target.target_group_arn(), HealthCheckProtocol="HTTPS",
                                               HealthCheckIntervalSeconds=10, HealthyThresholdCount=3)


@conforming("production-other-route53-health-checks", "production",
            "the account holds other teams' Route 53 health checks (other domains, other Name tags, one untagged)")
def _other_health_checks(target: FaultTarget) -> None:
    route53 = target.client("route53")
    for index in range(12):
        made = route53.create_health_check(CallerReference=f"other-{index}", HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": f"shop{index}.example.com", "ResourcePath": "/",
            "Port": 443, "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]
        if index:
            route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=made,
                                             AddTags=[{"Key": "Name", "Value": f"shop-{index}-health"}])


# A Synthetics canary in the RUNNING state (the conforming alternative to a Route 53 health check) has no variant
# here: moto creates canaries READY and does not implement StartCanary; tests/shapes/test_sla_shapes.py proves it.
