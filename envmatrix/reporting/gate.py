"""The promotion gate: per-environment layer plan and the one-line verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from envmatrix.catalog import LAYERS
from envmatrix.checkmeta import gates
from envmatrix.environments import Environments
from envmatrix.errors import UsageError
from envmatrix.reporting.model import Failure
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
    #: --fail-on: the threshold, and how many findings below it were reported but did not block
    fail_on: str | None = None
    not_gating: int = 0

    @property
    def line(self) -> str:
        word = "PASS" if self.passed else "FAIL"
        below = f", {self.not_gating} not gating (below {self.fail_on})" if self.fail_on else ""
        return f"GATE: {word} — {self.checks} checks, {self.failures} failures{below}, {self.waived} waived"

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": self.checks, "failures": self.failures, "waived": self.waived,
                "reasons": list(self.reasons), "line": self.line, "fail_on": self.fail_on,
                "not_gating": self.not_gating}

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


def below_threshold(result: CheckResult, fail_on: str | None) -> bool:
    """A finding --fail-on lets pass: only a check that ran and found the environment wrong, below the threshold.

    Fail closed: errors, skips, stale waivers (the check could not prove anything) and unknown severities gate.
    """
    return (fail_on is not None and result.status == "fail" and result.kind == "misconfiguration"
            and not gates(result.severity, fail_on))


def decide(results: Sequence[CheckResult], plan: Mapping[str, Sequence[str]], selected: Sequence[str],
           session_problem: str = "", fail_on: str | None = None) -> GateVerdict:
    """PASS only if every required (environment, layer) ran and nothing failed, errored or skipped unwaived.

    With ``fail_on``, findings below that severity are listed as "not gating" instead of blocking.
    """
    order = {layer: index for index, layer in enumerate(LAYERS)}
    failing = sorted((r for r in results if r.status in BLOCKING),
                     key=lambda r: (list(selected).index(r.environment) if r.environment in selected else 99,
                                    order.get(r.layer, 99), r.check_id))
    blocking = [r for r in failing if not below_threshold(r, fail_on)]
    reasons = [f"{r.environment} {r.check_id} ({r.layer}) {r.status}: {r.message}" for r in blocking]
    missing = _missing(results, plan, selected)
    reasons += missing
    if session_problem:
        reasons.append(session_problem)
    lenient = [r for r in failing if below_threshold(r, fail_on)]
    reasons += [f"not gating ({r.severity}, below {fail_on}): {r.environment} {r.check_id} ({r.layer}): "
                f"{r.message}" for r in lenient]
    failures = len(blocking) + len(missing) + (1 if session_problem else 0)
    waived = sum(1 for r in results if r.status == "waived")
    return GateVerdict(failures == 0, len(results), failures, waived, reasons, fail_on, len(lenient))


def lenient_exit(results: Sequence[CheckResult], failed: Iterable[str], fail_on: str | None) -> bool:
    """Whether --fail-on turns pytest's "tests failed" into success: every failed test (check or not) is a
    finding below the threshold. Anything else that failed — an error, a plain test, a stale waiver — keeps it."""
    by_node = {result.nodeid: result for result in results}
    nodes = set(failed)
    return bool(nodes) and all(node in by_node and below_threshold(by_node[node], fail_on) for node in nodes)


def fail_on_summary(results: Sequence[CheckResult], fail_on: str | None,
                    failures: Sequence[Failure]) -> dict[str, Any] | None:
    """matrix.json's "fail_on": the threshold and the count below it; marks each listed failure gating or not."""
    if fail_on is None:
        return None
    by_node = {result.nodeid: result for result in results}
    for item in failures:
        result = by_node.get(item.nodeid)
        item.gating = item.status != "waived" and not (result and below_threshold(result, fail_on))
    return {"threshold": fail_on, "not_gating": sum(1 for r in results if below_threshold(r, fail_on))}
