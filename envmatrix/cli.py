"""The ``envmatrix`` console script: ``envmatrix audit`` runs the shipped checks on the project (pytest options
follow); ``envmatrix sandbox`` runs the embedded sandbox until Ctrl-C; ``envmatrix iam-policy`` prints the
least-privilege IAM policy the suite needs; ``envmatrix spec check|init`` proves the spec against the environment
document or starts one from it; ``envmatrix merge`` merges the reports of sharded runs into one; ``envmatrix history``
reads the findings over time (envmatrix/history/cli.py)."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from envmatrix.config import (
    CONFIG_FILE,
    DEFAULT_PATHS,
    config_path,
    load_config,
    project_root,
    resolve,
    resolve_doc,
    run_environments,
)
from envmatrix.context import Suite, build_paths
from envmatrix.errors import EnvmatrixError, UsageError
from envmatrix.files import write_text_atomic
from envmatrix.history.cli import add_history_command
from envmatrix.names import DEFAULT_PROJECT, PREFIX, PROJECT_PREFIX, check_templates
from envmatrix.spec import load_spec
from envmatrix.starter import (
    MISSING_INPUT,
    Answers,
    InitRequest,
    init_project,
    names_report,
    parse_pairs,
    tfvars_template,
)

#: Exported service variables a user may print; smoke credentials (passwords, basic auth) never are.
_PRINTABLE_PREFIXES = ("ENVMATRIX_BASE_URL_", "ENVMATRIX_RESOLVE", "ENVMATRIX_CA_BUNDLE")
#: ``sandbox serve``'s region when neither --region nor $AWS_DEFAULT_REGION names one (moto's own default).
DEFAULT_REGION = "us-east-1"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="envmatrix", description="envmatrix: environment conformance tools")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_config_commands(commands)  # envmatrix init / names: configuration helpers
    _add_spec_commands(commands)  # envmatrix spec check / init: the spec and the document
    _add_merge_command(commands)  # envmatrix merge: the reports of sharded runs as one
    add_history_command(commands)  # envmatrix history: the findings over time
    commands.add_parser(  # envmatrix audit [pytest options]: the options are pytest's (envmatrix/jobs.py)
        "audit", help="run the shipped checks and smoke tests on this project (pytest options follow)", add_help=False,
        description="pytest on the shipped checks and smoke tests with this project's envmatrix.toml; reports go to "
                    "its reports folder. Default: every layer, --env=all; your options follow and win.")
    sandbox = commands.add_parser(
        "sandbox", help="run the embedded sandbox (moto server + reference services on loopback) until Ctrl-C",
        description="Start the embedded sandbox, print how to reach it, and wait until Ctrl-C. "
                    "`envmatrix sandbox serve`: only the sandbox's moto server (its fixes to moto included), "
                    "empty, for your own provisioning.",
    )
    sandbox.add_argument("action", nargs="?", choices=("serve",),
                         help="serve: start the moto server empty (nothing provisioned) and print its endpoint")
    sandbox.add_argument("--region", default=None,
                         help="serve: the region to export (default: $AWS_DEFAULT_REGION, else us-east-1)")
    sandbox.add_argument("--env", action="append", default=[], metavar="NAME",
                         help="environment(s) to provision: the spec's names, long names or aliases (default: all)")
    for name, text in (("spec", "the documented matrix (YAML)"),
                       ("tfvars-root", "<env>/terraform.tfvars folder, or a file/folder template ({short_name})"),
                       ("env-root", "folder holding <env>.env application env files")):
        sandbox.add_argument(f"--{name}", metavar="PATH", help=text)
    sandbox.add_argument("--envmatrix-config", metavar="PATH", help=f"project config file (default: ./{CONFIG_FILE})")
    sandbox.add_argument("--port", type=int, default=0, help="loopback port for the AWS endpoint (default: a free one)")
    commands.add_parser(
        "iam-policy", help="print the least-privilege IAM policy the suite needs (JSON)",
        description="Print the IAM policy granting exactly the read actions envmatrix calls "
                    "(iam/envmatrix-readonly.json).",
    )
    return parser


def _add_config_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    names = commands.add_parser("names", help="print each environment's effective resource names and their source",
                                description="Print the names the live layer looks for, each with its source.")
    names.add_argument("--env", action="append", default=[], metavar="NAME",
                       help="environment(s) (canonical, long or configured short name; default: all)")
    names.add_argument("--envmatrix-config", metavar="PATH", help=f"project config file (default: ./{CONFIG_FILE})")
    names.add_argument("--spec", metavar="PATH", help="the spec naming the environments (default: [paths] spec, ...)")
    _add_name_options(names)
    init = commands.add_parser(
        "init", help="write your envmatrix.toml, your spec and an empty waivers file from a few answers",
        description="Write envmatrix.toml, your spec (matrix.yaml, made from the shipped one with the region, "
                    "domain, CORS origins and ENVIRONMENT of your tfvars and env files) and an empty waivers.yaml "
                    "beside it; print each value taken and where from. Check names with `envmatrix names`.")
    init.add_argument("--spec", metavar="PATH", help="your own spec: kept as is and set as [paths] spec")
    init.add_argument("--doc", metavar="PATH", help="your environment document: the spec is made from it "
                      "(as `envmatrix spec init --doc`)")
    init.add_argument("--region", action="append", default=[], metavar="[ENV=]REGION",
                      help="the AWS region of every environment, or of one (repeatable); overrides the tfvars")
    init.add_argument("--domain", action="append", default=[], metavar="ENV=DOMAIN",
                      help="an environment's domain name (repeatable); overrides the tfvars")
    init.add_argument("--display", action="append", default=[], metavar="ENV=NAME",
                      help="an environment's name in reports, e.g. staging=UAT (repeatable)")
    init.add_argument("--project", default=DEFAULT_PROJECT, help="project name ({project} in resource names)")
    init.add_argument("--env", action="append", default=[], metavar="ENV=SHORT",
                      help="an environment's short name, e.g. production=prod (repeatable)")
    init.add_argument("--environment-tag", default="Environment", help="tag key holding the environment short name")
    init.add_argument("--project-tag", default="Project", help="tag key holding the project name")
    init.add_argument("--tfvars", action="append", default=[], metavar="TEMPLATE|ENV=PATH",
                      help="tfvars path template ({env}: canonical name, {short_name}: short name; a file or a "
                           "folder; default infra/envs/{short_name}/terraform.tfvars), or one environment's own "
                           "file, e.g. production=infra/live/prd/terraform.tfvars.json (repeatable)")
    init.add_argument("--env-file", default="app/config/{short_name}.env", help="env file path template")
    _add_name_options(init)
    init.add_argument("--output", default=CONFIG_FILE, metavar="PATH", help=f"file to write (default: {CONFIG_FILE}"
                      "; the spec and waivers go beside it)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")


def _add_name_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name-prefix", metavar="TEMPLATE", help="the per-environment prefix every default name "
                        "derives from (default: {env}-{project}), e.g. 'globex-{project}-{short_name}'")
    parser.add_argument("--project-prefix", metavar="TEMPLATE", help="the project-wide prefix (image "
                        "repositories; default: {project}), e.g. 'globex-{project}'")
    parser.add_argument("--name", action="append", default=[], metavar="KEY=TEMPLATE",
                        help="one name that does not follow the prefix, e.g. api_service=orders-api (repeatable)")


def _add_spec_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    spec = commands.add_parser("spec", help="prove the spec against the environment document, or start one from it",
                               description="The spec (fixtures/matrix.yaml) and the environment document.")
    actions = spec.add_subparsers(dest="spec_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="compare the spec with the document, cell by cell (exit 1 if they differ)",
                               description="Compare the spec with the document; one line per disagreement.")
    check.add_argument("--doc", metavar="PATH", help="the Markdown document (default: $ENVMATRIX_DOC, [paths] doc)")
    check.add_argument("--spec", metavar="PATH", help="the spec (default: $ENVMATRIX_SPEC, [paths] spec, fixtures/...)")
    check.add_argument("--envmatrix-config", metavar="PATH", help=f"project config file (default: ./{CONFIG_FILE})")
    init = actions.add_parser("init", help="write a starting spec from a document of the same shape")
    init.add_argument("--doc", metavar="PATH", required=True, help="the Markdown document")
    init.add_argument("--output", default="matrix.yaml", metavar="PATH", help="file to write (default: matrix.yaml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")


def _add_merge_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    merge = commands.add_parser(
        "merge", help="merge the reports of several runs (one per group of environments) into one report",
        description="Merge reports folders (JUnit, allure results, snapshots, the matrix; the gate recomputed "
                    "over all). Exit 0 when the merged verdict passes, 1 when it fails, 2 on a conflict.")
    merge.add_argument("inputs", nargs="+", metavar="DIR", help="a run's reports folder (holding matrix.json)")
    merge.add_argument("--out", required=True, metavar="DIR",
                       help="folder for the merged report (new, empty, or an earlier merge's)")
    merge.add_argument("--spec", metavar="PATH", help="the spec the runs used (default: $ENVMATRIX_SPEC, "
                       "[paths] spec, fixtures/matrix.yaml)")
    merge.add_argument("--envmatrix-config", metavar="PATH", help=f"project config file (default: ./{CONFIG_FILE})")
    merge.add_argument("--history", metavar="URL|PATH|off", help="append the shards' results to this history once "
                       "(run the shards with --history off); default: [history] url, else <out>/history.sqlite")


def run_merge(args: argparse.Namespace, cwd: Path) -> int:
    from envmatrix.reporting.merge import merge

    project = load_config(config_path(args.envmatrix_config, cwd))
    spec_path = Path(resolve("spec", args.spec, project, cwd=cwd, rootdir=project_root(cwd)).value)
    from envmatrix.history.store import location

    history = location(args.history, project.history.url, project.base_dir(project_root(cwd)), cwd, cwd / args.out)
    merged = merge([cwd / name for name in args.inputs], cwd / args.out, load_spec(spec_path), spec_path,
                   history=history)
    print("\n".join(merged.lines()))
    return 0 if merged.passed else 1


def run_history(args: argparse.Namespace, cwd: Path) -> int:
    from envmatrix.history.cli import run_history as history  # SQLAlchemy: only for this command

    return history(args, cwd)


def run_spec(args: argparse.Namespace, cwd: Path) -> int:
    from envmatrix.document.compare import compare, report_lines
    from envmatrix.document.parse import read_document
    from envmatrix.document.starter import write_spec

    if args.spec_command == "init":
        output = write_spec(read_document(cwd / args.doc), cwd / args.output, force=args.force)
        print(f"envmatrix spec init: wrote {output}; review the values marked TODO, then "
              f"`envmatrix spec check --doc {args.doc} --spec {args.output}`")
        return 0
    path = config_path(args.envmatrix_config, cwd)
    project = load_config(path)
    root = project_root(cwd)
    doc = resolve_doc(args.doc, project, cwd=cwd, rootdir=root)
    if doc is None:
        raise UsageError("spec check: no document given (--doc PATH, $ENVMATRIX_DOC or [paths] doc)")
    spec_path = resolve("spec", args.spec, project, cwd=cwd, rootdir=root).value
    document = read_document(doc.value)
    result = compare(document, load_spec(spec_path))
    print("\n".join(report_lines(result, document, spec_path)))
    return 0 if result.agree else 1


def run_names(args: argparse.Namespace, cwd: Path) -> int:
    path = config_path(args.envmatrix_config, cwd)
    if args.envmatrix_config and not path.exists():
        raise UsageError(f"--envmatrix-config: {path} does not exist")
    project = load_config(path)
    root = project_root(cwd)
    settings = {name: resolve(name, args.spec if name == "spec" else None, project, cwd=cwd, rootdir=root)
                for name in DEFAULT_PATHS}
    environments = run_environments(project, load_spec(settings["spec"].value).environment_names())
    selected = environments.parse_selection(args.env or ["all"])
    extra = [("flag", names)] if (names := _name_flags(args)) else []
    check_templates("flags", names, "command line")
    lines = names_report(project, build_paths(settings, project, check=False), selected, environments,
                         load_spec(settings["spec"].value), extra)
    print("\n".join(lines))
    missing = sum(MISSING_INPUT in line for line in lines)
    if missing:
        print(f"envmatrix names: {missing} input file(s) missing (marked {MISSING_INPUT.strip()!r} above): a run "
              "of those environments stops on the first one", file=sys.stderr)
    return 1 if missing else 0


def _name_flags(args: argparse.Namespace) -> dict[str, str]:
    """--name-prefix, --project-prefix and --name KEY=TEMPLATE as a names table (prefixes first)."""
    prefixes = {PREFIX: args.name_prefix, PROJECT_PREFIX: args.project_prefix}
    names = {key: value for key, value in prefixes.items() if value}
    return {**names, **parse_pairs("--name", args.name, "api_service=orders-api")}


def run_init(args: argparse.Namespace, cwd: Path) -> int:
    names = _name_flags(args)
    check_templates("names", names, "command line")
    answers = Answers(project=args.project, environment_tag=args.environment_tag, project_tag=args.project_tag,
                      tfvars=tfvars_template(args.tfvars), env_file=args.env_file, spec="matrix.yaml",
                      waivers="waivers.yaml",
                      names=names)
    doc = None
    if args.doc:
        from envmatrix.document.parse import read_document
        from envmatrix.document.starter import starter_spec

        doc = (starter_spec(read_document(cwd / args.doc)), cwd / args.doc)
    request = InitRequest(answers, cwd / args.output, short_names=args.env, display_names=args.display,
                          tfvars_files=[value for value in args.tfvars if "=" in value],
                          spec=cwd / args.spec if args.spec else None, doc=doc,
                          regions=args.region, domains=args.domain, force=args.force)
    print("\n".join(init_project(request)))
    return 0


def build_suite(args: argparse.Namespace, cwd: Path) -> Suite:
    """The same inputs the pytest plugin loads: options, then $ENVMATRIX_*, then the config file, then defaults."""
    path = config_path(args.envmatrix_config, cwd)
    if args.envmatrix_config and not path.exists():
        raise UsageError(f"--envmatrix-config: {path} does not exist")
    project = load_config(path)
    given = {"spec": getattr(args, "spec", None), "tfvars_root": getattr(args, "tfvars_root", None),
             "env_root": getattr(args, "env_root", None), "waivers": None, "reports": None}
    root = project_root(cwd)
    settings = {name: resolve(name, option, project, cwd=cwd, rootdir=root) for name, option in given.items()}
    paths = build_paths(settings, project)
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=[], sandbox=True, project=project)
    suite.selected = suite.environments.parse_selection(args.env or ["all"])
    suite.load_selected()
    return suite


def _exports(variables: dict[str, str]) -> list[str]:
    return [f"  export {key}={shlex.quote(value)}" for key, value in variables.items()]


def describe(sandbox: object) -> list[str]:
    """What the user needs: the endpoint, the export lines for the AWS CLI, the service URLs and the CA."""
    aws = getattr(sandbox, "aws", None)
    services = getattr(sandbox, "services", None)
    if aws is None:
        return []
    lines = [f"envmatrix sandbox: AWS endpoint {aws.endpoint} (moto; {', '.join(aws.environments)} provisioned "
             f"in {aws.provision_seconds:.1f} s)", "", "Use it from a shell (fake credentials), e.g. the AWS CLI:",
             *_exports(aws.env_vars()), "  aws rds describe-db-instances", ""]
    if services is not None:
        lines.append("Reference services (HTTPS, CA below):")
        lines += [f"  {env:<11} {url}" for env, url in sorted(services.base_urls.items())]
        lines.append(f"  CA file: {services.ca_bundle}")
        printable = {k: v for k, v in services.env_vars.items() if k.startswith(_PRINTABLE_PREFIXES)}
        lines += ["", "Smoke-layer variables (smoke credentials are not printed):", *_exports(printable)]
    env_file = _write_env_file(sandbox)
    if env_file is not None:
        lines += ["", f"Every variable, smoke credentials included (file mode 0600): source {env_file}", ""]
    lines.append("Then run e.g.: pytest --env=all -m \"live or drift\"    (Ctrl-C here stops the sandbox)")
    return lines


def _write_env_file(sandbox: object) -> Path | None:
    workdir: Path | None = getattr(sandbox, "workdir", None)
    variables: dict[str, str] = {**getattr(getattr(sandbox, "aws", None), "env_vars", dict)()}
    variables.update(getattr(getattr(sandbox, "services", None), "env_vars", {}))
    if workdir is None:
        return None
    path = workdir / "sandbox.env"  # owner-only, as every file envmatrix writes: it holds the sandbox keys
    write_text_atomic(path, "".join(f"export {key}={shlex.quote(value)}\n" for key, value in variables.items()))
    return path


def _wait_for_interrupt() -> None:
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stop.wait()


def serve_lines(aws: object) -> list[str]:
    """What ``sandbox serve`` prints: the endpoint and the shell exports (fake credentials)."""
    endpoint: str = getattr(aws, "endpoint", "")
    variables: dict[str, str] = getattr(aws, "env_vars", dict)()
    return [f"envmatrix sandbox serve: AWS endpoint {endpoint} (moto with envmatrix's fixes: ECS running count "
            "and circuit breaker on create, CodeDeploy alarms, ElastiCache NumCacheClusters, Cost Explorer bill; "
            "empty: provision it yourself)", "", "Use it from a shell (fake credentials):", *_exports(variables),
            "", "Ctrl-C stops it (everything in it is forgotten)."]


def run_serve(args: argparse.Namespace) -> int:
    """``envmatrix sandbox serve``: the sandbox's moto server, empty, until Ctrl-C."""
    from envmatrix.sandbox.aws import start_server

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: {args.port} is not a TCP port (0-65535)")
    given = [f"--{name.replace('_', '-')}" for name in ("env", "spec", "tfvars_root", "env_root", "envmatrix_config")
             if getattr(args, name)]
    if given:
        raise UsageError(f"sandbox serve starts empty: {', '.join(given)}: "
                         "only `envmatrix sandbox` provisions from them")
    region = args.region or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    aws = start_server(region, port=args.port, settled=True)
    return _run_until_interrupt(serve_lines(aws), aws.stop, "envmatrix sandbox serve")


