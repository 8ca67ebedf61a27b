"""A new user's account, provisioned in a moto server by the test itself: project acme, prod/stage, tags env/app.

Deliberately independent of envmatrix/sandbox/: the names, tags and layout here are written out by hand
from issue 16, so the suite can only find them through configuration. Values come from the shipped
tfvars, env files and spec, so the account conforms to the shipped spec.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets as random_secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from envmatrix.declared import EnvFile, Tfvars
from envmatrix.names import SECURITY_GROUP_ROLES, secret_reference
from envmatrix.sandbox.provision_target import SandboxClients
from envmatrix.sandbox.provision_trail import DEPLOY_SESSION, assumed_clients
from envmatrix.spec import EnvironmentSpec
from tests.conftest import Project

ACCOUNT = "123456789012"  # moto's default account
PROJECT = "acme"
WORLD = "0.0.0.0/0"
PORTS = {"api": 8000, "db": 5432, "cache": 6379}
ROLES = ("api", "worker")
#: acme's own bastion tag, configured as ``bastion_tag`` in ACME_CONFIG (not the default Role=bastion)
BASTION_TAG = ("role", "jumphost")
#: the image of acme's SSM-managed jump host (any id EC2's stand-in knows)
JUMPHOST_IMAGE = "ami-12c6146b"


ACME_CONFIG = """\
[project]
name = "acme"

[tags]
environment = "env"
project = "app"

[paths]
tfvars_root = "infra/envs/{short_name}/terraform.tfvars"
env_root = "app/config/{short_name}.env"

[names]
api_service = "{project}-api"
worker_service = "{project}-worker"
bastion_tag = "role=jumphost"

[environments.production]
short_name = "prod"
app_environment = "prod"

