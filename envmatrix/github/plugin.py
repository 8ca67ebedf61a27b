"""pytest hooks of the GitHub evidence: the github snapshot source and its summary line."""

from __future__ import annotations

import pytest

from envmatrix.config import ProjectConfig
from envmatrix.errors import UsageError
from envmatrix.github.settings import GithubSettings, check_api_url_variable, resolve_github
from envmatrix.github.snapshot import describe
from envmatrix.github.store import GithubStore, github_snapshot_file
from envmatrix.plugin import CONFIG_KEY, RUN_KEY, SUITE_KEY

STORE_KEY = pytest.StashKey[GithubStore]()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None:
        return
    project = config.stash.get(CONFIG_KEY, ProjectConfig())
    try:
        check_api_url_variable()
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None

    def settings() -> GithubSettings:
        return resolve_github(project)  # read when first needed: the sandbox exports its stand-in first

    store = GithubStore(suite, settings, lambda: config.stash[RUN_KEY])
    suite.sources.github = store.get
    config.stash[STORE_KEY] = store


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Where this process runs GitHub checks, take the snapshot in the background as soon as they are known."""
    config = session.config
    store = config.stash.get(STORE_KEY, None)
    if store is None or config.option.collectonly or session.testsfailed:
        return
    if any(item.get_closest_marker("github") for item in session.items):
        store.prefetch()


def pytest_report_header(config: pytest.Config) -> list[str]:
    store = config.stash.get(STORE_KEY, None)
    if store is None or not store.approvals():
        return []
    try:
        found = resolve_github(config.stash.get(CONFIG_KEY, ProjectConfig()))
    except UsageError as exc:
        return [f"envmatrix github: {exc}"]
    return [f"envmatrix github: {found.repository or '(no repository)'} ({found.repository_source}) at "
            f"{found.api_url} ({found.api_url_source}); token {found.token_source}; trust: {found.ca_source}"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    store = config.stash.get(STORE_KEY, None)
    if store is None or hasattr(config, "workerinput"):
        return
    file = github_snapshot_file(store.suite.paths.reports)
    snapshot = file.of_run(config.stash[RUN_KEY])
    if snapshot is None:
        return
    terminalreporter.write_line(f"envmatrix github: snapshot {file.path} ({snapshot.api_calls} GitHub calls, "
                                f"{snapshot.seconds:.2f} s)")
    for line in [*snapshot.problems, *describe(snapshot.readings)]:
        terminalreporter.write_line(f"envmatrix github: {line}")
