"""The first history schema: runs, their environments' counts, and every result.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("started", sa.DateTime, nullable=False, index=True),
        sa.Column("spec_digest", sa.String(128), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("suite_version", sa.String(32), nullable=False),
    )
    op.create_table(
        "run_environments",
        sa.Column("run_seq", sa.Integer, sa.ForeignKey("runs.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("environment", sa.String(64), primary_key=True),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("waived", sa.Integer, nullable=False),
        sa.Column("gate", sa.String(8), nullable=True),
    )
    op.create_index("ix_run_environments_env_started", "run_environments", ["environment", "started"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_seq", sa.Integer, sa.ForeignKey("runs.seq", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("fingerprint", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(64), nullable=False),
        sa.Column("layer", sa.String(16), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("waiver", sa.Text, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=True),
    )
    op.create_index("ix_results_env_fingerprint", "results", ["environment", "fingerprint"])
