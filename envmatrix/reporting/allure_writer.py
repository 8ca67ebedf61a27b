"""allure-pytest's result files, written by a thread of their own.

A run writes some 2,000 small files (a result, an evidence attachment and two fixture containers per check). Each
is created, written and renamed into place, and on a busy disk those metadata operations wait: measured on the
2-core machine with other jobs writing, they doubled the wall time of a 3-environment audit while costing little
CPU. allure-pytest's own ``AllureFileLogger`` is replaced by this subclass: every item is serialised where it is
reported, exactly as allure-pytest does it, and its file is written by the writer thread; the files of a previous
run are removed by that thread first. ``flush`` waits until every file is in place (the session's end, before the
reports that list them).
"""

from __future__ import annotations

import functools
import json
import os
import queue
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import allure_commons
from allure_commons.logger import AllureFileLogger
from attr import asdict

from envmatrix import logsafety


class ThreadedFileLogger(AllureFileLogger):
    """AllureFileLogger whose writes happen on one thread, in the order they were reported."""

    def __init__(self, report_dir: str | Path, stale: list[Path] | None = None) -> None:
        super().__init__(report_dir, clean=False)  # type: ignore[no-untyped-call]
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._failure: list[BaseException] = []
        #: (name, plugin) of the AllureFileLogger this one stands in for
        self.replaced: tuple[str | None, Any] = (None, None)
        self._thread = threading.Thread(target=self._drain, name="envmatrix-allure-writer", daemon=True)
        logsafety.guard()
        self._thread.start()
        for path in stale or ():
            self._jobs.put(functools.partial(path.unlink, missing_ok=True))

    def _drain(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 - kept for flush(), which raises it where the run can say it
                self._failure.append(exc)

    def _write(self, file_name: str, body: bytes) -> None:
        final = self._report_dir / file_name
        temporary = final.with_name(f"{file_name}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, final)

    def _report_item(self, item: Any) -> None:
        """As AllureFileLogger._report_item (same file name, same filter, no indent), the write deferred."""
        file_name = item.file_pattern.format(prefix=uuid.uuid4())
        data = asdict(item, filter=lambda _, value: value or value is False)
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self._jobs.put(lambda: self._write(file_name, body))

    @allure_commons.hookimpl
    def report_attached_data(self, body: str | bytes, file_name: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self._jobs.put(lambda: self._write(file_name, data))

    @allure_commons.hookimpl
    def report_attached_file(self, source: str, file_name: str) -> None:
        data = Path(source).read_bytes()  # now: the source may be gone by the time the thread writes
        self._jobs.put(lambda: self._write(file_name, data))

    def flush(self) -> None:
        """Wait until every reported file is written (then stop the thread); raise the first write that failed."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        if self._failure:
            raise self._failure[0]


def install(stale: list[Path]) -> ThreadedFileLogger | None:
    """Put a ThreadedFileLogger in place of the AllureFileLogger allure-pytest registered (None: it registered
    none, so the run writes no allure results). ``stale``: a previous run's files, removed first. ``restore``
    undoes it (allure-pytest's own clean-up then unregisters its logger as it expects)."""
    manager = allure_commons.plugin_manager
    for plugin in list(manager.get_plugins()):
        if type(plugin) is AllureFileLogger:
            name = manager.get_name(plugin)
            manager.unregister(plugin)
            threaded = ThreadedFileLogger(plugin._report_dir, stale)
            threaded.replaced = (name, plugin)
            manager.register(threaded)
            return threaded
    return None


def restore(threaded: ThreadedFileLogger) -> None:
    """Every file written; allure-pytest's logger back in its place."""
    manager = allure_commons.plugin_manager
    try:
        threaded.flush()
    finally:
        if manager.is_registered(threaded):
            manager.unregister(threaded)
        name, plugin = threaded.replaced
        if not manager.is_registered(plugin):
            manager.register(plugin, name=name)
