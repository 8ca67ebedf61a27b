"""Real-AWS shapes of the Data row: production's DB snapshots and who may restore them (paged, copies included),
its backup bucket policy, snapshots shared into the other environments, and the classification tag.

Every answer is shaped as AWS documents it (the Stubber validates it against botocore's model); the real inventory
code reads it and the real shipped check judges it. The allowed accounts are the shipped spec's
(production: data.allowed_accounts, the DR account); the reading account is the harness's, not moto's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from envmatrix.aws import buckets, dbsnapshots, rds
from envmatrix.aws.identity import Identity
from envmatrix.aws.policies import grants_outside
from envmatrix.aws.target import Wants
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, Verdict, judge, repo_spec, snapshot_of, target

LIVE = "checks/live/test_data.py"
PROD = "production"
DB = f"{PROD}-taskmanager-db"
BUCKET = f"{PROD}-taskmanager-backups"
#: the shipped spec's values, never restated: the DR account production may share with, the documented claims
DR = repo_spec().env(PROD).data.allowed_accounts[0]
STAGING_ACCOUNT = "111122223333"
IDENTITY = Identity(account=ACCOUNT, partition="aws", region=REGION)


def _raw_snapshot(name: str, *, owner: str = ACCOUNT, instance: str = DB, kind: str = "manual") -> dict[str, Any]:
    """A DescribeDBSnapshots member as real AWS returns it."""
    return {"DBSnapshotIdentifier": name, "DBInstanceIdentifier": instance, "SnapshotType": kind,
            "Engine": "postgres", "Status": "available", "AllocatedStorage": 100, "Encrypted": True,
            "DBSnapshotArn": f"arn:aws:rds:{REGION}:{owner}:snapshot:{name}"}


def _production(*pages: list[tuple[str, list[str]]]) -> Any:
    """Production's manual snapshots, one page per argument, each (name, restore values); then their attributes."""
    clients = StubbedClients(PROD)
    stub = clients.stub("rds")
    for number, page in enumerate(pages):
        params: dict[str, Any] = {"DBInstanceIdentifier": DB, "SnapshotType": "manual"}
        if number:
            params["Marker"] = f"page-{number}"
        answer: dict[str, Any] = {"DBSnapshots": [_raw_snapshot(name) for name, _ in page]}
        if number + 1 < len(pages):
            answer["Marker"] = f"page-{number + 1}"
        stub.add_response("describe_db_snapshots", answer, params)
    for page in pages:
        for name, restore in page:
            stub.add_response("describe_db_snapshot_attributes", {"DBSnapshotAttributesResult": {
                "DBSnapshotIdentifier": name,
                "DBSnapshotAttributes": [{"AttributeName": "restore", "AttributeValues": restore}]}},
                {"DBSnapshotIdentifier": name})
    inventory = dbsnapshots.fetch(target(PROD, clients))
    clients.verify()
    return snapshot_of(PROD, db_snapshots=inventory, identity=IDENTITY, rds=_primary())


def _primary(cluster: str | None = None, db: str = DB) -> rds.RdsInventory:
    found = rds.DbInstance(identifier=db, arn=f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{db}", instance_class="db.r6g.xlarge",
                           allocated_storage=100, max_allocated_storage=1000, multi_az=True, backup_retention_days=30,
                           deletion_protection=True, storage_encrypted=True, publicly_accessible=False,
                           availability_zone=None, read_replicas=[], replica_of=None, tags={}, cluster=cluster)
    return rds.RdsInventory(primary=found, replicas=[])


def _private(snapshot: Any) -> Verdict:
    return judge(LIVE, "DATA-SNAPSHOTS-PRIVATE", PROD, snapshot)


def test_no_manual_snapshot_is_green_and_says_none_is_shared() -> None:
    verdict = _private(_production([]))
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "0 shared snapshots"


def test_snapshots_shared_with_the_spec_dr_account_are_green_across_pages() -> None:
    verdict = _private(_production([(f"{DB}-2026-11-01", [DR])], [(f"{DB}-copy", [DR]), (f"{DB}-unshared", [])]))
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "2 shared snapshots, allowed accounts only"


@pytest.mark.parametrize(("restore", "shown"), [([STAGING_ACCOUNT], f'["{STAGING_ACCOUNT}"]'),
                                                (["all"], '["all (public)"]'),
                                                ([DR, "all"], '["all (public)"]')],
                         ids=["staging-account", "public", "public-beside-dr"])
