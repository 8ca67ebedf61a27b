"""The declared layer: an environment's tfvars files (python-hcl2, merged as Terraform merges them) and
application env files, as typed models."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from envmatrix.errors import EnvFileError, TfvarsError
from envmatrix.inputs import read_input_text
from envmatrix.locations import Source
from envmatrix.redact import quoted_piece
from envmatrix.tfvariables import Declaration, load_declarations, type_problem
from envmatrix.tfvars_read import merge_tfvars, read_tfvars_file

#: How alike a name must be to a known variable's to be taken for a misspelling of it (difflib's ratio).
NEAR_MISS = 0.85


class Tfvars(BaseModel):
    """The variables the suite checks, from an environment's tfvars file(s); which file and line set each one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aws_region: StrictStr
    vpc_cidr: StrictStr
    availability_zones: list[StrictStr]
    db_instance_class: StrictStr
    db_allocated_storage: StrictInt
    db_max_allocated_storage: StrictInt
    db_multi_az: StrictBool
    db_backup_retention_days: StrictInt
    db_deletion_protection: StrictBool
    db_skip_final_snapshot: StrictBool
    db_create_replica: StrictBool
    db_replica_instance_class: StrictStr | None = None
    db_data_classification: StrictStr | None = None  # the DataClassification tag the database carries
    dr_account_ids: list[StrictStr] | None = None  # accounts its snapshots are shared with, its backups granted to
    cache_node_type: StrictStr
    cache_num_nodes: StrictInt
    cache_automatic_failover: StrictBool
    api_cpu: Annotated[StrictStr, Field(pattern=r"^\d+$")]
    api_memory: Annotated[StrictStr, Field(pattern=r"^\d+$")]
    api_desired_count: StrictInt
    api_min_capacity: StrictInt
    api_max_capacity: StrictInt
    worker_cpu: Annotated[StrictStr, Field(pattern=r"^\d+$")]
    worker_memory: Annotated[StrictStr, Field(pattern=r"^\d+$")]
    worker_desired_count: StrictInt
    worker_min_capacity: StrictInt
    worker_max_capacity: StrictInt
    log_retention_days: StrictInt
    log_archive_days: StrictInt | None = None
    log_level: StrictStr
    domain_name: StrictStr
    #: access control (optional: a setup without these variables still loads; the checks then say "not set")
    bastion_enabled: StrictBool | None = None
    db_audit_logging: StrictBool | None = None
    #: the load balancer has no public address (Access row); None: not declared
    alb_internal: StrictBool | None = None
    #: the sources the WAF rule on the admin paths exempts ([] blocks them from everywhere); None: no such rule
    admin_allowed_cidrs: list[StrictStr] | None = None
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)
    _files: dict[str, Path] = PrivateAttr(default_factory=dict)
    _paths: tuple[Path, ...] = PrivateAttr(default=())
    _unchecked: tuple[str, ...] = PrivateAttr(default=())

    def line_of(self, key: str) -> int | None:
        """The line the variable is set on (1-based) in the file that set it, None when no file sets it."""
        return self._lines.get(key)

    def file_name(self, key: str = "") -> str:
        """The name a finding gives its file: the one that set ``key``, else the environment's first tfvars file."""
        path = self._files.get(key) or (self._paths[0] if self._paths else None)
        return path.name if path else "terraform.tfvars"

    @property
    def unchecked(self) -> tuple[str, ...]:
        """Variables the files set that the suite has no model for (accepted, not checked)."""
        return self._unchecked

    def keys(self) -> set[str]:
        """Every variable the files set, checked or not (what parity compares)."""
        return set(self.model_fields_set) | set(self._unchecked)

    def sources(self) -> list[Source]:
        """Each file with the lines of the variables whose value it gives (a value a later file overrides is not
        located in the earlier one)."""
        return [(path, self._lines_in(path)) for path in self._paths]

    def _lines_in(self, path: Path) -> Callable[[str], int | None]:
        return lambda key: self._lines.get(key) if self._files.get(key) == path else None


class AppEnv(BaseModel):
    """Typed view of the application variables the matrix speaks about; others are kept as text.

    Read as the application reads them: names in any case (the file's names are upper-cased first), booleans and
    integers by pydantic's own rules (``0``/``off``/``no`` are false), as pydantic-settings hands them over.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    ENVIRONMENT: StrictStr  # which value is right is per environment (app_environment), checked by APP-ENVIRONMENT
    DEBUG: bool
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
    DB_POOL_SIZE: int
    DB_POOL_MAX_OVERFLOW: int
    CELERY_WORKER_CONCURRENCY: int
    JWT_ALGORITHM: StrictStr
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int
    JWT_REFRESH_TOKEN_EXPIRE_DAYS: int | None = None
    SMTP_PORT: int
    ENABLE_REGISTRATION: bool
    ENABLE_EMAIL_VERIFICATION: bool
    ENABLE_RATE_LIMITING: bool
    ENABLE_MFA: bool | None = None
    RATE_LIMIT_PER_MINUTE: int | None = None
    CORS_ORIGINS: StrictStr | None = None


def app_variable_type(name: str) -> Any:
    """The type the application reads the variable ``name`` as (any case), where the typed view knows it."""
    known = AppEnv.model_fields.get(name.upper())
    if known is None:
        return None
    optional = [kind for kind in get_args(known.annotation) if kind is not type(None)]
    return optional[0] if type(None) in get_args(known.annotation) else known.annotation  # X | None: X


def _folded(values: dict[str, str], lines: dict[str, int], path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The file's variables under upper-case names (the application matches them in any case), and each folded
    name's spelling in the file; a name set twice in different case is refused (which one wins is not obvious)."""
    folded: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for key, value in values.items():
        if key.upper() in spelled:
            raise EnvFileError(path, f"{key}: set twice (also as {spelled[key.upper()]})", line=lines.get(key))
        folded[key.upper()], spelled[key.upper()] = value, key
    return folded, spelled


