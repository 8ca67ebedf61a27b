"""What ``envmatrix init`` writes and ``envmatrix names`` prints: a starting config and the effective names."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from pydantic import ValidationError

from envmatrix.config import ProjectConfig, name_sources, run_environments
from envmatrix.context import Paths
from envmatrix.environments import Environments
from envmatrix.errors import ConfigError, SpecError, UsageError
from envmatrix.files import write_text_atomic
from envmatrix.inputs import read_input_text
from envmatrix.names import check_templates
from envmatrix.spec import Spec
from envmatrix.userspec import APP_ENVIRONMENT, SHIPPED, Taken, own_tags, rewrite, take, validated


def parse_short_names(values: Sequence[str], environments: Environments) -> dict[str, str]:
    """``--env production=prod`` (repeatable, comma lists) -> {canonical: short name}."""
    chosen: dict[str, str] = {}
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            env, sep, short = part.partition("=")
            if not sep or not short.strip():
                raise UsageError(f"--env: {part!r} is not ENV=SHORT_NAME (e.g. production=prod)")
            if environments.lookup(env) is None:  # e.g. the team's own name: say how to map it
                known = dict.fromkeys([*environments, *map(environments.long_name, environments)])
                raise UsageError(f"--env: {env.strip()!r} is not an environment of the spec ({', '.join(known)}); "
                                 f"map one of them to your short name, e.g. --env staging={short.strip()}")
            chosen[environments.canonical(env)] = short.strip()
    return chosen


def parse_pairs(option: str, values: Sequence[str], example: str) -> dict[str, str]:
    """``KEY=VALUE`` options (repeatable, comma lists) -> {KEY: VALUE}; UsageError naming the option otherwise."""
    chosen: dict[str, str] = {}
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, text = part.partition("=")
            if not sep or not key.strip() or not text.strip():
                raise UsageError(f"{option}: {part!r} is not KEY=VALUE (e.g. {example})")
            chosen[key.strip()] = text.strip()
    return chosen


def _quoted(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is a JSON string for these values


def _inline(values: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{key} = {_quoted(value)}" for key, value in values.items()) + " }"


@dataclass(frozen=True)
class Answers:
    """What ``envmatrix init`` was told (and found); paths relative to the config file's folder."""

    project: str
    environment_tag: str
    project_tag: str
    tfvars: str
    env_file: str
    spec: str
    waivers: str
    #: [names]: the prefixes, then the exceptions (``--name``)
    names: dict[str, str] = field(default_factory=dict)
    #: env -> the [environments.<env>] keys that differ from the defaults (short_name, app_environment, ...)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)


def starter_config(answers: Answers, environments: Environments) -> str:
    """A short envmatrix.toml (dotted keys: one line a setting); every value is validated before it is returned."""
    tags = {"environment": answers.environment_tag, "project": answers.project_tag}
    lines = [
        "# envmatrix.toml - written by `envmatrix init`; `envmatrix names` shows every name the suite reads.",
        f"# Paths are relative to this file: {{env}} is the canonical name ({', '.join(environments)}), "
        "{short_name} the short one.",
        f"project.name = {_quoted(answers.project)}   # {{project}} in names; the project tag's value",
        f"tags = {_inline(tags)}   # tag keys: environment short name, project",
        f"paths.spec = {_quoted(answers.spec)}   # your spec, made by init: review it",
        f"paths.waivers = {_quoted(answers.waivers)}   # your waivers (none yet)",
        f"paths.tfvars_root = {_quoted(answers.tfvars)}",
        f"paths.env_root = {_quoted(answers.env_file)}",
    ]
    if answers.names:
        lines.append("# Every default name derives from names.prefix (per environment) and names.project_prefix;"
                     " other keys are exceptions.")
        lines += [f"names.{key} = {_quoted(value)}" for key, value in answers.names.items()]
    if any(answers.environments.values()):
        lines.append("# short_name: in names, tags and --env; app_environment: the app's ENVIRONMENT value.")
    lines += [f"environments.{env} = {_inline(values)}" for env, values in answers.environments.items() if values]
    text = "\n".join(lines) + "\n"
    try:
        config = ProjectConfig.model_validate(tomllib.loads(text))
        check_templates("names", config.names, "init")
        run_environments(config, environments)
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise UsageError(f"init: these answers do not make a valid config: {exc}") from None
    except ConfigError as exc:
        raise UsageError(f"init: these answers do not make a valid config: {exc.problem}") from None
    return text


