"""pytest hooks: --env parametrization, options, markers, waivers, and one-line failures."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from envmatrix import checkmeta, shipped
from envmatrix.catalog import MARKERS, CheckInfo, info_of, test_name_for
from envmatrix.config import (
    CONFIG_FILE,
    ProjectConfig,
    Setting,
    config_path,
    load_config,
    project_root,
    resolve,
    resolve_checks_meta,
)
from envmatrix.context import Environment, Suite, build_paths
from envmatrix.environments import Environments
from envmatrix.errors import EnvmatrixError, UsageError
from envmatrix.locations import repository_root
from envmatrix.outcome import OUTCOME_KEY, CheckOutcome, Kind, attach, outcome_of
from envmatrix.shard import ShardSelection, group_key, resolve_shard, select
from envmatrix.spec import load_spec
from envmatrix.verdict import CheckFailed, Evidence
from envmatrix.waivers import Waiver, find_unknown, load_waivers

SUITE_KEY = pytest.StashKey[Suite]()
LOAD_ERROR_KEY = pytest.StashKey[str]()
SETTINGS_KEY = pytest.StashKey[dict[str, Setting]]()
WAIVERS_KEY = pytest.StashKey[list[Waiver]]()
CONFIG_KEY = pytest.StashKey[ProjectConfig]()
#: The run's id (set by the live layer's plugin, shared with xdist workers): names the run's snapshot files.
RUN_KEY = pytest.StashKey[str]()
#: The AWS account the run's snapshots were read from (their typed ``identity``; set by the live layer's plugin
#: at the end of the session, read by the reports' header). Absent: no snapshot says.
ACCOUNT_KEY = pytest.StashKey[str]()
#: checks.yaml as read at configure time (check id -> overrides), and where it came from
CHECKS_META_KEY = pytest.StashKey[tuple[dict[str, checkmeta.CheckMeta], Setting | None]]()
#: each collected check's CheckInfo -> the same check with checks.yaml applied (one object per check)
APPLIED_KEY = pytest.StashKey[dict[CheckInfo, CheckInfo]]()
_NOT_APPLICABLE = "__not_applicable__"
#: a usage error an xdist worker found while collecting, and how it reaches the controller
USAGE_KEY = pytest.StashKey[str]()
USAGE_OUTPUT = "envmatrix_usage_error"
#: (option, value) of each envmatrix option given as two words (``--reports-dir DIR``), from the command line
SPACE_FORM_KEY = pytest.StashKey[list[tuple[str, str]]]()
#: an input error met while collecting (a check's pytest_generate_tests read a file): one usage error, not a trace
COLLECT_ERROR_KEY = pytest.StashKey[str]()
#: --shard K/N: this job's share of the selected environments (absent: the run is not sharded)
SHARD_KEY = pytest.StashKey[ShardSelection]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envmatrix", "envmatrix: environment conformance")
    group.addoption(
        "--env", action="append", dest="envmatrix_env", default=[], metavar="NAME",
        help="environment(s) to audit: the spec's names, long names or aliases, or all; comma list or repeated "
             "(default: $ENVIRONMENT)",
    )
    for name, text in (
        ("spec", "the documented matrix (YAML)"),
        ("tfvars-root", "<env>/terraform.tfvars folder, or a file/folder template ({short_name})"),
        ("env-root", "folder holding <env>.env application env files"),
        ("waivers", "waiver file (YAML)"),
        ("reports-dir", "output folder for reports and snapshots"),
    ):
        group.addoption(f"--{name}", dest=f"envmatrix_{name.replace('-', '_')}", metavar="PATH", help=text)
    group.addoption("--sandbox", action="store_true", dest="envmatrix_sandbox",
                    help="run against the embedded sandbox (moto server + reference service on loopback)")
    group.addoption("--checks-meta", dest="envmatrix_checks_meta", metavar="PATH",
                    help="check metadata overrides (YAML: check id -> severity, owner, remediation_url, tags); "
                         "default $ENVMATRIX_CHECKS_META or [paths] checks_meta")
    group.addoption("--envmatrix-config", dest="envmatrix_config", metavar="PATH",
                    help=f"project config file (default: {CONFIG_FILE} in the project root)")
    group.addoption("--shard", dest="envmatrix_shard", metavar="K/N|auto",
                    help="run shard K of N (1-based: 1/4 .. 4/4) of the selected environments, split by account and "
                         "region; auto: K from $JOB_COMPLETION_INDEX, $AWS_BATCH_JOB_ARRAY_INDEX (0-based) or "
                         "$CI_NODE_INDEX (1-based), N from $CI_NODE_TOTAL or $ENVMATRIX_SHARD_COUNT (auto/N: given); "
                         "default $ENVMATRIX_SHARD")


def space_form(options: list[Any], args: list[str]) -> list[tuple[str, str]]:
    """(option, value) of each option of ``options`` (pytest Arguments) that ``args`` gives as two words."""
    takes_value = {name for option in options if option.attrs().get("nargs") != 0 for name in option.names()}
    return [(word, value) for word, value in zip(args, args[1:], strict=False)
            if word in takes_value and not value.startswith("-")]


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Remember the options given as two words: pytest chose its rootdir and ini file before it knew them, taking
    each value that exists as a path for a test path (see _moved_rootdir)."""
    early_config.stash[SPACE_FORM_KEY] = space_form(parser.getgroup("envmatrix").options, list(args))


