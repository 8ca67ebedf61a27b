"""ElastiCache inventory: the Redis replication group."""

from __future__ import annotations

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


class CacheInventory(Model):
    group: ReplicationGroup | None


def fetch(target: AwsTarget) -> CacheInventory:
    client = target.clients.client("elasticache")
    name = target.names.cache
    with reading(target.env, f"ElastiCache replication group {name}"):
        answer = or_none(lambda: client.describe_replication_groups(ReplicationGroupId=name),
                         "ReplicationGroupNotFoundFault")
        if answer is None or not answer.get("ReplicationGroups"):
            return CacheInventory(group=None)
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


SECTION = Section("cache", fetch, CacheInventory, services=("elasticache",), operations=(
    ("elasticache", "DescribeReplicationGroups"),
    ("elasticache", "ListTagsForResource"),
))
