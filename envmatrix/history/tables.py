"""The history's schema as SQLAlchemy Core tables: what the store reads and writes (the migrations create it).

Times are UTC, stored naive (SQLite has no time zone type; PostgreSQL's ``timestamp`` is the same on both).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

#: one row per recorded run (``envmatrix merge`` records the shards' run once: ``run_id`` is unique)
runs = Table(
    "runs", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, unique=True),
    Column("started", DateTime, nullable=False, index=True),
    Column("spec_digest", String(128), nullable=False, default=""),
    Column("target", Text, nullable=False, default=""),
    Column("account", String(32), nullable=False, default=""),
    Column("region", String(64), nullable=False, default=""),
    Column("suite_version", String(32), nullable=False, default=""),
)

#: one row per environment a run checked: its counts and the gate's verdict (the trend chart reads only these)
run_environments = Table(
    "run_environments", metadata,
    Column("run_seq", Integer, ForeignKey("runs.seq", ondelete="CASCADE"), primary_key=True),
    Column("environment", String(64), primary_key=True),
    Column("started", DateTime, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("waived", Integer, nullable=False),
    Column("gate", String(8), nullable=True),
    Index("ix_run_environments_env_started", "environment", "started"),
)

#: one row per check result; ``first_seen`` is when the finding's current open stretch began (None: passed)
results = Table(
    "results", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_seq", Integer, ForeignKey("runs.seq", ondelete="CASCADE"), nullable=False, index=True),
    Column("fingerprint", String(16), nullable=False),
    Column("environment", String(64), nullable=False),
    Column("layer", String(16), nullable=False),
    Column("check_id", String(128), nullable=False),
    Column("status", String(8), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("waiver", Text, nullable=False, default=""),
    Column("first_seen", DateTime, nullable=True),
    Index("ix_results_env_fingerprint", "environment", "fingerprint"),
)
