"""What the document states, as claims on spec fields: each matrix cell, table row, tfvars key and variable."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from envmatrix.document.parse import EnvSections

#: Where a claim comes from; the order is the document's own precedence (the most specific place wins).
MATRIX, INFRA, TFVARS, ENV = "matrix", "infrastructure table", "terraform.tfvars", "environment variables"


@dataclass(frozen=True)
class Claim:
    """The document says spec field ``path`` of one environment is ``value`` (``raw`` as written)."""

    label: str  # the row or key, as a reader finds it in the document
    source: str
    path: str  # dotted spec field; ``a.b:present`` means "a.b is set"
    value: Any
    raw: str


ABSENT = "(absent)"


def snake(label: str) -> str:
    """A matrix row's label as a spec key: ``Cost/Month`` -> ``cost_per_month``."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower().replace("/", " per ")).strip("_")


def on_off(text: str) -> bool | str:
    word = text.strip().lower()
    if word in ("enabled", "required", "true", "yes", "on"):
        return True
    if word in ("disabled", "skipped", "false", "no", "off", "none"):
        return False
    return text


def duration_minutes(text: str) -> int | str:
    match = re.fullmatch(r"\s*(\d+)\s*(minute|hour|day)s?\s*", text.lower())
    if not match:
        return text
    return int(match.group(1)) * {"minute": 1, "hour": 60, "day": 1440}[match.group(2)]


def days(text: str) -> int | str:
    match = re.fullmatch(r"\s*(\d+)\s*days?\s*", text.lower())
    return int(match.group(1)) if match else text


def percent(text: str) -> float | None | str:
    if text.strip().lower().startswith("none"):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%.*", text)
    return float(match.group(1)) if match else text


def classification(text: str) -> str | None:
    """The Data cell as the class its database's tag claims: real customer data, an anonymized (sanitized) copy,
    or synthetic data; None (no claim) for any other wording."""
    lowered = text.lower()
    for word, found in (("real customer", "real"), ("sanitized", "anonymized"), ("sanitised", "anonymized"),
                        ("anonymi", "anonymized"), ("synthetic", "synthetic")):
        if word in lowered:
            return found
    return None


#: Matrix rows with a structured meaning beside their text (matrix.<row>): the spec field and the reading.
MATRIX_FIELDS: dict[str, list[tuple[str, Callable[[str], Any]]]] = {
    "uptime_sla": [("sla.uptime_percent", percent)],
    "data": [("data.real_customer_data", lambda t: "real customer" in t.lower()),
             ("data.classification", classification)],
    "database": [("database.multi_az", lambda t: "multi-az" in t.lower()),
                 ("database.replica:present", lambda t: "with replica" in t.lower())],
    "auto_scaling": [("auto_scaling", on_off)],
    "debug_mode": [("app.debug", on_off)],
    "log_level": [("logging.level", str.strip)],
    "jwt_expiration": [("app.jwt.access_token_minutes", duration_minutes)],
    "email_verification": [("app.email_verification", on_off)],
    "rate_limiting": [("app.rate_limit.enabled", on_off)],
    "monitoring": [("monitoring.level", lambda t: t.lower().replace(" ", ""))],
    "backups": [("database.backup_retention_days", days)],
}


def matrix_claims(cells: dict[str, str]) -> list[Claim]:
    """Claims of one environment's matrix column (row label -> cell)."""
    claims: list[Claim] = []
    for label, cell in cells.items():
        key = snake(label)
        claims += [Claim(label, MATRIX, path, read(cell), cell) for path, read in MATRIX_FIELDS.get(key, [])]
        claims.append(Claim(label, MATRIX, f"matrix.{key}", cell, cell))
    return claims


def _cpu_units(text: str) -> int | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*vCPU", text)
    return round(float(match.group(1)) * 1024) if match else None


def _memory_mb(text: str) -> int | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*(MB|GB)\b", text)
    if not match:
        return None
    return round(float(match.group(1)) * (1024 if match.group(2) == "GB" else 1))


def _service(label: str, role: str, text: str) -> list[Claim]:
    found: list[tuple[str, Any]] = [("cpu", _cpu_units(text)), ("memory", _memory_mb(text))]
    tasks = re.search(r"×\s*(\d+)(?:\s*-\s*(\d+))?\s*tasks?", text)
    if tasks and tasks.group(2):  # "× 5-50 tasks (auto-scale)": the scaling range
        found += [("min_capacity", int(tasks.group(1))), ("max_capacity", int(tasks.group(2)))]
    elif tasks:
        found.append(("desired_count", int(tasks.group(1))))
    return [Claim(label, INFRA, f"services.{role}.{name}", value, text) for name, value in found if value is not None]


def _first_word(text: str) -> str:
    return text.split()[0] if text.split() else text


