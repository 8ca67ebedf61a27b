"""Sandbox resource names: the live layer's default names (one source of truth) plus the sandbox's own extras."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from envmatrix.names import SECURITY_GROUP_ROLES, names_for, secret_reference
from envmatrix.names import Names as LiveNames

PROJECT = "taskmanager"
SERVICES: tuple[str, ...] = ("api", "worker")
SECURITY_GROUPS: tuple[str, ...] = SECURITY_GROUP_ROLES


@dataclass(frozen=True)
class SecretRef:
    """Where a secret-class variable lives: secret ``taskmanager/<env>/<name>``, optionally one JSON key."""

    variable: str
    name: str
    json_key: str | None

    def secret_id(self, env: str) -> str:
        return names_for(env).secret(self.name)

    def value_from(self, arn: str) -> str:
        """The task definition ``valueFrom``: the ARN, or ``<arn>:<key>::`` for one JSON key."""
        return f"{arn}:{self.json_key}::" if self.json_key else arn


def secret_ref(variable: str) -> SecretRef:
    """The variable's secret, by the same rule the live checks expect."""
    name, key = secret_reference(variable)
    return SecretRef(variable, name, key)


@dataclass(frozen=True)
class SandboxNames:
    """Every resource name the sandbox gives one environment: the live layer's default names
    (``envmatrix.names.Names``, as ``live``) plus the sandbox's own auxiliary ones (``prefix``, the replica)."""

    env: str

    @cached_property
    def live(self) -> LiveNames:
        return names_for(self.env)

    @property
    def prefix(self) -> str:
        """Prefix of the sandbox's auxiliary resources (subnets, subnet groups, roles) DESIGN.md does not name."""
        return f"{self.env}-{PROJECT}"

    @property
    def db(self) -> str:
        return self.live.db

    @property
    def db_replica(self) -> str:
        return f"{self.live.db}-replica"

    @property
    def cache(self) -> str:
        return self.live.cache

    @property
    def cluster(self) -> str:
        return self.live.cluster

    @property
    def vpc(self) -> str:
        return self.live.vpc

    @property
    def alb(self) -> str:
        return self.live.alb

    @property
    def waf(self) -> str:
        return self.live.waf

    @property
    def backups_bucket(self) -> str:
        return self.live.backup_bucket

    @property
    def archive_bucket(self) -> str:
        return self.live.log_archive_bucket

    @property
    def alerts_topic(self) -> str:
        return f"{self.live.alarm_prefix}alerts"

    def family(self, service: str) -> str:
        return self.live.family(service)

    def log_group(self, service: str) -> str:
        return self.live.log_group(service)

    def scalable_target(self, service: str) -> str:
        return self.live.scalable_target(service)

    def security_group(self, role: str) -> str:
        return self.live.security_group(role)

    def tags(self, project_tags: dict[str, str]) -> dict[str, str]:
        """Environment=<short name> plus the world's project tags (Project=taskmanager)."""
        return {"Environment": self.env, **project_tags}
