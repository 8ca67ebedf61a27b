"""Resource names of one environment: DESIGN.md's templates, overridable project-wide or per environment."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from envmatrix.errors import ConfigError

#: name -> template. ``{prefix}`` is the per-environment prefix (:data:`PREFIX`), ``{project_prefix}`` the
#: project-wide one (:data:`PROJECT_PREFIX`: image repositories, shared by every environment); ``{env}`` (or
#: ``{short_name}``) is the environment's short name, ``{project}`` the project name. The services are named
#: inside their cluster, so ``api``/``worker`` carry no prefix; the secret prefix keeps DESIGN.md's
#: ``{project}/{env}/`` until a prefix is configured, then it is ``<prefix>/`` (:data:`PREFIXED_SECRETS`).
DEFAULTS: dict[str, str] = {
    "db": "{prefix}-db",
    "cache": "{prefix}-cache",
    "cluster": "{prefix}",
    "api_service": "api",
    "worker_service": "worker",
    "api_family": "{prefix}-api",
    "worker_family": "{prefix}-worker",
    "api_log_group": "/ecs/{prefix}-api",
    "worker_log_group": "/ecs/{prefix}-worker",
    "secret_prefix": "{project}/{env}/",
    "vpc": "{prefix}-vpc",
    "sg_prefix": "{prefix}-",
    "alb": "{prefix}-alb",
    "waf": "{prefix}-waf",
    "backup_bucket": "{prefix}-backups",
    "log_archive_bucket": "{prefix}-log-archive",
    "alarm_prefix": "{prefix}-",
    "health_check": "{prefix}-health",  # Route 53 health check (tag Name) or Synthetics canary
    "codedeploy_application": "{prefix}",
    "api_deployment_group": "{prefix}-api",
    "api_repository": "{project_prefix}-api",
    "worker_repository": "{project_prefix}-worker",
    "budget": "{prefix}-monthly",
    "bastion_tag": "Role=bastion",  # the tag (key=value) a bastion host carries, inside the environment's VPC
    # The application container of each task definition; empty: found by name (see aws/checking.py).
    "api_container": "",
    "worker_container": "",
}
#: The prefixes every default name derives from (keys of a ``names`` table too): DESIGN.md's by default.
PREFIX, PROJECT_PREFIX = "prefix", "project_prefix"
PREFIX_DEFAULTS: dict[str, str] = {PREFIX: "{env}-{project}", PROJECT_PREFIX: "{project}"}
#: The secret prefix once a per-environment prefix is configured.
PREFIXED_SECRETS = "{prefix}/"
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
    health_check: str = ""
    api_container: str = ""
    worker_container: str = ""
    codedeploy_application: str = ""
    api_deployment_group: str = ""
    api_repository: str = ""
    worker_repository: str = ""
    budget: str = ""  # the AWS Budgets monthly cost budget
    bastion_tag: str = "Role=bastion"  # key=value

    def service(self, role: str) -> str:
        return str(getattr(self, f"{role}_service"))

    def family(self, role: str) -> str:
        return str(getattr(self, f"{role}_family"))

    def container(self, role: str) -> str:
        """The configured application container name of the role's task definition ("" when not configured)."""
        return str(getattr(self, f"{role}_container"))

    def repository(self, role: str) -> str:
        return str(getattr(self, f"{role}_repository"))

    def log_group(self, role: str) -> str:
        return str(getattr(self, f"{role}_log_group"))

    def security_group(self, role: str) -> str:
        return f"{self.sg_prefix}{role}-sg"

    def secret(self, name: str) -> str:
        return f"{self.secret_prefix}{name}"

    def scalable_target(self, role: str) -> str:
        return f"service/{self.cluster}/{self.service(role)}"


#: DESIGN.md's project name.
DEFAULT_PROJECT = "taskmanager"
#: The placeholders a name template may hold (``{short_name}`` is ``{env}``, as in path templates).
NAME_FIELDS: frozenset[str] = frozenset({"env", "short_name", "project", PREFIX, PROJECT_PREFIX})
#: What each prefix may hold: the project-wide one is the same in every environment.
PREFIX_FIELDS: dict[str, frozenset[str]] = {PREFIX: frozenset({"env", "short_name", "project"}),
                                            PROJECT_PREFIX: frozenset({"project"})}
DEFAULT_SOURCE = "default template"


