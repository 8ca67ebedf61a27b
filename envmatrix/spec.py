"""The documented matrix as validated data: pydantic models and the spec loader."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from envmatrix.environments import ALL, EnvironmentName, Environments
from envmatrix.errors import SpecError
from envmatrix.inputs import read_input_text

#: An environment's canonical name: it goes into resource names (``{env}-taskmanager-db``) and file paths.
_ENV_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


def _claim(owners: dict[str, str], env: str, key: str, word: str) -> None:
    """Record that ``word`` (compared case-insensitively) names ``env``; fail when it is taken or reserved."""
    folded = word.strip().lower()
    where = f"{env}.{key}" if key != "name" else env
    if folded == ALL:
        raise ValueError(f"{where}: {word!r} is reserved (--env={ALL} selects every environment)")
    owner = owners.setdefault(folded, env)
    if owner != env:
        raise ValueError(f"{where}: {word!r} already names environment {owner!r}")


def _check_aliases(env: str, spec: EnvironmentSpec) -> None:
    own = {env, spec.long_name.strip().lower()}
    for alias in spec.aliases:
        folded = alias.strip().lower()
        if not folded or folded in own:
            raise ValueError(f"{env}.aliases: {alias!r} is empty or repeats a name {env} already has")
        own.add(folded)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatrixCells(_Model):
    """The "Environment Comparison Matrix" column of one environment, as documented."""

    uptime_sla: StrictStr
    data: StrictStr
    database: StrictStr
    auto_scaling: StrictStr
    debug_mode: StrictStr
    log_level: StrictStr
    jwt_expiration: StrictStr
    email_verification: StrictStr
    rate_limiting: StrictStr
    monitoring: StrictStr
    backups: StrictStr
    deployment: StrictStr
    cost_per_month: StrictStr


class Sla(_Model):
    uptime_percent: float | None
    min_availability_zones: StrictInt | None = Field(ge=1)
    #: The window observed availability is measured over (days of CloudWatch data, daily periods).
    window_days: StrictInt = Field(default=30, ge=1, le=455)
    #: a Route 53 health check or Synthetics canary on the domain, with an alarm (production)
    external_health_check: StrictBool = False


class TargetHealthCheck(_Model):
    """The load balancer's target-group health check an SLA grade needs (the smoke contract's health path)."""

    path: StrictStr
    protocols: tuple[StrictStr, ...] = Field(min_length=1)
    max_healthy_threshold: StrictInt = Field(ge=2, le=10)
    max_unhealthy_threshold: StrictInt = Field(ge=2, le=10)
    max_interval_seconds: StrictInt = Field(ge=5, le=300)


class SlaGrade(_Model):
    """What the design must have to carry one documented uptime SLA (keyed by the matrix cell, e.g. "99.9%")."""

    min_availability_zones: StrictInt = Field(ge=1)
    min_api_tasks: StrictInt = Field(ge=1)
    multi_az_database: StrictBool
    cache_failover: StrictBool
    target_health_check: TargetHealthCheck


#: An AWS account id: twelve digits.
_ACCOUNT = re.compile(r"\d{12}")


class Data(_Model):
    """The Data row as data: whose data the environment holds, and where it may go (production data stays in
    production: its snapshots and backup bucket shared with no account but its own and these)."""

    real_customer_data: StrictBool
    #: the value the database's classification tag claims (dev "synthetic", staging "anonymized"); None: no claim
    classification: StrictStr | None = None
    #: the tag key that carries it (a tag is a claim, never proof: its check is supporting evidence only)
    classification_tag: StrictStr = Field(default="DataClassification", min_length=1)
    #: accounts besides the environment's own its data may move to or from (a backup/DR account): who may restore
    #: its DB snapshots, be granted on its backup bucket, or share snapshots into it
    allowed_accounts: tuple[StrictStr, ...] = ()
    #: AWS Organizations ids a bucket policy's open principal may be restricted to (aws:PrincipalOrgID)
    allowed_organizations: tuple[StrictStr, ...] = ()

    @field_validator("allowed_accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [item for item in value if not _ACCOUNT.fullmatch(item)]
        if wrong:
            raise ValueError(f"an AWS account id is twelve digits (quoted in YAML), got {wrong[0]!r}")
        return value


class Network(_Model):
    vpc_cidr: StrictStr

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        ipaddress.ip_network(value, strict=True)
        return value


class Replica(_Model):
    instance_class: StrictStr


class Database(_Model):
    instance_class: StrictStr
    allocated_storage_gb: StrictInt = Field(gt=0)
    max_allocated_storage_gb: StrictInt = Field(gt=0)
    multi_az: StrictBool
    replica: Replica | None
    backup_retention_days: StrictInt = Field(ge=0, le=35)
    #: Backups happening: LatestRestorableTime at most this many minutes before the snapshot (None: not checked)
    restorable_within_minutes: StrictInt | None = Field(gt=0)
    deletion_protection: StrictBool
    skip_final_snapshot: StrictBool


def _network_cidr(value: str) -> str:
    ipaddress.ip_network(value, strict=True)
    return value


class DatabaseAudit(_Model):
    """Production's database audit logging: the logs exported to CloudWatch Logs and the parameters that turn
    connection and statement auditing on."""

    #: log types EnabledCloudwatchLogsExports must contain (``postgresql``)
    log_exports: tuple[StrictStr, ...] = Field(min_length=1)
    #: parameter -> its value; a list: the comma-separated classes the value must include (``all`` includes any)
    parameters: dict[StrictStr, StrictStr | tuple[StrictStr, ...]] = Field(min_length=1)


class DatabaseAccess(_Model):
    """Who may reach the database: the application's groups, the bastion's, and CIDRs only from the allowed ranges."""

    #: security-group roles (names.SECURITY_GROUP_ROLES) whose groups the database's group may admit
    source_roles: tuple[Literal["alb", "api", "worker", "db", "cache"], ...] = ("api", "worker")
    #: CIDR sources the database's group may admit (private ranges inside the VPC); empty: groups only
    allowed_cidrs: tuple[StrictStr, ...] = ()
    #: a bastion host (found by the names' bastion_tag) in the VPC, its group admitted by the database's
    bastion: StrictBool = False
    #: None: no audit logging documented
    audit: DatabaseAudit | None = None

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_network_cidr(cidr) for cidr in value)


class Cache(_Model):
    node_type: StrictStr
    num_nodes: StrictInt = Field(ge=1)
    automatic_failover: StrictBool
    #: whether an ElastiCache Serverless cache may stand in for the documented nodes (it has no node type or
    #: count: those rows then read "not applicable: serverless"); false: a serverless cache is a finding
    allow_serverless: StrictBool = False


class Service(_Model):
    cpu: StrictInt = Field(gt=0)
    memory: StrictInt = Field(gt=0)
    desired_count: StrictInt = Field(ge=0)
    min_capacity: StrictInt = Field(ge=0)
    max_capacity: StrictInt = Field(ge=0)


class Services(_Model):
    api: Service
    worker: Service


class Logging(_Model):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"]
    retention_days: StrictInt = Field(gt=0)
    archive_days: StrictInt | None = Field(gt=0)


class Jwt(_Model):
    algorithm: StrictStr
    access_token_minutes: StrictInt = Field(gt=0)
    refresh_token_days: StrictInt | None = Field(gt=0)


class RateLimit(_Model):
    enabled: StrictBool
    per_minute: StrictInt | None = Field(gt=0)

    @model_validator(mode="after")
    def _limit_when_enabled(self) -> RateLimit:
        if self.enabled and self.per_minute is None:
            raise ValueError("per_minute is required when rate limiting is enabled")
        return self


class App(_Model):
    debug: StrictBool
    db_pool_size: StrictInt = Field(gt=0)
    db_pool_max_overflow: StrictInt = Field(ge=0)
    worker_concurrency: StrictInt = Field(gt=0)
    jwt: Jwt
    registration: StrictBool
    email_verification: StrictBool
    rate_limit: RateLimit
    cors_origins: tuple[StrictStr, ...] | None


class Monitoring(_Model):
    level: Literal["basic", "full", "full+alerting"]
    container_insights: StrictBool
    alerting: StrictBool
    required_variables: tuple[StrictStr, ...]


class AlarmSignal(_Model):
    """A signal an alarm must watch: one of the metrics (namespace/name) of one resource of the environment."""

    namespace: StrictStr
    metrics: tuple[StrictStr, ...] = Field(min_length=1)  # any one of them (e.g. the ELB's or the targets' 5XX)
    resource: Literal["api", "worker", "db", "cache", "alb"]


class MonitoringLevel(_Model):
    """What one documented monitoring level ("Basic", "Full", "Full + Alerting") requires beyond the per-environment
    switches (``monitoring.container_insights``, ``monitoring.alerting``), which the checks read directly."""

    description: StrictStr
    #: alarm_signals keys that need an alarm notifying a subscribed SNS topic
    signals: tuple[StrictStr, ...] = ()


class Secrets(_Model):
    from_secrets_manager: tuple[StrictStr, ...]
    rotation: dict[StrictStr, StrictInt | Literal["manual"]]


class Security(_Model):
    waf: StrictBool
    #: a web ACL of scope CLOUDFRONT on the distribution whose origin is the load balancer counts as the WAF; the
    #: document puts the WAF on the load balancer ("Application Load Balancer + WAF"), so not by default
    waf_cloudfront: StrictBool = False
    backup_bucket: StrictBool
    log_archive_bucket: StrictBool
    hsts: StrictBool
    basic_auth: StrictBool
    #: Oldest TLS protocol the load balancer's HTTPS listener may accept (an ``SslProtocols`` name).
    min_tls_version: Literal["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    #: the weakest default bucket encryption accepted; the seed names none, so SSE-S3 (what AWS gives every bucket)
    bucket_encryption: Literal["AES256", "aws:kms"] = "AES256"


class Access(_Model):
    """The document's Access Control section: who can reach the service, and its admin paths.

    ``exposure`` "private": the load balancer is internal, or every listener admits only the VPN's clients
    (``vpn_client_cidrs`` where no Client VPN endpoint is in the account); "public": internet-facing.
    ``admin_access`` "allow-list": a WAF rule blocks ``admin_paths`` unless the source is in an IP set;
    "nowhere": a WAF rule blocks them from every source; "any": nothing is asked of them.
    """

    exposure: Literal["private", "public"]
    vpn_client_cidrs: tuple[StrictStr, ...] = ()
    #: URI path prefixes of the admin endpoints (a WAF byte match on the URI path, STARTS_WITH)
    admin_paths: tuple[StrictStr, ...] = ()
    admin_access: Literal["any", "allow-list", "nowhere"] = "any"

    @field_validator("vpn_client_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            ipaddress.ip_network(cidr, strict=True)
        return value

    @model_validator(mode="after")
    def _paths_given(self) -> Access:
        if self.admin_access != "any" and not self.admin_paths:
            raise ValueError(f"admin_access {self.admin_access!r} needs admin_paths")
        return self


class Approvals(_Model):
    """How a release reaches the environment through GitHub: reviewers on its deployment environment, peer
    review and required checks on the branch it is built from ("Manual approval", "Peer review required")."""

    environment: StrictStr
    min_environment_reviewers: StrictInt = Field(ge=1)
    branch: StrictStr
    required_approving_reviews: StrictInt = Field(ge=1)
    required_status_checks: tuple[StrictStr, ...]


class BlueGreen(_Model):
    """The document's production rollout: blue/green by CodeDeploy, traffic shifted gradually and watched."""

    #: As documented (10% -> 50% -> 100%). CodeDeploy's ECS configs shift in one canary step or equal linear
    #: steps, so what is checked is the first step (at most this share) and the watch before full traffic.
    traffic_steps_percent: tuple[StrictInt, ...] = Field(min_length=1)
    watch_minutes: StrictInt = Field(gt=0)
    rollback_on: tuple[Literal["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
                       ...] = Field(min_length=1)
    alarms: StrictBool


class Images(_Model):
    """What production may run: a build the main pipeline made (and staging ran), scanned, under fixed tags."""

    #: The tag the main pipeline gives every build it deploys to staging ("main-<sha>").
    build_tag_prefix: StrictStr = Field(min_length=1)
    immutable_tags: StrictBool
    #: A finding at or above this severity on the running digest fails the check.
    block_severity: Literal["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


class Deployment(_Model):
    """The Deployment row: how each environment is deployed and what its deployments may roll out."""

    trigger: Literal["pr-merge", "main-push", "manual-approval"]
    blue_green: BlueGreen | None
    rolling_rollback: StrictBool
    images: Images | None


class Cost(_Model):
    """The documented monthly cost in USD (the infrastructure table's total; low = high where it gives one figure)."""

    monthly_usd_low: StrictInt = Field(gt=0)
    monthly_usd_high: StrictInt = Field(gt=0)
    #: how far a budget's limit may sit from the documented figure (the document itself rounds: ~$77 vs ~$80)
    tolerance_percent: StrictInt = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Cost:
        if self.monthly_usd_low > self.monthly_usd_high:
            raise ValueError("monthly_usd_low must not exceed monthly_usd_high")
        return self

    def bounds(self) -> tuple[float, float]:
        """The accepted range: the documented one widened by the tolerance."""
        share = self.tolerance_percent / 100
        return self.monthly_usd_low * (1 - share), self.monthly_usd_high * (1 + share)


class EnvironmentSpec(_Model):
    """Everything the seed documents about one environment."""

    long_name: StrictStr = Field(min_length=1)
    #: more names --env accepts for it (``prod``); the long name is always accepted
    aliases: tuple[StrictStr, ...] = ()
    matrix: MatrixCells
    sla: Sla
    data: Data
    region: StrictStr
    domain_name: StrictStr
    network: Network
    database: Database
    #: the database's access control (Access Control sections); the default: application groups only
    database_access: DatabaseAccess = DatabaseAccess()
    cache: Cache
    auto_scaling: StrictBool
    services: Services
    logging: Logging
    app: App
    monitoring: Monitoring
    secrets: Secrets
    security: Security
    #: None: the spec says nothing about reachability (the access checks are not generated)
    access: Access | None = None
    #: None where nothing about approvals is observable (auto-deployed environments)
    approvals: Approvals | None = None
    deployment: Deployment
    cost: Cost


class ByDesign(_Model):
    environments: tuple[StrictStr, ...]
    reason: StrictStr


#: A documented settings default as the spec holds it (lists as tuples, so the model stays frozen).
SettingDefault = StrictBool | StrictInt | StrictStr | tuple[StrictStr, ...]
#: The type of a settings field without a documented default (``list``: a list of strings, JSON in a variable).
SettingType = Literal["str", "int", "bool", "list"]


class SettingsClass(_Model):
    """One of the application's pydantic-settings classes: the environments it serves and its defaults.

    ``defaults`` is keyed by the environment variable each field reads (the field name upper-cased).
    """

    source: StrictStr
    environments: tuple[StrictStr, ...]
    case_sensitive: StrictBool
    defaults: dict[StrictStr, SettingDefault]
    #: Fields without a default (the class refuses to load without them), by the type each is read as.
    required: dict[StrictStr, SettingType] = Field(default_factory=dict)
    #: Fields typed ``Optional[...] = None``: read when set, nothing expected when not.
    optional: dict[StrictStr, SettingType] = Field(default_factory=dict)
    #: The only values a text field accepts (a level name the application hands to ``logging``).
    choices: dict[StrictStr, tuple[StrictStr, ...]] = Field(default_factory=dict)

    @field_validator("defaults", "required", "optional", "choices")
    @classmethod
    def _variable_names(cls, value: dict[str, object]) -> dict[str, object]:
        bad = [name for name in value if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name)]
        if bad:
            raise ValueError(f"keys must be upper-case environment variable names, got {bad}")
        return value

    @model_validator(mode="after")
    def _fields_once(self) -> SettingsClass:
        """A field is required, optional or defaulted, not two of them; choices constrain a known text field."""
        twice = sorted((set(self.defaults) & set(self.required)) | (set(self.defaults) & set(self.optional))
                       | (set(self.required) & set(self.optional)))
        if twice:
            raise ValueError(f"{twice}: a field is one of defaults, required, optional")
        unknown = sorted(set(self.choices) - set(self.defaults) - set(self.required) - set(self.optional))
        if unknown:
            raise ValueError(f"choices name fields the class does not have: {unknown}")
        return self


class Parity(_Model):
    tfvars: dict[StrictStr, ByDesign]
    env: dict[StrictStr, ByDesign]


class Defaults(_Model):
    secret_placeholder: StrictStr
    certificate_min_days_valid: StrictInt = Field(ge=0)
    tags: dict[StrictStr, str]


class Document(_Model):
    title: StrictStr
    version: StrictStr
    last_updated: StrictStr


#: The longest window CloudTrail's LookupEvents can read (its event history keeps 90 days).
CHANGE_WINDOW_MAX_HOURS = 90 * 24


class ChangeControl(_Model):
    """Change control as observed in CloudTrail: who may change an environment's resources, over what window.

    The production section's "all changes via the CI/CD pipeline, no manual infrastructure changes, no direct
    database modifications": every write event on an environment's resources by a principal that is not one of
    ``automation_principals`` is a manual change, a finding in the environments listed in ``forbid_manual``.
    """

    #: environments where a manual change is a finding (elsewhere it is listed, not judged)
    forbid_manual: tuple[StrictStr, ...] = ()
    #: IAM ARN patterns of the automation (``*`` matches any run of characters; ``{prefix}`` is the environment's
    #: name prefix, ``{env}`` its short name): matched against the caller's ARN and its session issuer's role ARN
    automation_principals: tuple[StrictStr, ...] = ()
    #: the window read by default (the nightly job's), in hours; ``--changes-since`` replaces it for a run
    window_hours: StrictInt = Field(default=24, ge=1, le=CHANGE_WINDOW_MAX_HOURS)
    #: LookupEvents pages read at most (50 events each); more is a fail-closed finding
    page_cap: StrictInt = Field(default=20, ge=1, le=1000)

    @field_validator("automation_principals")
    @classmethod
    def _arn_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [pattern for pattern in value if not pattern.startswith("arn:")]
        if bad:
            raise ValueError(f"each automation principal is an ARN pattern (arn:...), got {bad}")
        return value


class Spec(_Model):
    """The whole spec file: the three environments plus shared rules."""

    document: Document
    defaults: Defaults
    parity: Parity
    environments: dict[StrictStr, EnvironmentSpec]
    #: Design evidence per documented uptime SLA (the matrix's ``uptime_sla`` cell); no grade: no SLA.
    sla_grades: dict[StrictStr, SlaGrade] = Field(default_factory=dict)
    #: The application's settings classes by name; absent: no documented defaults (absent variables fail).
    app_settings: dict[StrictStr, SettingsClass] = Field(default_factory=dict)
    #: What each monitoring level requires, and the alarm signals the levels name.
    monitoring_levels: dict[Literal["basic", "full", "full+alerting"], MonitoringLevel] = Field(default_factory=dict)
    alarm_signals: dict[StrictStr, AlarmSignal] = Field(default_factory=dict)
    #: who may change the environments' resources (CloudTrail); absent: only the trail is required
    change_control: ChangeControl = ChangeControl()
    digest: StrictStr = ""

    @model_validator(mode="after")
    def _levels_agree(self) -> Spec:
        """Every signal a level names is defined."""
        unknown = sorted({name for level in self.monitoring_levels.values() for name in level.signals}
                         - set(self.alarm_signals))
        if unknown:
            raise ValueError(f"monitoring_levels name undefined alarm_signals {unknown}")
        return self

    def monitoring_level(self, env: str) -> MonitoringLevel | None:
        return self.monitoring_levels.get(self.env(env).monitoring.level)

    @field_validator("app_settings")
    @classmethod
    def _one_class_per_environment(cls, value: dict[str, SettingsClass]) -> dict[str, SettingsClass]:
        seen: dict[str, str] = {}
        for name, settings in value.items():
            for env in settings.environments:
                if env in seen:
                    raise ValueError(f"{env} is served by both {seen[env]} and {name}")
                seen[env] = name
        return value

    @field_validator("environments")
    @classmethod
    def _environment_names(cls, value: dict[str, EnvironmentSpec]) -> dict[str, EnvironmentSpec]:
        """Every name, long name and alias names exactly one environment (--env must never be ambiguous)."""
        if not value:
            raise ValueError("must hold at least one environment")
        owners: dict[str, str] = {}
        for short, env in value.items():
            if not _ENV_NAME.fullmatch(short):
                raise ValueError(f"{short!r}: an environment name is lower-case letters, digits, '-' and '_' "
                                 f"(it goes into resource names and file paths)")
            _check_aliases(short, env)
            for key, word in [("name", short), ("long_name", env.long_name), *(("aliases", a) for a in env.aliases)]:
                _claim(owners, short, key, word)
        return value

    @model_validator(mode="after")
    def _known_environments(self) -> Spec:
        """Parity's by-design differences and the settings classes name environments of this spec."""
        named = [(f"parity.{kind}.{key}", item.environments)
                 for kind, table in (("tfvars", self.parity.tfvars), ("env", self.parity.env))
                 for key, item in table.items()]
        named += [(f"app_settings.{name}", item.environments) for name, item in self.app_settings.items()]
        for where, environments in named:
            unknown = [name for name in environments if name not in self.environments]
            if unknown:
                raise ValueError(f"{where}.environments: unknown environment(s) {unknown}; "
                                 f"valid: {list(self.environments)}")
        return self

    @model_validator(mode="after")
    def _change_control_environments(self) -> Spec:
        unknown = [name for name in self.change_control.forbid_manual if name not in self.environments]
        if unknown:
            raise ValueError(f"change_control.forbid_manual: unknown environment(s) {unknown}; "
                             f"valid: {list(self.environments)}")
        return self

    @model_validator(mode="after")
    def _graded_slas(self) -> Spec:
        for short, env in self.environments.items():
            if env.sla.uptime_percent is not None and env.matrix.uptime_sla not in self.sla_grades:
                raise ValueError(f"{short}: uptime SLA {env.matrix.uptime_sla!r} has no entry in sla_grades "
                                 f"(graded: {sorted(self.sla_grades)})")
        return self

    def env(self, name: str) -> EnvironmentSpec:
        return self.environments[name]

    def environment_names(self, short_names: Mapping[str, str] | None = None) -> Environments:
        """The environments in promotion order (the order of ``environments:``) and the names --env accepts."""
        return Environments((EnvironmentName(name, env.long_name, env.aliases)
                             for name, env in self.environments.items()), short_names)

    def sla_grade(self, name: str) -> SlaGrade | None:
        """The design an environment's documented SLA needs; None where the matrix documents no SLA."""
        env = self.environments[name]
        return self.sla_grades.get(env.matrix.uptime_sla) if env.sla.uptime_percent is not None else None


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one mapping (plain YAML silently keeps the last one)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[str] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        if isinstance(key, str):
            seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<top level>"


def load_spec(path: Path | str) -> Spec:
    """Read and validate the spec; raise SpecError naming the file and field on any problem."""
    path = Path(path)
    text = read_input_text(path, SpecError)
    raw_bytes = text.encode("utf-8")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(path, f"not valid YAML: {problem}", line=line) from None
    except RecursionError:
        raise SpecError(path, "not valid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError(path, "must be a YAML mapping with document, defaults, parity, environments")
    data.pop("digest", None)
    try:
        spec = Spec.model_validate({**data, "digest": hashlib.sha256(raw_bytes).hexdigest()[:12]})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SpecError(path, f"field {_field_path(first['loc'])}: {first['msg']}{more}") from None
    return spec
