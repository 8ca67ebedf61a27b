"""The probe bench/breakdown_bench.py loads into each measured run (``-p breakdown_probe``): where the run's time goes.

It is imported before any envmatrix plugin (``-p`` plugins load ahead of the entry points), marks the moments of
the run (pytest imported, plugins loaded, collection, the checks, the reports) and times the functions that parse
the inputs and write each report format, by wrapping them where the modules that call them look them up. It writes
one JSON file ($BREAKDOWN_PROBE_OUTPUT) at exit. Nothing here changes what the run does.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

OUTPUT = "BREAKDOWN_PROBE_OUTPUT"
#: the wall-clock time (time.time()) the bench started the process: interpreter start-up is counted from it
STARTED = "BREAKDOWN_PROBE_STARTED"

_started = float(os.environ.get(STARTED) or time.time())
marks: dict[str, float] = {"pytest imported": time.time() - _started}
spent: dict[str, float] = defaultdict(float)
_main = threading.main_thread()


def mark(name: str) -> None:
    marks.setdefault(name, time.time() - _started)


def timed(label: str, function: Callable[..., Any], *, main_thread_only: bool = False) -> Callable[..., Any]:
    """``function`` adding its wall time to ``spent[label]`` (only the main thread's calls, if asked: the time the
    checks waited)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if main_thread_only and threading.current_thread() is not _main:
            return function(*args, **kwargs)
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - began

    return wrapper


def _wrap(module: Any, name: str, label: str, **options: bool) -> None:
    setattr(module, name, timed(label, getattr(module, name), **options))


def _instrument_inputs() -> None:
    """The input parsers, wrapped before the plugins import them by name (``from envmatrix.spec import ...``), and
    the snapshot store's ``get`` (the checks' wait), before the live plugin binds it."""
    import envmatrix.spec
    from envmatrix.aws.store import SnapshotStore
    from envmatrix.context import Suite

    _wrap(envmatrix.spec, "load_spec", "parse: spec")
    _wrap(Suite, "tfvars", "parse: tfvars")
    _wrap(Suite, "env_file", "parse: env files")
    _wrap(SnapshotStore, "get", "checks waiting for snapshots", main_thread_only=True)
    try:
        import envmatrix.document.parse
    except ImportError:
        return
    _wrap(envmatrix.document.parse, "read_document", "parse: document")


def _instrument_reports() -> None:
    """Each report format's writer, wrapped where the session's code looks it up (at pytest_configure: the
    reporting modules are imported by then)."""
    import _pytest.junitxml

    import envmatrix.reporting.model
    import envmatrix.reporting.output
    import envmatrix.reporting.session

    output = envmatrix.reporting.output
    _wrap(envmatrix.reporting.model.Matrix, "dump", "report: json")
    _wrap(output, "write_json_atomic", "report: json")
    _wrap(output, "render_html", "report: html")
    _wrap(output, "render_markdown", "report: md")
    session = envmatrix.reporting.session
    for cls in vars(session).values():
        if isinstance(cls, type) and hasattr(cls, "_write_sarif"):
            _wrap(cls, "_write_sarif", "report: sarif")
            _wrap(cls, "_record_history", "report: history")
            _wrap(cls, "_write_allure", "report: allure files at the end")
    _wrap(_pytest.junitxml.LogXML, "pytest_sessionfinish", "report: junit")


_instrument_inputs()
mark("probe ready")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    mark("plugins loaded")
    _instrument_reports()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Any:
    """Each check's whole protocol (set-up, call, tear-down, reports), added up by layer."""
    from envmatrix.catalog import info_of

    began = time.perf_counter()
    try:
        return (yield)
    finally:
        layer = getattr(info_of(item), "layer", None) or "other"
        spent[f"checks: {layer}"] += time.perf_counter() - began


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    mark("configured")


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    mark("collection started")


def pytest_collection_finish(session: pytest.Session) -> None:
    mark("collected")
    marks["items"] = len(session.items)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Any:
    mark("checks started")
    try:
        return (yield)
    finally:
        mark("checks done")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Any:
    mark("reports started")
    try:
        return (yield)
    finally:
        mark("reports done")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    mark("unconfigured")


@atexit.register
def _write() -> None:
    mark("exit")
    target = os.environ.get(OUTPUT)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if target and worker:
        target = f"{target}.{worker}"  # an xdist worker's own figures, beside the controller's
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"marks": marks, "spent": dict(spent)}, out)
