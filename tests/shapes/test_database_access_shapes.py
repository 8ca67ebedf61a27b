"""Real-AWS shapes of database access: the database group's sources, the bastion host, production's audit logging.

Each answer is shaped as AWS returns it (botocore's service model validates it through the Stubber), read by the
real inventory code (network and db_parameters sections) and judged by the real shipped check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from envmatrix.aws import dbclusters, dbparameters, network, rds
from envmatrix.names import names_for
from tests.shapes.harness import ACCOUNT, StubbedClients, judge, snapshot_of, target

CHECKS = "checks/live/test_database_access.py"
VPC_ID = "vpc-0a1b2c3d4e5f60718"
TAGS = [{"Key": "Project", "Value": "taskmanager"}]
ROLES = ("alb", "api", "worker", "db", "cache")
BASTION_SG = "sg-0bastion"
WORLD = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
AUDIT_GROUP = "production-taskmanager-pg15-audit"


def _permission(port: int, protocol: str = "tcp", **sources: Any) -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": port, "ToPort": port, "IpRanges": [], "Ipv6Ranges": [],
            "PrefixListIds": [], "UserIdGroupPairs": [], **sources}


def _from(*group_ids: str) -> dict[str, Any]:
    return {"UserIdGroupPairs": [{"GroupId": group_id, "UserId": ACCOUNT} for group_id in group_ids]}


def _group(name: str, group_id: str, permissions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"GroupName": name, "GroupId": group_id, "Description": "Managed by Terraform", "OwnerId": ACCOUNT,
            "VpcId": VPC_ID, "IpPermissions": permissions, "IpPermissionsEgress": [], "Tags": TAGS}


def _role_groups(env: str, db: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules = {"alb": [_permission(443, **WORLD)], "api": [_permission(8000, **_from("sg-0alb"))], "worker": [],
             "db": db, "cache": [_permission(6379, **_from("sg-0api", "sg-0worker"))]}
    return [_group(f"{env}-taskmanager-{role}-sg", f"sg-0{role}", rules[role]) for role in ROLES]


def _instance(instance_id: str, groups: list[str], state: str = "running", name: str = "") -> dict[str, Any]:
    """A DescribeInstances instance: an SSM-managed bastion carries an instance profile, not a key pair."""
    return {"InstanceId": instance_id, "ImageId": "ami-0c02fb55956c7d316", "InstanceType": "t3.nano",
            "State": {"Code": 16 if state == "running" else 80, "Name": state}, "VpcId": VPC_ID,
            "SubnetId": "subnet-0a", "PrivateIpAddress": "10.0.1.17",
            "SecurityGroups": [{"GroupId": group, "GroupName": f"{group}-name"} for group in groups],
            "IamInstanceProfile": {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/bastion-ssm", "Id": "AIPA0"},
            "Tags": [*TAGS, {"Key": "Role", "Value": "bastion"}, *([{"Key": "Name", "Value": name}] if name else [])]}


def _network(env: str, db: list[dict[str, Any]], *, bastions: list[dict[str, Any]],
             bastion_rules: list[dict[str, Any]] | None = None, tag: str = "") -> network.NetworkInventory:
    """The network section over stubbed answers (``bastions``: the tagged instances found)."""
    clients = StubbedClients(env)
    names = replace(names_for(env), bastion_tag=tag) if tag else names_for(env)
    key, value = network.tag_filter(names.bastion_tag)
    ec2 = clients.stub("ec2")
    ec2.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC_ID, "CidrBlock": "10.0.0.0/16", "State": "available",
                                                 "OwnerId": ACCOUNT, "IsDefault": False, "Tags": TAGS}]})
    ec2.add_response("describe_subnets", {"Subnets": []})
    ec2.add_response("describe_security_groups", {"SecurityGroups": _role_groups(env, db)})
    ec2.add_response("describe_instances", {"Reservations": [{"ReservationId": "r-0", "OwnerId": ACCOUNT,
                                                              "Instances": bastions}] if bastions else []},
                     {"Filters": [{"Name": "vpc-id", "Values": [VPC_ID]},
                                  {"Name": f"tag:{key}", "Values": [value]},
                                  {"Name": "instance-state-name",
                                   "Values": ["pending", "running", "stopping", "stopped"]}]})
    if bastions:
        ec2.add_response("describe_security_groups", {"SecurityGroups": [
            _group(f"{env}-taskmanager-bastion-sg", BASTION_SG, bastion_rules or [])]}, {"GroupIds": [BASTION_SG]})
    inventory = network.fetch(target(env, clients, names=names))
    clients.verify()
    return inventory


APP_AND_BASTION = [_permission(5432, **_from("sg-0api", "sg-0worker")), _permission(5432, **_from(BASTION_SG))]
SSH_FROM_VPC = [_permission(22, IpRanges=[{"CidrIp": "10.0.0.0/16"}])]


def _sources(env: str, inventory: network.NetworkInventory) -> tuple[bool, str, list[str]]:
    verdict = judge(CHECKS, "DB-ACCESS-SOURCES", env, snapshot_of(env, network=inventory))
    return verdict.passed, verdict.message, [str(e.actual) for e in verdict.evidence if e.setting != "exists"]


def test_the_app_groups_and_the_bastion_are_the_only_sources() -> None:
    inventory = _network("production", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG])],
                         bastion_rules=SSH_FROM_VPC)
    assert _sources("production", inventory) == (True, "", ["api, worker, bastion"])


@pytest.mark.parametrize(("extra", "shown"), [
    (_permission(5432, IpRanges=[{"CidrIp": "203.0.113.0/24"}]), "203.0.113.0/24"),  # outside the VPC
    (_permission(5432, IpRanges=[{"CidrIp": "10.0.1.0/24"}]), "10.0.1.0/24"),  # inside, not in allowed_cidrs
    (_permission(5432, **_from("sg-0ffice")), "sg-0ffice"),  # a group the spec does not name
    (_permission(5432, PrefixListIds=[{"PrefixListId": "pl-0corp"}]), "prefix-list:pl-0corp"),
])
def test_any_other_source_fails_naming_it(extra: dict[str, Any], shown: str) -> None:
    inventory = _network("production", [*APP_AND_BASTION, extra], bastions=[_instance("i-0b", [BASTION_SG])],
                         bastion_rules=SSH_FROM_VPC)
    passed, message, _ = _sources("production", inventory)
    assert not passed
    assert message.startswith("production DB-ACCESS-SOURCES security-group:production-taskmanager-db-sg"
                              ".IpPermissions.Sources: expected api, worker, bastion only, got api, worker, bastion, ")
    assert shown in message


def test_a_bastion_source_where_none_is_documented_fails() -> None:
    """Staging documents no bastion: a rule from the bastion's group is a source the spec does not allow."""
    inventory = _network("staging", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG])])
    passed, message, _ = _sources("staging", inventory)
    assert not passed and "expected api, worker only, got api, worker, sg-0bastion" in message


