"""Run state shared by every check: the Suite (inputs for the run) and the per-test Environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from envmatrix.catalog import CheckInfo
from envmatrix.declared import EnvFile, Tfvars, load_env_file, load_tfvars
from envmatrix.environments import LONG_NAMES
from envmatrix.errors import EnvmatrixError
from envmatrix.spec import EnvironmentSpec, Spec
from envmatrix.verdict import MISSING, CheckFailed, Evidence, compare


@dataclass
class Paths:
    spec: Path
    tfvars_root: Path
    env_root: Path
    waivers: Path
    reports: Path

    def tfvars(self, env: str) -> Path:
        return self.tfvars_root / env / "terraform.tfvars"

    def env_file(self, env: str) -> Path:
        return self.env_root / f"{env}.env"


@dataclass
class Suite:
    """Everything loaded once per process for this run; providers are plugged in by layer plugins."""

    spec: Spec
    paths: Paths
    selected: list[str]
    sandbox: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    providers: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    _tfvars: dict[str, Tfvars] = field(default_factory=dict)
    _env_files: dict[str, EnvFile] = field(default_factory=dict)

    def tfvars(self, env: str) -> Tfvars:
        if env not in self._tfvars:
            self._tfvars[env] = load_tfvars(self.paths.tfvars(env))
        return self._tfvars[env]

    def env_file(self, env: str) -> EnvFile:
        if env not in self._env_files:
            self._env_files[env] = load_env_file(self.paths.env_file(env))
        return self._env_files[env]

    def load_selected(self) -> None:
        """Fail early (one message) if the selected environments' declared inputs are malformed."""
        for env in self.selected:
            self.tfvars(env)
            self.env_file(env)

    def provide(self, kind: str, env: str) -> Any:
        if kind not in self.providers:
            raise EnvmatrixError(f"{env}: no {kind} source is configured for this run")
        return self.providers[kind](env)


class Environment:
    """What a check sees: one environment's spec, inputs and live sources, bound to one check."""

    def __init__(self, suite: Suite, name: str, info: CheckInfo | None) -> None:
        self.suite = suite
        self.name = name
        self.long_name = LONG_NAMES[name]
        self.info = info
        self.evidence: list[Evidence] = []
        self.on_evidence: Callable[[Evidence], None] = lambda _evidence: None

    def __repr__(self) -> str:
        return f"Environment({self.name})"

    @property
    def spec(self) -> EnvironmentSpec:
        return self.suite.spec.env(self.name)

    @property
    def tfvars(self) -> Tfvars:
        return self.suite.tfvars(self.name)

    @property
    def env_file(self) -> EnvFile:
        return self.suite.env_file(self.name)

    @cached_property
    def live(self) -> Any:
        """The environment's read-only AWS snapshot (fetched once per run by the live plugin)."""
        return self.suite.provide("live", self.name)

    @cached_property
    def http(self) -> Any:
        """The smoke client for this environment (provided by the smoke plugin)."""
        return self.suite.provide("http", self.name)

    def expect(
        self,
        resource: str,
        setting: str,
        expected: Any,
        actual: Any,
        *,
        ok: Callable[[Any, Any], bool] | None = None,
        expected_text: str | None = None,
    ) -> None:
        """Record the comparison as evidence and fail with the standard message if it does not hold."""
        check_id = self.info.id if self.info else "CHECK"
        layer = self.info.layer if self.info else "declared"
        evidence = compare(
            env=self.name, check_id=check_id, layer=layer, resource=resource, setting=setting,
            expected=expected, actual=actual, ok=ok, expected_text=expected_text,
        )
        self.evidence.append(evidence)
        self.on_evidence(evidence)
        if not evidence.passed:
            raise CheckFailed(evidence.message, evidence)


__all__ = ["MISSING", "Environment", "Paths", "Suite"]