def _infra_row(label: str, text: str) -> list[Claim]:
    key = label.strip().lower()
    multi_az = "multi-az" in text.lower()
    nodes = re.search(r"\((\d+)\s*nodes?", text)
    rows: dict[str, list[tuple[str, Any]]] = {
        "vpc": [("network.vpc_cidr", _first_word(text))],
        "rds": [("database.instance_class", _first_word(text)), ("database.multi_az", multi_az)],
        "rds replica": [("database.replica.instance_class", _first_word(text))],
        "elasticache": [("cache.node_type", _first_word(text)), ("cache.automatic_failover", multi_az),
                        *([("cache.num_nodes", int(nodes.group(1)))] if nodes else [])],
        "alb": [("security.waf", "waf" in text.lower())],
        "s3": [("security.backup_bucket", "backup" in text.lower())],
    }
    if key.startswith("ecs "):
        return _service(label, key.removeprefix("ecs ").strip(), text)
    return [Claim(label, INFRA, path, value, text) for path, value in rows.get(key, [])]


def infrastructure_claims(section: EnvSections) -> list[Claim]:
    """Claims of one environment's infrastructure table; rows it does not know (Total, CloudWatch) say nothing."""
    return [claim for label, text in section.infrastructure.items() for claim in _infra_row(label, text)]


#: tfvars key -> spec field and how the spec holds it (cpu/memory are strings in tfvars, numbers in the spec).
TFVARS_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "aws_region": ("region", str), "vpc_cidr": ("network.vpc_cidr", str), "domain_name": ("domain_name", str),
    "db_instance_class": ("database.instance_class", str),
    "db_allocated_storage": ("database.allocated_storage_gb", int),
    "db_max_allocated_storage": ("database.max_allocated_storage_gb", int),
    "db_multi_az": ("database.multi_az", bool), "db_backup_retention_days": ("database.backup_retention_days", int),
    "db_deletion_protection": ("database.deletion_protection", bool),
    "db_skip_final_snapshot": ("database.skip_final_snapshot", bool),
    "db_create_replica": ("database.replica:present", bool),
    "db_replica_instance_class": ("database.replica.instance_class", str),
    "cache_node_type": ("cache.node_type", str), "cache_num_nodes": ("cache.num_nodes", int),
    "cache_automatic_failover": ("cache.automatic_failover", bool),
    **{f"{role}_{name}": (f"services.{role}.{name}", int) for role in ("api", "worker")
       for name in ("cpu", "memory", "desired_count", "min_capacity", "max_capacity")},
    "log_retention_days": ("logging.retention_days", int), "log_archive_days": ("logging.archive_days", int),
    "log_level": ("logging.level", str),
}

#: Environment variable -> spec field; values are strings in the block.
ENV_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "ENVIRONMENT": ("long_name", str), "DEBUG": ("app.debug", on_off), "LOG_LEVEL": ("logging.level", str),
    "DB_POOL_SIZE": ("app.db_pool_size", int), "DB_POOL_MAX_OVERFLOW": ("app.db_pool_max_overflow", int),
    "CELERY_WORKER_CONCURRENCY": ("app.worker_concurrency", int), "JWT_ALGORITHM": ("app.jwt.algorithm", str),
    "JWT_ACCESS_TOKEN_EXPIRE_MINUTES": ("app.jwt.access_token_minutes", int),
    "JWT_REFRESH_TOKEN_EXPIRE_DAYS": ("app.jwt.refresh_token_days", int),
    "ENABLE_REGISTRATION": ("app.registration", on_off),
    "ENABLE_EMAIL_VERIFICATION": ("app.email_verification", on_off),
    "ENABLE_RATE_LIMITING": ("app.rate_limit.enabled", on_off),
}


def _typed(read: Callable[[Any], Any], value: Any) -> Any:
    try:
        return read(value)
    except (TypeError, ValueError):
        return value


def tfvars_claims(values: dict[str, Any]) -> list[Claim]:
    """The tfvars block is the whole file: a mapped key it lacks claims "not set"."""
    return [Claim(key, TFVARS, path, _typed(read, values[key]) if key in values else None,
                  str(values[key]).lower() if isinstance(values.get(key), bool) else str(values.get(key, ABSENT)))
            for key, (path, read) in TFVARS_FIELDS.items()]


def env_claims(values: dict[str, str], groups: dict[str, str], placeholder: str) -> list[Claim]:
    """The block is the environment's whole variable list: a mapped variable it lacks claims "not set"."""
    claims = [Claim(key, ENV, path, _typed(read, values[key]) if key in values else None, values.get(key, ABSENT))
              for key, (path, read) in ENV_FIELDS.items()]
    secret = sorted(key for key, value in values.items() if value == placeholder)
    monitoring = sorted(key for key, group in groups.items() if group == "monitoring")
    claims.append(Claim(placeholder, ENV, "secrets.from_secrets_manager", secret,
                        ", ".join(secret) or ABSENT))
    claims.append(Claim("under # Monitoring", ENV, "monitoring.required_variables", monitoring,
                        ", ".join(monitoring) or ABSENT))
    return claims
