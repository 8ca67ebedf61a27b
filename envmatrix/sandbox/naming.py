"""Sandbox resource names (DESIGN.md's table) and the secret-class variable -> Secrets Manager mapping."""

from __future__ import annotations

from dataclasses import dataclass

PROJECT = "taskmanager"
SERVICES: tuple[str, ...] = ("api", "worker")
SECURITY_GROUPS: tuple[str, ...] = ("alb", "api", "worker", "db", "cache")
#: Variables whose secret does not follow the kebab-case rule: (secret name, JSON key or None).
_SPECIAL: dict[str, tuple[str, str | None]] = {
    "JWT_SECRET_KEY": ("jwt-secret", None),
    "OAUTH_GOOGLE_CLIENT_ID": ("oauth-google", "client_id"),
    "OAUTH_GOOGLE_CLIENT_SECRET": ("oauth-google", "client_secret"),
    "OAUTH_GITHUB_CLIENT_ID": ("oauth-github", "client_id"),
    "OAUTH_GITHUB_CLIENT_SECRET": ("oauth-github", "client_secret"),
}


@dataclass(frozen=True)
class SecretRef:
    """Where a secret-class variable lives: secret ``taskmanager/<env>/<name>``, optionally one JSON key."""

    variable: str
    name: str
    json_key: str | None

    def secret_id(self, env: str) -> str:
        return f"{PROJECT}/{env}/{self.name}"

    def value_from(self, arn: str) -> str:
        """The task definition ``valueFrom``: the ARN, or ``<arn>:<key>::`` for one JSON key."""
        return f"{arn}:{self.json_key}::" if self.json_key else arn


def secret_ref(variable: str) -> SecretRef:
    """DATABASE_URL -> database-url; JWT_SECRET_KEY -> jwt-secret; OAUTH_GOOGLE_CLIENT_ID -> oauth-google:client_id."""
    name, key = _SPECIAL.get(variable, (variable.lower().replace("_", "-"), None))
    return SecretRef(variable, name, key)


@dataclass(frozen=True)
class Names:
    """Every resource name of one environment."""

    env: str

    @property
    def prefix(self) -> str:
        return f"{self.env}-{PROJECT}"

    @property
    def db(self) -> str:
        return f"{self.prefix}-db"

    @property
    def db_replica(self) -> str:
        return f"{self.prefix}-db-replica"

    @property
    def cache(self) -> str:
        return f"{self.prefix}-cache"

    @property
    def cluster(self) -> str:
        return self.prefix

    @property
    def vpc(self) -> str:
        return f"{self.prefix}-vpc"

    @property
    def alb(self) -> str:
        return f"{self.prefix}-alb"

    @property
    def waf(self) -> str:
        return f"{self.prefix}-waf"

    @property
    def backups_bucket(self) -> str:
        return f"{self.prefix}-backups"

    @property
    def archive_bucket(self) -> str:
        return f"{self.prefix}-log-archive"

    @property
    def alerts_topic(self) -> str:
        return f"{self.prefix}-alerts"

    def family(self, service: str) -> str:
        return f"{self.prefix}-{service}"

    def log_group(self, service: str) -> str:
        return f"/ecs/{self.prefix}-{service}"

    def scalable_target(self, service: str) -> str:
        return f"service/{self.cluster}/{service}"

    def security_group(self, role: str) -> str:
        return f"{self.prefix}-{role}-sg"

    def tags(self, project_tags: dict[str, str]) -> dict[str, str]:
        """Environment=<short name> plus the spec's project tags (Project=taskmanager)."""
        return {"Environment": self.env, **project_tags}
