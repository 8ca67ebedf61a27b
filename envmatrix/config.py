"""Layered settings: package defaults, the project config file, environment variables, the command line."""

from __future__ import annotations

import os
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from envmatrix import shipped
from envmatrix.environments import Environments
from envmatrix.errors import ConfigError
from envmatrix.inputs import read_input_text
from envmatrix.names import (
    DEFAULT_PROJECT,
    DEFAULTS,
    SECRET_NAMES,
    SECRET_TEMPLATE,
    Names,
    check_secret_template,
    check_templates,
    effective_names,
    secret_reference,
)
from envmatrix.tls import RULE, plain_http_to_remote

CONFIG_FILE = "envmatrix.toml"
DEFAULT_PATHS: dict[str, str] = {
    "spec": "fixtures/matrix.yaml",
    "tfvars_root": "fixtures/tfvars",
    "env_root": "fixtures/env",
    "waivers": "fixtures/waivers.yaml",
    "reports": "reports",
}
#: The source of a default the project does not have, taken from the installed package (the shipped spec).
SHIPPED_SOURCE = "shipped with envmatrix"
#: What marks the project folder, looked for from the working directory upwards (pytest's own config files).
PROJECT_MARKERS: tuple[str, ...] = (CONFIG_FILE, "pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
#: Placeholders a path template may hold: the canonical environment name and its short name.
PATH_FIELDS: frozenset[str] = frozenset({"env", "short_name"})

Identifier = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
#: A GitHub repository, OWNER/NAME.
Repository = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
#: The longest an AWS connect or read may wait, in seconds (a run pays read_timeout x max_attempts at worst).
MAX_TIMEOUT = 300
MAX_ATTEMPTS = 10
#: The highest client-side request rate ([aws] max_rate, --aws-max-rate), requests per second.
MAX_RATE = 1000.0


def _tls_only(url: str) -> str:
    if plain_http_to_remote(url):
        host = urlsplit(url.strip()).hostname or ""  # not the URL: it may hold a password
        raise PydanticCustomError("plain_http", "plain http to {host}; " + RULE, {"host": host})
    return url


#: A URL that will carry credentials (the smoke login and basic auth, the GitHub token).
CredentialUrl = Annotated[StrictStr, AfterValidator(_tls_only)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnvConfig(_Section):
    """Per-environment access, identity, layout and naming exceptions."""

    profile: StrictStr | None = None
    role_arn: StrictStr | None = None
    external_id: StrictStr | None = None
    region: StrictStr | None = None
    base_url: CredentialUrl | None = None
    short_name: Identifier | None = None
    app_environment: StrictStr | None = None
    #: the environment's name in report columns and failure lines (e.g. "UAT"); default: the long name
    display_name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=40)] | None = None
    #: one tfvars file or several, applied in order as Terraform applies -var-file (a later file's value wins)
    tfvars: StrictStr | Annotated[list[StrictStr], Field(min_length=1)] | None = None
    env_file: StrictStr | None = None
    names: dict[StrictStr, StrictStr] = {}


class AwsConfig(_Section):
    """Bounds of every AWS call: a silent endpoint costs read_timeout x max_attempts (plus backoff) at most; and
    the client-side rate budget every environment read in one account and region shares (envmatrix.aws.throttle).
    """

    max_attempts: Annotated[StrictInt, Field(ge=1, le=MAX_ATTEMPTS)] = 3
    connect_timeout: Annotated[StrictInt, Field(gt=0, le=MAX_TIMEOUT)] = 3
    read_timeout: Annotated[StrictInt, Field(gt=0, le=MAX_TIMEOUT)] = 10
    #: requests per second per account, region and service, shared by every environment read there (and by
    #: --aws-max-rate); the default stays below the describe/list limits most services document (EC2's
    #: non-mutating actions refill 20 a second; RDS, ECS, ELB and CloudWatch allow more)
    max_rate: Annotated[StrictFloat, Field(gt=0, le=MAX_RATE)] = 20.0
    #: change control's window start: an ISO 8601 time or "last-run" (--changes-since and its variable win)
    changes_since: StrictStr | None = None


class ProjectSection(_Section):
    name: Identifier = DEFAULT_PROJECT


