"""Secrets Manager inventory: the environment's secrets (metadata and rotation only, never values)."""

from __future__ import annotations

from envmatrix.aws.reading import reading, tag_dict
from envmatrix.aws.target import Model, Target


class Secret(Model):
    name: str
    arn: str
    rotation_enabled: bool
    rotation_days: int | None
    kms_key_id: str | None
    tags: dict[str, str]


class SecretsInventory(Model):
    secrets: dict[str, Secret]  # by short name: taskmanager/<env>/<short name>

    def by_arn(self, arn: str) -> Secret | None:
        """The secret a valueFrom names exactly: its full ARN, a partial ARN or its name (then ``:json-key::``).

        Never a prefix match: ``.../jwt-secret-old-AbCdEf`` is not ``jwt-secret``.
        """
        head = ":".join(arn.split(":")[:7]) if arn.startswith("arn:") else arn.split(":")[0]
        name = head.split(":secret:")[-1]
        for secret in self.secrets.values():
            if head == secret.arn or name == secret.name:
                return secret
        return None


def fetch(target: Target) -> SecretsInventory:
    """list_secrets filtered server-side by the environment's name prefix (ListSecrets has no values)."""
    prefix = target.names.secret_prefix
    client = target.clients.client("secretsmanager")
    found: dict[str, Secret] = {}
    with reading(target.env, f"secrets {prefix}*"):
        pages = client.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [prefix]}])
        for page in pages:
            for raw in page.get("SecretList", []):
                name = raw.get("Name", "")
                if not name.startswith(prefix) or raw.get("DeletedDate"):
                    continue
                rules = raw.get("RotationRules") or {}
                found[name[len(prefix):]] = Secret(
                    name=name, arn=raw.get("ARN", ""), rotation_enabled=bool(raw.get("RotationEnabled", False)),
                    rotation_days=rules.get("AutomaticallyAfterDays"), kms_key_id=raw.get("KmsKeyId"),
                    tags=tag_dict(raw.get("Tags")))
    return SecretsInventory(secrets=found)
