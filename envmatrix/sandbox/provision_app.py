"""Sandbox provisioning of the application tier: secrets, log groups, ECS, auto scaling, alarms."""

from __future__ import annotations

import json
import secrets as random_secrets
from typing import Any

from envmatrix.redact import register_secret
from envmatrix.sandbox.naming import SERVICES, secret_ref
from envmatrix.sandbox.provision_network import API_PORT
from envmatrix.sandbox.provision_target import ProvisionTarget

ACCOUNT = "123456789012"  # moto's default account
SCALABLE_DIMENSION = "ecs:service:DesiredCount"


def secret_variables(target: ProvisionTarget) -> list[str]:
    """Secret-class variables: those the pipeline's env file marks as delivered from Secrets Manager."""
    return [key for key, value in target.env_file.values.items() if value == target.secret_marker]


def _secret_value(json_keys: list[str]) -> str:
    """A random value (JSON with one random value per key for OAuth); every part is registered for redaction."""
    parts = {key: random_secrets.token_urlsafe(24) for key in json_keys}
    value = json.dumps(parts) if json_keys else random_secrets.token_urlsafe(32)
    register_secret(value, *parts.values())
    return value


def secrets(target: ProvisionTarget) -> None:
    """One secret per Secrets Manager name, random values (never printed), rotation per the world file."""
    sm = target.client("secretsmanager")
    keys: dict[str, list[str]] = {name: [] for name in target.world.rotation}
    for variable in secret_variables(target):
        ref = secret_ref(variable)
        keys.setdefault(ref.name, [])
        if ref.json_key:
            keys[ref.name].append(ref.json_key)
    for name, json_keys in keys.items():
        if json_keys:  # an OAuth provider's secret holds both keys, whichever the env file references
            json_keys = ["client_id", "client_secret"]
        arn = sm.create_secret(
            Name=f"taskmanager/{target.env}/{name}", SecretString=_secret_value(json_keys), Tags=target.tag_list(),
        )["ARN"]
        target.ids[f"secret:{name}"] = arn
        days = target.world.rotation.get(name)
        if days is not None:  # a secret the world does not list is rotated by hand
            sm.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": days})


def log_groups(target: ProvisionTarget) -> None:
    logs = target.client("logs")
    for service in SERVICES:
        group = target.names.log_group(service)
        logs.create_log_group(logGroupName=group, tags=target.tags)
        logs.put_retention_policy(logGroupName=group, retentionInDays=target.tfvars.log_retention_days)


def alert_topic(target: ProvisionTarget) -> None:
    alerting = target.world.alerting
    if alerting is not None:
        sns = target.client("sns")
        target.ids["topic"] = sns.create_topic(Name=alerting.topic, Tags=target.tag_list())["TopicArn"]


def _container(target: ProvisionTarget, service: str) -> dict[str, Any]:
    secret_vars = secret_variables(target)
    environment = [{"name": key, "value": value} for key, value in target.env_file.values.items()
                   if key not in secret_vars]
    refs = [secret_ref(variable) for variable in secret_vars]
    container: dict[str, Any] = {
        "name": service, "image": f"{ACCOUNT}.dkr.ecr.{target.region}.amazonaws.com/taskmanager-{service}:"
                                  f"{target.world.image_tag}",
        "essential": True, "environment": environment,
        "secrets": [{"name": ref.variable, "valueFrom": ref.value_from(target.ids[f"secret:{ref.name}"])}
                    for ref in refs],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": target.names.log_group(service), "awslogs-region": target.region,
            "awslogs-stream-prefix": service,
        }},
    }
    if service == "api":
        container["portMappings"] = [{"containerPort": API_PORT, "protocol": "tcp"}]
    else:
        container["command"] = ["celery", "-A", "app.worker", "worker"]
    return container


