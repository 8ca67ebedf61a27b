"""Secrets Manager inventory: the environment's secrets (metadata and rotation only, never values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.reading import reading, tag_dict
from envmatrix.aws.rotation import longest_interval
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model


class Secret(Model):
    name: str
    arn: str
    rotation_enabled: bool
    rotation_days: int | None  # RotationRules.AutomaticallyAfterDays
    kms_key_id: str | None
    tags: dict[str, str]
    rotation_schedule: str | None = None  # RotationRules.ScheduleExpression: rate(...) or cron(...)
    created: dt.datetime | None = None
    last_rotated: dt.datetime | None = None


class SecretsInventory(Model):
    secrets: dict[str, Secret]  # by short name: taskmanager/<env>/<short name>

    def by_arn(self, reference: str) -> Secret | None:
        """The secret a valueFrom names exactly: its full ARN (any partition), a partial ARN or its name, each
        optionally followed by ``:json-key:stage:version``.

        Never a prefix match: ``.../jwt-secret-old-AbCdEf`` is not ``jwt-secret``.
        """
        arn = parse_arn(reference)
        if arn is not None:
            if arn.service != "secretsmanager" or not arn.resource.startswith("secret:"):
                return None
            name = arn.resource.split(":")[1]
            head = str(replace(arn, resource=f"secret:{name}"))
        else:
            name = head = reference.split(":")[0]
        for secret in self.secrets.values():
            if head == secret.arn or name == secret.name:
                return secret
        return None


def _secret(raw: dict[str, Any]) -> Secret:
    rules = raw.get("RotationRules") or {}
    return Secret(
        name=raw["Name"], arn=raw.get("ARN", ""), rotation_enabled=bool(raw.get("RotationEnabled", False)),
        rotation_days=rules.get("AutomaticallyAfterDays"), rotation_schedule=rules.get("ScheduleExpression"),
        kms_key_id=raw.get("KmsKeyId"), tags=tag_dict(raw.get("Tags")),
        created=raw.get("CreatedDate"), last_rotated=raw.get("LastRotatedDate"))


def fetch(target: AwsTarget) -> SecretsInventory:
    """list_secrets filtered server-side by the environment's name prefix (ListSecrets has no values)."""
    prefix = target.names.secret_prefix
    client = target.clients.client("secretsmanager")
    found: dict[str, Secret] = {}
    with reading(target.env, f"secrets {prefix}*"):
        pages = client.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [prefix]}])
        for page in pages:
            for raw in page.get("SecretList", []):
                name = raw.get("Name", "")
                if name.startswith(prefix) and not raw.get("DeletedDate"):
                    found[name[len(prefix):]] = _secret(raw)
    return SecretsInventory(secrets=found)


def rotation_interval(secret: Secret) -> dt.timedelta | None:
    """The longest time the secret's rotation rule lets pass between rotations (None: no rule at all).

    A ScheduleExpression wins over AutomaticallyAfterDays (AWS may report both); UnreadableSchedule if the
    expression cannot be read.
    """
    if secret.rotation_schedule:
        return longest_interval(secret.rotation_schedule)
    return dt.timedelta(days=secret.rotation_days) if secret.rotation_days else None


SECTION = Section("secrets", fetch, SecretsInventory, services=("secretsmanager",), operations=(
    ("secretsmanager", "ListSecrets"),
))
