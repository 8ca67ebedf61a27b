"""Layered settings: package defaults, the project config file, environment variables, the command line."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from envmatrix.errors import ConfigError
from envmatrix.inputs import read_input_text

CONFIG_FILE = "envmatrix.toml"
DEFAULT_PATHS: dict[str, str] = {
    "spec": "fixtures/matrix.yaml",
    "tfvars_root": "fixtures/tfvars",
    "env_root": "fixtures/env",
    "waivers": "fixtures/waivers.yaml",
    "reports": "reports",
}


class EnvConfig(BaseModel):
    """Per-environment access and naming overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: StrictStr | None = None
    role_arn: StrictStr | None = None
    external_id: StrictStr | None = None
    region: StrictStr | None = None
    base_url: StrictStr | None = None
    names: dict[StrictStr, StrictStr] = {}


class AwsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: StrictInt = 3
    connect_timeout: StrictInt = 3
    read_timeout: StrictInt = 10


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: dict[StrictStr, StrictStr] = {}
    aws: AwsConfig = AwsConfig()
    environments: dict[StrictStr, EnvConfig] = {}


def load_config(path: Path) -> ProjectConfig:
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
        first = exc.errors()[0]
        raise ConfigError(path, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    unknown = set(config.paths) - set(DEFAULT_PATHS)
    if unknown:
        raise ConfigError(path, f"paths: unknown key(s) {sorted(unknown)}; valid: {sorted(DEFAULT_PATHS)}")
    return config


@dataclass(frozen=True)
class Setting:
    value: str
    source: str


def resolve(name: str, option: Any, config: ProjectConfig, *, cwd: Path, rootdir: Path) -> Setting:
    """First of: --option, ENVMATRIX_<NAME>, config file, package default; made absolute.

    Command-line and environment values are relative to the working directory;
    config-file values and defaults to the project root.
    """
    env_name = f"ENVMATRIX_{name.upper()}"
    if option:
        raw, source, base = str(option), "command line", cwd
    elif os.environ.get(env_name):
        raw, source, base = os.environ[env_name], f"${env_name}", cwd
    elif name in config.paths:
        raw, source, base = config.paths[name], CONFIG_FILE, rootdir
    else:
        raw, source, base = DEFAULT_PATHS[name], "default", rootdir
    path = Path(raw).expanduser()
    return Setting(str(path if path.is_absolute() else base / path), source)
