"""The user's own spec, made by ``envmatrix init`` from the shipped one (or the user's document): each
environment's region, domain and CORS origins, and the application's ENVIRONMENT value, taken from the user's
tfvars and env files or from flags, every value with where it came from (printed for review)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from envmatrix.appsettings import SettingParseError, list_of
from envmatrix.declared import parse_env_text
from envmatrix.errors import EnvFileError, SpecError, UsageError
from envmatrix.inputs import read_input_text
from envmatrix.spec import Spec
from envmatrix.tfvars_read import merge_tfvars, read_tfvars_file, terraform_files

#: spec field (under ``environments.<env>``) -> the tfvars variable that declares it
TFVARS_FIELDS: dict[str, str] = {"region": "aws_region", "domain_name": "domain_name"}
#: spec field -> the env-file variable that declares it
ENV_FIELDS: dict[str, str] = {"app.cors_origins": "CORS_ORIGINS"}
#: the config's ``app_environment`` (the application's ENVIRONMENT value; the spec's long name by default)
APP_ENVIRONMENT = "app_environment"
SHIPPED = "shipped default"


@dataclass(frozen=True)
class Taken:
    """One value ``init`` chose for an environment, and where from (``file:line``, a flag, or the default)."""

    env: str
    field: str
    value: Any
    source: str

    def line(self) -> str:
        shown = ", ".join(self.value) if isinstance(self.value, tuple) else "null" if self.value is None \
            else str(self.value)
        return f"  {self.env:<11} {self.field:<17} {shown}  ({self.source})"


def tfvars_values(path: Path) -> dict[str, tuple[Any, int | None, Path]]:
    """Top-level variables of a tfvars file, or of what Terraform loads from a folder (a later file wins), each with
    its line and file; read as the run reads them (HCL, ``*.tfvars.json``). Variables the suite does not model are
    fine here: only a few are read."""
    values, setters = merge_tfvars([read_tfvars_file(file) for file in terraform_files(path)])
    return {key: (value, setters[key].lines.get(key), setters[key].path) for key, value in values.items()}


def env_values(path: Path) -> dict[str, tuple[str, int]]:
    """An env file's variables with their lines; {} when the file does not exist."""
    if not path.is_file():
        return {}
    values, lines = parse_env_text(read_input_text(path, EnvFileError), path)
    return {key: (value, lines[key]) for key, value in values.items()}


def _where(path: Path, line: int | None, base: Path) -> str:
    shown = path.relative_to(base) if path.is_relative_to(base) else path
    return f"{shown}:{line}" if line else str(shown)


def _value(env_spec: Mapping[str, Any], field: str) -> Any:
    for part in field.split("."):
        env_spec = env_spec[part]
    return env_spec


def take(env: str, env_spec: Mapping[str, Any], long_name: str, files: tuple[Path, Path], *,
         flags: Mapping[str, tuple[Any, str]], base: Path, default: str = SHIPPED,
         from_files: bool = True, app_from_file: bool = True) -> list[Taken]:
    """The values of ``env``: a flag (``flags``: field -> (value, flag)), else the user's file (``files``:
    tfvars, env file) when ``from_files``, else the spec's own (``default`` names it). The application's
    ENVIRONMENT is the env file's when ``app_from_file`` (else, or without one, the long name)."""
    tfvars_path, env_path = files
    tfvars = tfvars_values(tfvars_path) if from_files else {}
    env_file = env_values(env_path) if from_files or app_from_file else {}
    taken: list[Taken] = []
    env_found = {key: (value, line, env_path) for key, (value, line) in env_file.items()} if from_files else {}
    declared: list[tuple[str, str, Mapping[str, tuple[Any, int | None, Path]]]] = [
        *((f, k, tfvars) for f, k in TFVARS_FIELDS.items()), *((f, k, env_found) for f, k in ENV_FIELDS.items())]
    for field, key, found in declared:
        if field in flags:
            taken.append(Taken(env, field, *flags[field]))
        elif key in found:
            value, line, path = found[key]
            if field == "app.cors_origins":
                try:
                    value = list_of(str(value))
                except SettingParseError as exc:
                    raise EnvFileError(path, f"{key}: {exc}", line=line) from None
            taken.append(Taken(env, field, value, _where(path, line, base)))
        else:
            taken.append(Taken(env, field, _value(env_spec, field), default))
    if app_from_file and "ENVIRONMENT" in env_file:
        value, line = env_file["ENVIRONMENT"]
        taken.append(Taken(env, APP_ENVIRONMENT, value, _where(env_path, line, base)))
    else:
        taken.append(Taken(env, APP_ENVIRONMENT, long_name, f"{default} (the long name)"))
    return taken


def _scalar(value: Any) -> str:
    value = list(value) if isinstance(value, tuple) else value
    return str(yaml.safe_dump([value], default_flow_style=True, width=10_000, allow_unicode=True)).strip()[1:-1]


def rewrite(text: str, taken: list[Taken], source: Path) -> str:
    """The spec's text with each taken spec value in place (its line says where it came from); every other
    line, comments included, as it was."""
    wanted = {("environments", t.env, *t.field.split(".")): t for t in taken if t.field != APP_ENVIRONMENT}
    out: list[str] = []
    stack: list[str] = []
    skip_deeper: int | None = None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if skip_deeper is not None and line.strip() and (indent > skip_deeper or line.lstrip().startswith("-")):
            continue  # the rest of a replaced block value
        skip_deeper = None
        match = re.match(r"^( *)([A-Za-z_][\w-]*|\"[^\"]+\"):(.*)$", line)
        if not match or line.lstrip().startswith("#"):
            out.append(line)
            continue
        stack = [*stack[: indent // 2], match.group(2)]
        chosen = wanted.pop(tuple(stack), None)
        if chosen is None:
            out.append(line)
            continue
        note = "" if chosen.source.startswith(SHIPPED) else f"  # from {chosen.source}"
        out.append(f"{match.group(1)}{match.group(2)}: {_scalar(chosen.value)}{note}")
        skip_deeper = indent
    if wanted:
        raise SpecError(source, f"no line for {'.'.join(next(iter(wanted)))}")
    return "\n".join(out) + "\n"


def own_tags(text: str, *, project_tag: str, project: str, environment_tag: str) -> str:
    """The spec's default tags in the user's words (their project tag and name), not the example's."""
    line = f"  tags: {{{json.dumps(project_tag)}: {json.dumps(project)}}}   # plus {environment_tag}=<short name>"
    return re.sub(r"(?m)^  tags: \{[^}\n]*\}.*$", lambda _match: line, text, count=1)


def validated(text: str, taken: list[Taken], where: str) -> str:
    """``text`` when it is a valid spec holding every taken value; else one readable error."""
    try:
        spec = Spec.model_validate({**yaml.safe_load(text), "digest": ""})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"init: {where}: the spec with these values does not validate: "
                         f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    for item in taken:
        if item.field == APP_ENVIRONMENT:
            continue
        got = _value(spec.env(item.env).model_dump(), item.field)
        if (tuple(got) if isinstance(got, list) else got) != item.value:
            raise UsageError(f"init: {where}: environments.{item.env}.{item.field} did not take {item.value!r}")
    return text