class TagsConfig(_Section):
    """The tag keys every tag check reads: one holds the environment's short name, one the project name."""

    environment: Identifier = "Environment"
    project: Identifier = "Project"


class GithubConfig(_Section):
    """Where approvals and peer review are read: the repository and the REST API's base URL (no token here)."""

    repository: Repository | None = None
    api_url: CredentialUrl | None = None


class SecretsConfig(_Section):
    """How a secret-class variable's secret is named under the secret prefix: a template, per-variable names."""

    template: StrictStr = SECRET_TEMPLATE
    #: variable -> secret name (``"name#json_key"`` for one JSON key of it); merged over DESIGN.md's exceptions
    names: dict[StrictStr, StrictStr] = {}

    def reference(self, variable: str) -> tuple[str, str | None]:
        """(secret name, JSON key or None) of ``variable`` under this rule."""
        return secret_reference(variable, self.template, {**SECRET_NAMES, **self.names})

    def source(self, variable: str) -> str:
        if variable in self.names:
            return "[secrets.names]"
        if variable in SECRET_NAMES:
            return "default rule"
        return "[secrets] template" if "template" in self.model_fields_set else "default rule"


class PathsConfig(_Section):
    spec: StrictStr | None = None
    tfvars_root: StrictStr | None = None
    env_root: StrictStr | None = None
    waivers: StrictStr | None = None
    reports: StrictStr | None = None
    #: the environment document the spec is proven against (SPEC-MATCHES-DOC); none by default
    doc: StrictStr | None = None
    #: a team's check metadata overrides (checks.yaml: severity, owner, remediation_url, tags); none by default
    checks_meta: StrictStr | None = None
    #: the module's variable declarations (a variables.tf or the module's folder; may be a template): tfvars are
    #: validated against them as Terraform does; none by default (variables the suite has no model for pass)
    variables: StrictStr | None = None


def _no_written_password(url: str) -> str:
    """A history URL never holds a password: ``${VARIABLE}`` in its place (or PGPASSWORD), never the secret."""
    from envmatrix.history.store import HistoryError, check_no_password

    try:
        check_no_password(url)
    except HistoryError as exc:
        raise ValueError(str(exc)) from None
    return url


class HistoryConfig(_Section):
    """Where each run's results are kept over time (envmatrix.history): a SQLite file (relative to this file's
    folder), ``postgresql://user@host/db`` (password from PGPASSWORD or ``${VARIABLE}``), or ``off``."""

    url: Annotated[StrictStr, AfterValidator(_no_written_password)] | None = None


class ProjectConfig(_Section):
    project: ProjectSection = ProjectSection()
    tags: TagsConfig = TagsConfig()
    paths: PathsConfig = PathsConfig()
    names: dict[StrictStr, StrictStr] = {}
    aws: AwsConfig = AwsConfig()
    github: GithubConfig = GithubConfig()
    secrets: SecretsConfig = SecretsConfig()
    history: HistoryConfig = HistoryConfig()
    environments: dict[StrictStr, EnvConfig] = {}
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this config was read from (None: no file, every default)."""
        return self._source

    def label(self) -> str:
        return str(self._source) if self._source else CONFIG_FILE

    def base_dir(self, default: Path) -> Path:
        """Paths written in the config file are relative to that file's folder."""
        return self._source.parent if self._source else default

    def env(self, name: str) -> EnvConfig:
        return self.environments.get(name, EnvConfig())

    def short_name(self, env: str) -> str:
        return self.env(env).short_name or env

    def display_names(self) -> dict[str, str]:
        """env -> the configured display name (only those configured)."""
        return {env: cfg.display_name for env, cfg in self.environments.items() if cfg.display_name}

    def app_environment(self, env: str, long_name: str) -> str:
        """The application's ENVIRONMENT value: ``app_environment``, else the spec's long name ``long_name``."""
        return self.env(env).app_environment or long_name


_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): ProjectConfig, ("project",): ProjectSection, ("tags",): TagsConfig, ("paths",): PathsConfig,
    ("aws",): AwsConfig, ("github",): GithubConfig, ("secrets",): SecretsConfig, ("history",): HistoryConfig,
    ("environments", "*"): EnvConfig,
}


