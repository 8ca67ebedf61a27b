"""The GitHub snapshot taken once per run and shared by every xdist worker (envmatrix.snapshots' file and lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from envmatrix.context import Suite
from envmatrix.github.settings import GithubSettings
from envmatrix.github.snapshot import GithubSnapshot, take_github_snapshot
from envmatrix.snapshots import SnapshotFile, in_background, snapshots_folder
from envmatrix.spec import Approvals

LOCK_TIMEOUT = 120.0


def github_snapshot_path(reports: Path) -> Path:
    return snapshots_folder(reports) / "github.json"


def github_snapshot_file(reports: Path) -> SnapshotFile[GithubSnapshot]:
    """The run's GitHub snapshot file (envmatrix.snapshots: the store every source shares)."""
    return SnapshotFile(github_snapshot_path(reports), GithubSnapshot, lock_timeout=LOCK_TIMEOUT,
                        waiting="timed out waiting for the GitHub snapshot lock")


class GithubStore:
    """Gives the run's GitHub snapshot: from memory, the run's file, or the API (once per run)."""

    def __init__(self, suite: Suite, settings: Callable[[], GithubSettings], run_id: Callable[[], str]) -> None:
        self.suite, self._settings, self._run_id = suite, settings, run_id
        self._memo: GithubSnapshot | None = None
        self._lock = threading.Lock()

    def approvals(self) -> list[Approvals]:
        spec = self.suite.spec
        found = (spec.env(env).approvals for env in self.suite.selected if env in spec.environments)
        return [approvals for approvals in found if approvals is not None]

    def get(self, _env: str) -> GithubSnapshot:
        with self._lock:
            if self._memo is None:
                self._memo = self._shared()
            return self._memo

    def prefetch(self) -> threading.Thread:
        """Take the snapshot in the background now; the first ``get`` waits for it."""
        return in_background("envmatrix-github-prefetch", lambda: self.get(""))

    def _shared(self) -> GithubSnapshot:
        run_id = self._run_id()
        return github_snapshot_file(self.suite.paths.reports).shared(
            run_id, lambda: take_github_snapshot(self._settings(), self.approvals(), run_id))
