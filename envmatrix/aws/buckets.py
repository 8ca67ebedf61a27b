"""S3 inventory: the backup and log archive buckets, where the spec says the environment has them."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from envmatrix.aws import identity
from envmatrix.aws.guard import scoped
from envmatrix.aws.reading import or_none, reading, tag_dict
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class LifecycleRule(Model):
    id: str | None
    enabled: bool
    expiration_days: int | None
    transitions: list[int]
    scope: str | None = None  # what the rule's Filter limits it to ("prefix logs/", ...); None: the whole bucket


class Bucket(Model):
    name: str
    versioning: str | None
    encryption: list[str]
    public_access_block: dict[str, bool] | None
    lifecycle: list[LifecycleRule]
    tags: dict[str, str]
    #: the bucket policy's statements (GetBucketPolicy), read for the backup bucket only; [] where it has none
    policy: list[dict[str, Any]] | None = None


class BucketsInventory(Model):
    backup: Bucket | None
    log_archive: Bucket | None
    #: the account's Block Public Access (s3control), read where a bucket does not block everything itself
    account_public_access_block: dict[str, bool] | None = None

    def blocks(self, bucket: Bucket, flag: str) -> tuple[bool, str]:
        """Whether ``flag`` is on for ``bucket`` as S3 applies it (bucket or account level), and where from."""
        if (bucket.public_access_block or {}).get(flag):
            return True, "bucket"
        if (self.account_public_access_block or {}).get(flag):
            return True, "account"
        return False, "neither bucket nor account"


def _scope(raw: dict[str, Any]) -> str | None:
    """What a rule's Filter (or legacy top-level Prefix) limits it to; None when it covers every object."""
    if "Filter" not in raw:
        return f"prefix {raw['Prefix']}" if raw.get("Prefix") else None
    found = dict(raw["Filter"] or {})
    found.update(found.pop("And", None) or {})
    parts = [f"prefix {found['Prefix']}"] if found.get("Prefix") else []
    tags = ([found["Tag"]] if "Tag" in found else []) + list(found.get("Tags", []))
    parts += [f"tag {tag.get('Key')}={tag.get('Value')}" for tag in tags]
    parts += [f"{key} {found[key]}" for key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan") if key in found]
    return " and ".join(parts) or None


def _rule(raw: dict[str, Any]) -> LifecycleRule:
    return LifecycleRule(id=raw.get("ID"), enabled=raw.get("Status") == "Enabled",
                         expiration_days=(raw.get("Expiration") or {}).get("Days"),
                         transitions=[int(t["Days"]) for t in raw.get("Transitions", []) if "Days" in t],
                         scope=_scope(raw))


def expiration_days(bucket: Bucket) -> list[int]:
    """Expiration days of the enabled lifecycle rules that cover the whole bucket (a filtered rule does not)."""
    return sorted({rule.expiration_days for rule in bucket.lifecycle
                   if rule.enabled and rule.expiration_days and rule.scope is None})


def _bucket(target: AwsTarget, name: str) -> Bucket | None:
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


def _policy(target: AwsTarget, name: str) -> list[dict[str, Any]]:
    """The policy's statements (a lone statement object made a list); [] where the bucket has no policy."""
    s3 = target.clients.client("s3")
    with reading(target.env, f"S3 bucket policy of {name}"):
        found = or_none(lambda: s3.get_bucket_policy(Bucket=name), "NoSuchBucketPolicy")
        statements = json.loads(found["Policy"]).get("Statement", []) if found else []
    return [dict(item) for item in (statements if isinstance(statements, list) else [statements])]


def _bucket_in_scope(target: AwsTarget, name: str, policy: bool = False) -> Bucket | None:
    with scoped(target.env):  # this pool's threads count their calls for the environment too
        found = _bucket(target, name)
        return found.model_copy(update={"policy": _policy(target, name)}) if found and policy else found


def _account_block(target: AwsTarget) -> dict[str, bool] | None:
    """The account-level Block Public Access (s3control:GetPublicAccessBlock needs the account id)."""
    account = identity.fetch(target).account
    control = target.clients.client("s3control")
    with reading(target.env, f"S3 account-level public access block of {account}"):
        found = or_none(lambda: control.get_public_access_block(AccountId=account),
                        "NoSuchPublicAccessBlockConfiguration")
    return {flag: bool(value) for flag, value in found["PublicAccessBlockConfiguration"].items()} if found else None


def fetch(target: AwsTarget) -> BucketsInventory:
    """Both buckets side by side (each is five calls in a row, the backup bucket's policy a sixth); the
    account-level block only where it matters."""
    wants, names = target.wants, target.names
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"buckets-{target.env}") as pool:
        backup = pool.submit(_bucket_in_scope, target, names.backup_bucket, True) if wants.backup_bucket else None
        archive = pool.submit(_bucket_in_scope, target, names.log_archive_bucket) if wants.log_archive_bucket else None
        found = [backup.result() if backup else None, archive.result() if archive else None]
    incomplete = any(item and not all((item.public_access_block or {}).get(flag) for flag in FLAGS)
                     for item in found)
    return BucketsInventory(backup=found[0], log_archive=found[1],
                            account_public_access_block=_account_block(target) if incomplete else None)


#: the account-level block (s3control) is read only where a bucket's own is incomplete: its client is made then
SECTION = Section("buckets", fetch, BucketsInventory, services=("s3",), operations=(
    ("s3", "GetBucketEncryption"),
    ("s3", "GetBucketLifecycleConfiguration"),
    ("s3", "GetBucketPolicy"),
    ("s3", "GetBucketTagging"),
    ("s3", "GetBucketVersioning"),
    ("s3", "GetPublicAccessBlock"),
    ("s3control", "GetPublicAccessBlock"),
))
