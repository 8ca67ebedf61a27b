"""The snapshot store: each environment's snapshot taken once per run and shared by every xdist worker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from envmatrix.aws.session import access_label, clients_for, missing_credentials
from envmatrix.aws.snapshot import Snapshot, take_snapshot, unavailable_snapshot
from envmatrix.aws.target import AwsTarget, ChangeWindow, Wants
from envmatrix.config import ProjectConfig, env_names, name_sources
from envmatrix.context import Suite
from envmatrix.errors import InventoryUnavailable
from envmatrix.snapshots import SnapshotFile, in_background, snapshots_folder

LOCK_TIMEOUT = 300.0


def snapshot_path(reports: Path, env: str) -> Path:
    return snapshots_folder(reports) / f"{env}.json"


def snapshot_file(reports: Path, env: str) -> SnapshotFile[Snapshot]:
    """The environment's snapshot file of the run (envmatrix.snapshots: the store every source shares)."""
    return SnapshotFile(snapshot_path(reports, env), Snapshot, lock_timeout=LOCK_TIMEOUT,
                        waiting=f"{env}: timed out waiting for the snapshot lock")


class SnapshotStore:
    """Gives each environment's snapshot: from this process's memory, the run's file, or AWS (once)."""

    def __init__(self, suite: Suite, project: ProjectConfig, run_id: str,
                 changes: ChangeWindow | None = None) -> None:
        self.suite, self.project, self.run_id = suite, project, run_id
        self.changes = changes  # the run's CloudTrail window (one for every environment and worker)
        self._memo: dict[str, Snapshot] = {}
        self._lock = threading.Lock()
        #: the environments whose snapshots this process's checks read (prefetch narrows it to what was collected)
        self.reads: list[str] = list(suite.selected)

    def get(self, env: str) -> Snapshot:
        """The environment's snapshot; the first call takes every environment's the run reads, at once.

        Environments are fetched side by side so that a silent endpoint costs one timeout
        budget for the run, not one per environment.
        """
        with self._lock:
            if env not in self._memo:
                self._fill([env, *self.reads])
            return self._memo[env]

    def _fill(self, envs: list[str]) -> None:
        """Take the snapshots of ``envs`` not taken yet, side by side (the lock held)."""
        wanted = [name for name in dict.fromkeys(envs) if name not in self._memo]
        if wanted:
            with ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="envmatrix-env") as pool:
                self._memo.update(zip(wanted, pool.map(self._shared, wanted), strict=True))

    def prefetch(self, envs: list[str]) -> threading.Thread | None:
        """Start taking ``envs``' snapshots now, in the background (the checks that run first, declared ones, need
        none); the first ``get`` waits for it (envmatrix.snapshots.in_background). An environment that cannot be
        read at all (no credentials, another region: ``blocked``) is left to its checks: there is no round trip
        to overlap, and a run whose checks never ask keeps no snapshot of it."""
        if not envs:
            return None
        self.reads = list(envs)

        def take() -> None:
            readable = [env for env in envs if self.blocked(env) is None]
            with self._lock:
                self._fill(readable)

        return in_background("envmatrix-prefetch", take)

    def _shared(self, env: str) -> Snapshot:
        return snapshot_file(self.suite.paths.reports, env).shared(self.run_id, lambda: self._take(env))

    def region(self, env: str) -> str:
        """The region the environment is read in: its configured one, else its tfvars ``aws_region``."""
        return self.project.env(env).region or self.suite.tfvars(env).aws_region

    def blocked(self, env: str) -> tuple[InventoryUnavailable, str] | None:
        """Why nothing of ``env`` can be read, with a few words for each of its checks; None when it can be.

        Found before any read (no AWS call, except taking a configured role): the region is not its tfvars',
        the profile or role fails, or there are no credentials. Every read would then fail (or find nothing)
        alike, once per section and per check: the run says it once instead."""
        target_config = self.project.env(env)
        declared, region = self.suite.tfvars(env).aws_region, self.region(env)
        if region != declared:
            return InventoryUnavailable(env, "AWS", f"read region {region} ([environments.{env}] region), but this "
                                                    f"environment's tfvars say {declared} (aws_region)"), ""
        try:
            clients = clients_for(env, target_config, self.project.aws, region)
        except InventoryUnavailable as exc:
            return exc, ""
        problem = missing_credentials(clients, target_config)
        if problem:
            return InventoryUnavailable(env, "AWS", problem), f"no AWS credentials ({access_label(target_config)})"
        return None

    def _take(self, env: str) -> Snapshot:
        target_config = self.project.env(env)
        names, region = env_names(self.project, env), self.region(env)
        blocked = self.blocked(env)
        if blocked is not None:
            return unavailable_snapshot(env, names, self.run_id, blocked[0], region, brief=blocked[1])
        clients = clients_for(env, target_config, self.project.aws, region)  # made by blocked(), kept per process
        wants = Wants.from_spec(self.suite.spec.env(env))
        tag = (self.project.tags.environment, self.project.short_name(env))
        prefix = name_sources(self.project, env)["prefix"][0]
        return take_snapshot(AwsTarget(env, names, clients, wants, tag, self.changes, prefix), self.run_id)
