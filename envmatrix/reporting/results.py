"""One result per check item, merged from its setup/call/teardown reports (works with and without xdist)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pytest

from envmatrix.outcome import CheckOutcome, Kind, outcome_of
from envmatrix.redact import clip, redact_text
from envmatrix.verdict import Evidence

Status = Literal["pass", "fail", "waived", "error", "skipped"]
_XPASS_PREFIX = "[XPASS(strict)]"
_RANK: dict[str, int] = {"pass": 0, "waived": 1, "skipped": 2, "fail": 3, "error": 4}


@dataclass
class CheckResult:
    """What one check said about one environment in one layer."""

    nodeid: str
    check_id: str
    environment: str
    layer: str
    area: str
    row: str
    severity: str
    status: Status = "pass"
    kind: Kind = ""
    message: str = ""
    waiver: str = ""
    duration: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    #: The check is evidence of its row's claim (catalogue: @check(..., evidence=True)), not only listed there.
    proves: bool = False
    #: checks.yaml's owner and remediation page for this check ("" when not set)
    owner: str = ""
    remediation_url: str = ""
    #: ``file:line`` declaring the first failing setting ("" when no declared input holds it).
    location: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, nodeid: str, outcome: CheckOutcome) -> CheckResult:
        """A check item's result before any phase is counted: who it is, from its outcome."""
        info = outcome.info
        return cls(nodeid, info.id, outcome.environment, info.layer, info.area, info.row, info.severity,
                   proves=info.evidence, owner=info.owner, remediation_url=info.remediation_url)


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if isinstance(report.longrepr, tuple | list) and len(report.longrepr) == 3:  # a skip: (path, line, reason)
        text = str(report.longrepr[2]).removeprefix("Skipped: ")
    else:
        text = str(crash.message) if crash is not None else report.longreprtext
    return clip(text.strip(), 2000)


def _failure(report: pytest.TestReport, kind: Kind) -> tuple[Status, Kind, str]:
    if report.when == "call" and report.longreprtext.startswith(_XPASS_PREFIX):
        return "fail", "waiver", "waived finding no longer fails: remove the waiver (" + \
            redact_text(report.longreprtext[len(_XPASS_PREFIX):].strip()) + ")"
    kind = kind or "error"
    status: Status = "fail" if kind in ("misconfiguration", "waiver") else "error"
    return status, kind, _message(report)


class ResultCollector:
    """Feed every TestReport in; read one CheckResult per check item."""

    def __init__(self) -> None:
        self._results: dict[str, CheckResult] = {}

    def add(self, report: pytest.TestReport) -> CheckResult | None:
        outcome = outcome_of(report)
        if outcome is None:
            return None
        result = self._results.get(report.nodeid)
        if result is None:
            result = self._results[report.nodeid] = CheckResult.of(report.nodeid, outcome)
        result.waiver = outcome.waiver
        result.duration += float(getattr(report, "duration", 0.0) or 0.0)
        result.evidence = list(outcome.evidence)
        self._apply_outcome(result, report, outcome.kind)
        failing = [ev for ev in result.evidence if not ev.passed]
        if failing and result.status in ("fail", "waived") and result.kind in ("misconfiguration", ""):
            result.message = failing[0].message
            result.location = failing[0].location
        return result

    def _apply_outcome(self, result: CheckResult, report: pytest.TestReport, failed_kind: Kind) -> None:
        status: Status
        kind: Kind = ""
        message = ""
        if report.passed:
            return
        if report.skipped and hasattr(report, "wasxfail"):
            status, message = "waived", _message(report)
        elif report.skipped:
            status, message = "skipped", _message(report)
        else:
            status, kind, message = _failure(report, failed_kind)
        if _RANK[status] > _RANK[result.status] or (status == result.status and not result.message):
            result.status, result.kind, result.message = status, kind, message

    @property
    def results(self) -> list[CheckResult]:
        return list(self._results.values())


def inherit_locations(results: Iterable[CheckResult]) -> None:
    """A live finding without a line of its own points where the same check's declared side set it.

    A check id names one documented setting in every layer (DB-BACKUP-RETENTION reads the tfvars key in the
    declared layer and BackupRetentionPeriod in the live one), so the declared evidence of the same id and
    environment in this run is the declaring line: the one whose setting the live setting names, else the first.
    """
    results = list(results)
    declared = {(r.environment, r.check_id): r for r in results if r.layer == "declared"}
    for result in results:
        source = declared.get((result.environment, result.check_id))
        if result.layer != "live" or result.location or result.status not in ("fail", "waived") or source is None:
            continue
        located = [ev for ev in source.evidence if ev.location]
        failing = [ev for ev in result.evidence if not ev.passed]
        setting = failing[0].setting if failing else ""
        named = [ev for ev in located if ev.setting.lower() in setting.lower()]
        chosen = (named or located)[:1]
        if chosen:
            result.location = chosen[0].location


def summarize(results: Iterable[CheckResult]) -> dict[str, int]:
    counts = {"checks": 0, "pass": 0, "fail": 0, "waived": 0, "error": 0, "skipped": 0}
    for result in results:
        counts["checks"] += 1
        counts[result.status] += 1
    return counts