def _problem(exc: ValidationError) -> str:
    """One line: the key, what is wrong, and for an unknown key the valid keys of its table."""
    first = exc.errors()[0]
    loc = tuple(map(str, first["loc"]))
    key = ".".join(loc)
    table = loc[:-1] if loc[:1] != ("environments",) or len(loc) < 3 else ("environments", "*")
    if first["type"] == "extra_forbidden" and table in _SECTIONS:
        return f"{key}: unknown key; valid keys: {', '.join(_SECTIONS[table].model_fields)}"
    return f"{key}: {first['msg']}"


def project_root(cwd: Path) -> Path:
    """The project folder: the nearest folder from ``cwd`` upwards holding a config file, else ``cwd``.

    pytest's own rootdir is not used: pytest picks it from any argument that exists as a path,
    so an option value such as ``--reports-dir /tmp/out`` would move every default.
    """
    for folder in (cwd, *cwd.parents):
        if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
            return folder
    return cwd


def config_path(option: Any, cwd: Path) -> Path:
    """``--envmatrix-config`` (relative to ``cwd``) or the project folder's envmatrix.toml."""
    if option:
        path = Path(str(option)).expanduser()
        return path if path.is_absolute() else cwd / path
    return project_root(cwd) / CONFIG_FILE


def load_config(path: Path) -> ProjectConfig:
    """Read and validate the whole config file; ConfigError (file, key, valid keys) on the first problem."""
    if not path.exists():
        return ProjectConfig()
    text = read_input_text(path, ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, "not valid TOML: nested too deeply") from None
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, _problem(exc)) from None
    config._source = path
    _check_paths(config, path)
    check_templates("names", config.names, str(path))
    check_secret_template("secrets", config.secrets.template, str(path))
    for env, env_config in config.environments.items():
        check_templates(f"environments.{env}.names", env_config.names, str(path))
    return config


def short_names(config: ProjectConfig) -> dict[str, str]:
    """Configured short name -> canonical name (what --env accepts beside the spec's names and aliases)."""
    return {env_config.short_name: env for env, env_config in config.environments.items() if env_config.short_name}


def run_environments(config: ProjectConfig, spec_names: Environments) -> Environments:
    """The run's environments: the spec's, plus the configured short names; ConfigError when the config's
    ``[environments.<name>]`` tables do not fit them (checked once the spec is loaded: it holds the names)."""
    path = config.source or Path(CONFIG_FILE)
    for name in config.environments:
        if name not in spec_names:
            raise ConfigError(path, f"environments.{name}: not an environment of the spec; valid keys: "
                              f"{', '.join(spec_names)} (a short name goes in short_name = \"{name}\" under "
                              f"[environments.<canonical>])")
    for short, env in short_names(config).items():
        owner = spec_names.lookup(short)
        if owner not in (None, env):
            raise ConfigError(path, f"environments.{env}.short_name: {short!r} already names {owner}")
    owners: dict[str, str] = {}
    for short, env in ((config.short_name(env), env) for env in config.environments):
        if owners.setdefault(short.lower(), env) != env:
            raise ConfigError(path, f"environments.{env}.short_name: {short!r} already names {owners[short.lower()]}")
    return spec_names.with_short_names(short_names(config))


def name_sources(config: ProjectConfig, env: str,
                 extra: Sequence[tuple[str, Mapping[str, str]]] = ()) -> dict[str, tuple[str, str]]:
    """Each resource name of ``env`` with its source: default template, a prefix, [names] or
    [environments.<env>.names] (then ``extra`` layers, e.g. flags)."""
    label = config.label()
    layers = [(f"{label} [names]", config.names), (f"{label} [environments.{env}.names]", config.env(env).names),
              *extra]
    return effective_names(env, layers, project=config.project.name, short_name=config.short_name(env))


def env_names(config: ProjectConfig, env: str) -> Names:
    """Where ``env``'s resources are found under this config."""
    chosen = name_sources(config, env)
    return Names(env=env, **{key: value for key, (value, _source) in chosen.items() if key in DEFAULTS})


