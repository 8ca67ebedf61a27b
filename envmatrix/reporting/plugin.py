"""pytest hooks of the reports: allure labels, the conformance-matrix report, the gate verdict, drift-since."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from envmatrix import checkmeta
from envmatrix.catalog import evidence_catalogue, info_of
from envmatrix.config import CONFIG_FILE, config_path, load_config, resolve
from envmatrix.errors import EnvmatrixError
from envmatrix.outcome import OUTCOME_KEY, CheckOutcome, info_record
from envmatrix.plugin import SUITE_KEY, failure_kind, get_suite, project_folder
from envmatrix.reporting import allure_support
from envmatrix.reporting.changes import load_snapshots
from envmatrix.reporting.gate import parse_plan
from envmatrix.reporting.keys import CATALOGUE_KEY, CATALOGUE_OUTPUT, CHECKS_OUTPUT, COLLECTED_KEY, FAIL_ON_KEY
from envmatrix.reporting.session import ReportBuilder
from envmatrix.tls import RULE, plain_http_to_remote

PLAN_KEY = pytest.StashKey[dict[str, tuple[str, ...]]]()
PREVIOUS_KEY = pytest.StashKey[tuple[dict[str, Any], list[str]]]()
#: a previous run's allure files in the results folder, removed by the allure writer thread (allure_writer.py)
STALE_ALLURE_KEY = pytest.StashKey[list[Path]]()
BUILDER_NAME = "envmatrix-reports"
JUNIT_FILE = "junit.xml"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envmatrix", "envmatrix: environment conformance")
    group.addoption("--gate", action="store_true", dest="envmatrix_gate",
                    help="promotion gate: fail unless every required check ran and passed (or is waived); "
                         "prints and writes 'GATE: PASS/FAIL — n checks, m failures, k waived'")
    group.addoption("--fail-on", dest="envmatrix_fail_on", metavar="SEVERITY", type=_fail_on,
                    help=f"gate verdict and exit status count only findings at or above SEVERITY "
                         f"({', '.join(checkmeta.SEVERITIES)}); the others are still reported as failures, "
                         f"'not gating'. Fail closed: a check that could not run (error, missing evidence, skip), "
                         f"a stale waiver, collection and usage errors always gate. "
                         f"Default ${checkmeta.FAIL_ON_VARIABLE}, else every failure gates")
    group.addoption("--env-layers", action="append", dest="envmatrix_env_layers", default=[],
                    metavar="ENV=LAYER[,LAYER]", help="run only these layers for ENV (repeatable); with --gate, "
                    "each listed layer must have run at least one check")
    group.addoption("--previous-snapshots", dest="envmatrix_previous_snapshots", metavar="DIR",
                    help="the previous run's snapshots (<env>.json); report what changed since")
    group.addoption("--notify-webhook", dest="envmatrix_notify_webhook", metavar="ENV_VAR",
                    help="after the run, post a short summary (verdict, new failures, changed settings, where the "
                         "report is) to the Slack-compatible incoming webhook whose URL the variable ENV_VAR holds; "
                         "only when something failed or changed, unless --notify-always")
    group.addoption("--notify-always", action="store_true", dest="envmatrix_notify_always",
                    help="with --notify-webhook: post also when nothing failed or changed")
    group.addoption("--previous-results", dest="envmatrix_previous_results", metavar="MATRIX_JSON",
                    help="the previous run's matrix.json, to tell new failures from old ones in the notification "
                         "(default $ENVMATRIX_PREVIOUS_RESULTS)")
    group.addoption("--history", dest="envmatrix_history", metavar="URL|PATH|off", type=_history,
                    help="where the run's results are kept over time (new/fixed/regressed findings, first seen, "
                         "the trend): a SQLite file, postgresql://user@host/db (password from PGPASSWORD or "
                         "${VARIABLE} in the URL), or off (default: [history] url, else <reports>/history.sqlite)")
    group.addoption("--no-allure", action="store_true", dest="envmatrix_no_allure",
                    help="do not write allure results to <reports>/allure-results by default")


def _fail_on(value: str, source: str = "--fail-on") -> str:
    try:
        return checkmeta.parse_severity(value, source)
    except EnvmatrixError as exc:
        raise pytest.UsageError(str(exc)) from None


def _history(value: str) -> str:
    """--history: refused at once when it writes a password into a URL, or names another kind of URL."""
    if "://" not in value:
        return value  # a file or off: nothing to refuse yet (SQLAlchemy is imported only for a URL, or to record)
    from envmatrix.history.store import HistoryError, check_no_password, resolve_url

    try:
        check_no_password(value)
        if not value.startswith(("postgres", "sqlite:///")):
            resolve_url(value, Path("."))
    except HistoryError as exc:
        raise pytest.UsageError(str(exc)) from None
    return value


def _fail_on_setting(config: pytest.Config) -> str | None:
    """--fail-on, else $ENVMATRIX_FAIL_ON, else None (every failure gates)."""
    option = config.getoption("envmatrix_fail_on")
    if option:
        return str(option)
    raw = os.environ.get(checkmeta.FAIL_ON_VARIABLE, "").strip()
    return _fail_on(raw, f"${checkmeta.FAIL_ON_VARIABLE}") if raw else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    fail_on = config.stash.get(FAIL_ON_KEY, None)
    if fail_on is None:
        return []
    source = "--fail-on" if config.getoption("envmatrix_fail_on") else f"${checkmeta.FAIL_ON_VARIABLE}"
    return [f"envmatrix: fail on {fail_on} and above ({source}); findings below it are reported, not gating; "
            f"checks that could not run always gate"]


def _reports_dir(config: pytest.Config) -> Path | None:
    """The reports folder as the core plugin will resolve it (before it runs), or None if config is bad."""
    cwd, root = Path(config.invocation_params.dir), project_folder(config)
    option = config.getoption("envmatrix_config")
    try:
        project = load_config(config_path(option, cwd) if option else root / CONFIG_FILE)
    except EnvmatrixError:
        return None
    return Path(resolve("reports", config.getoption("envmatrix_reports_dir"), project, cwd=cwd, rootdir=root).value)


def _snapshot_names(directory: Path) -> list[str]:
    """The environments a previous run left a snapshot of (read before the spec is loaded: every ``<env>.json``)."""
    return sorted(path.stem for path in directory.glob("*.json"))


def _checks_requested(config: pytest.Config) -> bool:
    """A run that audits environments (not --collect-only, not the project's own tests) gets reports."""
    if config.option.collectonly:
        return False
    return bool(config.getoption("envmatrix_env") or os.environ.get("ENVIRONMENT"))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Controller only, before any plugin configures: read the previous snapshots, default the allure dir."""
    previous = config.getoption("envmatrix_previous_snapshots")
    if previous:
        directory = Path(config.invocation_params.dir, previous)
        if directory.is_dir():
            config.stash[PREVIOUS_KEY] = load_snapshots(directory, _snapshot_names(directory))
        else:
            config.stash[PREVIOUS_KEY] = ({}, [f"previous snapshots: {directory} does not exist (first run?)"])
    if not _checks_requested(config):
        return
    reports = _reports_dir(config)
    if reports is not None and not config.option.xmlpath:
        config.option.xmlpath = str(reports / JUNIT_FILE)  # a plain run writes JUnit beside the other reports
    if config.option.allure_report_dir or config.getoption("envmatrix_no_allure"):
        return
    if reports is not None:
        results = reports / allure_support.RESULTS_DIR
        config.stash[STALE_ALLURE_KEY] = allure_support.previous_results(results)  # removed by the writer thread
        config.option.allure_report_dir = str(results)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _write_allure_in_background(config)
    layers = config.getoption("envmatrix_env_layers")
    try:  # the spec names the environments --env-layers may name
        plan = parse_plan(layers, get_suite(config).environments) if layers else {}
    except EnvmatrixError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[PLAN_KEY] = plan
    config.stash[FAIL_ON_KEY] = _fail_on_setting(config)
    if config.getoption("envmatrix_notify_always") and not config.getoption("envmatrix_notify_webhook"):
        raise pytest.UsageError("--notify-always needs --notify-webhook ENV_VAR (the variable holding the URL)")
    webhook = config.getoption("envmatrix_notify_webhook")
    if webhook and plain_http_to_remote(os.environ.get(webhook, "")):  # the URL itself is a secret: not shown
        raise pytest.UsageError(f"--notify-webhook: ${webhook} holds a plain http URL to a non-loopback host; {RULE}")
    suite = config.stash.get(SUITE_KEY, None)
    if plan and suite is not None:
        unselected = [env for env in plan if env not in suite.selected]
        if unselected:
            raise pytest.UsageError(f"--env-layers names {', '.join(unselected)}, which --env does not select "
                                    f"(selected: {', '.join(suite.selected) or 'none'})")
    if suite is None or hasattr(config, "workerinput") or not _checks_requested(config):
        return  # workers report to the controller; a session that audits no environment writes no report
    previous = config.stash.get(PREVIOUS_KEY, None)
    if previous is None and config.getoption("envmatrix_previous_snapshots"):
        # Not started through cmdline_main (e.g. an embedding runner): read them now.
        directory = Path(config.getoption("envmatrix_previous_snapshots"))
        previous = load_snapshots(directory, _snapshot_names(directory))
    builder = ReportBuilder(config, suite, plan, previous)
    config.pluginmanager.register(builder, BUILDER_NAME)


def _write_allure_in_background(config: pytest.Config) -> None:
    """Where allure-pytest writes results (after its own pytest_configure), its files are written by a thread
    (allure_writer.py); everything is on disk by the configuration's clean-up, before the process ends."""
    from envmatrix.reporting import allure_writer

    threaded = allure_writer.install(config.stash.get(STALE_ALLURE_KEY, []))
    if threaded is not None:
        config.add_cleanup(lambda: allure_writer.restore(threaded))


def _in_plan(outcome: CheckOutcome, plan: dict[str, tuple[str, ...]]) -> bool:
    return outcome.environment not in plan or outcome.layer in plan[outcome.environment]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    plan = config.stash.get(PLAN_KEY, {})
    keep, dropped = [], []
    for item in items:
        outcome = item.stash.get(OUTCOME_KEY, None)
        if outcome is None:
            keep.append(item)
        elif _in_plan(outcome, plan):
            allure_support.decorate(item, outcome)
            keep.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    # Every check this session collected, selected or not: what the report can say exists but did not run.
    config.stash[CATALOGUE_KEY] = evidence_catalogue(config.stash.get(COLLECTED_KEY, set()))


def pytest_itemcollected(item: pytest.Item) -> None:
    info = info_of(item)
    if info is not None:
        item.config.stash.setdefault(COLLECTED_KEY, set()).add(info)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and CATALOGUE_KEY in session.config.stash:
        workeroutput[CATALOGUE_OUTPUT] = session.config.stash[CATALOGUE_KEY]
    if workeroutput is not None:
        workeroutput[CHECKS_OUTPUT] = [info_record(info) for info in session.config.stash.get(COLLECTED_KEY, set())]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """While allure still holds this test open: its title carries the check id; evidence is attached."""
    outcome = item.stash.get(OUTCOME_KEY, None)
    if outcome is None or not item.config.pluginmanager.has_plugin("allure_listener"):
        return
    info = outcome.info
    allure_support.attach_evidence(outcome.evidence, f"{info.id} [{outcome.environment}] {info.title.splitlines()[0]}")


__all__ = ["failure_kind"]
