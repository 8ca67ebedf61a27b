"""pytest hooks of the live layer: the snapshot source, shared across xdist workers through a run id."""

from __future__ import annotations

import uuid

import pytest

from envmatrix.aws.account import snapshot_account
from envmatrix.aws.session import forget_sessions
from envmatrix.aws.store import SnapshotStore, snapshot_file
from envmatrix.config import ProjectConfig
from envmatrix.plugin import ACCOUNT_KEY, CONFIG_KEY, RUN_KEY, SUITE_KEY

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    store = config.stash.get(STORE_KEY, None)
    if store is None or hasattr(config, "workerinput"):
        return
    for env in store.suite.selected:
        file = snapshot_file(store.suite.paths.reports, env)
        snapshot = file.of_run(store.run_id)
        if snapshot is None:
            continue
        terminalreporter.write_line(f"envmatrix live: {env} snapshot {file.path} ({snapshot.api_calls} AWS calls, "
                                    f"{snapshot.seconds:.2f} s, client setup {snapshot.setup_seconds:.2f} s)")
        for section, (resource, reason) in sorted(snapshot.unavailable.items()):
            terminalreporter.write_line(f"envmatrix live: {env} {section} UNAVAILABLE: cannot read {resource}: "
                                        f"{reason}", red=True)
