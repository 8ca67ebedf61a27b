"""start_aws: a real moto server process provisioned with DESIGN.md's names, from the tfvars, env files and world."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from envmatrix.context import Paths, Suite
from envmatrix.sandbox.aws import RunningAws, SandboxError, start_aws
from envmatrix.sandbox.naming import SandboxNames, secret_ref
from envmatrix.sandbox.provision_ops import bill, queue_bill
from envmatrix.sandbox.provision_trail import trail_name
from envmatrix.sandbox.world import default_world
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS

ROOT = Path(__file__).resolve().parents[2]


def repo_suite(reports: Path) -> Suite:
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports)
    return Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Suite:
    return repo_suite(tmp_path_factory.mktemp("provision"))


@pytest.fixture(scope="module")
def aws(suite: Suite) -> Iterator[RunningAws]:
    running = start_aws(suite)
    yield running
    running.stop()


@pytest.mark.parametrize(("variable", "name", "key"), [
    ("DATABASE_URL", "database-url", None),
    ("JWT_SECRET_KEY", "jwt-secret", None),
    ("OAUTH_GOOGLE_CLIENT_ID", "oauth-google", "client_id"),
    ("OAUTH_GITHUB_CLIENT_SECRET", "oauth-github", "client_secret"),
    ("SMTP_PASSWORD", "smtp-password", None),
    ("DATABASE_READER_URL", "database-reader-url", None),
])
def test_secret_names_follow_design(variable: str, name: str, key: str | None) -> None:
    ref = secret_ref(variable)
    assert (ref.name, ref.json_key) == (name, key)
    assert ref.value_from("arn:x") == ("arn:x" + (f":{key}::" if key else ""))


def test_endpoint_is_loopback_and_env_vars_are_fake(aws: RunningAws) -> None:
    assert aws.endpoint.startswith("http://127.0.0.1:")
    variables = aws.env_vars()
    assert variables["AWS_ENDPOINT_URL"] == aws.endpoint
    assert variables["AWS_ACCESS_KEY_ID"] == "testing" and variables["AWS_EC2_METADATA_DISABLED"] == "true"
    assert aws.environments == SHIPPED_ENVIRONMENTS and aws.provision_seconds > 0


@pytest.mark.parametrize("env", SHIPPED_ENVIRONMENTS)
def test_database_and_cache(aws: RunningAws, suite: Suite, env: str) -> None:
    names, tf = SandboxNames(env), suite.tfvars(env)
    db = aws.client("rds").describe_db_instances(DBInstanceIdentifier=names.db)["DBInstances"][0]
    assert (db["DBInstanceClass"], db["AllocatedStorage"], db["MaxAllocatedStorage"]) == (
        tf.db_instance_class, tf.db_allocated_storage, tf.db_max_allocated_storage)
    assert (db["MultiAZ"], db["BackupRetentionPeriod"], db["DeletionProtection"]) == (
        tf.db_multi_az, tf.db_backup_retention_days, tf.db_deletion_protection)
    assert db["StorageEncrypted"] and not db["PubliclyAccessible"]
    assert db["ReadReplicaDBInstanceIdentifiers"] == ([names.db_replica] if tf.db_create_replica else [])
    group = aws.client("elasticache").describe_replication_groups(ReplicationGroupId=names.cache)[
        "ReplicationGroups"][0]
    assert len(group["MemberClusters"]) == tf.cache_num_nodes
    assert group["AutomaticFailover"] == ("enabled" if tf.cache_automatic_failover else "disabled")
    assert group["AtRestEncryptionEnabled"] and group["TransitEncryptionEnabled"]


def _container(aws: RunningAws, family: str) -> dict[str, Any]:
    answer = aws.client("ecs").describe_task_definition(taskDefinition=family)["taskDefinition"]
    return dict(answer["containerDefinitions"][0])


@pytest.mark.parametrize("env", SHIPPED_ENVIRONMENTS)
def test_task_definitions_deliver_secrets_through_secrets_manager(aws: RunningAws, suite: Suite, env: str) -> None:
    names, shipped = SandboxNames(env), suite.env_file(env).values
    marked = {key for key, value in shipped.items() if value == default_world().secret_marker}
    for role in ("api", "worker"):
        container = _container(aws, names.family(role))
        environment = {item["name"]: item["value"] for item in container["environment"]}
        secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
        assert set(secrets) == marked
        assert not set(environment) & set(secrets)
        assert "<from-secrets-manager>" not in environment.values()
        assert environment == {key: value for key, value in shipped.items() if key not in marked}
        for variable, value_from in secrets.items():
            ref = secret_ref(variable)
            assert f":secret:taskmanager/{env}/{ref.name}" in value_from
            assert value_from.endswith(f":{ref.json_key}::") == bool(ref.json_key)
        assert container["logConfiguration"]["options"]["awslogs-group"] == names.log_group(role)


@pytest.mark.parametrize("env", SHIPPED_ENVIRONMENTS)
def test_services_scaling_and_logs(aws: RunningAws, suite: Suite, env: str) -> None:
    names, tf = SandboxNames(env), suite.tfvars(env)
    ecs = aws.client("ecs")
    cluster = ecs.describe_clusters(clusters=[names.cluster], include=["SETTINGS"])["clusters"][0]
    insights = "enabled" if default_world().env(env).container_insights else "disabled"
    assert cluster["settings"] == [{"name": "containerInsights", "value": insights}]
    services = {s["serviceName"]: s for s in ecs.describe_services(cluster=names.cluster,
                                                                  services=["api", "worker"])["services"]}
    assert services["api"]["desiredCount"] == tf.api_desired_count
    assert services["worker"]["deploymentConfiguration"]["minimumHealthyPercent"] == 100
    targets = aws.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[names.scalable_target("api"), names.scalable_target("worker")])
    ranges = {t["ResourceId"]: (t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]}
    assert ranges == {names.scalable_target("api"): (tf.api_min_capacity, tf.api_max_capacity),
                      names.scalable_target("worker"): (tf.worker_min_capacity, tf.worker_max_capacity)}
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{names.prefix}-")["logGroups"]
    assert {g["logGroupName"]: g["retentionInDays"] for g in groups} == {
        names.log_group("api"): tf.log_retention_days, names.log_group("worker"): tf.log_retention_days}


@pytest.mark.parametrize("env", SHIPPED_ENVIRONMENTS)
def test_secret_rotation_follows_the_world(aws: RunningAws, suite: Suite, env: str) -> None:
    listed = aws.client("secretsmanager").list_secrets(
        Filters=[{"Key": "name", "Values": [f"taskmanager/{env}/"]}])["SecretList"]
    found = {s["Name"].rsplit("/", 1)[1]: s for s in listed}
    marker, rotation = default_world().secret_marker, default_world().env(env).rotation
    wanted = {secret_ref(key).name for key, value in suite.env_file(env).values.items() if value == marker}
    assert set(found) == wanted | set(rotation)
    for name, secret in found.items():
        if name in rotation:
            assert secret["RotationRules"]["AutomaticallyAfterDays"] == rotation[name]
        else:  # rotated by hand
            assert not secret.get("RotationEnabled")
    for secret in found.values():
        assert {t["Key"]: t["Value"] for t in secret["Tags"]} == {"Environment": env, "Project": "taskmanager"}


@pytest.mark.parametrize("env", SHIPPED_ENVIRONMENTS)
def test_network_edge(aws: RunningAws, suite: Suite, env: str) -> None:
    names, deployed = SandboxNames(env), default_world().env(env)
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [names.vpc]}])["Vpcs"][0]
    assert vpc["CidrBlock"] == suite.tfvars(env).vpc_cidr
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    world = {g["GroupName"]: sorted(p["FromPort"] for p in g["IpPermissions"]
                                    if any(r["CidrIp"] == "0.0.0.0/0" for r in p.get("IpRanges", [])))
             for g in groups}
    assert {name: ports for name, ports in world.items() if ports} == {names.security_group("alb"): [80, 443]}
    balancer = elb.describe_load_balancers(Names=[names.alb])["LoadBalancers"][0]
    alb = balancer["LoadBalancerArn"]
    assert balancer["Scheme"] == ("internal" if suite.tfvars(env).alb_internal else "internet-facing")
    listeners = {item["Port"]: item for item in elb.describe_listeners(LoadBalancerArn=alb)["Listeners"]}
    assert listeners[443]["Protocol"] == "HTTPS" and listeners[443]["Certificates"]
    assert listeners[443]["SslPolicy"] == deployed.tls_policy
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["Port"] == "443"
    acl = aws.client("wafv2").get_web_acl_for_resource(ResourceArn=alb).get("WebACL")
    admin = suite.tfvars(env).admin_allowed_cidrs  # a web ACL guards the admin paths where the tfvars say so
    assert (acl["Name"] if acl else None) == (names.waf if deployed.waf or admin is not None else None)
    guard = [rule for rule in acl["Rules"] if rule["Name"] == "admin-paths"] if acl else []
    assert [rule["Action"] for rule in guard] == ([{"Block": {}}] if admin is not None else [])


def test_production_buckets_and_alarms(aws: RunningAws, suite: Suite) -> None:
    names, s3 = SandboxNames("production"), aws.client("s3")
    assert s3.get_bucket_versioning(Bucket=names.backups_bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=names.backups_bucket)["PublicAccessBlockConfiguration"].values())
    rules = s3.get_bucket_lifecycle_configuration(Bucket=names.archive_bucket)["Rules"]
    assert rules[0]["Expiration"]["Days"] == suite.tfvars("production").log_archive_days
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    trails = {f"{trail_name(env)}-logs" for env in ("dev", "staging", "production")}  # each trail's own bucket
    assert buckets == {names.backups_bucket, names.archive_bucket, *trails}  # staging and dev have none else
    # Target-tracking scaling policies add AWS-managed TargetTracking-* alarms (as on AWS): not ours to count.
    alarms = [a for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]
              if not a["AlarmName"].startswith("TargetTracking-")]
    alerting, health = default_world().env("production").alerting, default_world().env("production").health_check
    extra = 1 if health is not None and health.alarm else 0  # the external health check's alarm
    assert alerting is not None and len(alarms) == len(alerting.alarms) + extra
    assert all(a["AlarmName"].startswith("production-") for a in alarms)
    assert all(a["AlarmActions"] and ":sns:" in a["AlarmActions"][0] for a in alarms)


def test_generated_secret_values_are_registered_for_redaction(aws: RunningAws) -> None:
    from envmatrix.redact import redact_text

    # The provisioning code's own client may read values (the suite's guarded clients never can).
    value = aws.client("secretsmanager").get_secret_value(SecretId="taskmanager/production/oauth-google")
    document = json.loads(value["SecretString"])
    assert set(document) == {"client_id", "client_secret"}
    assert document["client_secret"] not in redact_text(f"leak: {document['client_secret']}")


def test_busy_port_is_a_clear_error(suite: Suite) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(SandboxError, match=rf"cannot start the moto server on 127.0.0.1:{port}"):
            start_aws(suite, ["dev"], port=port)


def test_reset_and_provision_again(suite: Suite) -> None:
    running = start_aws(suite, ["dev"])
    try:
        rds = running.client("rds")
        assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == ["dev-taskmanager-db"]
        running.reset()
        assert rds.describe_db_instances()["DBInstances"] == []
        running.provision(suite, ["staging"])
        found = sorted(d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"])
        assert found == ["staging-taskmanager-db", "staging-taskmanager-db-replica"]
    finally:
        running.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(running.endpoint.rsplit(":", 1)[1])), timeout=2).close()


def test_production_uptime_evidence(aws: RunningAws) -> None:
    """The world's 30 days of ALB traffic are in CloudWatch; the Route 53 health check carries its Name tag."""
    route53 = aws.client("route53")
    ids = [item["Id"] for item in route53.list_health_checks()["HealthChecks"]]
    tags = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids)["ResourceTagSets"]
    assert any({"Key": "Name", "Value": "production-taskmanager-health"} in item["Tags"] for item in tags)
    listed = aws.client("cloudwatch").list_metrics(Namespace="AWS/ApplicationELB", MetricName="RequestCount")
    assert {d["Value"].split("/")[1] for m in listed["Metrics"] for d in m["Dimensions"]} >= {
        "staging-taskmanager-alb", "production-taskmanager-alb"}


