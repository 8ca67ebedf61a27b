"""Live backups: RDS retention and deletion protection, the production backup bucket."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.checking import live, present
from envmatrix.spec import EnvironmentSpec


def _has_backup_bucket(spec: EnvironmentSpec) -> bool:
    return spec.security.backup_bucket


@check("DB-BACKUP-RETENTION", layer="live", area="backups", row="backups", severity="critical")
def test_db_backup_retention(env: Environment) -> None:
    """RDS automated backup retention (days) per the matrix's Backups row."""
    resource = f"rds:{live(env).names['db']}"
    db = present(env, live(env).section("rds").primary, resource)
    env.expect(resource, "BackupRetentionPeriod", env.spec.database.backup_retention_days, db.backup_retention_days)


@check("DB-DELETION-PROTECTION", layer="live", area="backups", row="backups", severity="high")
def test_db_deletion_protection(env: Environment) -> None:
    """RDS deletion protection."""
    resource = f"rds:{live(env).names['db']}"
    db = present(env, live(env).section("rds").primary, resource)
    env.expect(resource, "DeletionProtection", env.spec.database.deletion_protection, db.deletion_protection)


@check("BACKUP-BUCKET", layer="live", area="backups", row="backups", severity="high", applies=_has_backup_bucket)
def test_backup_bucket(env: Environment) -> None:
    """The backup bucket exists, is versioned and encrypted at rest."""
    resource = f"s3:{live(env).names['backup_bucket']}"
    bucket = present(env, live(env).section("buckets").backup, resource)
    env.expect(resource, "Versioning", "Enabled", bucket.versioning)
    env.expect(resource, "ServerSideEncryption", "an encryption rule (AES256 or aws:kms)", bucket.encryption or "none",
               ok=lambda _w, got: got != "none" and all(algorithm for algorithm in got))


@check("BACKUP-BUCKET-PUBLIC-ACCESS", layer="live", area="security", row="backups", severity="critical",
       applies=_has_backup_bucket)
def test_backup_bucket_public_access(env: Environment) -> None:
    """The backup bucket blocks every kind of public access."""
    resource = f"s3:{live(env).names['backup_bucket']}"
    bucket = present(env, live(env).section("buckets").backup, resource)
    block = bucket.public_access_block or {}
    for setting in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"):
        env.expect(resource, f"PublicAccessBlock.{setting}", True, block.get(setting, False))
