"""What the history says about tonight's run: the contract between the history store and the reports.

The store (``envmatrix.history.store``) records a run's results and answers with a :class:`HistoryView`; the
report writers only read the view. A run without history (``--history`` off, or the store unreadable) has
``HistoryView.unavailable(reason)``: the reports say why and are otherwise written as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: A finding's state against the previous run of the same environments.
State = Literal["new", "unchanged", "regressed", "fixed"]


@dataclass(frozen=True)
class FindingState:
    """One finding's place in time (``fixed``: it failed in the previous run and passes now)."""

    fingerprint: str
    environment: str
    check_id: str
    state: State
    first_seen: datetime  # UTC, the run that first recorded it (for regressed: the run it came back)
    days_open: float  # from first_seen to this run's time
    message: str = ""  # the finding's line, redacted (for fixed ones: the last line recorded)


@dataclass(frozen=True)
class RunPoint:
    """One past run of one environment, for the trend chart."""

    started: datetime  # UTC
    passed: int
    failed: int
    waived: int
    gate: Literal["pass", "fail"] | None = None  # the gate's verdict when the run was a gate


@dataclass(frozen=True)
class HistoryView:
    """Tonight against the stored past: per finding, the fixed ones, and each environment's trend."""

    previous_run: datetime | None = None
    #: keyed by fingerprint (envmatrix.history.fingerprint.fingerprint of the result)
    findings: dict[str, FindingState] = field(default_factory=dict)
    #: findings that failed in the previous run and pass now (listed for that one run)
    fixed: list[FindingState] = field(default_factory=list)
    #: per environment, its last runs oldest first, this run included (at most 30)
    trend: dict[str, list[RunPoint]] = field(default_factory=dict)
    #: why there is no history this run ("" when there is)
    error: str = ""

    @classmethod
    def unavailable(cls, reason: str) -> HistoryView:
        return cls(error=reason)