def _bastion(env: str, inventory: network.NetworkInventory) -> tuple[bool, str]:
    verdict = judge(CHECKS, "DB-BASTION", env, snapshot_of(env, network=inventory))
    return verdict.passed, verdict.message


@pytest.mark.parametrize("rules", [SSH_FROM_VPC, []], ids=["ssh-from-vpc", "ssm-managed-no-inbound"])
def test_a_bastion_without_world_ssh_is_green(rules: list[dict[str, Any]]) -> None:
    inventory = _network("dev", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG], "stopped")],
                         bastion_rules=rules)
    assert _bastion("dev", inventory) == (True, "")


@pytest.mark.parametrize(("tag", "key", "value"), [("Role=bastion", "Role", "bastion"),
                                                   ("Purpose = jump-host", "Purpose", "jump-host"),
                                                   ("Bastion", "Bastion", "*")])
def test_the_bastion_tag_is_configurable(tag: str, key: str, value: str) -> None:
    assert network.tag_filter(tag) == (key, value)
    inventory = _network("dev", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG])], tag=tag)
    assert inventory.bastions is not None and inventory.bastions.tag == tag
    assert _bastion("dev", inventory) == (True, "")


def test_a_bastion_is_shown_by_its_name_tag_else_its_id() -> None:
    """The figure a reviewer reads names the bastion as its owners do (an id is random, shown only when untagged)."""
    inventory = _network("dev", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG], name="dev-jump"),
                                                           _instance("i-0c", [BASTION_SG], "stopped")])
    verdict = judge(CHECKS, "DB-BASTION", "dev", snapshot_of("dev", network=inventory))
    shown = [item.actual for item in verdict.evidence if item.setting == "Instances"]
    assert verdict.passed and shown == ["dev-jump (running), i-0c (stopped)"]