def run_sandbox(args: argparse.Namespace) -> int:
    from envmatrix.sandbox.runner import start_sandbox

    if args.action == "serve":
        return run_serve(args)
    suite = build_suite(args, Path.cwd())
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: {args.port} is not a TCP port (0-65535)")
    print(f"envmatrix sandbox: starting ({', '.join(suite.selected)}) ...", flush=True)
    sandbox = start_sandbox(suite, suite.selected, port=args.port)
    return _run_until_interrupt(describe(sandbox), sandbox.stop, "envmatrix sandbox")


def _run_until_interrupt(lines: list[str], stop: Callable[[], None], name: str) -> int:
    """Print what was started, keep it running until Ctrl-C (or SIGTERM), then stop it and say so."""
    try:
        print("\n".join(lines), flush=True)
        _wait_for_interrupt()
    finally:
        stop()
        print(f"{name}: stopped", flush=True)
    return 0


def _run_config_command(args: argparse.Namespace) -> int:
    try:
        runner = {"names": run_names, "init": run_init, "spec": run_spec, "merge": run_merge,
                  "history": run_history}[args.command]
        return runner(args, Path.cwd())
    except EnvmatrixError as exc:
        print(f"envmatrix: error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["audit"]:  # every later word is pytest's, -h included
        from envmatrix.jobs import run_audit

        return run_audit(given[1:], Path.cwd())
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ("names", "init", "spec", "merge", "history"):
        return _run_config_command(args)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("envmatrix: error: a command is required (e.g. envmatrix sandbox)", file=sys.stderr)
        return 2
    if args.command == "iam-policy":
        from envmatrix.aws.iam import policy_json

        sys.stdout.write(policy_json())
        return 0
    try:
        return run_sandbox(args)
    except EnvmatrixError as exc:
        print(f"envmatrix: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