def _fields(where: str, key: str, template: str, source: str) -> set[str]:
    try:
        return {f for _text, f, _spec, _conv in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ConfigError(source, f"{where}.{key}: not a name template ({exc}): {template!r}") from None


def check_templates(where: str, templates: Mapping[str, str], source: str) -> None:
    """Unknown keys or placeholders in a ``names`` table are a ConfigError naming the key and the valid ones."""
    valid = [*DEFAULTS, *PREFIX_DEFAULTS]
    unknown = sorted(set(templates) - set(valid))
    if unknown:
        raise ConfigError(source, f"{where}.{unknown[0]}: unknown key; valid keys: {', '.join(valid)}")
    for key, template in templates.items():
        allowed = PREFIX_FIELDS.get(key, NAME_FIELDS)
        extra = _fields(where, key, template, source) - allowed
        if extra:
            raise ConfigError(source, f"{where}.{key}: unknown placeholder(s) {sorted(extra)}; valid: "
                              f"{', '.join('{' + f + '}' for f in sorted(allowed))}")


def effective_names(
    env: str, layers: Sequence[tuple[str, Mapping[str, str]]], *, project: str, short_name: str | None = None,
) -> dict[str, tuple[str, str]]:
    """Each name key (the prefixes first) -> (name, where it came from): the default template, then each layer
    in order; a default that derives from a configured prefix says so ("<layer> prefix")."""
    chosen = {key: (template, DEFAULT_SOURCE) for key, template in {**PREFIX_DEFAULTS, **DEFAULTS}.items()}
    for source, templates in layers:
        chosen.update({key: (template, source) for key, template in templates.items()})
    values = {"env": short_name or env, "short_name": short_name or env, "project": project}
    for key in PREFIX_DEFAULTS:
        values[key] = chosen[key][0].format(**values)
    if chosen["secret_prefix"][1] == DEFAULT_SOURCE and chosen[PREFIX][1] != DEFAULT_SOURCE:
        chosen["secret_prefix"] = (PREFIXED_SECRETS, DEFAULT_SOURCE)
    result: dict[str, tuple[str, str]] = {}
    for key, (template, source) in chosen.items():
        if source == DEFAULT_SOURCE:
            used = [p for p in PREFIX_DEFAULTS if "{" + p + "}" in template and chosen[p][1] != DEFAULT_SOURCE]
            source = f"{chosen[used[0]][1]} {used[0]}" if used else source
        result[key] = (template.format(**values), source)
    return result


def names_for(
    env: str, overrides: Mapping[str, str] | None = None, *, source: str = "envmatrix.toml",
    project: str = DEFAULT_PROJECT, short_name: str | None = None,
) -> Names:
    """The names for ``env`` (short name ``short_name``) with the config's ``[environments.<env>.names]`` applied."""
    overrides = dict(overrides or {})
    check_templates(f"environments.{env}.names", overrides, source)
    chosen = effective_names(env, [(source, overrides)], project=project, short_name=short_name)
    return Names(env=env, **{key: value for key, (value, _source) in chosen.items() if key in DEFAULTS})


#: DESIGN.md's rule for the secret of a secret-class variable (``[secrets]`` in envmatrix.toml changes it): the
#: template's ``{kebab}`` is the variable in kebab case (DATABASE_URL -> database-url), ``{snake}`` in lower
#: snake case, ``{variable}`` as written; OAuth client credentials (OAUTH_<P>_CLIENT_<X>) share one secret per
#: provider, the template applied to OAUTH_<P>, with JSON key client_<x>; a per-variable name (``"name"`` or
#: ``"name#json_key"``) overrides both.
SECRET_TEMPLATE = "{kebab}"
SECRET_NAMES: dict[str, str] = {"JWT_SECRET_KEY": "jwt-secret"}
SECRET_FIELDS: frozenset[str] = frozenset({"kebab", "snake", "variable"})


def check_secret_template(where: str, template: str, source: str) -> None:
    """A template with a placeholder other than ``{kebab}``, ``{snake}``, ``{variable}`` is a ConfigError."""
    extra = _fields(where, "template", template, source) - SECRET_FIELDS
    if extra or not template.strip():
        problem = f"unknown placeholder(s) {sorted(extra)}" if extra else "empty"
        raise ConfigError(source, f"{where}.template: {problem}; valid: "
                          f"{', '.join('{' + f + '}' for f in sorted(SECRET_FIELDS))}")


def secret_reference(variable: str, template: str = SECRET_TEMPLATE,
                     names: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The secret for a variable: (secret name under the secret prefix, JSON key or None).

    With DESIGN.md's rule: DATABASE_URL -> database-url; JWT_SECRET_KEY -> jwt-secret;
    OAUTH_GOOGLE_CLIENT_ID -> oauth-google, JSON key client_id.
    """
    chosen = SECRET_NAMES if names is None else names
    if variable in chosen:
        name, _, json_key = chosen[variable].partition("#")
        return name, json_key or None
    stem, key = variable, None
    parts = variable.lower().split("_")
    if parts[0] == "oauth" and len(parts) == 4 and parts[2] == "client":
        stem, key = "_".join(variable.split("_")[:2]), f"client_{parts[3]}"
    return template.format(kebab=stem.lower().replace("_", "-"), snake=stem.lower(), variable=stem), key


def as_dict(names: Names) -> dict[str, str]:
    return {field.name: str(getattr(names, field.name)) for field in fields(names)}
