"""Write helpers the fault catalogue uses to misconfigure one environment of a provisioned sandbox."""

from __future__ import annotations

import secrets as random_secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from envmatrix.aws.session import use_emulator_endpoint
from envmatrix.redact import register_secret
from envmatrix.sandbox.aws import RunningAws
from envmatrix.sandbox.naming import SandboxNames

WORLD = "0.0.0.0/0"
TaskMutation = Callable[[dict[str, Any], dict[str, Any]], None]  # (task definition, its app container)


@dataclass
class FaultTarget:
    """One provisioned environment of a running sandbox, as a fault sees it (plain, writable clients)."""

    aws: RunningAws
    env: str

    @property
    def names(self) -> SandboxNames:
        return SandboxNames(self.env)

    def client(self, service: str, region: str | None = None) -> Any:
        """A client of the environment's CI deploy role: a fault is the pipeline's misconfiguration (its change
        is automation to change control; tests/faults/changes.py makes changes by hand)."""
        return self.aws.deployer(self.env).client(service, region or self.aws.region)

    # --- RDS and ElastiCache -------------------------------------------------------------------
    def modify_db(self, **changes: Any) -> None:
        self.client("rds").modify_db_instance(DBInstanceIdentifier=self.names.db, ApplyImmediately=True, **changes)

    def db_arn(self) -> str:
        found = self.client("rds").describe_db_instances(DBInstanceIdentifier=self.names.db)["DBInstances"]
        return str(found[0]["DBInstanceArn"])

    def delete_replica(self) -> None:
        rds = self.client("rds")
        rds.modify_db_instance(DBInstanceIdentifier=self.names.db_replica, DeletionProtection=False,
                               ApplyImmediately=True)
        rds.delete_db_instance(DBInstanceIdentifier=self.names.db_replica, SkipFinalSnapshot=True)

    def move_replica(self, region: str) -> None:
        """Replace the read replica by one in another region (the primary then lists it by ARN). A parameter group
        belongs to its region: the replica gets its engine family's default group there, as RDS gives one when none
        is named (moto instead keeps the source's group name, which that region does not have)."""
        rds = self.client("rds")
        replica = rds.describe_db_instances(DBInstanceIdentifier=self.names.db_replica)["DBInstances"][0]
        group = replica["DBParameterGroups"][0]["DBParameterGroupName"]
        family = rds.describe_db_parameter_groups(DBParameterGroupName=group)["DBParameterGroups"][0][
            "DBParameterGroupFamily"]
        self.delete_replica()
        self.client("rds", region).create_db_instance_read_replica(
            DBInstanceIdentifier=self.names.db_replica, SourceDBInstanceIdentifier=self.db_arn(),
            DBInstanceClass=replica["DBInstanceClass"], PubliclyAccessible=False, Tags=replica.get("TagList", []),
            DBParameterGroupName=f"default.{family}")

    def account_public_access_block(self, **flags: bool) -> None:
        """Set the account-level S3 Block Public Access (s3control; the account is the sandbox's own)."""
        account = self.client("sts").get_caller_identity()["Account"]
        control = self.client("s3control")
        use_emulator_endpoint(control, self.aws.endpoint)
        control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=flags)

    def modify_cache(self, **changes: Any) -> None:
        self.client("elasticache").modify_replication_group(
            ReplicationGroupId=self.names.cache, ApplyImmediately=True, **changes)

    def cache_arn(self) -> str:
        groups = self.client("elasticache").describe_replication_groups(ReplicationGroupId=self.names.cache)
        return str(groups["ReplicationGroups"][0]["ARN"])

    # --- ECS ----------------------------------------------------------------------------------
    def running_task(self, role: str) -> str:
        """The task definition ARN the role's service runs (not merely the family's latest revision)."""
        found = self.client("ecs").describe_services(cluster=self.names.cluster, services=[role])["services"]
        return str(found[0]["taskDefinition"])

    def revise_task(self, role: str, mutate: TaskMutation, *, deploy: bool = True) -> str:
        """Register a new revision of the role's running task definition, changed by ``mutate`` (given the
        application container, found by name), and deploy it unless ``deploy`` is false. Returns its ARN."""
        ecs = self.client("ecs")
        answer = ecs.describe_task_definition(taskDefinition=self.running_task(role), include=["TAGS"])
        current = answer["taskDefinition"]
        keep = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions",
                "requiresCompatibilities", "cpu", "memory")
        definition = {key: current[key] for key in keep if key in current}
        mutate(definition, next(c for c in definition["containerDefinitions"] if c["name"] == role))
        arn = str(ecs.register_task_definition(**definition, tags=answer.get("tags") or [])[
            "taskDefinition"]["taskDefinitionArn"])
        if deploy:
            ecs.update_service(cluster=self.names.cluster, service=role, taskDefinition=arn)
        return arn

    def redeploy_service(self, role: str) -> None:
        """Create the role's service again as it is: a fresh rolling deployment whose tasks are not yet running."""
        ecs = self.client("ecs")
        found = ecs.describe_services(cluster=self.names.cluster, services=[role], include=["TAGS"])["services"][0]
        keep = ("taskDefinition", "desiredCount", "launchType", "networkConfiguration", "loadBalancers",
                "propagateTags", "tags")
        ecs.create_service(cluster=self.names.cluster, serviceName=role,
                           **{key: found[key] for key in keep if found.get(key)})
        if found.get("deploymentConfiguration"):  # AWS keeps it from CreateService; moto only from UpdateService
            ecs.update_service(cluster=self.names.cluster, service=role,
                               deploymentConfiguration=found["deploymentConfiguration"])

    def set_variable(self, role: str, name: str, value: str) -> None:
        def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
            container["environment"] = [e for e in container["environment"] if e["name"] != name]
            container["environment"].append({"name": name, "value": value})
        self.revise_task(role, mutate)

    def secret_as_plain_text(self, role: str, name: str) -> None:
        """Move a secret-class variable from ``secrets`` to a literal (random) value in ``environment``."""
        literal = random_secrets.token_urlsafe(24)
        register_secret(literal)

        def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
            container["secrets"] = [s for s in container["secrets"] if s["name"] != name]
            container["environment"].append({"name": name, "value": literal})
        self.revise_task(role, mutate)

    def point_secret(self, role: str, name: str, other: str) -> None:
        """Make ``name``'s valueFrom the ARN of another secret (the wrong secret)."""
        arn = self.secret_arn(other)

        def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
            for item in container["secrets"]:
                if item["name"] == name:
                    item["valueFrom"] = arn
        self.revise_task(role, mutate)

    # --- network ------------------------------------------------------------------------------
    def group_id(self, role: str) -> str:
        groups = self.client("ec2").describe_security_groups(
            Filters=[{"Name": "group-name", "Values": [self.names.security_group(role)]}])["SecurityGroups"]
        return str(groups[0]["GroupId"])

    def open_to_world(self, role: str, port: int) -> None:
        self.client("ec2").authorize_security_group_ingress(GroupId=self.group_id(role), IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": WORLD}]}])

    def alb_arn(self) -> str:
        return str(self.client("elbv2").describe_load_balancers(Names=[self.names.alb])[
            "LoadBalancers"][0]["LoadBalancerArn"])

    def listener_arn(self, port: int) -> str:
        listeners = self.client("elbv2").describe_listeners(LoadBalancerArn=self.alb_arn())["Listeners"]
        return str(next(item["ListenerArn"] for item in listeners if item["Port"] == port))

    def target_group_arn(self) -> str:
        return str(self.client("elbv2").describe_target_groups(Names=[f"{self.names.prefix}-api"])[
            "TargetGroups"][0]["TargetGroupArn"])

    # --- secrets ------------------------------------------------------------------------------
    def secret_id(self, short: str) -> str:
        return f"taskmanager/{self.env}/{short}"

    def secret_arn(self, short: str) -> str:
        return str(self.client("secretsmanager").describe_secret(SecretId=self.secret_id(short))["ARN"])

    def recreate_secret_without_rotation(self, short: str) -> None:
        """Delete the secret and create it again, as an operator might, without its rotation rule."""
        client = self.client("secretsmanager")
        tags = client.describe_secret(SecretId=self.secret_id(short)).get("Tags", [])
        client.delete_secret(SecretId=self.secret_id(short), ForceDeleteWithoutRecovery=True)
        value = random_secrets.token_urlsafe(32)
        register_secret(value)
        client.create_secret(Name=self.secret_id(short), SecretString=value, Tags=tags)

    # --- monitoring ---------------------------------------------------------------------------
    def alarm(self, suffix: str) -> dict[str, Any]:
        name = f"{self.names.prefix}-{suffix}"
        found: dict[str, Any] = self.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        return found

    def page_through_composite(self, suffix: str, actions: list[str] | None = None) -> None:
        """Strip the environment's metric alarms of their actions and page through one composite alarm ``suffix``
        watching them all (AlarmRule ALARM(a) OR ALARM(b) ...), notifying ``actions`` (default: their topics)."""
        cloudwatch = self.client("cloudwatch")
        found = cloudwatch.describe_alarms(AlarmNamePrefix=f"{self.names.prefix}-")["MetricAlarms"]
        topics = sorted({action for alarm in found for action in alarm.get("AlarmActions", [])})
        for alarm in found:
            self.put_alarm(alarm, AlarmActions=[], OKActions=[])
        tags = cloudwatch.list_tags_for_resource(ResourceARN=found[0]["AlarmArn"])["Tags"]
        cloudwatch.put_composite_alarm(
            AlarmName=f"{self.names.prefix}-{suffix}", AlarmActions=topics if actions is None else actions,
            AlarmRule=" OR ".join(f'ALARM("{alarm["AlarmName"]}")' for alarm in found), Tags=tags)

    def put_alarm(self, alarm: dict[str, Any], **changes: Any) -> None:
        keep = ("AlarmName", "Namespace", "MetricName", "Dimensions", "Statistic", "Period", "EvaluationPeriods",
                "Threshold", "ComparisonOperator", "AlarmActions", "OKActions")
        cloudwatch = self.client("cloudwatch")
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        cloudwatch.put_metric_alarm(**{**{key: alarm[key] for key in keep if key in alarm}, **changes}, Tags=tags)
