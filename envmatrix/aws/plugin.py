"""pytest hooks of the live layer: the snapshot source, shared across xdist workers through a run id."""

from __future__ import annotations

import uuid

import pytest

from envmatrix.aws.account import snapshot_account
from envmatrix.aws.session import forget_sessions
from envmatrix.aws.snapshot import Snapshot
from envmatrix.aws.store import SnapshotStore, snapshot_file
from envmatrix.catalog import info_of
from envmatrix.config import ProjectConfig
from envmatrix.escape import visible
from envmatrix.plugin import ACCOUNT_KEY, CONFIG_KEY, RUN_KEY, SUITE_KEY
from envmatrix.redact import redact_text

RUN_ID = "envmatrix_live_run_id"
STORE_KEY = pytest.StashKey[SnapshotStore]()


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
    store = SnapshotStore(suite, config.stash.get(CONFIG_KEY, ProjectConfig()), config.stash[RUN_KEY])
    suite.sources.live = store.get
    config.stash[STORE_KEY] = store


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """Give every xdist worker the controller's run id: they all share one snapshot file per environment."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    node.workerinput[RUN_ID] = config.stash[RUN_KEY]  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Before the reports are written (their builder runs last): the account the typed snapshots name."""
    config = session.config
    store = config.stash.get(STORE_KEY, None)
    if store is not None and not hasattr(config, "workerinput"):
        account = snapshot_account(store.suite.paths.reports, store.suite.selected)
        if account:
            config.stash[ACCOUNT_KEY] = account


def no_access_lines(snapshots: dict[str, Snapshot]) -> list[str]:
    """One line per reason no environment could be read at all (one account's missing credentials, a region),
    naming every environment it stopped: what every failing check of theirs points at."""
    stopped: dict[str, list[str]] = {}
    for env, snapshot in snapshots.items():
        if snapshot.access:
            stopped.setdefault(visible(redact_text(snapshot.access)), []).append(env)
    return [f"envmatrix live: NO ACCESS for {', '.join(envs)}: {reason}" for reason, envs in stopped.items()]


def _run_snapshots(store: SnapshotStore) -> dict[str, Snapshot]:
    found = {env: snapshot_file(store.suite.paths.reports, env).of_run(store.run_id) for env in store.suite.selected}
    return {env: snapshot for env, snapshot in found.items() if snapshot is not None}


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Up front, before the first check runs: where live checks were collected, the environments are read now
    (the snapshots every check shares) and an environment that cannot be read at all is said once, here.

    Only where this process runs the checks (not an xdist controller, which collects nothing)."""
    store = session.config.stash.get(STORE_KEY, None)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if store is None or hasattr(session.config, "workerinput") or reporter is None:
        return
    live = [item for item in session.items if getattr(info_of(item), "layer", None) in ("live", "drift")]
    if not live:
        return
    snapshots = {env: store.get(env) for env in store.suite.selected}
    for line in no_access_lines(snapshots):
        reporter.write_line(line, red=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    store = config.stash.get(STORE_KEY, None)
    if store is None or hasattr(config, "workerinput"):
        return
    snapshots = _run_snapshots(store)
    for line in no_access_lines(snapshots):  # again here, next to the short summary, whatever ran the checks
        terminalreporter.write_line(line, red=True)
    for env, snapshot in snapshots.items():
        file = snapshot_file(store.suite.paths.reports, env)
        terminalreporter.write_line(f"envmatrix live: {env} snapshot {file.path} ({snapshot.api_calls} AWS calls, "
                                    f"{snapshot.seconds:.2f} s, client setup {snapshot.setup_seconds:.2f} s)")
        if snapshot.access:
            continue  # said once above, not once per section
        for section, (resource, reason) in sorted(snapshot.unavailable.items()):
            terminalreporter.write_line(f"envmatrix live: {env} {section} UNAVAILABLE: cannot read {resource}: "
                                        f"{reason}", red=True)