[environments.staging]
short_name = "stage"
app_environment = "stage"
"""


def acme_layout(project: Project, folder: str = "acme") -> Path:
    """The acme repository beside the checkout: infra/envs/<short>/terraform.tfvars, app/config/<short>.env."""
    root = project.path / folder
    for env, short in (("dev", "dev"), ("staging", "stage"), ("production", "prod")):
        tfvars = root / "infra" / "envs" / short / "terraform.tfvars"
        tfvars.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(project.tfvars(env), tfvars)
        env_file = root / "app" / "config" / f"{short}.env"
        env_file.parent.mkdir(parents=True, exist_ok=True)
        text = project.env_file(env).read_text()
        env_file.write_text(text.replace(f"ENVIRONMENT={'development' if env == 'dev' else env}",
                                         f"ENVIRONMENT={'development' if env == 'dev' else short}"))
    (root / "envmatrix.toml").write_text(ACME_CONFIG)
    # The checkout's own env files must not be what is read: remove them.
    shutil.rmtree(project.path / "fixtures" / "env")
    shutil.rmtree(project.path / "fixtures" / "tfvars")
    return root


@dataclass
class AcmeEnv:
    """One acme environment being provisioned: ``short`` is its name in resources and tags (prod, stage)."""

    short: str
    endpoint: str
    spec: EnvironmentSpec
    tfvars: Tfvars
    env_file: EnvFile
    placeholder: str
    ids: dict[str, str] = field(default_factory=dict)
    subnets: list[str] = field(default_factory=list)
    #: the alarm signals the environment's monitoring level names (spec alarm_signals), by signal name
    signals: dict[str, Any] = field(default_factory=dict)
    #: whose requests provisioning makes (the environment's CI deploy role: pipeline); None: the fake root keys
    pipeline: SandboxClients | None = None

    def client(self, service: str) -> Any:
        if self.pipeline is not None:
            return self.pipeline.client(service, self.tfvars.aws_region)
        return boto3.client(service, region_name=self.tfvars.aws_region, endpoint_url=self.endpoint,  # type: ignore[call-overload]
                            aws_access_key_id="testing", aws_secret_access_key="testing")  # noqa: S106

    def name(self, suffix: str) -> str:
        return f"{self.short}-{PROJECT}-{suffix}" if suffix else f"{self.short}-{PROJECT}"

    @property
    def tags(self) -> dict[str, str]:
        return {"env": self.short, "app": PROJECT}

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        return [{key: k, value: v} for k, v in self.tags.items()]

    def named(self, kind: str, name: str) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": [*self.tag_list(), {"Key": "Name", "Value": name}]}]


def network(env: AcmeEnv) -> None:
    ec2 = env.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=env.tfvars.vpc_cidr, TagSpecifications=env.named("vpc", env.name("vpc")))
    env.ids["vpc"] = vpc["Vpc"]["VpcId"]
    blocks = ipaddress.ip_network(env.tfvars.vpc_cidr).subnets(new_prefix=24)
    for zone, block in zip(env.tfvars.availability_zones, blocks, strict=False):
        subnet = ec2.create_subnet(VpcId=env.ids["vpc"], CidrBlock=str(block), AvailabilityZone=zone,
                                   TagSpecifications=env.named("subnet", env.name(zone)))
        env.subnets.append(subnet["Subnet"]["SubnetId"])
    for role in SECURITY_GROUP_ROLES:
        name = env.name(f"{role}-sg")
        env.ids[f"sg:{role}"] = ec2.create_security_group(
            GroupName=name, Description=name, VpcId=env.ids["vpc"],
            TagSpecifications=env.named("security-group", name))["GroupId"]
    sg = env.ids

    def rule(port: int, *groups: str) -> dict[str, Any]:
        return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                "UserIdGroupPairs": [{"GroupId": sg[f"sg:{g}"]} for g in groups]}

    world = [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": WORLD}]} for p in (80, 443)]
    rules = {"alb": world, "api": [rule(PORTS["api"], "alb")], "db": [rule(PORTS["db"], *ROLES)],
             "cache": [rule(PORTS["cache"], *ROLES)]}
    for role, permissions in rules.items():
        ec2.authorize_security_group_ingress(GroupId=sg[f"sg:{role}"], IpPermissions=permissions)
    if env.tfvars.bastion_enabled:
        jumphost(env)


def jumphost(env: AcmeEnv) -> None:
    """acme's bastion: an SSM-managed instance tagged role=jumphost whose group admits nothing (Session Manager
    needs no inbound rule); the database's group admits that group."""
    ec2, name = env.client("ec2"), env.name("jumphost-sg")
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=env.ids["vpc"],
                                      TagSpecifications=env.named("security-group", name))["GroupId"]
    key, value = BASTION_TAG
    tags = env.named("instance", env.name("jumphost"))
    tags[0]["Tags"].append({"Key": key, "Value": value})
    ec2.run_instances(ImageId=JUMPHOST_IMAGE, InstanceType="t3.nano", MinCount=1, MaxCount=1,
                      SubnetId=env.subnets[0], SecurityGroupIds=[group], TagSpecifications=tags)
    ec2.authorize_security_group_ingress(GroupId=env.ids["sg:db"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": PORTS["db"], "ToPort": PORTS["db"], "UserIdGroupPairs": [{"GroupId": group}]}])


def load_balancer(env: AcmeEnv) -> None:
    elb, domain = env.client("elbv2"), env.tfvars.domain_name
    env.ids["alb"] = elb.create_load_balancer(
        Name=env.name("alb"), Subnets=env.subnets, SecurityGroups=[env.ids["sg:alb"]], Scheme="internet-facing",
        Type="application", Tags=env.tag_list())["LoadBalancers"][0]["LoadBalancerArn"]
    env.ids["target_group"] = elb.create_target_group(
        Name=env.name("api"), Protocol="HTTP", Port=PORTS["api"], VpcId=env.ids["vpc"], TargetType="ip",
        HealthCheckPath="/health", Tags=env.tag_list())["TargetGroups"][0]["TargetGroupArn"]
    certificate = env.client("acm").request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    elb.create_listener(LoadBalancerArn=env.ids["alb"], Protocol="HTTPS", Port=443,
                        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", Certificates=[{"CertificateArn": certificate}],
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": env.ids["target_group"]}],
                        Tags=env.tag_list())
    redirect = {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    elb.create_listener(LoadBalancerArn=env.ids["alb"], Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "redirect", "RedirectConfig": redirect}], Tags=env.tag_list())
    admin = env.tfvars.admin_allowed_cidrs
    if env.spec.security.waf or admin is not None:
        wafv2 = env.client("wafv2")
        rules = [_admin_rule(env, admin)] if admin is not None else []
        acl = wafv2.create_web_acl(Name=env.name("waf"), Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=rules,
                                   VisibilityConfig=_visibility("acme"), Tags=env.tag_list())["Summary"]
        wafv2.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=env.ids["alb"])


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


