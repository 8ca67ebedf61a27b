"""The change window of a run: ``--changes-since`` (an ISO time or ``last-run``), else the spec's last N hours."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from envmatrix.aws.target import ChangeWindow
from envmatrix.errors import UsageError
from envmatrix.spec import CHANGE_WINDOW_MAX_HOURS, ChangeControl

LAST_RUN = "last-run"
#: where the option may also come from (the chain: option, then this variable, then the spec's window_hours)
VARIABLE = "ENVMATRIX_CHANGES_SINCE"


def parse_since(text: str, source: str = "--changes-since") -> dt.datetime | str:
    """``last-run``, or an ISO 8601 time (a time without a zone is UTC); anything else is a UsageError."""
    value = text.strip()
    if value == LAST_RUN:
        return LAST_RUN
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{source}: {text!r} is neither an ISO 8601 time (2026-12-05T03:17:00Z) nor "
                         f"{LAST_RUN!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def last_run(folders: Iterable[Path], environments: Iterable[str]) -> dt.datetime | None:
    """When the previous run read AWS: the earliest ``taken_at`` of its snapshots of these environments
    (``<folder>/<env>.json``, the first folder that holds any); None when there is none (the first run)."""
    wanted = list(environments)
    for folder in folders:
        times: list[dt.datetime] = []
        for env in wanted:
            try:
                taken = json.loads((folder / f"{env}.json").read_text(encoding="utf-8")).get("taken_at", "")
                times.append(dt.datetime.fromisoformat(str(taken)))
            except (OSError, ValueError, AttributeError):
                continue  # no snapshot of it there, or not one the suite wrote
        if times:
            return min(times)
    return None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_window(control: ChangeControl, end: dt.datetime, since: dt.datetime | None = None,
               since_label: str = "") -> ChangeWindow:
    """The window of write events a run reads: since ``since`` (bounded to LookupEvents' 90 days, and said so),
    else the spec's ``window_hours`` up to ``end``."""
    end = end.astimezone(dt.UTC).replace(microsecond=0)
    if since is None:
        return ChangeWindow(end - dt.timedelta(hours=control.window_hours), end, f"in {control.window_hours} h",
                            control.page_cap)
    oldest = end - dt.timedelta(hours=CHANGE_WINDOW_MAX_HOURS)
    if since < oldest:
        return ChangeWindow(oldest, end, f"since {_stamp(oldest)} (90 days, CloudTrail's limit; asked "
                                         f"{_stamp(since)}{since_label})", control.page_cap)
    since = min(since, end)
    return ChangeWindow(since.astimezone(dt.UTC), end, f"since {_stamp(since)}{since_label}", control.page_cap)


def resolve(chosen: dt.datetime | str | None, control: ChangeControl, end: dt.datetime,
            folders: Iterable[Path], environments: Iterable[str]) -> ChangeWindow:
    """The run's window from the chosen ``--changes-since`` (None: the spec's hours). ``last-run`` without a
    previous run (the first night) reads the spec's hours and says why."""
    if chosen == LAST_RUN:
        previous = last_run(folders, environments)
        if previous is None:
            window = run_window(control, end)
            return ChangeWindow(window.start, window.end, f"{window.label} (no previous run found)",
                                window.page_cap)
        return run_window(control, end, previous, " (the last run)")
    if isinstance(chosen, dt.datetime):
        return run_window(control, end, chosen)
    return run_window(control, end)