def _moved_rootdir(config: pytest.Config) -> str:
    """Why this run's rootdir is not the project's, when an envmatrix option's value moved it ("" when not).

    pytest picks rootdir and ini file from the arguments that exist as paths before a plugin's options are known:
    ``--reports-dir /tmp/out`` makes /tmp/out its rootdir, so the project's pytest settings are lost and the whole
    working directory is collected (the project's own tests too). ``--reports-dir=/tmp/out`` is one word and
    safe; so is a run naming --rootdir or -c (envmatrix audit).
    """
    if hasattr(config, "workerinput") or config.getoption("rootdir", None) or config.getoption("inifilename", None):
        return ""
    cwd, rootdir = Path(config.invocation_params.dir), config.rootpath.resolve()
    # pytest's rootdir is an ancestor of the arguments it took for paths: a value outside it did not move it
    taken = [(option, value) for option, value in config.stash.get(SPACE_FORM_KEY, [])
             if (cwd / value).exists() and (cwd / value).resolve().is_relative_to(rootdir)]
    project = project_root(cwd)
    if not taken or rootdir == project.resolve():
        return ""
    option, value = taken[0]
    return (f"{option} {value}: pytest took {value} for a test path before envmatrix's options were known, so its "
            f"rootdir is {config.rootpath} (ini file: {config.inipath or 'none'}), not the project's {project}; "
            f"write {option}={value} (one word), or run `envmatrix audit`")


def project_folder(config: pytest.Config) -> Path:
    """Where defaults and envmatrix.toml are looked for: pytest's rootdir only when the user named it.

    pytest otherwise guesses its rootdir from arguments that exist as paths, option values included
    (``--reports-dir /tmp/out``), which would move every default.
    """
    if config.getoption("rootdir", None) or config.getoption("inifilename", None):
        return Path(config.rootpath)
    return project_root(Path(config.invocation_params.dir))


def _settings(config: pytest.Config, project: ProjectConfig) -> dict[str, Setting]:
    cwd = Path(config.invocation_params.dir)
    root = project_folder(config)
    options = {"spec": "spec", "tfvars_root": "tfvars_root", "env_root": "env_root",
               "waivers": "waivers", "reports": "reports_dir"}
    return {
        name: resolve(name, config.getoption(f"envmatrix_{opt}"), project, cwd=cwd, rootdir=root)
        for name, opt in options.items()
    }


def _selected(config: pytest.Config, environments: Environments) -> list[str]:
    values = list(config.getoption("envmatrix_env"))
    if not values and os.environ.get("ENVIRONMENT"):
        values = [os.environ["ENVIRONMENT"]]
    return environments.parse_selection(values)