def config_lines(text: str) -> int:
    """The lines of a config that say something (comments and blank lines aside)."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def names_report(config: ProjectConfig, paths: Paths, selected: Sequence[str], environments: Environments,
                 spec: Spec | None = None, extra: Sequence[tuple[str, Mapping[str, str]]] = ()) -> list[str]:
    """Each selected environment's identity, input files and every name the suite reads (resource names, then
    each secret-class variable's secret), each with its source; ``extra`` layers (flags) go last."""
    lines = [f"project {config.project.name}; tags {config.tags.environment}=<short name>, "
             f"{config.tags.project}={config.project.name}; config {config.label()}"]
    for env in selected:
        app = config.app_environment(env, environments.long_name(env))
        lines += ["", f"{env}: short name {config.short_name(env)}, ENVIRONMENT={app}",
                  *(f"  tfvars   {_input(path)}" for path in paths.tfvars_all(env)),
                  f"  env file {_input(paths.env_file(env))}"]
        rows = name_sources(config, env, extra)
        prefix = rows["secret_prefix"][0]
        for variable in spec.env(env).secrets.from_secrets_manager if spec else ():
            name, key = config.secrets.reference(variable)
            rows[f"secret {variable}"] = (f"{prefix}{name}" + (f" JSON key {key}" if key else ""),
                                          _labelled(config, config.secrets.source(variable)))
        width = max(map(len, rows))
        lines += [f"  {key:<{width}}  {value:<40}  ({source})" for key, (value, source) in rows.items()]
    return lines


#: How ``envmatrix names`` marks an input file that is not there.
MISSING_INPUT = "   MISSING: no such file"


def _input(path: Path) -> str:
    """An input file, flagged when it is not there (the run would stop on it: say so before it starts)."""
    return str(path) if path.is_file() else f"{path}{MISSING_INPUT}"


def _labelled(config: ProjectConfig, source: str) -> str:
    """A config key's source names the config file; a default does not."""
    return f"{config.label()} {source}" if source.startswith("[") else source


def write_starter(path: Path, text: str, *, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"init: {path} exists; pass --force to overwrite it")
    write_text_atomic(path, text)


@dataclass(frozen=True)
class InitRequest:
    """``envmatrix init``'s options, as given (paths relative to the working directory)."""

    answers: Answers
    output: Path
    short_names: Sequence[str] = ()
    display_names: Sequence[str] = ()
    spec: Path | None = None
    #: the spec ``envmatrix spec init`` makes from the user's document, and the document (``--doc``)
    doc: tuple[str, Path] | None = None
    regions: Sequence[str] = ()
    domains: Sequence[str] = ()
    #: ``--tfvars ENV=PATH``: an environment whose tfvars do not follow the template
    tfvars_files: Sequence[str] = ()
    force: bool = False


DEFAULT_TFVARS = "infra/envs/{short_name}/terraform.tfvars"


def tfvars_template(values: Sequence[str]) -> str:
    """The ``--tfvars`` value without ``=`` (the template every environment follows unless named); the default
    when none is given, one line when several are."""
    templates = [value for value in values if "=" not in value]
    if len(templates) > 1:
        raise UsageError(f"--tfvars: one template only (got {', '.join(templates)}); name an environment's own "
                         "file as ENV=PATH")
    return templates[0] if templates else DEFAULT_TFVARS


