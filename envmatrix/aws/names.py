"""Resource names of one environment: DESIGN.md's defaults, overridable per environment in the project config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from envmatrix.errors import ConfigError

#: name -> template; ``{env}`` is the short environment name.
DEFAULTS: dict[str, str] = {
    "db": "{env}-taskmanager-db",
    "cache": "{env}-taskmanager-cache",
    "cluster": "{env}-taskmanager",
    "api_service": "api",
    "worker_service": "worker",
    "api_family": "{env}-taskmanager-api",
    "worker_family": "{env}-taskmanager-worker",
    "api_log_group": "/ecs/{env}-taskmanager-api",
    "worker_log_group": "/ecs/{env}-taskmanager-worker",
    "secret_prefix": "taskmanager/{env}/",
    "vpc": "{env}-taskmanager-vpc",
    "sg_prefix": "{env}-taskmanager-",
    "alb": "{env}-taskmanager-alb",
    "waf": "{env}-taskmanager-waf",
    "backup_bucket": "{env}-taskmanager-backups",
    "log_archive_bucket": "{env}-taskmanager-log-archive",
    "alarm_prefix": "{env}-taskmanager-",
    # The application container of each task definition; empty: found by name (see aws/checking.py).
    "api_container": "",
    "worker_container": "",
}
SECURITY_GROUP_ROLES: tuple[str, ...] = ("alb", "api", "worker", "db", "cache")


@dataclass(frozen=True)
class Names:
    """Where one environment's resources are found."""

    env: str
    db: str
    cache: str
    cluster: str
    api_service: str
    worker_service: str
    api_family: str
    worker_family: str
    api_log_group: str
    worker_log_group: str
    secret_prefix: str
    vpc: str
    sg_prefix: str
    alb: str
    waf: str
    backup_bucket: str
    log_archive_bucket: str
    alarm_prefix: str
    api_container: str = ""
    worker_container: str = ""

    def service(self, role: str) -> str:
        return str(getattr(self, f"{role}_service"))

    def family(self, role: str) -> str:
        return str(getattr(self, f"{role}_family"))

    def container(self, role: str) -> str:
        """The configured application container name of the role's task definition ("" when not configured)."""
        return str(getattr(self, f"{role}_container"))

    def log_group(self, role: str) -> str:
        return str(getattr(self, f"{role}_log_group"))

    def security_group(self, role: str) -> str:
        return f"{self.sg_prefix}{role}-sg"

    def secret(self, name: str) -> str:
        return f"{self.secret_prefix}{name}"

    def scalable_target(self, role: str) -> str:
        return f"service/{self.cluster}/{self.service(role)}"


def names_for(env: str, overrides: Mapping[str, str] | None = None, *, source: str = "envmatrix.toml") -> Names:
    """The default names for ``env`` with the config's ``[environments.<env>.names]`` applied."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ConfigError(source, f"environments.{env}.names: unknown key(s) {unknown}; valid: {sorted(DEFAULTS)}")
    values = {key: template.format(env=env) for key, template in DEFAULTS.items()}
    names = Names(env=env, **values)
    applied = {key: value.format(env=env) for key, value in overrides.items()}
    return replace(names, **applied) if applied else names


#: Variables whose secret does not follow the kebab-case rule.
_SPECIAL_SECRETS: dict[str, str] = {"JWT_SECRET_KEY": "jwt-secret"}


def secret_reference(variable: str) -> tuple[str, str | None]:
    """DESIGN.md's secret for a variable: (short secret name, JSON key or None).

    DATABASE_URL -> database-url; JWT_SECRET_KEY -> jwt-secret;
    OAUTH_GOOGLE_CLIENT_ID -> oauth-google, JSON key client_id.
    """
    if variable in _SPECIAL_SECRETS:
        return _SPECIAL_SECRETS[variable], None
    parts = variable.lower().split("_")
    if parts[0] == "oauth" and len(parts) == 4 and parts[2] == "client":
        return f"oauth-{parts[1]}", f"client_{parts[3]}"
    return "-".join(parts), None


def as_dict(names: Names) -> dict[str, str]:
    return {field.name: str(getattr(names, field.name)) for field in fields(names)}
