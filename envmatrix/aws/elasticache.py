"""ElastiCache inventory: the Redis replication group, or where there is none, a serverless cache of that name.

A serverless cache (DescribeServerlessCaches) has no nodes to size or count: AWS replicates it across
Availability Zones, always encrypts it at rest and always requires TLS. The checks judge it by its own settings.
"""

from __future__ import annotations

from typing import Any

from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model


class ReplicationGroup(Model):
    id: str
    arn: str
    node_type: str | None
    members: list[str]
    automatic_failover: str
    multi_az: str
    at_rest_encryption: bool
    transit_encryption: bool
    tags: dict[str, str]
    #: "required" or "preferred" (a migration state that still accepts plain connections); absent before Redis 7
    transit_encryption_mode: str | None = None

    @property
    def transit_encryption_required(self) -> bool:
        """Encryption in transit enforced: enabled, and mode required (an older engine without modes enforces it)."""
        return self.transit_encryption and (self.transit_encryption_mode or "required") == "required"


class ServerlessCache(Model):
    name: str
    arn: str
    status: str
    engine: str
    #: FullEngineVersion, else MajorEngineVersion ("" where neither is given)
    version: str
    #: "address:port" of the primary endpoint (None: none yet, e.g. while CREATING)
    endpoint: str | None
    snapshot_retention: int | None
    #: StorageEncryptionType: sse-elasticache or sse-kms (None: not in the answer; serverless is always encrypted)
    storage_encryption: str | None
    #: ConnectionType: vpc (AWS's default) or public
    connection_type: str
    tags: dict[str, str]

    @property
    def at_rest_encryption(self) -> bool:
        return self.storage_encryption != "none"


class CacheInventory(Model):
    group: ReplicationGroup | None
    #: read only where no replication group has the cache's name
    serverless: ServerlessCache | None = None


def fetch(target: AwsTarget) -> CacheInventory:
    client = target.clients.client("elasticache")
    name = target.names.cache
    with reading(target.env, f"ElastiCache replication group {name}"):
        answer = or_none(lambda: client.describe_replication_groups(ReplicationGroupId=name),
                         "ReplicationGroupNotFoundFault")
        if answer is None or not answer.get("ReplicationGroups"):
            return CacheInventory(group=None, serverless=_serverless(client, name))
        raw = answer["ReplicationGroups"][0]
        arn = raw.get("ARN", "")
        tags = client.list_tags_for_resource(ResourceName=arn).get("TagList", []) if arn else []
    return CacheInventory(group=ReplicationGroup(
        id=raw["ReplicationGroupId"],
        arn=arn,
        node_type=raw.get("CacheNodeType"),
        members=list(raw.get("MemberClusters", [])),
        automatic_failover=str(raw.get("AutomaticFailover", "disabled")),
        multi_az=str(raw.get("MultiAZ", "disabled")),
        at_rest_encryption=bool(raw.get("AtRestEncryptionEnabled", False)),
        transit_encryption=bool(raw.get("TransitEncryptionEnabled", False)),
        transit_encryption_mode=raw.get("TransitEncryptionMode"),
        tags=tag_dict(tags),
    ))


def _serverless(client: Any, name: str) -> ServerlessCache | None:
    answer = or_none(lambda: client.describe_serverless_caches(ServerlessCacheName=name),
                     "ServerlessCacheNotFoundFault")
    found = [raw for raw in (answer or {}).get("ServerlessCaches", []) if raw.get("ServerlessCacheName") == name]
    if not found:
        return None
    raw, arn = found[0], found[0].get("ARN", "")
    endpoint = raw.get("Endpoint") or {}
    tags = client.list_tags_for_resource(ResourceName=arn).get("TagList", []) if arn else []
    return ServerlessCache(
        name=name, arn=arn, status=str(raw.get("Status", "")), engine=str(raw.get("Engine", "")),
        version=str(raw.get("FullEngineVersion") or raw.get("MajorEngineVersion") or ""),
        endpoint=f"{endpoint['Address']}:{endpoint.get('Port', '')}" if endpoint.get("Address") else None,
        snapshot_retention=raw.get("SnapshotRetentionLimit"), storage_encryption=raw.get("StorageEncryptionType"),
        connection_type=str(raw.get("ConnectionType") or "vpc"), tags=tag_dict(tags))


SECTION = Section("cache", fetch, CacheInventory, services=("elasticache",), operations=(
    ("elasticache", "DescribeReplicationGroups"),
    ("elasticache", "DescribeServerlessCaches"),
    ("elasticache", "ListTagsForResource"),
))
