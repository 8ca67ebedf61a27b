"""pytest hooks of the live layer: the snapshot source, shared across xdist workers through a run id."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import pytest

from envmatrix.aws.account import snapshot_account
from envmatrix.aws.session import forget_sessions
from envmatrix.aws.snapshot import Snapshot, access_text
from envmatrix.aws.store import SnapshotStore, snapshot_file
from envmatrix.aws.target import ChangeWindow
from envmatrix.aws.window import VARIABLE, parse_since, resolve
from envmatrix.catalog import info_of
from envmatrix.config import MAX_RATE, ProjectConfig
from envmatrix.context import Suite
from envmatrix.errors import EnvmatrixError
from envmatrix.escape import visible
from envmatrix.plugin import ACCOUNT_KEY, CONFIG_KEY, RUN_KEY, SUITE_KEY, env_of
from envmatrix.redact import redact_text

RUN_ID = "envmatrix_live_run_id"
#: the run's CloudTrail window, as the controller resolved it: [start, end, label, page cap]
CHANGES = "envmatrix_live_changes"
#: layers whose checks read the snapshot
READS_AWS = ("live", "drift")
STORE_KEY = pytest.StashKey[SnapshotStore]()
#: the NO ACCESS lines were said up front in this run (by the controller, once)
SAID_KEY = pytest.StashKey[bool]()


def _since(value: str) -> dt.datetime | str:
    try:
        return parse_since(value)
    except EnvmatrixError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envmatrix", "envmatrix: environment conformance")
    group.addoption("--changes-since", dest="envmatrix_changes_since", metavar="TIME|last-run", type=_since,
                    help="change control reads CloudTrail's write events since TIME (ISO 8601, UTC unless it says) "
                         "or since the previous run's snapshots ('last-run': --previous-snapshots, else the reports "
                         f"folder's); at most 90 days back. Default ${VARIABLE}, else the spec's "
                         "change_control.window_hours")
    group.addoption("--aws-max-rate", dest="envmatrix_aws_max_rate", metavar="PER_SECOND", type=_max_rate,
                    help="AWS requests per second per account, region and service, shared by every environment "
                         "read there (default [aws] max_rate, else 20)")


def _changes(config: pytest.Config, suite: Suite) -> ChangeWindow:
    """The run's window: the controller resolves it once (a worker is given it, so a later run's files or the
    clock cannot move it); the option, else $ENVMATRIX_CHANGES_SINCE, else envmatrix.toml's [aws] changes_since,
    else the spec's hours."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput and workerinput.get(CHANGES):
        start, end, label, cap = workerinput[CHANGES]
        return ChangeWindow(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end), label, int(cap))
    chosen = config.getoption("envmatrix_changes_since", None)
    if chosen is None and os.environ.get(VARIABLE, "").strip():
        chosen = _since_variable(os.environ[VARIABLE])
    configured = config.stash.get(CONFIG_KEY, ProjectConfig()).aws.changes_since
    if chosen is None and configured:
        chosen = _since_variable(configured, "envmatrix.toml [aws] changes_since")
    previous = config.getoption("envmatrix_previous_snapshots", None)
    base = Path(config.invocation_params.dir)
    folders = [*([base / previous] if previous else []), suite.paths.reports / "snapshots"]
    return resolve(chosen, suite.spec.change_control, dt.datetime.now(dt.UTC), folders, suite.selected)


def _since_variable(value: str, source: str = f"${VARIABLE}") -> dt.datetime | str:
    try:
        return parse_since(value, source)
    except EnvmatrixError as exc:
        raise pytest.UsageError(str(exc)) from None


def _max_rate(value: str) -> float:
    """--aws-max-rate: a number of requests per second, 0 < rate <= MAX_RATE (else a usage error naming it)."""
    try:
        rate = float(value)
    except ValueError:
        rate = float("nan")
    if not 0 < rate <= MAX_RATE:
        raise pytest.UsageError(f"--aws-max-rate: {value!r} is not a number of requests per second in (0, "
                                f"{MAX_RATE:g}]")
    return rate


def with_max_rate(project: ProjectConfig, rate: float | None) -> ProjectConfig:
    """``project`` with ``[aws] max_rate`` replaced by the command line's ``rate`` (None: as configured)."""
    if rate is None:
        return project
    changed = project.model_copy(update={"aws": project.aws.model_copy(update={"max_rate": rate})})
    changed._source = project.source
    return changed


