"""ElastiCache Serverless, as real accounts answer DescribeServerlessCaches.

Where no replication group has the cache's name the live layer reads a serverless cache of that name and judges
it by its own settings: status, endpoint, storage encryption (always TLS). It has no node type or node count, so
the document's node rows read "not applicable: serverless" where the spec allows one (cache.allow_serverless)
and are a finding where it does not; a documented "no failover" does not apply to a cache that always fails over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from envmatrix.aws import elasticache
from envmatrix.aws.checking import NOT_APPLICABLE_SERVERLESS
from envmatrix.context import Suite
from tests.shapes.harness import ACCOUNT, REGION, StubbedClients, Verdict, judge, repo_suite, snapshot_of, target

SLA, AVAILABILITY = "checks/live/test_sla.py", "checks/live/test_availability.py"
SECURITY, DRIFT = "checks/live/test_security.py", "checks/drift/test_drift_tfvars.py"
CREATED = dt.datetime(2026, 10, 2, 8, 15, tzinfo=dt.UTC)


def serverless(env: str, **overrides: Any) -> dict[str, Any]:
    """A DescribeServerlessCaches member as AWS returns it (Valkey, a service-managed key, VPC connections)."""
    name = f"{env}-taskmanager-cache"
    return {
        "ServerlessCacheName": name, "Description": "task manager cache", "CreateTime": CREATED,
        "Status": "available", "Engine": "valkey", "MajorEngineVersion": "8", "FullEngineVersion": "8.0",
        "CacheUsageLimits": {"DataStorage": {"Maximum": 10, "Unit": "GB"}, "ECPUPerSecond": {"Maximum": 5000}},
        "SecurityGroupIds": ["sg-0a1b2c3d4e5f60718"], "SubnetIds": ["subnet-0a1b2c3d", "subnet-1a2b3c4d"],
        "Endpoint": {"Address": f"{name}-abc123.serverless.use1.cache.amazonaws.com", "Port": 6379},
        "ReaderEndpoint": {"Address": f"{name}-abc123.serverless.use1.cache.amazonaws.com", "Port": 6380},
        "ARN": f"arn:aws:elasticache:{REGION}:{ACCOUNT}:serverlesscache:{name}",
        "SnapshotRetentionLimit": 7, "DailySnapshotTime": "03:00", "StorageEncryptionType": "sse-elasticache",
        "NetworkType": "ipv4", "ConnectionType": "vpc", **overrides}


def cache_snapshot(env: str, found: dict[str, Any] | None) -> Any:
    """The cache section read on an account without a replication group of that name."""
    clients = StubbedClients(env)
    stub = clients.stub("elasticache")
    name = f"{env}-taskmanager-cache"
    stub.add_client_error("describe_replication_groups", "ReplicationGroupNotFoundFault",
                          f"ReplicationGroup {name} not found.", 404, expected_params={"ReplicationGroupId": name})
    if found is None:
        stub.add_client_error("describe_serverless_caches", "ServerlessCacheNotFoundFault",
                              f"Serverless cache {name} not found.", 404, expected_params={"ServerlessCacheName": name})
    else:
        stub.add_response("describe_serverless_caches", {"ServerlessCaches": [found]}, {"ServerlessCacheName": name})
        stub.add_response("list_tags_for_resource", {"TagList": [
            {"Key": "Environment", "Value": env}, {"Key": "Project", "Value": "taskmanager"}]},
            {"ResourceName": found["ARN"]})
    inventory = elasticache.fetch(target(env, clients))
    clients.verify()
    return snapshot_of(env, cache=inventory)


def allowing_serverless() -> Suite:
    """The shipped spec with cache.allow_serverless set in every environment."""
    suite = repo_suite()
    environments = {name: spec.model_copy(update={"cache": spec.cache.model_copy(update={"allow_serverless": True})})
                    for name, spec in suite.spec.environments.items()}
    suite.spec = suite.spec.model_copy(update={"environments": environments})
    return suite


def judged(module: str, check_id: str, env: str, found: dict[str, Any] | None, *, allowed: bool) -> Verdict:
    return judge(module, check_id, env, cache_snapshot(env, found), suite=allowing_serverless() if allowed else None)


def test_the_inventory_reads_the_serverless_settings() -> None:
    found = cache_snapshot("production", serverless("production")).cache
    assert found.group is None and found.serverless is not None
    cache = found.serverless
    assert (cache.engine, cache.version, cache.snapshot_retention, cache.connection_type) == ("valkey", "8.0", 7, "vpc")
    assert cache.endpoint == "production-taskmanager-cache-abc123.serverless.use1.cache.amazonaws.com:6379"
    assert cache.at_rest_encryption and cache.tags["Environment"] == "production"


@pytest.mark.parametrize(("module", "check_id", "env"), [
    *((SLA, check_id, env) for check_id in ("CACHE-NODE-TYPE", "CACHE-NODE-COUNT", "CACHE-FAILOVER", "CACHE-MULTI-AZ")
      for env in ("dev", "production")),
    (AVAILABILITY, "SLA-CACHE-FAILOVER", "production"),  # generated only where an uptime grade is documented
])
def test_serverless_allowed_by_the_spec_is_green(module: str, check_id: str, env: str) -> None:
    verdict = judged(module, check_id, env, serverless(env), allowed=True)
    assert verdict.passed, verdict.message


def test_node_rows_say_not_applicable_rather_than_pass_silently() -> None:
    for check_id, setting in (("CACHE-NODE-TYPE", "CacheNodeType"), ("CACHE-NODE-COUNT", "MemberClusters")):
        verdict = judged(SLA, check_id, "production", serverless("production"), allowed=True)
        shown = {item.setting: item.actual for item in verdict.evidence}
        assert shown[setting] == NOT_APPLICABLE_SERVERLESS
    failover = judged(SLA, "CACHE-FAILOVER", "dev", serverless("dev"), allowed=True)
    assert [item.actual for item in failover.evidence if item.setting == "AutomaticFailover"] == \
        [NOT_APPLICABLE_SERVERLESS]


def test_serverless_where_the_spec_requires_nodes_is_red_naming_the_spec_key() -> None:
    verdict = judged(SLA, "CACHE-NODE-TYPE", "production", serverless("production"), allowed=False)
    assert not verdict.passed
    assert verdict.message.startswith(
        "production CACHE-NODE-TYPE elasticache:production-taskmanager-cache.CacheNodeType: expected cache.r7g.large, "
        "got none: a serverless cache (the spec's cache.allow_serverless is false)"), verdict.message
    count = judged(SLA, "CACHE-NODE-COUNT", "production", serverless("production"), allowed=False)
    assert not count.passed and "MemberClusters: expected 3, got none: a serverless cache" in count.message


def test_serverless_is_drift_from_tfvars_declaring_nodes() -> None:
    verdict = judge(DRIFT, "DRIFT-DATABASE", "production", cache_snapshot("production", serverless("production")),
                    key="cache_node_type")
    assert not verdict.passed and "got none: serverless" in verdict.message


@pytest.mark.parametrize(("overrides", "wanted"), [
    ({"Status": "creating"}, "Status: expected available, got creating"),
    ({"Status": "creating", "Endpoint": {}}, "Endpoint: expected an endpoint address, got none"),  # listed too
])
def test_serverless_not_serving_is_red(overrides: dict[str, Any], wanted: str) -> None:
    found = {key: value for key, value in serverless("production", **overrides).items() if value != {}}
    verdict = judged(SLA, "CACHE-NODE-COUNT", "production", found, allowed=True)
    assert not verdict.passed and wanted in verdict.message, verdict.message


@pytest.mark.parametrize("overrides", [{}, {"StorageEncryptionType": "sse-kms",
                                            "KmsKeyId": "arn:aws:kms:us-east-1:210987654321:key/1a2b"}])
def test_serverless_encryption_is_green(overrides: dict[str, Any]) -> None:
    found = serverless("production", **overrides)
    snapshot = cache_snapshot("production", found)
    verdict = judge_encryption(snapshot)
    assert verdict.passed, verdict.message
    assert {item.setting: item.actual for item in verdict.evidence}["TransitEncryption"] == \
        "required (always, on a serverless cache)"


def test_serverless_without_storage_encryption_is_red() -> None:
    verdict = judge_encryption(cache_snapshot("production", serverless("production", StorageEncryptionType="none")))
    assert not verdict.passed
    assert "elasticache:production-taskmanager-cache.StorageEncryptionType: expected sse-elasticache or sse-kms, " \
           "got none" in verdict.message


def test_neither_group_nor_serverless_cache_is_missing() -> None:
    verdict = judged(SLA, "CACHE-NODE-TYPE", "production", None, allowed=True)
    assert not verdict.passed
    assert "elasticache:production-taskmanager-cache.exists: expected present, got missing" in verdict.message


def judge_encryption(snapshot: Any) -> Verdict:
    """DATA-ENCRYPTION judges the database first: give it a conforming one, so only the cache is at issue."""
    from tests.shapes.test_data_shapes import _instance, _rds

    clients = StubbedClients("production")
    _rds(clients, _instance("production-taskmanager-db"))
    from envmatrix.aws import rds

    full = snapshot.model_copy(update={"rds": rds.fetch(target("production", clients))})
    clients.verify()
    return judge(SECURITY, "DATA-ENCRYPTION", "production", full)


def test_an_alarm_on_the_serverless_cache_names_it() -> None:
    """ElastiCache Serverless metrics carry the cache by the dimension ``clusterId`` (AWS/ElastiCache)."""
    from envmatrix.aws.alarms import WatchedMetric, names_resource
    from envmatrix.names import as_dict, names_for

    names = as_dict(names_for("production"))
    watched = WatchedMetric(namespace="AWS/ElastiCache", name="ElastiCacheProcessingUnits",
                            dimensions={"clusterId": "production-taskmanager-cache"})
    assert names_resource(watched, "cache", names)
    other = watched.model_copy(update={"dimensions": {"clusterId": "staging-taskmanager-cache"}})
    assert not names_resource(other, "cache", names)
