"""S3 inventory: the backup and log archive buckets, where the spec says the environment has them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from envmatrix.aws.guard import scoped
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.target import Model, Target


class LifecycleRule(Model):
    id: str | None
    enabled: bool
    expiration_days: int | None
    transitions: list[int]


class Bucket(Model):
    name: str
    versioning: str | None
    encryption: list[str]
    public_access_block: dict[str, bool] | None
    lifecycle: list[LifecycleRule]
    tags: dict[str, str]


class BucketsInventory(Model):
    backup: Bucket | None
    log_archive: Bucket | None


def _rule(raw: dict[str, Any]) -> LifecycleRule:
    return LifecycleRule(id=raw.get("ID"), enabled=raw.get("Status") == "Enabled",
                         expiration_days=(raw.get("Expiration") or {}).get("Days"),
                         transitions=[int(t["Days"]) for t in raw.get("Transitions", []) if "Days" in t])


def _bucket(target: Target, name: str) -> Bucket | None:
    s3 = target.clients.client("s3")
    with reading(target.env, f"S3 bucket {name}"):
        versioning = or_none(lambda: s3.get_bucket_versioning(Bucket=name), "NoSuchBucket")
        if versioning is None:
            return None
        encryption = or_none(lambda: s3.get_bucket_encryption(Bucket=name),
                             "ServerSideEncryptionConfigurationNotFoundError") or {}
        block = or_none(lambda: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccessBlockConfiguration")
        lifecycle = or_none(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name),
                            "NoSuchLifecycleConfiguration") or {}
        tagging = or_none(lambda: s3.get_bucket_tagging(Bucket=name), "NoSuchTagSet", "NoSuchTagSetError") or {}
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    return Bucket(
        name=name, versioning=versioning.get("Status"),
        encryption=[r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "") for r in rules],
        public_access_block=dict(block["PublicAccessBlockConfiguration"]) if block else None,
        lifecycle=[_rule(r) for r in lifecycle.get("Rules", [])], tags=tag_dict(tagging.get("TagSet")),
    )


def _bucket_in_scope(target: Target, name: str) -> Bucket | None:
    with scoped(target.env):  # this pool's threads count their calls for the environment too
        return _bucket(target, name)


def fetch(target: Target) -> BucketsInventory:
    """Both buckets side by side (each is five calls in a row)."""
    wants, names = target.wants, target.names
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"buckets-{target.env}") as pool:
        backup = pool.submit(_bucket_in_scope, target, names.backup_bucket) if wants.backup_bucket else None
        archive = pool.submit(_bucket_in_scope, target, names.log_archive_bucket) if wants.log_archive_bucket else None
        return BucketsInventory(backup=backup.result() if backup else None,
                                log_archive=archive.result() if archive else None)
