"""The promotion gate: per-environment layer plan and the one-line verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from envmatrix.catalog import LAYERS
from envmatrix.environments import Environments
from envmatrix.errors import UsageError
from envmatrix.reporting.results import CheckResult

#: Statuses that block a promotion: a finding nobody waived, a check that could not run, a skip.
BLOCKING = ("fail", "error", "skipped")


def parse_plan(values: Iterable[str], environments: Environments) -> dict[str, tuple[str, ...]]:
    """``["staging=declared,live", "production=declared"]`` -> {"staging": ("declared", "live"), ...}."""
    plan: dict[str, tuple[str, ...]] = {}
    for value in values:
        name, sep, layers = value.partition("=")
        if not sep or not layers.strip():
            raise UsageError(f"--env-layers: expected ENV=LAYER[,LAYER...], got {value!r}")
        env = environments.canonical(name)
        chosen = tuple(layer.strip() for layer in layers.split(","))
        unknown = [layer for layer in chosen if layer not in LAYERS]
        if unknown:
            raise UsageError(f"--env-layers: unknown layer(s) {', '.join(unknown)} for {env}; "
                             f"valid: {', '.join(LAYERS)}")
        plan[env] = tuple(dict.fromkeys(plan.get(env, ()) + chosen))
    return plan


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    checks: int
    failures: int
    waived: int
    reasons: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        word = "PASS" if self.passed else "FAIL"
        return f"GATE: {word} — {self.checks} checks, {self.failures} failures, {self.waived} waived"

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": self.checks, "failures": self.failures, "waived": self.waived,
                "reasons": list(self.reasons), "line": self.line}

    def text(self) -> str:
        return "\n".join([self.line, *(f"  - {reason}" for reason in self.reasons)]) + "\n"


def _missing(results: Sequence[CheckResult], plan: Mapping[str, Sequence[str]], selected: Sequence[str]) -> list[str]:
    ran = {(r.environment, r.layer) for r in results}
    required = [(env, layer) for env, layers in plan.items() for layer in layers]
    required += [(env, "") for env in selected if env not in plan]
    missing = []
    for env, layer in required:
        if layer and (env, layer) not in ran:
            missing.append(f"{env} {layer}: no check ran (a required layer cannot be empty)")
        elif not layer and not any(r.environment == env for r in results):
            missing.append(f"{env}: no check ran")
    return missing


def decide(results: Sequence[CheckResult], plan: Mapping[str, Sequence[str]], selected: Sequence[str],
           session_problem: str = "") -> GateVerdict:
    """PASS only if every required (environment, layer) ran and nothing failed, errored or skipped unwaived."""
    order = {layer: index for index, layer in enumerate(LAYERS)}
    blocking = sorted((r for r in results if r.status in BLOCKING),
                      key=lambda r: (list(selected).index(r.environment) if r.environment in selected else 99,
                                     order.get(r.layer, 99), r.check_id))
    reasons = [f"{r.environment} {r.check_id} ({r.layer}) {r.status}: {r.message}" for r in blocking]
    missing = _missing(results, plan, selected)
    reasons += missing
    if session_problem:
        reasons.append(session_problem)
    failures = len(blocking) + len(missing) + (1 if session_problem else 0)
    waived = sum(1 for r in results if r.status == "waived")
    return GateVerdict(failures == 0, len(results), failures, waived, reasons)