def test_a_snapshot_restorable_outside_is_red_naming_it(restore: list[str], shown: str) -> None:
    verdict = _private(_production([(f"{DB}-ok", [DR])], [(f"{DB}-copy", restore)]))
    assert not verdict.passed
    assert (f"{PROD} DATA-SNAPSHOTS-PRIVATE rds-snapshot:{DB}-copy.restore: expected restorable by account "
            f"{ACCOUNT} and {DR} (spec: data.allowed_accounts), got {shown}") in verdict.message
    assert f"{DB}-ok" not in verdict.message


def test_snapshots_not_read_fail_closed() -> None:
    verdict = _private(snapshot_of(PROD, db_snapshots=dbsnapshots.DbSnapshotsInventory(), identity=IDENTITY,
                                   rds=_primary()))
    assert not verdict.passed
    assert "manual snapshots read: expected read, got not read" in verdict.message


def test_an_aurora_member_is_not_judged_by_instance_snapshots() -> None:
    snapshot = _production([]).model_copy(update={"rds": _primary("production-taskmanager")})
    verdict = _private(snapshot)
    assert not verdict.passed
    assert (f"{PROD} DATA-SNAPSHOTS-PRIVATE rds:{DB}.DBClusterIdentifier: expected none (instance snapshots), "
            "got production-taskmanager") in verdict.message


# --- snapshots shared into dev / staging -------------------------------------------------------------------------
def _shared_stub(clients: StubbedClients, *owners: str) -> None:
    clients.stub("rds").add_response("describe_db_snapshots", {"DBSnapshots": [
        _raw_snapshot(f"arn:aws:rds:{REGION}:{owner}:snapshot:{DB}-{number}", owner=owner, kind="shared")
        for number, owner in enumerate(owners)]}, {"SnapshotType": "shared", "IncludeShared": True})


def _shared_in(env: str, *owners: str, database: bool = True) -> Verdict:
    clients = StubbedClients(env)
    _shared_stub(clients, *owners)
    inventory = dbsnapshots.fetch(target(env, clients))
    clients.verify()
    found = _primary(db=f"{env}-taskmanager-db") if database else rds.RdsInventory(primary=None, replicas=[])
    return judge(LIVE, "DATA-NO-SHARED-SNAPSHOTS", env,
                 snapshot_of(env, db_snapshots=inventory, identity=IDENTITY, rds=found))


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_nothing_shared_into_a_non_production_account_is_green(env: str) -> None:
    verdict = _shared_in(env)
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "0 snapshots shared in"


def test_an_environment_without_its_database_is_not_green_on_an_empty_answer() -> None:
    """Fail closed: "nothing shared into the account" says nothing of an environment that is not there."""
    verdict = _shared_in("staging", database=False)
    assert not verdict.passed
    assert "staging DATA-NO-SHARED-SNAPSHOTS rds:staging-taskmanager-db" in verdict.message


def test_environments_of_one_account_ask_for_its_shared_snapshots_once() -> None:
    """IncludeShared is account-wide: dev and staging read through the same client share one answer (one stub)."""
    clients = StubbedClients("dev")
    _shared_stub(clients, "999988887777")
    answers = [dbsnapshots.fetch(target(env, clients)).shared_in for env in ("dev", "staging")]
    clients.verify()
    assert answers[0] == answers[1] and answers[0] and answers[0][0].owner == "999988887777"


def test_a_production_snapshot_shared_into_staging_is_red() -> None:
    verdict = _shared_in("staging", "999988887777")
    assert not verdict.passed
    assert (f"staging DATA-NO-SHARED-SNAPSHOTS rds-account:{ACCOUNT}.SharedWithAccount: expected no snapshot shared "
            f"in but from account {ACCOUNT} only (spec: data.allowed_accounts empty), got "
            f"arn:aws:rds:{REGION}:999988887777:snapshot:{DB}-0 (account 999988887777)") in verdict.message


# --- the backup bucket policy ----------------------------------------------------------------------------------
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
ARN = f"arn:aws:s3:::{BUCKET}"


def _statement(principal: Any, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {"Sid": "Grant", "Effect": effect, "Principal": principal, "Action": "s3:GetObject",
            "Resource": f"{ARN}/*", **extra}


def _policy(*statements: dict[str, Any] | None) -> Verdict:
    clients = StubbedClients(PROD)
    s3 = clients.stub("s3")
    s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
    s3.add_response("get_bucket_encryption", {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}, {"Bucket": BUCKET})
    s3.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": ALL_ON}, {"Bucket": BUCKET})
    s3.add_client_error("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration", http_status_code=404,
                        expected_params={"Bucket": BUCKET})
    s3.add_response("get_bucket_tagging", {"TagSet": []}, {"Bucket": BUCKET})
    if statements == (None,):
        s3.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", http_status_code=404,
                            expected_params={"Bucket": BUCKET})
    else:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        s3.add_response("get_bucket_policy", {"Policy": json.dumps(document)}, {"Bucket": BUCKET})
    inventory = buckets.fetch(target(PROD, clients, wants=Wants(True, False, False)))
    clients.verify()
    return judge(LIVE, "DATA-BACKUP-POLICY", PROD, snapshot_of(PROD, buckets=inventory, identity=IDENTITY))


