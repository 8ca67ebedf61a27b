"""Check metadata overrides (checks.yaml): a team's own severity, owner, remediation URL and tags per check id."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError, field_validator

from envmatrix.catalog import CheckInfo, Severity
from envmatrix.errors import InputError, UsageError
from envmatrix.inputs import read_input_text

SEVERITIES: tuple[str, ...] = get_args(Severity)  # most severe first
FAIL_ON_VARIABLE = "ENVMATRIX_FAIL_ON"


class ChecksMetaError(InputError):
    kind = "checks meta"


class CheckMeta(BaseModel):
    """What a team overrides for one check id; every field optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity | None = None
    owner: StrictStr | None = None
    remediation_url: StrictStr | None = None
    tags: tuple[StrictStr, ...] = ()

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("remediation_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
            raise ValueError(f"not an https URL: {value!r}")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not tag.strip() or "," in tag for tag in value):
            raise ValueError("a tag must be a non-blank word without commas")
        return tuple(dict.fromkeys(value))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (the second check id entry would silently win)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            break  # construct_mapping below refuses it as a YAML error, naming the line
        if key in seen:
            raise ChecksMetaError(loader.name, f"{key}: given more than once", line=key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parse(path: Path, text: str) -> Any:
    loader: _UniqueKeyLoader | None = None
    try:
        loader = _UniqueKeyLoader(text)
        loader.name = str(path)
        return loader.get_single_data()
    except RecursionError:
        raise ChecksMetaError(path, "not valid YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ChecksMetaError(path, "not valid YAML", line=mark.line + 1 if mark else None) from None
    finally:
        if loader is not None:
            loader.dispose()


def _problem(check_id: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if isinstance(part, str))  # tags.<n> reads as tags
    if first["type"] == "extra_forbidden":
        return f"{check_id}.{where}: unknown key; valid keys: {', '.join(CheckMeta.model_fields)}"
    if first["loc"] == ("severity",):
        return f"{check_id}.severity: {first['input']!r} is not a severity; valid: {', '.join(SEVERITIES)}"
    return f"{check_id}.{where}: {first['msg'].removeprefix('Value error, ')}"


def load_checks_meta(path: Path) -> dict[str, CheckMeta]:
    """Read and validate checks.yaml (check id -> CheckMeta); ChecksMetaError names the file, the id and the key."""
    data = _parse(path, read_input_text(path, ChecksMetaError))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ChecksMetaError(path, "expected a mapping of check id -> {severity, owner, remediation_url, tags}")
    overrides: dict[str, CheckMeta] = {}
    for check_id, entry in data.items():
        if not isinstance(check_id, str) or not check_id.strip():
            raise ChecksMetaError(path, f"{check_id!r}: a check id must be a non-blank string")
        if entry is not None and not isinstance(entry, dict):
            raise ChecksMetaError(path, f"{check_id}: expected a mapping of severity, owner, remediation_url, tags")
        try:
            overrides[check_id] = CheckMeta.model_validate(entry or {})
        except ValidationError as exc:
            raise ChecksMetaError(path, _problem(check_id, exc)) from None
    return overrides


def unknown_problem(overridden: Iterable[str], known: Iterable[str]) -> str:
    """What is wrong with the overridden ids no check in the catalogue has ("" when every id is known)."""
    ids = sorted(set(known))
    parts = []
    for check_id in sorted(set(overridden) - set(ids)):
        near = difflib.get_close_matches(check_id, ids, n=1)
        parts.append(f"{check_id} (did you mean {near[0]}?)" if near else check_id)
    if not parts:
        return ""
    return f"no check has the id {', '.join(parts)} (the catalogue has {len(ids)} check ids)"


def apply(info: CheckInfo, overrides: Mapping[str, CheckMeta]) -> CheckInfo:
    """``info`` with its overrides (a new CheckInfo), or ``info`` itself when checks.yaml does not name it."""
    meta = overrides.get(info.id)
    if meta is None:
        return info
    changes: dict[str, Any] = {name: value for name, value in (
        ("severity", meta.severity), ("owner", meta.owner), ("remediation_url", meta.remediation_url)) if value}
    if meta.tags:
        changes["tags"] = tuple(dict.fromkeys(info.tags + meta.tags))
    return dataclasses.replace(info, **changes) if changes else info


def parse_severity(value: str, source: str = "--fail-on") -> str:
    """A severity name (case-insensitive) or a UsageError listing the valid ones."""
    name = value.strip().lower()
    if name not in SEVERITIES:
        raise UsageError(f"{source}: unknown severity {value!r}; valid: {', '.join(SEVERITIES)}")
    return name


def gates(severity: str, threshold: str | None) -> bool:
    """Whether a finding of ``severity`` counts against ``threshold`` (None: every finding; unknown: it gates)."""
    if threshold is None or severity not in SEVERITIES:
        return True
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)
