"""The one snapshot file store: a source's snapshot taken once per run and shared by every xdist worker.

Every layer that reads a remote source (AWS, GitHub) keeps its snapshot the same way: one JSON file under
``reports/snapshots/``, stamped with the run id; the first process of a run that needs it takes it under a file
lock and writes it (scrubbed, atomically), and every other process of the run reads that file instead of asking
the source again. A file from an earlier run, or one that no longer parses, is taken afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, Self, TypeVar

from filelock import FileLock, Timeout
from pydantic import ValidationError

from envmatrix import logsafety
from envmatrix.errors import EnvmatrixError
from envmatrix.files import write_json_atomic
from envmatrix.scrub import scrub


class RunSnapshot(Protocol):
    """What the store needs of a snapshot model (a pydantic model with a ``run_id`` field)."""

    @property
    def run_id(self) -> str: ...

    def model_dump(self, *, mode: Literal["json"]) -> dict[str, Any]: ...

    @classmethod
    def model_validate_json(cls, json_data: bytes, /) -> Self: ...


S = TypeVar("S", bound=RunSnapshot)


def snapshots_folder(reports: Path) -> Path:
    return reports / "snapshots"


class SnapshotFile(Generic[S]):
    """One source's snapshot file: read, written, or taken once per run under its lock.

    ``waiting`` starts the message of a lock timeout (``"<env>: timed out waiting for the snapshot lock"``).
    """

    def __init__(self, path: Path, model: type[S], *, lock_timeout: float, waiting: str) -> None:
        self.path, self.model, self.lock_timeout, self.waiting = path, model, lock_timeout, waiting

    def read(self) -> S | None:
        """The file's snapshot; None when it is missing or does not parse (it is then taken again)."""
        try:
            return self.model.model_validate_json(self.path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None

    def of_run(self, run_id: str) -> S | None:
        """The file's snapshot if this run took it (the terminal summary reports only the run's own)."""
        snapshot = self.read() if self.path.exists() else None
        return snapshot if snapshot is not None and snapshot.run_id == run_id else None

    def write(self, snapshot: S) -> Path:
        """Write ``snapshot`` scrubbed, as indented key-sorted JSON, atomically (readers never see half a file)."""
        return write_json_atomic(self.path, scrub(snapshot.model_dump(mode="json")))

    def shared(self, run_id: str, take: Callable[[], S]) -> S:
        """This run's snapshot: the file's when this run wrote it, else ``take()``'s, written for the others."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(f"{self.path}.lock", timeout=self.lock_timeout):
                cached = self.read()
                if cached is not None and cached.run_id == run_id:
                    return cached
                snapshot = take()
                self.write(snapshot)
                return snapshot
        except Timeout:
            raise EnvmatrixError(f"{self.waiting} {self.path}.lock") from None


def in_background(name: str, take: Callable[[], object]) -> threading.Thread:
    """Run ``take`` (a store's first ``get``) on a thread of its own, now: a source's round trips then overlap the
    rest of the run's start instead of stalling the first check that reads it. A failure is dropped here: the
    check whose ``get`` meets it again reports it (the store keeps nothing of a failed take)."""

    def run() -> None:
        try:
            take()
        except Exception:  # noqa: BLE001 - said by the check that meets it again
            pass

    logsafety.guard()
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