def _load(config: pytest.Config) -> Suite:
    option = config.getoption("envmatrix_config")
    path = config_path(option, Path(config.invocation_params.dir)) if option else project_folder(config) / CONFIG_FILE
    if option and not path.exists():
        raise UsageError(f"--envmatrix-config: {path} does not exist")
    project = load_config(path)
    settings = _settings(config, project)
    paths = build_paths(settings, project)
    # The spec first: it names the environments --env may select (a bad spec gives its own error).
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=[],
                  sandbox=bool(config.getoption("envmatrix_sandbox")), project=project,
                  root=repository_root(project_folder(config)))
    suite.selected = _shard(config, suite, _selected(config, suite.environments))
    suite.load_selected()
    waivers_file = paths.waivers
    explicit = settings["waivers"].source != "default"
    config.stash[WAIVERS_KEY] = (load_waivers(waivers_file, suite.environments)
                                 if explicit or waivers_file.exists() else [])
    config.stash[SETTINGS_KEY] = settings
    config.stash[CONFIG_KEY] = project
    config.stash[CHECKS_META_KEY] = _checks_meta(config, project)
    return suite


def _shard(config: pytest.Config, suite: Suite, selected: list[str]) -> list[str]:
    """This job's share of ``selected`` under --shard (every one when the run is not sharded); grouped by the
    account (configured role or profile) and region (configured, else tfvars ``aws_region``) it is read in."""
    spec = resolve_shard(config.getoption("envmatrix_shard"), os.environ)
    if spec is None:
        return selected
    project = suite.project
    chosen = select(spec, selected, lambda env: group_key(project.env(env), project.env(env).region
                                                         or suite.tfvars(env).aws_region))
    config.stash[SHARD_KEY] = chosen
    return list(chosen.environments)


def _checks_meta(config: pytest.Config, project: ProjectConfig) -> tuple[dict[str, checkmeta.CheckMeta],
                                                                           Setting | None]:
    setting = resolve_checks_meta(config.getoption("envmatrix_checks_meta"), project,
                                  cwd=Path(config.invocation_params.dir), rootdir=project_folder(config))
    if setting is None:
        return {}, None
    if not Path(setting.value).is_file():
        raise UsageError(f"checks meta path {setting.value} (from {setting.source}) does not exist")
    return checkmeta.load_checks_meta(Path(setting.value)), setting


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _nest_gc_freeze(config)
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.addinivalue_line("markers", "envmatrix_check(info): an envmatrix check (set by @check)")
    config.addinivalue_line("markers", "envmatrix_expired_waiver(waiver): the check's waiver has expired")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(JUnitProperties(), "envmatrix-junit-properties")
    moved = _moved_rootdir(config)
    if moved:
        raise pytest.UsageError(moved)
    config.pluginmanager.register(CollectionGuard(), "envmatrix-collection-guard")
    try:
        config.stash[SUITE_KEY] = _load(config)
    except EnvmatrixError as exc:
        if _asked_for_envmatrix(config):
            raise pytest.UsageError(str(exc)) from None
        # Installed but unused here (another project's tests): complain only if checks get collected.
        config.stash[LOAD_ERROR_KEY] = str(exc)


def _asked_for_envmatrix(config: pytest.Config) -> bool:
    names = ("env", "spec", "tfvars_root", "env_root", "waivers", "reports_dir", "config", "sandbox", "checks_meta",
             "shard")
    return any(config.getoption(f"envmatrix_{name}") for name in names) or bool(os.environ.get("ENVIRONMENT"))


def get_suite(config: pytest.Config) -> Suite:
    """The run's Suite; a usage error (with the reason) when the inputs could not be loaded."""
    if SUITE_KEY not in config.stash:
        raise pytest.UsageError(config.stash.get(LOAD_ERROR_KEY, "envmatrix is not configured"))
    return config.stash[SUITE_KEY]