def test_no_policy_grants_nothing() -> None:
    verdict = _policy(None)
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "no policy"


@pytest.mark.parametrize("statements", [
    [_statement({"AWS": f"arn:aws:iam::{DR}:root"}),
     _statement("*", "Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})],
    [_statement({"AWS": [DR, f"arn:aws:iam::{ACCOUNT}:role/backup"]})],
    [_statement("*", Condition={"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, DR]}})],
    [_statement({"Service": "backup.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})],
], ids=["dr-account-and-deny-insecure", "own-role-and-dr-id", "open-pinned-to-accounts", "service-pinned"])
def test_grants_to_allowed_accounts_only_are_green(statements: list[dict[str, Any]]) -> None:
    verdict = _policy(*statements)
    assert verdict.passed, verdict.message
    assert verdict.evidence[-1].actual == "no grant outside"


@pytest.mark.parametrize(("statement", "shown"), [
    (_statement("*"), "statement Grant: * '*' without a condition pinning allowed accounts"),
    (_statement({"AWS": "*"}), "statement Grant: AWS '*' without a condition pinning allowed accounts"),
    (_statement({"AWS": f"arn:aws:iam::{STAGING_ACCOUNT}:root"}), f"statement Grant: account {STAGING_ACCOUNT}"),
    (_statement("*", Condition={"StringLike": {"aws:PrincipalAccount": "*"}}),
     "statement Grant: * '*' without a condition pinning allowed accounts"),
    (_statement("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-unlisted"}}),
     "statement Grant: * '*' without a condition pinning allowed accounts"),
    ({"Sid": "Grant", "Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
      "Action": "s3:GetObject", "Resource": f"{ARN}/*"}, "statement Grant: NotPrincipal"),
], ids=["open", "open-aws", "staging-account", "wildcard-condition", "unlisted-org", "not-principal"])
def test_a_grant_outside_is_red_naming_the_statement(statement: dict[str, Any], shown: str) -> None:
    verdict = _policy(statement)
    assert not verdict.passed
    assert (f"{PROD} DATA-BACKUP-POLICY s3:{BUCKET}.Policy: expected grants only to account {ACCOUNT} and {DR} "
            f"(spec: data.allowed_accounts), got {shown}") in verdict.message


def test_an_org_the_spec_lists_restricts_an_open_principal() -> None:
    statement = _statement("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert grants_outside([statement], {ACCOUNT}, ("o-abc123",)) == []
    assert grants_outside([statement], {ACCOUNT}) != []


# --- the classification tag (supporting) -----------------------------------------------------------------------
def _tagged(env: str, tags: list[dict[str, str]]) -> Any:
    clients = StubbedClients(env)
    name = f"{env}-taskmanager-db"
    clients.stub("rds").add_response("describe_db_instances", {"DBInstances": [{
        "DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "Engine": "postgres",
        "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{name}", "TagList": tags}]},
        {"DBInstanceIdentifier": name})
    inventory = rds.fetch(target(env, clients))
    clients.verify()
    return snapshot_of(env, rds=inventory)


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_the_documented_classification_is_green(env: str) -> None:
    claimed = str(repo_spec().env(env).data.classification)
    snapshot = _tagged(env, [{"Key": "DataClassification", "Value": claimed}])
    verdict = judge(LIVE, "DATA-CLASSIFICATION", env, snapshot)
    assert verdict.passed, verdict.message
    drift = judge("checks/drift/test_drift_tfvars.py", "DRIFT-DATA", env, snapshot, key="db_data_classification")
    assert drift.passed, drift.message


@pytest.mark.parametrize(("tags", "shown"), [([], "none"), ([{"Key": "DataClassification", "Value": "real"}], "real")],
                         ids=["untagged", "tagged-real"])
def test_another_or_no_classification_is_red(tags: list[dict[str, str]], shown: str) -> None:
    snapshot = _tagged("staging", tags)
    verdict = judge(LIVE, "DATA-CLASSIFICATION", "staging", snapshot)
    assert not verdict.passed
    claimed = repo_spec().env("staging").data.classification
    assert (f"staging DATA-CLASSIFICATION rds:staging-taskmanager-db.tags.DataClassification: expected {claimed}, "
            f"got {shown}") in verdict.message
    assert not judge("checks/drift/test_drift_tfvars.py", "DRIFT-DATA", "staging", snapshot,
                     key="db_data_classification").passed
