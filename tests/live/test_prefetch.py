"""Snapshots are taken in the background as soon as collection says which environments the run reads, and only
those: a gate whose production runs declared and parity only never reads production's AWS."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from envmatrix.aws.store import SnapshotStore
from envmatrix.config import ProjectConfig
from tests.live.conftest import repo_suite, suite_args


def _store(tmp_path: Path, taken: list[str], delay: float = 0.0) -> SnapshotStore:
    store = SnapshotStore(repo_suite(tmp_path), ProjectConfig(), "run-1")

    def shared(env: str) -> Any:
        time.sleep(delay)
        taken.append(env)
        return f"snapshot of {env}"

    store._shared = shared  # type: ignore[method-assign]
    store.blocked = lambda env: None  # type: ignore[method-assign]  # every environment readable
    return store


def test_prefetch_takes_only_the_environments_it_is_given(tmp_path: Path) -> None:
    taken: list[str] = []
    store = _store(tmp_path, taken, delay=0.2)
    thread = store.prefetch(["staging"])
    assert thread is not None and thread.name == "envmatrix-prefetch"
    started = time.perf_counter()
    assert store.get("staging") == "snapshot of staging"  # waits for the prefetch, does not take it again
    assert time.perf_counter() - started < 0.2 + 0.15
    thread.join(5)
    assert taken == ["staging"]


def test_an_environment_asked_for_later_is_taken_then(tmp_path: Path) -> None:
    taken: list[str] = []
    store = _store(tmp_path, taken)
    thread = store.prefetch(["dev"])
    assert thread is not None
    thread.join(5)
    assert store.get("production") == "snapshot of production"
    assert taken == ["dev", "production"]


def test_nothing_to_read_starts_nothing(tmp_path: Path) -> None:
    taken: list[str] = []
    store = _store(tmp_path, taken)
    assert store.prefetch([]) is None
    assert store.get("dev") == "snapshot of dev"
    assert sorted(taken) == ["dev", "production", "staging"]  # no prefetch: the first get takes every selected one


def test_a_failing_prefetch_is_met_again_by_the_check(tmp_path: Path) -> None:
    store = SnapshotStore(repo_suite(tmp_path), ProjectConfig(), "run-1")
    attempts: list[str] = []
    gate = threading.Event()

    def shared(env: str) -> Any:
        attempts.append(env)
        gate.set()
        raise RuntimeError(f"{env}: endpoint gone")

    store._shared = shared  # type: ignore[method-assign]
    store.blocked = lambda env: None  # type: ignore[method-assign]
    thread = store.prefetch(["dev"])
    assert thread is not None
    thread.join(5)
    assert gate.is_set()
    with pytest.raises(RuntimeError, match="dev: endpoint gone"):
        store.get("dev")
    assert attempts == ["dev", "dev"]


def test_an_environment_that_cannot_be_read_is_left_to_its_checks(tmp_path: Path) -> None:
    taken: list[str] = []
    store = _store(tmp_path, taken)
    store.blocked = lambda env: ("no credentials", "") if env == "dev" else None  # type: ignore[method-assign]
    thread = store.prefetch(["dev", "staging"])
    assert thread is not None
    thread.join(5)
    assert taken == ["staging"]
    assert store.get("dev") == "snapshot of dev"  # asked for: taken (and its checks say why it is unavailable)
    assert taken == ["staging", "dev"]


def test_a_gate_reads_only_the_environments_its_plan_reads(pytester: pytest.Pytester, aws_env: dict[str, str],
                                                           tmp_path: Path) -> None:
    result = pytester.runpytest(*suite_args(tmp_path, "--env=staging,production", "--env-layers=staging=live",
                                            "--env-layers=production=declared,parity", "--gate", "--history=off"))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    snapshots = tmp_path / "snapshots"
    assert (snapshots / "staging.json").exists()
    assert not (snapshots / "production.json").exists()  # declared and parity only: production's AWS is not read
    assert json.loads((snapshots / "staging.json").read_text())["api_calls"] > 0