def _admin_rule(env: AcmeEnv, cidrs: list[str]) -> dict[str, Any]:
    """acme's rule on the spec's admin paths: blocked, unless (where the tfvars list sources) from its office IP
    set; with no sources, blocked from everywhere."""
    assert env.spec.access is not None, "the tfvars guard admin paths the spec does not name"
    paths: list[dict[str, Any]] = [{"ByteMatchStatement": {
        "SearchString": path.encode(), "FieldToMatch": {"UriPath": {}}, "PositionalConstraint": "STARTS_WITH",
        "TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}} for path in env.spec.access.admin_paths]
    statement = paths[0] if len(paths) == 1 else {"OrStatement": {"Statements": paths}}
    if cidrs:
        office = env.client("wafv2").create_ip_set(Name=env.name("office"), Scope="REGIONAL", IPAddressVersion="IPV4",
                                                   Addresses=cidrs, Tags=env.tag_list())["Summary"]["ARN"]
        statement = {"AndStatement": {"Statements": [statement, {"NotStatement": {"Statement": {
            "IPSetReferenceStatement": {"ARN": office}}}}]}}
    return {"Name": "acme-admin", "Priority": 1, "Action": {"Block": {}}, "Statement": statement,
            "VisibilityConfig": _visibility("acme-admin")}


def data(env: AcmeEnv) -> None:
    rds, tf = env.client("rds"), env.tfvars
    rds.create_db_subnet_group(DBSubnetGroupName=env.name("db"), DBSubnetGroupDescription="acme",
                               SubnetIds=env.subnets)
    classification = ([{"Key": env.spec.data.classification_tag, "Value": tf.db_data_classification}]
                      if tf.db_data_classification else [])
    rds.create_db_instance(
        DBInstanceIdentifier=env.name("db"), DBInstanceClass=tf.db_instance_class, Engine="postgres",
        EngineVersion="15.4", MasterUsername="acme", MasterUserPassword=random_secrets.token_urlsafe(24),
        AllocatedStorage=tf.db_allocated_storage, MaxAllocatedStorage=tf.db_max_allocated_storage,
        MultiAZ=tf.db_multi_az, BackupRetentionPeriod=tf.db_backup_retention_days,
        DeletionProtection=tf.db_deletion_protection, StorageEncrypted=True, PubliclyAccessible=False,
        DBSubnetGroupName=env.name("db"), VpcSecurityGroupIds=[env.ids["sg:db"]],
        Tags=[*env.tag_list(), *classification], **_audit(env))
    if tf.db_create_replica:
        rds.create_db_instance_read_replica(
            DBInstanceIdentifier=env.name("db-replica"), SourceDBInstanceIdentifier=env.name("db"),
            DBInstanceClass=tf.db_replica_instance_class or tf.db_instance_class, PubliclyAccessible=False,
            Tags=env.tag_list())
    cache = env.client("elasticache")
    cache.create_cache_subnet_group(CacheSubnetGroupName=env.name("cache"), CacheSubnetGroupDescription="acme",
                                    SubnetIds=env.subnets)
    cache.create_replication_group(
        ReplicationGroupId=env.name("cache"), ReplicationGroupDescription="acme", Engine="redis",
        CacheNodeType=tf.cache_node_type, NumNodeGroups=1, ReplicasPerNodeGroup=tf.cache_num_nodes - 1,
        AutomaticFailoverEnabled=tf.cache_automatic_failover, MultiAZEnabled=tf.cache_automatic_failover,
        AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True, CacheSubnetGroupName=env.name("cache"),
        SecurityGroupIds=[env.ids["sg:cache"]], Tags=env.tag_list())
    for wanted, bucket in ((env.spec.security.backup_bucket, env.name("backups")),
                           (env.spec.security.log_archive_bucket, env.name("log-archive"))):
        if wanted:
            _bucket(env, bucket)


def _audit(env: AcmeEnv) -> dict[str, Any]:
    """Where acme's tfvars turn db_audit_logging on: its own pg15 parameter group loading pgaudit with the
    spec's audit parameters, and the spec's logs exported to CloudWatch Logs."""
    audit = env.spec.database_access.audit
    if not env.tfvars.db_audit_logging:
        return {}
    assert audit is not None, "the tfvars turn on audit logging the spec does not describe"
    rds, group = env.client("rds"), env.name("pg15-audit")
    rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="postgres15",
                                  Description="acme audit logging", Tags=env.tag_list())
    values = {name: value if isinstance(value, str) else ",".join(value) for name, value in audit.parameters.items()}
    rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
        {"ParameterName": name, "ParameterValue": value, "ApplyMethod": "pending-reboot"}
        for name, value in {"shared_preload_libraries": "pgaudit", **values}.items()])
    return {"DBParameterGroupName": group, "EnableCloudwatchLogsExports": list(audit.log_exports)}


