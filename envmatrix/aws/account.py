"""The AWS account a run's snapshots were read from (their typed identity section), for the reports' header."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envmatrix.aws.snapshot import Snapshot
from envmatrix.aws.store import snapshot_path


def snapshot_account(reports: Path, environments: Sequence[str]) -> str:
    """``Snapshot.identity.account`` of the first environment whose snapshot has one ("" when none says: the
    header never guesses)."""
    for env in environments:
        try:
            snapshot = Snapshot.model_validate_json(snapshot_path(reports, env).read_bytes())
        except (OSError, ValueError):  # absent or unreadable: pydantic's ValidationError is a ValueError
            continue
        if snapshot.identity is not None:
            return snapshot.identity.account
    return ""
