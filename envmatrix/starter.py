"""What ``envmatrix init`` writes and ``envmatrix names`` prints: a starting config and the effective names."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from envmatrix.config import ProjectConfig, name_sources
from envmatrix.context import Paths
from envmatrix.environments import Environments
from envmatrix.errors import UsageError
from envmatrix.files import write_text_atomic


def parse_short_names(values: Sequence[str], environments: Environments) -> dict[str, str]:
    """``--env production=prod`` (repeatable, comma lists) -> {canonical: short name}."""
    chosen: dict[str, str] = {}
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            env, sep, short = part.partition("=")
            if not sep or not short.strip():
                raise UsageError(f"--env: {part!r} is not ENV=SHORT_NAME (e.g. production=prod)")
            chosen[environments.canonical(env)] = short.strip()
    return chosen


def _quoted(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is a JSON string for these values


def starter_config(project: str, shorts: dict[str, str], environments: Environments, *, environment_tag: str,
                   project_tag: str, tfvars: str, env_file: str) -> str:
    """A commented envmatrix.toml; every value it sets is validated before it is returned."""
    lines = [
        "# envmatrix.toml - written by `envmatrix init`; see README \"Your own account, first run\".",
        "# Paths here are relative to this file. Check the result with `envmatrix names`.",
        "", "[project]", f"name = {_quoted(project)}   # {{project}} in resource names; the project tag's value",
        "", "[tags]", f"environment = {_quoted(environment_tag)}   # tag key holding the environment's short name",
        f"project = {_quoted(project_tag)}   # tag key holding the project name",
        "", "[paths]", f"# {{env}} is the canonical name ({', '.join(environments)}), {{short_name}} the short one",
        f"tfvars_root = {_quoted(tfvars)}", f"env_root = {_quoted(env_file)}",
        "", "# Project-wide name templates (only where yours differ from the defaults: `envmatrix names`).",
        "[names]", "# api_service = \"{project}-api\"", "# worker_service = \"{project}-worker\"",
    ]
    for env in environments:
        short = shorts.get(env, env)
        lines += ["", f"[environments.{env}]", f"short_name = {_quoted(short)}   # in resource names and tags",
                  f"app_environment = {_quoted(environments.long_name(env) if env not in shorts else short)}"
                  "   # the value of the application's ENVIRONMENT variable",
                  "# profile = \"...\"   # or role_arn = \"arn:aws:iam::...:role/envmatrix-readonly\"",
                  "# [environments." + env + ".names]   # exceptions only, e.g. db = \"{env}-{project}-postgres\""]
    text = "\n".join(lines) + "\n"
    try:
        ProjectConfig.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise UsageError(f"init: these answers do not make a valid config: {exc}") from None
    return text


def names_report(config: ProjectConfig, paths: Paths, selected: Sequence[str],
                 environments: Environments) -> list[str]:
    """Each selected environment's identity, input files and resource names, each name with its source."""
    lines = [f"project {config.project.name}; tags {config.tags.environment}=<short name>, "
             f"{config.tags.project}={config.project.name}; config {config.label()}"]
    for env in selected:
        app = config.app_environment(env, environments.long_name(env))
        lines += ["", f"{env}: short name {config.short_name(env)}, ENVIRONMENT={app}",
                  f"  tfvars   {paths.tfvars(env)}", f"  env file {paths.env_file(env)}"]
        rows = name_sources(config, env)
        width = max(map(len, rows))
        lines += [f"  {key:<{width}}  {value:<40}  ({source})" for key, (value, source) in rows.items()]
    return lines


def write_starter(path: Path, text: str, *, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"init: {path} exists; pass --force to overwrite it")
    write_text_atomic(path, text)
