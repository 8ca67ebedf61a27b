"""Live backups: RDS retention, backups happening (latest restorable time), deletion protection, backup bucket."""

from __future__ import annotations

import datetime as dt

from envmatrix import Environment, check
from envmatrix.aws.buckets import FLAGS, BucketsInventory
from envmatrix.aws.checking import present, primary_db
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, days, text

#: default encryption algorithms that meet what the spec requires (aws:kms:dsse is KMS with two layers)
ACCEPTED = {"AES256": ("AES256", "aws:kms", "aws:kms:dsse"), "aws:kms": ("aws:kms", "aws:kms:dsse")}
ENCRYPTION_TEXT = {"AES256": "default encryption SSE-S3 (AES256) or SSE-KMS (spec: bucket_encryption AES256)",
                   "aws:kms": "default encryption SSE-KMS (aws:kms) (spec: bucket_encryption aws:kms)"}


def _has_backup_bucket(spec: EnvironmentSpec) -> bool:
    return spec.security.backup_bucket


def _restorable_window(spec: EnvironmentSpec) -> bool:
    return spec.database.restorable_within_minutes is not None


@check("DB-BACKUP-RETENTION", layer="live", area="backups", row="backups", evidence=True, severity="critical",
       figure=Figure("BackupRetentionPeriod", days()))
def test_db_backup_retention(env: Environment) -> None:
    """RDS automated backup retention (days) per the matrix's Backups row."""
    resource, db = primary_db(env)
    env.expect(resource, "BackupRetentionPeriod", env.spec.database.backup_retention_days, db.backup_retention_days)


@check("DB-BACKUPS-RECENT", layer="live", area="backups", row="backups", evidence=True, severity="high",
       applies=_restorable_window,
       figure=Figure("LatestRestorableTime", text("restorable {}"), part=2))
def test_db_backups_recent(env: Environment) -> None:
    """Backups are happening, not only configured: LatestRestorableTime within the spec's minutes of the snapshot."""
    snapshot = env.live
    resource, db = primary_db(env)
    window = env.spec.database.restorable_within_minutes or 0
    restorable = db.latest_restorable_time
    # The snapshot's own time, not the clock now: the verdict is about what was seen when AWS was read.
    lag = dt.datetime.fromisoformat(snapshot.taken_at) - restorable if restorable else None
    shown = "none (no automated backup yet)" if lag is None else f"{max(lag.total_seconds(), 0) / 60:.0f} min ago"
    env.expect(resource, "LatestRestorableTime", f"within {window} min", shown,
               ok=lambda _w, _g: lag is not None and lag <= dt.timedelta(minutes=window))


@check("DB-DELETION-PROTECTION", layer="live", area="backups", row="backups", severity="high")
def test_db_deletion_protection(env: Environment) -> None:
    """RDS deletion protection."""
    resource, db = primary_db(env)
    env.expect(resource, "DeletionProtection", env.spec.database.deletion_protection, db.deletion_protection)


@check("BACKUP-BUCKET", layer="live", area="backups", row="backups", severity="high", applies=_has_backup_bucket)
def test_backup_bucket(env: Environment) -> None:
    """The backup bucket exists, is versioned and encrypted at rest."""
    resource = f"s3:{env.live.names['backup_bucket']}"
    bucket = present(env, env.live.section(BucketsInventory).backup, resource)
    env.expect(resource, "Versioning", "Enabled", bucket.versioning)
    wanted = env.spec.security.bucket_encryption
    env.expect(resource, "ServerSideEncryption", wanted, bucket.encryption or "none",
               expected_text=ENCRYPTION_TEXT[wanted], ok=lambda want, got: got != "none" and all(
                   algorithm in ACCEPTED[want] for algorithm in got))


@check("BACKUP-BUCKET-PUBLIC-ACCESS", layer="live", area="security", row="backups", severity="critical",
       applies=_has_backup_bucket)
def test_backup_bucket_public_access(env: Environment) -> None:
    """The backup bucket blocks every kind of public access, at bucket or account level (S3 merges them per flag)."""
    resource = f"s3:{env.live.names['backup_bucket']}"
    buckets = env.live.section(BucketsInventory)
    bucket = present(env, buckets.backup, resource)
    for flag in FLAGS:
        on, where = buckets.blocks(bucket, flag)
        env.expect(resource, f"PublicAccessBlock.{flag}", True, f"true ({where} level)" if on else f"false ({where})",
                   expected_text="true (bucket or account level)", ok=holds(on))
