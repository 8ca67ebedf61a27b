"""``envmatrix spec init``: a starting spec from a document of the seed's shape; underived values marked TODO."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from envmatrix.document.claims import ENV, INFRA, MATRIX, TFVARS
from envmatrix.document.compare import claims_for
from envmatrix.document.parse import DocumentError, ParsedDocument
from envmatrix.environments import EnvironmentName, Environments
from envmatrix.files import write_text_atomic
from envmatrix.spec import Spec

_PRECEDENCE = (MATRIX, ENV, TFVARS, INFRA)
_TODO = "TODO: not in the document - check it"
PLACEHOLDER = "<from-secrets-manager>"


def _fallback(long_name: str) -> dict[str, Any]:
    """Conservative values for what the document may not state; every one of them is marked TODO unless derived."""
    service = {"cpu": 256, "memory": 512, "desired_count": 1, "min_capacity": 1, "max_capacity": 1}
    return {
        "long_name": long_name, "matrix": {}, "sla": {"uptime_percent": None, "min_availability_zones": None,
                                                  "window_days": 30, "external_health_check": False},
        "data": {"real_customer_data": False}, "region": "us-east-1", "domain_name": "example.com",
        "network": {"vpc_cidr": "10.0.0.0/16"},
        "database": {"instance_class": "db.t3.micro", "allocated_storage_gb": 20, "max_allocated_storage_gb": 20,
                     "multi_az": False, "replica": None, "backup_retention_days": 7, "deletion_protection": True,
                     "skip_final_snapshot": False, "restorable_within_minutes": 15},
        "cache": {"node_type": "cache.t3.micro", "num_nodes": 1, "automatic_failover": False},
        "auto_scaling": False, "services": {"api": dict(service), "worker": dict(service)},
        "logging": {"level": "INFO", "retention_days": 30, "archive_days": None},
        "app": {"debug": False, "db_pool_size": 10, "db_pool_max_overflow": 0, "worker_concurrency": 1,
                "jwt": {"algorithm": "HS256", "access_token_minutes": 15, "refresh_token_days": None},
                "registration": True, "email_verification": True, "rate_limit": {"enabled": False, "per_minute": None},
                "cors_origins": None},
        "monitoring": {"level": "basic", "container_insights": False, "alerting": False, "required_variables": []},
        "secrets": {"from_secrets_manager": [], "rotation": {}},
        "security": {"waf": False, "backup_bucket": False, "log_archive_bucket": False, "hsts": True,
                     "min_tls_version": "TLSv1.2", "basic_auth": False},
        "deployment": {"trigger": "main-push", "blue_green": None, "rolling_rollback": False, "images": None},
        "cost": {"monthly_usd_low": 1, "monthly_usd_high": 1, "tolerance_percent": 10},
    }


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[last] = value


def _leaf_paths(data: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key, value in data.items():
        paths += _leaf_paths(value, f"{prefix}{key}.") if isinstance(value, dict) and value else [f"{prefix}{key}"]
    return paths


def document_environments(doc: ParsedDocument) -> Environments:
    """The document's environments, in its matrix's column order: each named as its tfvars caption names it
    (``environments/dev/terraform.tfvars`` under "Development Environment": dev, long name development)."""
    if not doc.matrix_columns:
        raise DocumentError(doc.path, "no Environment Comparison Matrix: it names the environments")
    return Environments(EnvironmentName(doc.tfvars_names.get(column, column), column) for column in doc.matrix_columns)


def _environment(doc: ParsedDocument, env: str, environments: Environments) -> tuple[dict[str, Any], set[str]]:
    data = _fallback(environments.long_name(env))
    derived: set[str] = set()
    claims, _missing = claims_for(doc, env, PLACEHOLDER, environments)
    # the most specific place wins: later sources overwrite earlier ones
    for claim in sorted(claims, key=lambda c: _PRECEDENCE.index(c.source)):
        path, _, flag = claim.path.partition(":")
        if isinstance(claim.value, str) and claim.value == claim.raw and not path.startswith("matrix."):
            if claim.source not in (ENV, TFVARS):
                continue  # a cell it could not read: leave the TODO
        if flag == "present":
            if not claim.value:
                _set(data, path, None)
                derived.add(path)
            continue
        if claim.value is None and path.startswith("database.replica."):
            continue
        _set(data, path, claim.value)
        derived.add(path)
    monitoring = data["monitoring"]
    monitoring["alerting"] = "alerting" in monitoring["level"]
    monitoring["container_insights"] = monitoring["level"] != "basic"
    data["security"]["log_archive_bucket"] = data["logging"]["archive_days"] is not None
    if data["app"]["rate_limit"]["enabled"] and data["app"]["rate_limit"]["per_minute"] is None:
        data["app"]["rate_limit"]["per_minute"] = 60
    return data, derived


def _scalar(value: Any) -> str:
    return str(yaml.safe_dump([value], default_flow_style=True, width=10_000, allow_unicode=True)).strip()[1:-1]


def _emit(data: dict[str, Any], derived: set[str], prefix: str, indent: int) -> list[str]:
    lines: list[str] = []
    pad = "  " * indent
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            lines += [f"{pad}{key}:", *_emit(value, derived, f"{path}.", indent + 1)]
            continue
        todo = "" if path in derived or any(path.startswith(d + ".") for d in derived) else f"  # {_TODO}"
        lines.append(f"{pad}{key}: {_scalar(value)}{todo}")
    return lines


def _facts(doc: ParsedDocument) -> list[str]:
    found = [(key, doc.facts.get(name)) for key, name in (("version", "version"), ("last_updated", "last updated"))]
    return [f"  {key}: {_scalar(value)}" if value else f"  {key}: '?'  # {_TODO}" for key, value in found]


def _sla_grades(graded: list[str]) -> list[str]:
    """What each documented SLA needs of the design: the document names no such thing, so every grade is TODO."""
    if not graded:
        return []
    check = ("{path: /health, protocols: [HTTP, HTTPS], max_healthy_threshold: 5, max_unhealthy_threshold: 3, "
             "max_interval_seconds: 30}")
    lines = ["sla_grades:  # " + _TODO]
    for grade in graded:
        lines += [f"  {_scalar(grade)}:", "    min_availability_zones: 2", "    min_api_tasks: 2",
                  "    multi_az_database: true", "    cache_failover: true", f"    target_health_check: {check}"]
    return lines


def starter_spec(doc: ParsedDocument) -> str:
    """The YAML text of a starting spec; raises DocumentError when even that does not validate."""
    lines = ["# A starting spec written by `envmatrix spec init` from " + doc.path.name + ".",
             "# Values marked TODO are not in the document: check each one before relying on the suite.",
             "document:", f"  title: {_scalar(doc.title or doc.path.stem)}", *_facts(doc), "", "defaults:",
             f"  secret_placeholder: {_scalar(PLACEHOLDER)}", "  certificate_min_days_valid: 14  # " + _TODO,
             "  tags: {Project: taskmanager}  # " + _TODO, "", "parity: {tfvars: {}, env: {}}  # " + _TODO, "",
             "environments:"]
    environments = document_environments(doc)
    graded: set[str] = set()
    for env in environments:
        if not any(environments.lookup(name) == env for name in doc.sections):
            raise DocumentError(doc.path, f"no section for the {environments.long_name(env)} environment")
        data, derived = _environment(doc, env, environments)
        if data["sla"].get("uptime_percent") is not None:
            graded.add(str(data["matrix"].get("uptime_sla", "")))
        lines += [f"  {env}:", *_emit(data, derived, "", 2)]
    lines += _sla_grades(sorted(graded))
    text = "\n".join(lines) + "\n"
    try:
        Spec.model_validate({**yaml.safe_load(text), "digest": ""})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DocumentError(doc.path, f"the starting spec does not validate: {'.'.join(map(str, first['loc']))}: "
                                      f"{first['msg']}") from None
    return text


def write_spec(doc: ParsedDocument, output: Path, *, force: bool = False) -> Path:
    if output.exists() and not force:
        raise DocumentError(output, "exists; pass --force to overwrite it")
    write_text_atomic(output, starter_spec(doc))
    return output
