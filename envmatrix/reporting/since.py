"""What the reports say of history: tonight's findings placed in time from the store's HistoryView.

The store answers with a :class:`~envmatrix.history.view.HistoryView` keyed by each finding's fingerprint; this
module matches it to tonight's results and words it once for every writer (matrix.json, HTML, Markdown, SARIF,
JUnit, the notification), so they cannot disagree about what is new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from envmatrix.history.view import FindingState, HistoryView
from envmatrix.redact import redact_text
from envmatrix.reporting.model import Failure, HistoryItem, SinceLastRun, TrendPoint
from envmatrix.reporting.results import CheckResult

#: The identity of a finding across runs (envmatrix.history.fingerprint.fingerprint in a run).
Key = Callable[[CheckResult], str]
#: Open findings in the order a reader wants them: what is new tonight first, then what came back, then the rest.
_ORDER = {"new": 0, "regressed": 1, "unchanged": 2, "fixed": 3}


def when(moment: datetime | None) -> str:
    """A UTC time as every report writes it: ISO 8601 to the second, ``Z`` for UTC (SARIF's form)."""
    if moment is None:
        return ""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)  # naive: stored as UTC
    return utc.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def days(value: float) -> str:
    """How long a finding has been open, as a person reads it ("3 days", "less than a day")."""
    whole = int(value)
    return "less than a day" if whole < 1 else f"{whole} day{'' if whole == 1 else 's'}"


def states_of(results: Sequence[CheckResult], view: HistoryView | None, key: Key) -> dict[str, FindingState]:
    """nodeid -> the state of tonight's finding behind it (results the view does not know are left out)."""
    if view is None or view.error or not view.findings:
        return {}
    out: dict[str, FindingState] = {}
    for result in results:
        if result.status != "pass":
            state = view.findings.get(key(result))
            if state is not None:
                out[result.nodeid] = state
    return out


def fixed_results(results: Sequence[CheckResult], view: HistoryView | None,
                  key: Key) -> list[tuple[FindingState, CheckResult | None]]:
    """Each fixed finding with tonight's (passing) result of its check when the run has one (SARIF locates it
    there): by key, else by environment and check id (a passing result names no failing resource, so its key
    is rarely the finding's)."""
    if view is None or view.error:
        return []
    passing = [r for r in results if r.status == "pass"]
    by_key = {key(r): r for r in passing}
    by_check = {(r.environment, r.check_id): r for r in passing}
    return [(state, by_key.get(state.fingerprint) or by_check.get((state.environment, state.check_id)))
            for state in view.fixed]


def annotate(failures: Sequence[Failure], states: Mapping[str, FindingState]) -> None:
    """Each finding carries its first_seen, days_open and state (the findings list, matrix.json)."""
    for item in failures:
        state = states.get(item.nodeid)
        if state is not None:
            item.first_seen, item.days_open, item.state = when(state.first_seen), round(state.days_open, 2), state.state


def _item(state: FindingState, failure: Failure | None = None) -> HistoryItem:
    return HistoryItem(environment=state.environment, check_id=state.check_id, state=state.state,
                       first_seen=when(state.first_seen), days_open=round(state.days_open, 2),
                       message=failure.message if failure else state.message,
                       anchor=failure.anchor if failure else "", status=failure.status if failure else "pass")


def since_last_run(view: HistoryView | None, failures: Sequence[Failure], states: Mapping[str, FindingState],
                   environments: Sequence[str]) -> SinceLastRun | None:
    """The "Since last run" section: None without history, the reason when the store could not answer."""
    if view is None:
        return None
    if view.error:  # it may name the store's URL: a password in it never reaches a report
        return SinceLastRun(error=redact_text(view.error))
    by_node = {item.nodeid: item for item in failures}
    open_items = [_item(state, by_node.get(nodeid)) for nodeid, state in states.items()]
    open_items.sort(key=lambda i: (_ORDER[i.state], environments.index(i.environment)
                                   if i.environment in environments else 99, i.first_seen, i.check_id))
    trend = {env: [TrendPoint(started=when(p.started), passed=p.passed, failed=p.failed, waived=p.waived,
                              gate=p.gate) for p in points[-30:]]
             for env, points in view.trend.items() if env in environments}
    return SinceLastRun(previous_run=when(view.previous_run), findings=open_items,
                        fixed=[_item(state) for state in view.fixed], trend=trend)