def task_definitions(target: ProvisionTarget) -> None:
    """Task definition families {env}-taskmanager-api/-worker: cpu/memory from tfvars, env file, secrets."""
    ecs, tf = target.client("ecs"), target.tfvars
    role = f"arn:aws:iam::{ACCOUNT}:role/{target.names.prefix}-task-execution"
    for service, cpu, memory in (("api", tf.api_cpu, tf.api_memory), ("worker", tf.worker_cpu, tf.worker_memory)):
        arn = ecs.register_task_definition(
            family=target.names.family(service), cpu=cpu, memory=memory, networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"], executionRoleArn=role, taskRoleArn=role,
            containerDefinitions=[_container(target, service)], tags=target.tag_list("key", "value"),
        )["taskDefinition"]["taskDefinitionArn"]
        target.ids[f"taskdef:{service}"] = arn


def _capacity(target: ProvisionTarget, service: str) -> tuple[int, int, int]:
    tf = target.tfvars
    if service == "api":
        return tf.api_desired_count, tf.api_min_capacity, tf.api_max_capacity
    return tf.worker_desired_count, tf.worker_min_capacity, tf.worker_max_capacity


def _service(target: ProvisionTarget, service: str) -> None:
    ecs, names = target.client("ecs"), target.names
    desired, low, high = _capacity(target, service)
    network = {"awsvpcConfiguration": {"subnets": target.subnets, "securityGroups": [target.ids[f"sg:{service}"]],
                                       "assignPublicIp": "DISABLED"}}
    balancers = ([{"targetGroupArn": target.ids["target_group"], "containerName": "api", "containerPort": API_PORT}]
                 if service == "api" else [])
    ecs.create_service(
        cluster=names.cluster, serviceName=service, taskDefinition=target.ids[f"taskdef:{service}"],
        desiredCount=desired, launchType="FARGATE", networkConfiguration=network, loadBalancers=balancers,
        tags=target.tag_list("key", "value"), propagateTags="SERVICE",
        deploymentController={"type": target.world.deploy.api_controller if service == "api" else "ECS"},
    )
    ecs.update_service(cluster=names.cluster, service=service, desiredCount=desired,
                       deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200})
    scaling = target.client("application-autoscaling")
    resource = names.scalable_target(service)
    scaling.register_scalable_target(
        ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=SCALABLE_DIMENSION,
        MinCapacity=low, MaxCapacity=high, Tags=target.tags,
    )


def cluster_and_services(target: ProvisionTarget) -> None:
    """Cluster (Container Insights per the world file), services api/worker, scalable targets from the tfvars."""
    insights = "enabled" if target.world.container_insights else "disabled"
    target.client("ecs").create_cluster(
        clusterName=target.names.cluster, settings=[{"name": "containerInsights", "value": insights}],
        tags=target.tag_list("key", "value"),
    )
    for service in SERVICES:
        _service(target, service)


def _dimensions(target: ProvisionTarget, resource: str) -> list[dict[str, str]]:
    """The CloudWatch dimensions naming the resource an alarm watches."""
    names = target.names
    if resource in SERVICES:
        return [{"Name": "ClusterName", "Value": names.cluster}, {"Name": "ServiceName", "Value": resource}]
    balancer = target.ids["alb"].split(":loadbalancer/", 1)[1]  # AWS's dimension value: app/<name>/<id>
    name, value = {"db": ("DBInstanceIdentifier", names.db), "cache": ("ReplicationGroupId", names.cache),
                   "alb": ("LoadBalancer", balancer)}[resource]
    return [{"Name": name, "Value": value}]


def alarms(target: ProvisionTarget) -> None:
    """The world's CloudWatch alarms, tagged with the environment, each notifying its SNS topic."""
    if target.world.alerting is None:
        return
    cloudwatch = target.client("cloudwatch")
    for alarm in target.world.alerting.alarms:
        cloudwatch.put_metric_alarm(
            AlarmName=f"{target.names.prefix}-{alarm.name}", Namespace=alarm.namespace, MetricName=alarm.metric,
            Dimensions=_dimensions(target, alarm.resource), Statistic="Average", Period=300, EvaluationPeriods=2,
            Threshold=alarm.threshold, ComparisonOperator=alarm.comparison, AlarmActions=[target.ids["topic"]],
            OKActions=[target.ids["topic"]], Tags=target.tag_list(),
        )