def wanted_tags(config: ProjectConfig, env: str, spec_tags: dict[str, str]) -> dict[str, str]:
    """The tags every resource of ``env`` must carry: the spec's shared tags with the configured keys.

    The spec's ``Project`` tag documents DESIGN.md's project; the configured project tag
    key and ``[project] name`` take its place (``Environment`` likewise takes the short name).
    """
    shared = {key: value for key, value in spec_tags.items() if key not in ("Environment", "Project")}
    project = config.project.name if "name" in config.project.model_fields_set else spec_tags.get(
        "Project", config.project.name)
    return {config.tags.environment: config.short_name(env), config.tags.project: project, **shared}


def template_fields(template: str) -> set[str]:
    """The placeholders of a ``str.format`` template (ValueError when it is not one)."""
    return {field for _text, field, _spec, _conv in string.Formatter().parse(template) if field is not None}


def _check_paths(config: ProjectConfig, path: Path) -> None:
    base = config.base_dir(path.parent)
    given = [(f"paths.{key}", value) for key, value in config.paths.model_dump().items() if value]
    for env, env_config in config.environments.items():
        for key in ("tfvars", "env_file"):
            value = getattr(env_config, key)
            given += [(f"environments.{env}.{key}", raw) for raw in ([value] if isinstance(value, str) else
                                                                     value or [])]
    for key, raw in given:
        try:
            fields = template_fields(raw)
        except ValueError as exc:
            raise ConfigError(path, f"{key}: not a path template ({exc}): {raw!r}") from None
        if fields - PATH_FIELDS:
            raise ConfigError(path, f"{key}: unknown placeholder(s) {sorted(fields - PATH_FIELDS)} in {raw!r}; "
                              f"valid: {', '.join('{' + f + '}' for f in sorted(PATH_FIELDS))}")
        if key in ("paths.reports", "paths.waivers") or fields:
            continue  # the reports folder is created; templates are checked per environment when read
        if not (base / Path(raw).expanduser()).exists():
            raise ConfigError(path, f"{key}: {base / raw} does not exist")


@dataclass(frozen=True)
class Setting:
    value: str
    source: str


def resolve(name: str, option: Any, config: ProjectConfig, *, cwd: Path, rootdir: Path) -> Setting:
    """First of: --option, ENVMATRIX_<NAME>, config file, package default; made absolute.

    Command-line and environment values are relative to the working directory, config-file
    values to the config file's folder, and defaults to the project folder ``rootdir``; a project without
    ``fixtures/matrix.yaml`` runs against the spec installed with envmatrix (its other inputs are its own).
    """
    env_name = f"ENVMATRIX_{name.upper()}"
    configured = getattr(config.paths, name)
    if option:
        raw, source, base = str(option), "command line", cwd
    elif os.environ.get(env_name):
        raw, source, base = os.environ[env_name], f"${env_name}", cwd
    elif configured:
        raw, source, base = configured, config.label(), config.base_dir(rootdir)
    else:
        raw, source, base = DEFAULT_PATHS[name], "default", rootdir
        if name == "spec" and not (rootdir / raw).exists():
            return Setting(str(shipped.spec_path()), SHIPPED_SOURCE)  # a project without a spec of its own
    path = Path(raw).expanduser()
    return Setting(str(path if path.is_absolute() else base / path), source)


def resolve_doc(option: Any, config: ProjectConfig, *, cwd: Path, rootdir: Path) -> Setting | None:
    """The environment document, when one is configured: --doc, $ENVMATRIX_DOC, then ``[paths] doc``; else None."""
    if not (option or os.environ.get("ENVMATRIX_DOC") or config.paths.doc):
        return None
    return resolve("doc", option, config, cwd=cwd, rootdir=rootdir)


def resolve_checks_meta(option: Any, config: ProjectConfig, *, cwd: Path, rootdir: Path) -> Setting | None:
    """The checks.yaml overrides, when given: --checks-meta, $ENVMATRIX_CHECKS_META, then ``[paths] checks_meta``."""
    if not (option or os.environ.get("ENVMATRIX_CHECKS_META") or config.paths.checks_meta):
        return None
    return resolve("checks_meta", option, config, cwd=cwd, rootdir=rootdir)