def _bucket(env: AcmeEnv, name: str) -> None:
    s3 = env.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": env.tag_list()})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    if name.endswith("backups"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    else:
        days = env.tfvars.log_archive_days or env.spec.logging.archive_days
        rule = {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": days}}
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [rule]})


def _secret_variables(env: AcmeEnv) -> list[str]:
    listed = list(env.spec.secrets.from_secrets_manager)
    return listed + [k for k, v in env.env_file.values.items() if v == env.placeholder and k not in listed]


def secrets(env: AcmeEnv) -> dict[str, str]:
    """Secrets under acme/<short>/; returns variable -> valueFrom."""
    sm, refs, arns = env.client("secretsmanager"), {}, {}
    names = {secret_reference(variable)[0] for variable in _secret_variables(env)} | set(env.spec.secrets.rotation)
    for name in sorted(names):
        value = json.dumps({"client_id": "x", "client_secret": "y"}) if name.startswith("oauth-") else "s3cr3t-value"
        arns[name] = sm.create_secret(Name=f"{PROJECT}/{env.short}/{name}", SecretString=value,
                                      Tags=env.tag_list())["ARN"]
        days = env.spec.secrets.rotation.get(name, "manual")
        if days != "manual":
            sm.rotate_secret(SecretId=arns[name], RotationRules={"AutomaticallyAfterDays": days})
    for variable in _secret_variables(env):
        name, key = secret_reference(variable)
        refs[variable] = f"{arns[name]}:{key}::" if key else arns[name]
    return refs


def application(env: AcmeEnv) -> None:
    """Log groups, task definitions (one container each, no sidecar), cluster, services acme-api/acme-worker."""
    refs, tf = secrets(env), env.tfvars
    logs, ecs, scaling = env.client("logs"), env.client("ecs"), env.client("application-autoscaling")
    cluster = env.name("")
    ecs.create_cluster(clusterName=cluster, tags=env.tag_list("key", "value"), settings=[
        {"name": "containerInsights", "value": "enabled" if env.spec.monitoring.container_insights else "disabled"}])
    sizes = {"api": (tf.api_cpu, tf.api_memory, tf.api_desired_count, tf.api_min_capacity, tf.api_max_capacity),
             "worker": (tf.worker_cpu, tf.worker_memory, tf.worker_desired_count, tf.worker_min_capacity,
                        tf.worker_max_capacity)}
    for role, (cpu, memory, desired, low, high) in sizes.items():
        group = f"/ecs/{env.name(role)}"
        logs.create_log_group(logGroupName=group, tags=env.tags)
        logs.put_retention_policy(logGroupName=group, retentionInDays=tf.log_retention_days)
        container = {
            "name": f"{PROJECT}-{role}", "image": f"{ACCOUNT}.dkr.ecr.{tf.aws_region}.amazonaws.com/acme-{role}:v1.0.0",
            "essential": True,
            "environment": [{"name": k, "value": v} for k, v in env.env_file.values.items() if k not in refs],
            "secrets": [{"name": k, "valueFrom": v} for k, v in refs.items()],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": group, "awslogs-region": tf.aws_region, "awslogs-stream-prefix": role}}}
        arn = ecs.register_task_definition(
            family=env.name(role), cpu=cpu, memory=memory, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            containerDefinitions=[container], tags=env.tag_list("key", "value"),
        )["taskDefinition"]["taskDefinitionArn"]
        service = f"{PROJECT}-{role}"
        blue_green = role == "api" and env.spec.deployment.blue_green is not None
        ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=arn, desiredCount=desired,
                           deploymentController={"type": "CODE_DEPLOY" if blue_green else "ECS"},
                           launchType="FARGATE", tags=env.tag_list("key", "value"), networkConfiguration={
                               "awsvpcConfiguration": {"subnets": env.subnets,
                                                       "securityGroups": [env.ids[f"sg:{role}"]]}})
        # A settled rolling deployment: moto starts the tasks (and finishes the deployment) on update only.
        ecs.update_service(cluster=cluster, service=service, desiredCount=desired)
        scaling.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=f"service/{cluster}/{service}", Tags=env.tags,
            ScalableDimension="ecs:service:DesiredCount", MinCapacity=low, MaxCapacity=high)


