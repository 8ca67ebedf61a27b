"""The GitHub snapshot taken once per run and shared by every xdist worker (file + lock, like the AWS store)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import ValidationError

from envmatrix.context import Suite
from envmatrix.errors import EnvmatrixError
from envmatrix.files import write_text_atomic
from envmatrix.github.settings import GithubSettings
from envmatrix.github.snapshot import GithubSnapshot, take_github_snapshot
from envmatrix.scrub import scrub
from envmatrix.spec import Approvals

LOCK_TIMEOUT = 120.0


def github_snapshot_path(reports: Path) -> Path:
    return reports / "snapshots" / "github.json"


def read_github_snapshot(path: Path) -> GithubSnapshot | None:
    try:
        return GithubSnapshot.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


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

    def _shared(self) -> GithubSnapshot:
        path = github_snapshot_path(self.suite.paths.reports)
        path.parent.mkdir(parents=True, exist_ok=True)
        run_id = self._run_id()
        try:
            with FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT):
                cached = read_github_snapshot(path)
                if cached is not None and cached.run_id == run_id:
                    return cached
                snapshot = take_github_snapshot(self._settings(), self.approvals(), run_id)
                text = json.dumps(scrub(snapshot.model_dump(mode="json")), indent=2, sort_keys=True)
                write_text_atomic(path, text + "\n")
                return snapshot
        except Timeout:
            raise EnvmatrixError(f"timed out waiting for the GitHub snapshot lock {path}.lock") from None