def pytest_report_header(config: pytest.Config) -> list[str]:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None:
        return []
    lines = [f"envmatrix: environments {', '.join(suite.selected) or '(none selected)'}; "
             f"spec digest {suite.spec.digest}"]
    if SHARD_KEY in config.stash:
        lines.insert(0, config.stash[SHARD_KEY].header())
    project = config.stash[CONFIG_KEY]
    who = ", ".join(f"{env}={project.short_name(env)}" for env in suite.selected)
    lines.append(f"envmatrix: project {project.project.name}; short names {who or '-'}; tags "
                 f"{project.tags.environment}=<short name>, {project.tags.project}=<project> ({project.label()})")
    for name, setting in config.stash[SETTINGS_KEY].items():
        lines.append(f"envmatrix: {name} = {setting.value} ({setting.source})")
    overrides, meta_setting = config.stash.get(CHECKS_META_KEY, ({}, None))
    if meta_setting is not None:
        lines.append(f"envmatrix: checks_meta = {meta_setting.value} ({meta_setting.source}; "
                     f"{len(overrides)} check id(s) overridden)")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A check (``@check``) that takes ``env`` runs once per selected environment its ``applies`` admits: ``env``
    is parametrized indirectly, so the fixture itself gets the name (one fixture per check: allure-pytest writes
    a container file for each fixture a test uses)."""
    marker = metafunc.definition.get_closest_marker("envmatrix_check")
    if marker is None or "env" not in metafunc.fixturenames:
        return
    suite = get_suite(metafunc.config)
    info = marker.args[0]
    names = [env for env in suite.selected if info.applies(suite.spec.env(env))]
    metafunc.parametrize("env", names or [_NOT_APPLICABLE], indirect=True, ids=names or ["n/a"])


@pytest.fixture
def env(request: pytest.FixtureRequest) -> Environment:
    """The environment under test, bound to this check (its id prefixes every failure)."""
    environment = Environment(get_suite(request.config), str(request.param), info_of(request.node))
    environment.on_evidence = lambda ev: _record(request.node, ev)
    return environment


def _record(item: pytest.Item, evidence: Evidence) -> None:
    """Each comparison joins the item's outcome (which its reports carry)."""
    outcome = item.stash.get(OUTCOME_KEY, None)
    if outcome is not None:
        item.stash[OUTCOME_KEY] = replace(outcome, evidence=(*outcome.evidence, evidence))


def env_of(item: pytest.Item) -> str | None:
    """The environment a check's item runs for (None: not a check; a test's own ``env`` parameter is not one)."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "env" not in callspec.params or info_of(item) is None:
        return None
    name = callspec.params["env"]
    return name if isinstance(name, str) else None


def _apply_waiver(item: pytest.Item, info: CheckInfo, env: str, waivers: list[Waiver], today: dt.date) -> str:
    """Mark a waived item (xfail, or failing setup when expired); returns the waiver's description ("": none)."""
    for waiver in waivers:
        if waiver.matches(info, env):
            if waiver.expired(today):
                item.add_marker(pytest.mark.envmatrix_expired_waiver(waiver))
            else:
                item.add_marker(pytest.mark.xfail(reason=waiver.describe(), strict=True, raises=CheckFailed))
            return waiver.describe()
    return ""


@pytest.hookimpl(tryfirst=True)
def pytest_itemcollected(item: pytest.Item) -> None:
    """checks.yaml applied to the catalogue: the item's check mark now holds the overridden CheckInfo.

    Runs before every other plugin sees the item, so the JUnit properties, allure labels, the matrix report and
    the collected catalogue all read the same severity and owner from this one object.
    """
    overrides, _setting = item.config.stash.get(CHECKS_META_KEY, ({}, None))
    info = info_of(item)
    if info is None or not overrides:
        return
    applied = item.config.stash.setdefault(APPLIED_KEY, {})
    if info not in applied:
        applied[info] = checkmeta.apply(info, overrides)
    if applied[info] is not info:
        item.add_marker(pytest.mark.envmatrix_check(applied[info]), append=False)