def _run_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and workerinput.get(RUN_ID):
        return str(workerinput[RUN_ID])
    return uuid.uuid4().hex


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[RUN_KEY] = _run_id(config)
    forget_sessions()  # credentials and endpoint are read afresh for every run
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None:
        return
    project = with_max_rate(config.stash.get(CONFIG_KEY, ProjectConfig()), config.getoption("envmatrix_aws_max_rate"))
    store = SnapshotStore(suite, project, config.stash[RUN_KEY], _changes(config, suite))
    suite.sources.live = store.get
    config.stash[STORE_KEY] = store


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Give every xdist worker the controller's run id: they all share one snapshot file per environment."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    node.workerinput[RUN_ID] = config.stash[RUN_KEY]  # type: ignore[attr-defined]
    store = config.stash.get(STORE_KEY, None)
    if store is not None and store.changes is not None:
        window = store.changes
        node.workerinput[CHANGES] = [window.start.isoformat(), window.end.isoformat(),  # type: ignore[attr-defined]
                                     window.label, window.page_cap]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Before the reports are written (their builder runs last): the account the typed snapshots name."""
    config = session.config
    store = config.stash.get(STORE_KEY, None)
    if store is not None and not hasattr(config, "workerinput"):
        account = snapshot_account(store.suite.paths.reports, store.suite.selected)
        if account:
            config.stash[ACCOUNT_KEY] = account


def retries_text(retries: dict[str, int]) -> str:
    """", n retries (service:Operation n, ...)" for a snapshot whose reads were retried (throttling), else ""."""
    if not retries:
        return ""
    each = ", ".join(f"{operation} {count}" for operation, count in sorted(retries.items()))
    return f", {sum(retries.values())} retries ({each})"


def no_access_lines(access: dict[str, str]) -> list[str]:
    """One line per reason environments could not be read at all (environment -> its reason, "" where it could:
    one account's missing credentials, a region), naming every environment it stops: what each of their
    failing checks points at."""
    stopped: dict[str, list[str]] = {}
    for env, reason in access.items():
        if reason:
            stopped.setdefault(visible(redact_text(reason)), []).append(env)
    return [f"envmatrix live: NO ACCESS for {', '.join(envs)}: {reason}" for reason, envs in stopped.items()]


def _run_snapshots(store: SnapshotStore) -> dict[str, Snapshot]:
    found = {env: snapshot_file(store.suite.paths.reports, env).of_run(store.run_id) for env in store.suite.selected}
    return {env: snapshot for env, snapshot in found.items() if snapshot is not None}


def _say_no_access_up_front(config: pytest.Config, store: SnapshotStore) -> None:
    """Before the first check runs: each selected environment that cannot be read at all, said once (nothing is
    read or written here; the snapshots stay where the first check that needs one takes it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or config.option.collectonly or config.stash.get(SAID_KEY, False):
        return
    config.stash[SAID_KEY] = True
    access: dict[str, str] = {}
    for env in store.suite.selected:
        try:
            blocked = store.blocked(env)
        except EnvmatrixError:
            continue  # its checks say why
        access[env] = access_text(blocked[0]) if blocked else ""
    for line in no_access_lines(access):
        reporter.write_line(line, red=True)


def reading_environments(items: list[pytest.Item]) -> list[str]:
    """The environments whose live or drift checks were collected (and not deselected), in collection order; the
    GitHub checks of the live layer read GitHub, not AWS."""
    envs = (env_of(item) for item in items
            if getattr(info_of(item), "layer", None) in READS_AWS and not item.get_closest_marker("github"))
    return list(dict.fromkeys(env for env in envs if env))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Where this process runs checks (one process, or each xdist worker: the snapshot file's lock makes one of
    them take each snapshot), start taking the snapshots its live and drift checks read as soon as they are
    known: collection is done and deselection (-m, --env-layers) has happened."""
    config = session.config
    store = config.stash.get(STORE_KEY, None)
    if store is None or config.option.collectonly or session.testsfailed:
        return
    store.prefetch([env for env in reading_environments(session.items) if env in store.suite.selected])


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Up front, where this process runs the checks: once collection (and deselection) succeeded, if live or
    drift checks are about to run. (An xdist controller runs none: see the next hook.)"""
    store = session.config.stash.get(STORE_KEY, None)
    if store is None or hasattr(session.config, "workerinput"):
        return
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        return  # collection failed: the run stops before any check
    if any(getattr(info_of(item), "layer", None) in READS_AWS for item in session.items):
        _say_no_access_up_front(session.config, store)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Up front under xdist: the controller collects nothing, its first worker's ids say what runs (the shipped
    layout: a check's folder is its layer)."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    store = config.stash.get(STORE_KEY, None)
    if store is not None and any(f"/{layer}/" in f"/{node_id}" for node_id in ids for layer in READS_AWS):
        _say_no_access_up_front(config, store)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    store = config.stash.get(STORE_KEY, None)
    if store is None or hasattr(config, "workerinput"):
        return
    snapshots = _run_snapshots(store)
    # again here, next to the short summary, whatever process ran the checks
    for line in no_access_lines({env: snapshot.access for env, snapshot in snapshots.items()}):
        terminalreporter.write_line(line, red=True)
    for env, snapshot in snapshots.items():
        file = snapshot_file(store.suite.paths.reports, env)
        terminalreporter.write_line(f"envmatrix live: {env} snapshot {file.path} ({snapshot.api_calls} AWS calls"
                                    f"{retries_text(snapshot.api_retries)}, {snapshot.seconds:.2f} s, client setup "
                                    f"{snapshot.setup_seconds:.2f} s)")
        if snapshot.access:
            continue  # said once above, not once per section
        for section, (resource, reason) in sorted(snapshot.unavailable.items()):
            terminalreporter.write_line(f"envmatrix live: {env} {section} UNAVAILABLE: cannot read {resource}: "
                                        f"{reason}", red=True)
