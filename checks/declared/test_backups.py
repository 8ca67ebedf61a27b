"""Declared backup settings: retention, deletion protection, final snapshot."""

from __future__ import annotations

from envmatrix import Environment, check


@check("DB-BACKUP-RETENTION", layer="declared", area="backups", row="backups", evidence=True, severity="critical")
def test_db_backup_retention(env: Environment) -> None:
    """RDS automated backup retention (days) per the matrix's Backups row."""
    env.expect_tfvars("db_backup_retention_days", env.spec.database.backup_retention_days,
               env.tfvars.db_backup_retention_days)


@check("DB-DELETION-PROTECTION", layer="declared", area="backups", row="backups", severity="high")
def test_db_deletion_protection(env: Environment) -> None:
    """RDS deletion protection."""
    env.expect_tfvars("db_deletion_protection", env.spec.database.deletion_protection,
               env.tfvars.db_deletion_protection)


@check("DB-FINAL-SNAPSHOT", layer="declared", area="backups", row="backups", severity="high")
def test_db_final_snapshot(env: Environment) -> None:
    """A final snapshot on destroy (skip_final_snapshot false) where the data matters."""
    env.expect_tfvars("db_skip_final_snapshot", env.spec.database.skip_final_snapshot,
               env.tfvars.db_skip_final_snapshot)