def _relative(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def _flags(request: InitRequest, environments: Environments) -> dict[str, dict[str, tuple[str, str]]]:
    """env -> spec field -> (value, flag): ``--region R`` (every environment) or ``--region ENV=R``, ``--domain``."""
    chosen: dict[str, dict[str, tuple[str, str]]] = {env: {} for env in environments}
    for value in request.regions:
        env, sep, region = value.partition("=")
        targets = [environments.canonical(env)] if sep else list(environments)
        for target in targets:
            chosen[target]["region"] = ((region if sep else value).strip(), f"--region {value}")
    for env, domain in parse_pairs("--domain", request.domains, "production=orders.example.com").items():
        chosen[environments.canonical(env)]["domain_name"] = (domain, f"--domain {env}={domain}")
    return chosen


def _source_spec(request: InitRequest) -> tuple[str, Path, str]:
    """The spec text init starts from, its file, and how its own values are named in the review."""
    from envmatrix.shipped import spec_path as shipped_spec_path

    if request.doc is not None:
        return request.doc[0], request.doc[1], f"document {request.doc[1].name}"
    path = request.spec or shipped_spec_path()
    return read_input_text(path, SpecError), path, "given spec" if request.spec else SHIPPED


def _taken(request: InitRequest, spec: Spec, shorts: Mapping[str, str], own: Mapping[str, str],
           flags: Mapping[str, Mapping[str, tuple[str, str]]], default: str) -> list[Taken]:
    """Every environment's values, each from a flag, the user's files (their templates, or ``own``: the
    environments' own tfvars files) or the spec."""
    base, answers, environments = request.output.parent, request.answers, spec.environment_names()
    taken: list[Taken] = []
    inputs = {env: (base / own.get(env, answers.tfvars.format(env=env, short_name=shorts.get(env, env))),
                    base / answers.env_file.format(env=env, short_name=shorts.get(env, env)))
              for env in environments}
    from_files = request.doc is None and request.spec is None  # a given spec or document: its values stand
    missing = [f"{env} {kind} {_relative(path, base)}" for env, files in inputs.items()
               for kind, path in zip(("tfvars", "env file"), files, strict=True) if from_files and not path.exists()]
    if missing:  # a value init cannot read would silently be the example's (its region, its domain)
        raise UsageError(f"init: not found: {'; '.join(missing)}. Fix --tfvars / --env-file (templates: "
                         "{env} canonical, {short_name} short name), or name one environment's file with "
                         "--tfvars ENV=PATH")
    for env, files in inputs.items():
        taken += take(env, spec.env(env).model_dump(), environments.long_name(env), files, flags=flags[env],
                      base=base, default=default, from_files=from_files, app_from_file=request.doc is None)
    return taken


def _by_environment(option: str, values: Sequence[str], example: str, named: Environments) -> dict[str, str]:
    """``--option ENV=VALUE`` (repeatable) by canonical environment; short names and aliases work."""
    return {named.canonical(env): value for env, value in parse_pairs(option, values, example).items()}


def _environment_keys(environments: Environments, shorts: Mapping[str, str], displays: Mapping[str, str],
                      taken: Sequence[Taken], own_tfvars: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per environment, only the keys that differ from the defaults (the config stays short)."""
    chosen: dict[str, dict[str, str]] = {}
    for env in environments:
        values = {"short_name": shorts[env]} if shorts.get(env, env) != env else {}
        app = next(t.value for t in taken if t.env == env and t.field == APP_ENVIRONMENT)
        values.update({"app_environment": app} if app != environments.long_name(env) else {})
        values.update({"display_name": displays[env]} if env in displays else {})
        values.update({"tfvars": own_tfvars[env]} if env in own_tfvars else {})
        chosen[env] = values
    return chosen


def init_project(request: InitRequest) -> list[str]:
    """Write the user's spec (unless ``--spec`` names one: then it is kept as is), an empty waivers file and the
    config; return the review lines: each value taken, with its source, and the next commands."""
    base = request.output.parent
    text, source, default = _source_spec(request)
    spec = validated(text, [], str(source))
    parsed = Spec.model_validate({**yaml.safe_load(spec), "digest": ""})
    environments = parsed.environment_names()
    shorts = parse_short_names(request.short_names, environments)
    named = environments.with_short_names({short: env for env, short in shorts.items()})  # --display live=Live
    displays = _by_environment("--display", request.display_names, "staging=UAT", named)
    own = _by_environment("--tfvars", request.tfvars_files, "production=infra/prd.tfvars.json", named)
    taken = _taken(request, parsed, shorts, own, _flags(request, named), default)
    spec_path, waivers = request.spec or base / request.answers.spec, base / request.answers.waivers
    answers = replace(request.answers, spec=_relative(spec_path, base), waivers=_relative(waivers, base),
                      environments=_environment_keys(environments, shorts, displays, taken, own))
    config = starter_config(answers, environments)
    written = [request.output, waivers] + ([spec_path] if request.spec is None else [])
    for path in written:
        if path.exists() and not request.force:
            raise UsageError(f"init: {path} exists; pass --force to overwrite it")
    if request.spec is None:
        answered = request.answers
        spec = own_tags(rewrite(spec, taken, source), project_tag=answered.project_tag, project=answered.project,
                        environment_tag=answered.environment_tag)
        spec = validated(spec, taken, str(spec_path))
        write_text_atomic(spec_path, f"# Your spec: made by `envmatrix init` from the {default}; each value marked "
                          "`# from` was taken from your files or a flag.\n" + spec)
    write_text_atomic(waivers, EMPTY_WAIVERS)
    write_text_atomic(request.output, config)
    shown = [t for t in taken if request.spec is None or t.field == APP_ENVIRONMENT]
    return [f"envmatrix init: each environment's values and where they came from (review them in "
            f"{_relative(spec_path, base)}):", *(t.line() for t in shown),
            f"envmatrix init: wrote {', '.join(_relative(p, base) for p in written)} in {base}",
            "next: `envmatrix names` (every name the suite reads), then",
            f"      {NEXT_COMMAND}"]


NEXT_COMMAND = 'envmatrix audit --env=all -m "declared or live or drift"'
EMPTY_WAIVERS = ("# Your waivers: known findings you accept for a while, each with a reason, an owner and an expiry\n"
                 "# (see the README). Empty: every finding counts.\nwaivers: []\n")