def whole_catalogue(config: pytest.Config) -> bool:
    """The run collects every check: the project's testpaths, or the shipped checks and smoke (envmatrix audit)."""
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        return True
    given = {Path(config.invocation_params.dir, arg).resolve() for arg in config.args}
    return given == {path.resolve() for path in shipped.catalogue_paths()}


def _overrides_problem(config: pytest.Config, collected: set[CheckInfo], complete: bool) -> str:
    """Every id in checks.yaml names a check: judged on the whole catalogue, whatever -m or --env-layers selects."""
    overrides, setting = config.stash.get(CHECKS_META_KEY, ({}, None))
    if not overrides or setting is None or not complete:
        return ""  # path arguments collect only part of the catalogue: an id of a check left out cannot be judged
    problem = checkmeta.unknown_problem(overrides, {info.id for info in collected})
    return f"checks meta {setting.value}: {problem}" if problem else ""


def _refuse(config: pytest.Config, items: list[pytest.Item], message: str) -> None:
    """A usage error found while collecting: one line and exit 4, also from an xdist worker.

    A worker cannot raise it (xdist reports a crash and the line is lost): it runs nothing and hands the line
    to the controller, which ends the session with it.
    """
    if not hasattr(config, "workerinput"):
        raise pytest.UsageError(message)
    config.stash[USAGE_KEY] = message
    config.hook.pytest_deselected(items=list(items))
    items.clear()


#: pytest sessions running in this process now (a test of a pytest plugin runs sessions inside its own)
_running: list[pytest.Config] = []


def _nest_gc_freeze(config: pytest.Config) -> None:
    """A session inside another (pytester's in-process runs) thaws what was frozen when it ends: the process goes
    on, and the run's cyclic garbage must stay collectable. The outermost session leaves it frozen: its process
    ends next, and thawing would give the interpreter's exit a full collection of everything (about 0.9 s)."""
    _running.append(config)

    def done() -> None:
        _running.remove(config)
        if _running:
            gc.unfreeze()

    config.add_cleanup(done)  # the first added: run last, after pytest's own final collections


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """What start-up built (modules, service models, the spec, the items) lives until the run ends: frozen out of
    the garbage collector's reach, so its full collections during the checks and pytest's two at the end (about
    0.2 s each on this heap) walk only what the checks create (see _nest_gc_freeze for when it is thawed)."""
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session) -> None:
    gc.freeze()  # the snapshots and outcomes live until the reports are written (see pytest_collection_finish)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and USAGE_KEY in session.config.stash:
        workeroutput[USAGE_OUTPUT] = session.config.stash[USAGE_KEY]
    elif workeroutput is None and USAGE_KEY in session.config.stash:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif empty_shard(session.config) and session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK  # a shard with nothing to run did its share: not a failed job


def empty_shard(config: pytest.Config) -> bool:
    """This job is a shard that holds no environment (more shards than environments)."""
    return SHARD_KEY in config.stash and not config.stash[SHARD_KEY].environments


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    message = getattr(node, "workeroutput", {}).get(USAGE_OUTPUT)
    if message:
        node.config.stash[USAGE_KEY] = str(message)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if USAGE_KEY in config.stash and not hasattr(config, "workerinput"):
        terminalreporter.write_line(f"ERROR: {config.stash[USAGE_KEY]}", red=True)
    elif empty_shard(config):
        terminalreporter.write_line(config.stash[SHARD_KEY].header())