@dataclass(frozen=True)
class EnvFile:
    """An application env file: raw values (for parity and secrets) and the typed view."""

    path: Path
    values: dict[str, str]
    lines: dict[str, int]
    typed: AppEnv = field(repr=False)

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


def _validation_problem(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"]
    if first["type"] == "missing":
        message = "required key is missing"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return key, f"{message}{more}"


def _did_you_mean(key: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=NEAR_MISS)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_names(values: dict[str, Any], where: Callable[[str], tuple[Path, int | None]],
                 declarations: Mapping[str, Declaration] | None) -> None:
    """Against the module's declarations (when given): each variable declared, its value of the declared type.
    Without them: a variable the suite does not model is accepted, unless its name is a near miss of one it does."""
    for key, value in values.items():
        path, line = where(key)
        if declarations is None:
            hint = "" if key in Tfvars.model_fields else _did_you_mean(key, Tfvars.model_fields)
            if hint:
                raise TfvarsError(path, f"{key}: not a variable this suite knows{hint} (a variable of your own: "
                                  "give the module's variables.tf as [paths] variables)", line=line)
        elif key not in declarations:
            raise TfvarsError(path, f"{key}: undeclared variable (the module's variables declare no {key!r})"
                              f"{_did_you_mean(key, declarations)}", line=line)
        else:
            problem = type_problem(declarations[key].type, value, key)
            if problem:
                declared = declarations[key]
                raise TfvarsError(path, f"{problem} (declared at {declared.path.name}:{declared.line})", line=line)


def load_tfvars(paths: Path | str | Sequence[Path], *, variables: Sequence[Path] | None = None) -> Tfvars:
    """Read an environment's tfvars file(s), merged as Terraform merges them; with ``variables`` (the module's
    variables.tf files) validate each variable against its declaration. Raise TfvarsError naming file, line and
    key on any problem."""
    chosen = [Path(paths)] if isinstance(paths, Path | str) else [Path(path) for path in paths]
    files = [read_tfvars_file(path) for path in chosen]
    if not any(tfvars_file.values for tfvars_file in files):
        problem = "file is empty" if len(chosen) == 1 else f"none of its {len(chosen)} files sets a variable"
        raise TfvarsError(chosen[0], problem)
    values, setters = merge_tfvars(files)
    declarations = load_declarations(variables) if variables is not None else None
    _check_names(values, lambda key: (setters[key].path, setters[key].lines.get(key)), declarations)
    known = {key: value for key, value in values.items() if key in Tfvars.model_fields}
    try:
        tfvars = Tfvars.model_validate(known)
    except ValidationError as exc:
        key, problem = _validation_problem(exc)
        setter = setters.get(key.split(".")[0])
        if setter is None and len(chosen) > 1:
            problem += f" (set in none of: {', '.join(path.name for path in chosen)})"
        raise TfvarsError(setter.path if setter else chosen[0], f"{key}: {problem}",
                          line=setter.lines.get(key.split(".")[0]) if setter else None) from None
    tfvars._paths = tuple(chosen)
    tfvars._lines.update({key: setter.lines[key] for key, setter in setters.items()})
    tfvars._files.update({key: setter.path for key, setter in setters.items()})
    tfvars._unchecked = tuple(sorted(set(values) - set(known)))
    return tfvars


_ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _env_value(raw: str, path: Path, number: int, key: str = "") -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        if end == -1:
            raise EnvFileError(path, f"unterminated {quote} quote", line=number)
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise EnvFileError(path, f"unexpected text after closing quote: {quoted_piece(rest, 20, key)}", line=number)
        return raw[1:end]
    if '"' in raw.split(" #")[0] or "'" in raw.split(" #")[0]:
        raise EnvFileError(path, "quote inside an unquoted value", line=number)
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def parse_env_text(text: str, path: Path) -> tuple[dict[str, str], dict[str, int]]:
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE.match(stripped)
        if match is None:
            raise EnvFileError(path, f"not a KEY=value line: {quoted_piece(stripped, 40)}", line=number)
        key = match.group(1)
        if key in values:
            raise EnvFileError(path, f"{key} is set more than once (lines {lines[key]} and {number})", line=number)
        values[key] = _env_value(match.group(2), path, number, key)
        lines[key] = number
    return values, lines


def load_env_file(path: Path | str) -> EnvFile:
    """Parse a KEY=value env file; raise EnvFileError naming file, line and key on any problem."""
    path = Path(path)
    text = read_input_text(path, EnvFileError)
    values, lines = parse_env_text(text, path)
    if not values:
        raise EnvFileError(path, "no variables found")
    folded, spelled = _folded(values, lines, path)
    try:
        typed = AppEnv.model_validate(folded)
    except ValidationError as exc:
        key, problem = _validation_problem(exc)
        raise EnvFileError(path, f"{spelled.get(key, key)}: {problem}", line=lines.get(spelled.get(key, key))) \
            from None
    return EnvFile(path=path, values=values, lines=lines, typed=typed)