def alarms(env: AcmeEnv) -> None:
    if not env.spec.monitoring.alerting:
        return
    topic = env.client("sns").create_topic(Name=env.name("alerts"), Tags=env.tag_list())["TopicArn"]
    env.client("cloudwatch").put_metric_alarm(
        AlarmName=env.name("db-cpu-high"), Namespace="AWS/RDS", MetricName="CPUUtilization",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": env.name("db")}], Statistic="Average", Period=300,
        EvaluationPeriods=2, Threshold=80.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic],
        Tags=env.tag_list())


def availability(env: AcmeEnv) -> None:
    """30 days of load balancer traffic within the SLA; where the spec wants one, a Route 53 check with an alarm."""
    if env.spec.sla.uptime_percent is None:
        return
    cloudwatch = env.client("cloudwatch")
    dimensions = [{"Name": "LoadBalancer", "Value": env.ids["alb"].split(":loadbalancer/", 1)[-1]}]
    noon = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    cloudwatch.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[
        {"MetricName": metric, "Dimensions": dimensions, "Timestamp": noon - dt.timedelta(days=day), "Value": value}
        for day in range(1, env.spec.sla.window_days + 1)
        for metric, value in (("RequestCount", 100_000.0), ("HTTPCode_Target_5XX_Count", 10.0))])
    if not env.spec.sla.external_health_check:
        return
    route53 = env.client("route53")
    check_id = route53.create_health_check(CallerReference=env.name("health"), HealthCheckConfig={
        "Type": "HTTPS", "FullyQualifiedDomainName": env.tfvars.domain_name, "ResourcePath": "/health",
        "Port": 443})["HealthCheck"]["Id"]
    route53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=check_id,
                                     AddTags=[{"Key": "Name", "Value": env.name("health")}])
    topic = env.client("sns").create_topic(Name=env.name("alerts"), Tags=env.tag_list())["TopicArn"]
    cloudwatch.put_metric_alarm(
        AlarmName=env.name("health-check-failing"), Namespace="AWS/Route53", MetricName="HealthCheckStatus",
        Dimensions=[{"Name": "HealthCheckId", "Value": check_id}], Statistic="Minimum", Period=60,
        EvaluationPeriods=2, Threshold=1.0, ComparisonOperator="LessThanThreshold", AlarmActions=[topic],
        Tags=env.tag_list())


def deployment(env: AcmeEnv) -> None:
    """The Deployment row: blue/green group, circuit breakers, the registry's scanned builds (all from the spec)."""
    wanted, ecs, cluster = env.spec.deployment, env.client("ecs"), env.name("")
    services = ecs.describe_services(cluster=cluster, services=[f"{PROJECT}-api", f"{PROJECT}-worker"])["services"]
    for found in services:  # moto counts running tasks only from UpdateService; keep the desired count
        changes: dict[str, Any] = {"desiredCount": found["desiredCount"]}
        if wanted.rolling_rollback:
            changes["deploymentConfiguration"] = {"maximumPercent": 200, "minimumHealthyPercent": 100,
                                                  "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
        ecs.update_service(cluster=cluster, service=found["serviceName"], **changes)
    if wanted.blue_green is not None:
        codedeploy = env.client("codedeploy")
        codedeploy.create_application(applicationName=env.name(""), computePlatform="ECS")
        codedeploy.create_deployment_group(
            applicationName=env.name(""), deploymentGroupName=env.name("api"),
            serviceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/acme-codedeploy",
            deploymentConfigName="CodeDeployDefault.ECSCanary10Percent15Minutes",
            ecsServices=[{"clusterName": env.name(""), "serviceName": f"{PROJECT}-api"}],
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            autoRollbackConfiguration={"enabled": True, "events": list(wanted.blue_green.rollback_on)},
            alarmConfiguration={"enabled": True, "alarms": [{"name": env.name("db-cpu-high")}]})
    if wanted.images is not None:
        ecr = env.client("ecr")
        for role in ("api", "worker"):
            ecr.create_repository(repositoryName=f"acme-{role}", imageTagMutability="IMMUTABLE",
                                  imageScanningConfiguration={"scanOnPush": True})
            layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1,
                     "digest": "sha256:" + f"{role}1".encode().hex().ljust(64, "0")}
            manifest = json.dumps({"schemaVersion": 2, "layers": [layer],
                                   "mediaType": "application/vnd.docker.distribution.manifest.v2+json"})
            for tag in (f"{wanted.images.build_tag_prefix}abc1234", "v1.0.0"):
                ecr.put_image(repositoryName=f"acme-{role}", imageTag=tag, imageManifest=manifest)
            ecr.start_image_scan(repositoryName=f"acme-{role}", imageId={"imageTag": "v1.0.0"})


