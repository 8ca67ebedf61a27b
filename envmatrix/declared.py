"""The declared layer: terraform.tfvars (python-hcl2) and application env files, as typed models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedInput
from pydantic import (
    BaseModel,
    BeforeValidator,
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
from envmatrix.redact import clip, is_secret_name


class Tfvars(BaseModel):
    """The variables of environments/<env>/terraform.tfvars; unknown keys are errors."""

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
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        """The line the variable is set on (1-based), None when the file does not set it."""
        return self._lines.get(key)


def _env_bool(value: object) -> object:
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _env_int(value: object) -> object:
    if isinstance(value, str):
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        raise ValueError(f"must be an integer, got {value!r}")
    return value


EnvBool = Annotated[bool, BeforeValidator(_env_bool)]
EnvInt = Annotated[int, BeforeValidator(_env_int)]


class AppEnv(BaseModel):
    """Typed view of the application variables the matrix speaks about; others are kept as text."""

    model_config = ConfigDict(extra="allow", frozen=True)

    ENVIRONMENT: StrictStr  # which value is right is per environment (app_environment), checked by APP-ENVIRONMENT
    DEBUG: EnvBool
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"]
    DB_POOL_SIZE: EnvInt
    DB_POOL_MAX_OVERFLOW: EnvInt
    CELERY_WORKER_CONCURRENCY: EnvInt
    JWT_ALGORITHM: StrictStr
    JWT_ACCESS_TOKEN_EXPIRE_MINUTES: EnvInt
    JWT_REFRESH_TOKEN_EXPIRE_DAYS: EnvInt | None = None
    SMTP_PORT: EnvInt
    ENABLE_REGISTRATION: EnvBool
    ENABLE_EMAIL_VERIFICATION: EnvBool
    ENABLE_RATE_LIMITING: EnvBool
    ENABLE_MFA: EnvBool | None = None
    RATE_LIMIT_PER_MINUTE: EnvInt | None = None
    CORS_ORIGINS: StrictStr | None = None


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
    elif first["type"] == "extra_forbidden":
        message = "unknown key (not a variable of this module)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return key, f"{message}{more}"


def _tfvars_lines(tree: Tree[Token]) -> dict[str, list[int]]:
    """Each top-level variable's line(s), from the parse tree's own positions: a heredoc, a multi-line
    value or a comment that looks like ``key = value`` is not an assignment, an indented one is."""
    lines: dict[str, list[int]] = {}
    body = tree.children[0] if tree.children else None
    for node in body.children if isinstance(body, Tree) else ():
        if not isinstance(node, Tree) or node.data != "attribute":
            continue
        identifier = node.children[0]
        name = identifier.children[0] if isinstance(identifier, Tree) else identifier
        if isinstance(name, Token) and name.line is not None:
            lines.setdefault(str(name), []).append(name.line)
    return lines


def load_tfvars(path: Path | str) -> Tfvars:
    """Parse a terraform.tfvars file; raise TfvarsError naming file, line and key on any problem."""
    path = Path(path)
    text = read_input_text(path, TfvarsError)
    if not text.strip():
        raise TfvarsError(path, "file is empty")
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    try:
        tree = hcl2.parses_to_tree(text)
        lines = _tfvars_lines(tree)  # before transforming: positions are read from the raw Lark tree
        data: dict[str, Any] = hcl2.serialize(hcl2.transform(tree), serialization_options=options)
    except UnexpectedInput as exc:
        raise TfvarsError(path, "HCL syntax error", line=getattr(exc, "line", None)) from None
    except Exception as exc:  # python-hcl2 raises several types for malformed input
        raise TfvarsError(path, f"cannot parse HCL: {type(exc).__name__}") from None
    for key, seen in lines.items():
        if len(seen) > 1:
            raise TfvarsError(path, f"{key} is set more than once (lines {seen})", line=seen[1])
    try:
        tfvars = Tfvars.model_validate(data)
    except ValidationError as exc:
        key, problem = _validation_problem(exc)
        line = lines.get(key.split(".")[0], [None])[0]
        raise TfvarsError(path, f"{key}: {problem}", line=line) from None
    tfvars._lines.update({key: seen[0] for key, seen in lines.items()})
    return tfvars


_ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _quoted(text: str, limit: int, key: str = "") -> str:
    """A piece of a bad line for its error message: redacted whole, then shortened; nothing of a secret-named
    variable's value (the piece may be the tail of a password)."""
    head = text.split(maxsplit=1)[0] if text.split() else ""
    if is_secret_name(key) or is_secret_name(head.split("=")[0]):
        return "<value hidden: a secret-named variable>"
    return repr(clip(text, limit))


def _env_value(raw: str, path: Path, number: int, key: str = "") -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        if end == -1:
            raise EnvFileError(path, f"unterminated {quote} quote", line=number)
        rest = raw[end + 1 :].strip()
        if rest and not rest.startswith("#"):
            raise EnvFileError(path, f"unexpected text after closing quote: {_quoted(rest, 20, key)}", line=number)
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
            raise EnvFileError(path, f"not a KEY=value line: {_quoted(stripped, 40)}", line=number)
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
    try:
        typed = AppEnv.model_validate(values)
    except ValidationError as exc:
        key, problem = _validation_problem(exc)
        raise EnvFileError(path, f"{key}: {problem}", line=lines.get(key)) from None
    return EnvFile(path=path, values=values, lines=lines, typed=typed)
