"""CloudWatch Logs inventory: the services' log groups and their retention."""

from __future__ import annotations

import os

from envmatrix.aws.reading import reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

ROLES: tuple[str, ...] = ("api", "worker")


class LogGroup(Model):
    name: str
    arn: str
    retention_days: int | None
    tags: dict[str, str]


class LogsInventory(Model):
    groups: dict[str, LogGroup | None]


def fetch(target: AwsTarget) -> LogsInventory:
    """One prefix-filtered listing for both groups (their common prefix), then each group's tags."""
    wanted = {target.names.log_group(role): role for role in ROLES}
    prefix = os.path.commonprefix(list(wanted))
    client = target.clients.client("logs")
    groups: dict[str, LogGroup | None] = dict.fromkeys(ROLES)
    with reading(target.env, f"log groups {', '.join(wanted)}"):
        paginator = client.get_paginator("describe_log_groups")
        found = [raw for start in ([prefix] if prefix else list(wanted))
                 for page in paginator.paginate(logGroupNamePrefix=start)
                 for raw in page.get("logGroups", []) if raw.get("logGroupName") in wanted]
        for raw in found:
            name = raw["logGroupName"]
            tags = client.list_tags_log_group(logGroupName=name).get("tags", {})
            groups[wanted[name]] = LogGroup(name=name, arn=raw.get("arn", ""), tags=dict(tags),
                                            retention_days=raw.get("retentionInDays"))
    return LogsInventory(groups=groups)


SECTION = Section("logs", fetch, LogsInventory, services=("logs",), operations=(
    ("logs", "DescribeLogGroups"),
    ("logs", "ListTagsLogGroup"),
))