def _dimensions(env: AcmeEnv, resource: str) -> list[dict[str, str]]:
    if resource == "alb":
        return [{"Name": "LoadBalancer", "Value": env.ids["alb"].split(":loadbalancer/", 1)[-1]}]
    if resource in ("api", "worker"):
        return [{"Name": "ClusterName", "Value": env.name("")},
                {"Name": "ServiceName", "Value": f"{PROJECT}-{resource}"}]
    if resource == "cache":
        return [{"Name": "ReplicationGroupId", "Value": env.name("cache")}]
    return [{"Name": "DBInstanceIdentifier", "Value": env.name("db")}]


def operations(env: AcmeEnv) -> None:
    """The monthly budget, an alarm on every signal of the monitoring level (topic subscribed), scaling policies."""
    cost = env.spec.cost
    env.client("budgets").create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": env.name("monthly"), "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": str(cost.monthly_usd_low), "Unit": "USD"}}, NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                             "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finance@acme.invalid"}]}])
    if env.spec.auto_scaling:
        for role in ("api", "worker"):
            env.client("application-autoscaling").put_scaling_policy(
                PolicyName=env.name(f"{role}-cpu"), ServiceNamespace="ecs",
                ResourceId=f"service/{env.name('')}/{PROJECT}-{role}", ScalableDimension="ecs:service:DesiredCount",
                PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": 70.0, "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    if not env.spec.monitoring.alerting:
        return
    sns = env.client("sns")
    topic = sns.create_topic(Name=env.name("alerts"), Tags=env.tag_list())["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://hooks.slack.invalid/services/acme-on-call")
    for name, signal in env.signals.items():
        env.client("cloudwatch").put_metric_alarm(
            AlarmName=env.name(name), Namespace=signal.namespace, MetricName=signal.metrics[0],
            Dimensions=_dimensions(env, signal.resource), Statistic="Average", Period=300, EvaluationPeriods=2,
            Threshold=80.0, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], Tags=env.tag_list())


def provision(env: AcmeEnv) -> None:
    for step in (network, load_balancer, data, application, alarms, availability, deployment, operations):
        step(env)


def pipeline(endpoint: str, short: str, region: str) -> SandboxClients:
    """Clients of acme's CI deploy role for one environment (``<short>-acme-deploy``): its changes are automation
    in the account's CloudTrail, as a pipeline's are."""
    return assumed_clients(SandboxClients(endpoint), region, f"{short}-{PROJECT}-deploy", DEPLOY_SESSION)


def organization_trail(endpoint: str, region: str) -> None:
    """Acme's organization trail (made by the management account), logging every management event."""
    clients = SandboxClients(endpoint)
    clients.client("s3", region).create_bucket(Bucket=f"{PROJECT}-org-trail-logs")
    cloudtrail = clients.client("cloudtrail", region)
    cloudtrail.create_trail(Name=f"{PROJECT}-org-trail", S3BucketName=f"{PROJECT}-org-trail-logs",
                            IsMultiRegionTrail=True, IsOrganizationTrail=True)
    cloudtrail.start_logging(Name=f"{PROJECT}-org-trail")