def test_no_bastion_fails_and_reads_no_group() -> None:
    inventory = _network("production", APP_AND_BASTION, bastions=[])
    passed, message = _bastion("production", inventory)
    assert not passed
    assert message == ("production DB-BASTION ec2-instances:tag Role=bastion.Instances: expected a bastion host "
                       "in the VPC, got none")


@pytest.mark.parametrize("rule", [_permission(22, **WORLD), _permission(-1, "-1", Ipv6Ranges=[{"CidrIpv6": "::/0"}])],
                         ids=["ssh", "all-traffic-v6"])
def test_ssh_open_to_the_world_fails(rule: dict[str, Any]) -> None:
    inventory = _network("dev", APP_AND_BASTION, bastions=[_instance("i-0b", [BASTION_SG])], bastion_rules=[rule])
    passed, message = _bastion("dev", inventory)
    assert not passed
    assert "dev DB-BASTION security-group:dev-taskmanager-bastion-sg.IpPermissions: expected no SSH (tcp 22) " \
           "from 0.0.0.0/0 or ::/0, got " in message


# --- audit logging --------------------------------------------------------------------------------------------

def _db(**overrides: Any) -> dict[str, Any]:
    """A DescribeDBInstances PostgreSQL instance exporting its log, on a custom parameter group."""
    return {"DBInstanceIdentifier": "production-taskmanager-db", "DBInstanceClass": "db.r6g.xlarge",
            "Engine": "postgres", "EngineVersion": "16.4", "DBInstanceStatus": "available", "AllocatedStorage": 100,
            "MultiAZ": True, "BackupRetentionPeriod": 30, "StorageEncrypted": True, "PubliclyAccessible": False,
            "LatestRestorableTime": dt.datetime.now(dt.UTC),
            "EnabledCloudwatchLogsExports": ["postgresql", "upgrade"],
            "DBParameterGroups": [{"DBParameterGroupName": AUDIT_GROUP, "ParameterApplyStatus": "in-sync"}],
            "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0db", "Status": "active"}], "TagList": TAGS,
            **overrides}


def _parameter(name: str, value: str | None, source: str = "user") -> dict[str, Any]:
    found = {"ParameterName": name, "Source": source, "ApplyType": "dynamic", "DataType": "string",
             "IsModifiable": True, "ApplyMethod": "pending-reboot"}
    return {**found, "ParameterValue": value} if value is not None else found


GOOD = [_parameter("log_connections", "1"), _parameter("log_disconnections", "1"),
        _parameter("pgaudit.log", "ddl,role")]


