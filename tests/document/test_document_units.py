"""The document's cell readers: each phrase the seed uses, and what a reader must not guess."""

from __future__ import annotations

from typing import Any

import pytest

from envmatrix.document.claims import (
    days,
    duration_minutes,
    infrastructure_claims,
    matrix_claims,
    on_off,
    percent,
    snake,
)
from envmatrix.document.parse import EnvSections, cell_text, parse_env_block


@pytest.mark.parametrize("label, key", [("Uptime SLA", "uptime_sla"), ("Cost/Month", "cost_per_month"),
                                        ("JWT Expiration", "jwt_expiration"), ("Debug Mode", "debug_mode")])
def test_snake(label: str, key: str) -> None:
    assert snake(label) == key


@pytest.mark.parametrize("reader, text, value", [
    (on_off, "Enabled", True), (on_off, "Required", True), (on_off, "Skipped", False), (on_off, "Disabled", False),
    (on_off, "Sometimes", "Sometimes"),
    (duration_minutes, "24 hours", 1440), (duration_minutes, "15 minutes", 15), (duration_minutes, "1 day", 1440),
    (duration_minutes, "a while", "a while"),
    (days, "30 days", 30), (days, "1 day", 1), (days, "monthly", "monthly"),
    (percent, "99.9%", 99.9), (percent, "95%", 95.0), (percent, "None", None), (percent, "high", "high"),
])
def test_cell_readers(reader: Any, text: str, value: Any) -> None:
    assert reader(text) == value


def test_matrix_row_claims_its_text_and_its_meaning() -> None:
    cells = {"Backups": "7 days", "Database": "Single AZ, no replica"}
    claims = {claim.path: claim.value for claim in matrix_claims(cells)}
    assert claims == {"database.backup_retention_days": 7, "matrix.backups": "7 days", "database.multi_az": False,
                      "database.replica:present": False, "matrix.database": "Single AZ, no replica"}


@pytest.mark.parametrize("row, text, expected", [
    ("ECS API", "0.25 vCPU, 512 MB × 2 tasks",
     {"services.api.cpu": 256, "services.api.memory": 512, "services.api.desired_count": 2}),
    ("ECS Worker", "0.5 vCPU, 1 GB × 10-100 tasks (auto-scale)",
     {"services.worker.cpu": 512, "services.worker.memory": 1024, "services.worker.min_capacity": 10,
      "services.worker.max_capacity": 100}),
    ("ElastiCache", "cache.t3.medium (2 nodes, Multi-AZ)",
     {"cache.node_type": "cache.t3.medium", "cache.num_nodes": 2, "cache.automatic_failover": True}),
    ("ALB", "Application Load Balancer + WAF", {"security.waf": True}),
    ("Total", "**~$77/month**", {}),  # a row the spec does not hold says nothing
])
def test_infrastructure_rows(row: str, text: str, expected: dict[str, Any]) -> None:
    claims = infrastructure_claims(EnvSections(infrastructure={row: text}))
    assert {claim.path: claim.value for claim in claims} == expected


def test_env_block_keeps_comment_groups_and_strips_trailing_comments() -> None:
    values, groups = parse_env_block("# Monitoring\nSENTRY_DSN=<x>\n\n# Feature Flags\nENABLE_MFA=false  # Future\n")
    assert values == {"SENTRY_DSN": "<x>", "ENABLE_MFA": "false"}
    assert groups == {"SENTRY_DSN": "monitoring", "ENABLE_MFA": "feature flags"}


def test_cell_text_drops_emphasis() -> None:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse("| a |\n|---|\n| **Backups** `x` |\n")
    cells = [cell_text(token) for token in tokens if token.type == "inline"]
    assert cells == ["a", "Backups x"]