class CollectionGuard:
    """A bad input met while a check module generates its tests (it reads the declared files) is the run's one
    usage error (exit 4), as at configure time: never a collection traceback (exit 2)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> Generator[None, None, None]:
        try:
            return (yield)
        except EnvmatrixError as exc:
            metafunc.config.stash.setdefault(COLLECT_ERROR_KEY, str(exc))
            raise pytest.Collector.CollectError(str(exc)) from None  # its collection report: this one line


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if COLLECT_ERROR_KEY in config.stash:
        _refuse(config, items, config.stash[COLLECT_ERROR_KEY])
        return
    if empty_shard(config):  # nothing of this run is this job's
        config.hook.pytest_deselected(items=list(items))
        items.clear()
        return
    if not any(env_of(item) for item in items):
        return
    suite = get_suite(config)
    if not suite.selected:
        raise pytest.UsageError(f"no environment selected: pass --env or set $ENVIRONMENT; "
                                f"valid names: {suite.environments.valid_names()}")
    waivers = config.stash.get(WAIVERS_KEY, [])
    collected = {info for info in map(info_of, items) if info is not None}
    complete = whole_catalogue(config)
    problem = _overrides_problem(config, collected, complete)
    if problem:
        _refuse(config, items, problem)
        return
    unknown = find_unknown(waivers, collected, complete=complete)
    if unknown:
        ids = ", ".join(f"{w.check}[{w.env}]" for w in unknown)
        _refuse(config, items, f"waivers: no check has the id of waiver(s) {ids}; valid ids: "
                               f"{', '.join(sorted({info.id for info in collected}))}")
        return
    today = dt.date.today()
    keep, dropped = [], []
    for item in items:
        env, info = env_of(item), info_of(item)
        if env == _NOT_APPLICABLE:
            dropped.append(item)
            continue
        keep.append(item)
        if info is None or env is None:
            continue
        if getattr(item, "originalname", info.id) != test_name_for(info.id):
            raise pytest.UsageError(f"{item.nodeid}: check {info.id} must be named {test_name_for(info.id)}")
        item.extra_keyword_matches.add(info.id)
        # The item's outcome is made here, once: its CheckInfo after checks.yaml, environment and waiver.
        item.stash[OUTCOME_KEY] = CheckOutcome(info, env, waiver=_apply_waiver(item, info, env, waivers, today))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("envmatrix_expired_waiver")
    if marker is not None:
        waiver: Waiver = marker.args[0]
        pytest.fail(f"{waiver.env} {waiver.check}: waiver expired on {waiver.expires.isoformat()} "
                    f"(owner {waiver.owner}); fix the finding or renew the waiver", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Findings and unavailable sources are one line each, not a traceback; a check's report carries its outcome."""
    report = yield
    if call.excinfo is not None and report.failed and isinstance(call.excinfo.value, CheckFailed | EnvmatrixError):
        report.longrepr = _displayed(item, str(call.excinfo.value))
    outcome = item.stash.get(OUTCOME_KEY, None)
    if outcome is not None:
        kind = failure_kind(item, call.excinfo.value) if report.failed and call.excinfo is not None else ""
        attach(report, replace(outcome, kind=kind))
    return report


def _displayed(item: pytest.Item, text: str) -> str:
    """Failure lines name the environment as the config displays it (``[environments.<env>] display_name``)."""
    suite, env = item.config.stash.get(SUITE_KEY, None), env_of(item)
    display = suite.project.env(env).display_name if suite is not None and env else None
    if not display or not env:
        return text
    return "\n".join(display + line[len(env):] if line.startswith(f"{env} ") else line for line in text.split("\n"))


def failure_kind(item: pytest.Item, error: BaseException) -> Kind:
    """Why a check failed: the environment is wrong, the suite could not look, a waiver went stale, a bug."""
    if isinstance(error, CheckFailed):
        return "misconfiguration"
    if isinstance(error, EnvmatrixError):
        return "infrastructure"
    if isinstance(error, pytest.fail.Exception) and item.get_closest_marker("envmatrix_expired_waiver"):
        return "waiver"
    return "error"


class JUnitProperties:
    """Registered where reports are received (the controller, or the only process; an xdist worker sends only the
    outcome): before JUnit XML reads a check's report, its outcome becomes the check's JUnit properties."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = outcome_of(report)
        if outcome is not None:
            report.user_properties = [*outcome.junit_properties(), *report.user_properties]