def _audit(db: dict[str, Any], pages: list[list[dict[str, Any]]] | None,
           cluster: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rds, db_clusters and db_parameters sections over stubbed answers (``pages`` None: no such group)."""
    clients = StubbedClients("production")
    stub = clients.stub("rds")
    stub.add_response("describe_db_instances", {"DBInstances": [db]},
                      {"DBInstanceIdentifier": db["DBInstanceIdentifier"]})
    if cluster is not None:
        stub.add_response("describe_db_clusters", {"DBClusters": [cluster]},
                          {"DBClusterIdentifier": cluster["DBClusterIdentifier"]})
    if pages is None:
        stub.add_client_error("describe_db_parameters", "DBParameterGroupNotFound", "not found", 404)
    for number, page in enumerate(pages or []):
        more = {"Marker": f"page-{number + 1}"} if number + 1 < len(pages or []) else {}
        asked = {"DBParameterGroupName": AUDIT_GROUP, **({"Marker": f"page-{number}"} if number else {})}
        stub.add_response("describe_db_parameters", {"Parameters": page, **more}, asked)
    aimed = target("production", clients)
    found = rds.fetch(aimed)
    clusters = dbclusters.fetch(aimed, found)
    parameters = dbparameters.fetch(aimed, found)
    clients.verify()
    return {"rds": found, "db_clusters": clusters, "db_parameters": parameters}


def _audited(sections: dict[str, Any]) -> tuple[bool, str]:
    verdict = judge(CHECKS, "DB-AUDIT-LOGGING", "production", snapshot_of("production", **sections))
    return verdict.passed, verdict.message


def test_audit_logging_is_read_over_every_page() -> None:
    noise = [_parameter(f"autovacuum_{n}", "on", "engine-default") for n in range(3)]
    sections = _audit(_db(), [[*noise, GOOD[0]], [GOOD[1]], [GOOD[2], _parameter("shared_buffers", None, "system")]])
    assert set(sections["db_parameters"].parameters) == {"log_connections", "log_disconnections", "pgaudit.log"}
    assert _audited(sections) == (True, "")


def test_audit_settings_inherited_from_a_custom_family_are_green() -> None:
    """Values the group does not set itself (engine-default) count, in any spelling PostgreSQL takes."""
    inherited = [_parameter("log_connections", "on", "engine-default"),
                 _parameter("log_disconnections", "true", "system"), _parameter("pgaudit.log", "all,-misc", "system")]
    assert _audited(_audit(_db(), [inherited])) == (True, "")


@pytest.mark.parametrize(("db", "parameters", "wrong"), [
    ({"EnabledCloudwatchLogsExports": ["upgrade"]}, GOOD,
     "rds:production-taskmanager-db.EnabledCloudwatchLogsExports: expected including postgresql, got upgrade"),
    ({}, GOOD[:2], f"rds-parameter-group:{AUDIT_GROUP}.pgaudit.log: expected including ddl, role, got not set"),
    ({}, [*GOOD[:2], _parameter("pgaudit.log", "ddl")], "pgaudit.log: expected including ddl, role, got ddl"),
    ({}, [*GOOD[:2], _parameter("pgaudit.log", "all,-role")], "got all,-role"),
    ({}, [_parameter("log_connections", "0"), *GOOD[1:]], f"{AUDIT_GROUP}.log_connections: expected 1, got 0"),
], ids=["export-off", "pgaudit-unset", "pgaudit-short", "pgaudit-excludes", "connections-off"])
def test_each_missing_audit_setting_fails_naming_it(db: dict[str, Any], parameters: list[dict[str, Any]],
                                                     wrong: str) -> None:
    passed, message = _audited(_audit(_db(**db), [parameters]))
    assert not passed and message.startswith("production DB-AUDIT-LOGGING ") and wrong in message


def test_no_export_at_all_and_a_missing_group_fail() -> None:
    db = _db()
    del db["EnabledCloudwatchLogsExports"]
    passed, message = _audited(_audit(db, None))
    assert not passed
    assert "EnabledCloudwatchLogsExports: expected including postgresql, got none" in message
    assert f"rds-parameter-group:{AUDIT_GROUP}.exists: expected present, got missing" in message


def test_no_audit_documented_no_parameter_call() -> None:
    clients = StubbedClients("staging")
    found = rds.RdsInventory(primary=rds._instance(_db()), replicas=[])
    assert dbparameters.fetch(target("staging", clients), found).parameters == {}
    clients.verify()




def test_an_aurora_member_exports_through_its_cluster() -> None:
    """Aurora reports EnabledCloudwatchLogsExports on the cluster; its instances report none."""
    cluster_id = "production-taskmanager-cluster"
    member = _db(Engine="aurora-postgresql", DBClusterIdentifier=cluster_id)
    del member["EnabledCloudwatchLogsExports"]
    cluster = {"DBClusterIdentifier": cluster_id, "Engine": "aurora-postgresql", "MultiAZ": True,
               "BackupRetentionPeriod": 30, "DeletionProtection": True, "StorageEncrypted": True,
               "EnabledCloudwatchLogsExports": ["postgresql"],
               "DBClusterMembers": [{"DBInstanceIdentifier": member["DBInstanceIdentifier"], "IsClusterWriter": True}]}
    assert _audited(_audit(member, [GOOD], cluster)) == (True, "")
    passed, message = _audited(_audit(member, [GOOD], {**cluster, "EnabledCloudwatchLogsExports": []}))
    assert not passed and f"rds-cluster:{cluster_id}.EnabledCloudwatchLogsExports: expected including postgresql, " \
        "got none" in message