def test_cost_explorer_answers_the_bill_to_every_request(aws: RunningAws) -> None:
    """The world's bill for every request (another month, the same one again) until a new one is queued."""
    ce, world = aws.client("ce", "us-east-1"), default_world()

    def ask(start: str, end: str) -> tuple[dict[str, float], dict[str, str]]:
        answer = ce.get_cost_and_usage(TimePeriod={"Start": start, "End": end}, Granularity="MONTHLY",
                                       Metrics=["UnblendedCost"], GroupBy=[{"Type": "TAG", "Key": "Environment"}])
        [month] = answer["ResultsByTime"]
        return ({group["Keys"][0]: float(group["Metrics"]["UnblendedCost"]["Amount"]) for group in month["Groups"]},
                month["TimePeriod"])

    for start, end in [("2026-10-01", "2026-11-01"), ("2026-09-01", "2026-10-01"), ("2026-10-01", "2026-11-01")]:
        groups, period = ask(start, end)
        assert period == {"Start": start, "End": end}
        assert groups == {"Environment$": world.cost_explorer.untagged_usd,  # type: ignore[union-attr]
                          **{f"Environment${env}": world.env(env).last_month_cost_usd for env in SHIPPED_ENVIRONMENTS}}
    queue_bill(aws.endpoint, bill(world, SHIPPED_ENVIRONMENTS, costs={"dev": 99.5}))
    try:
        assert ask("2026-10-01", "2026-11-01")[0]["Environment$dev"] == 99.5
    finally:
        queue_bill(aws.endpoint, bill(world, SHIPPED_ENVIRONMENTS))


def test_the_registry_holds_every_build_scanned_once(aws: RunningAws) -> None:
    """Both repositories hold every build under each of its tags, each build's image scanned (by the push that
    made it: a release tag added to it, or another environment's push of it, scans nothing again)."""
    ecr, registry = aws.client("ecr"), default_world().registry
    for service in ("api", "worker"):
        images = ecr.describe_images(repositoryName=f"taskmanager-{service}")["imageDetails"]
        assert sorted(tag for image in images for tag in image["imageTags"]) == sorted(registry.builds)
        assert len(images) == len(set(registry.builds.values()))  # one image per build, however many tags
        for tag in registry.builds:  # the scan's findings, as the suite reads them (ScanNotFound: never scanned)
            found = ecr.describe_image_scan_findings(repositoryName=f"taskmanager-{service}", imageId={"imageTag": tag})
            assert found["imageScanStatus"]["status"] == "COMPLETE"
