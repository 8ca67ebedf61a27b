"""The change window of a run: --changes-since (a time or last-run), bounded to CloudTrail's 90 days."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from envmatrix.aws.window import LAST_RUN, parse_since, resolve, run_window
from envmatrix.errors import UsageError
from envmatrix.spec import ChangeControl
from tests.conftest import ROOT

END = dt.datetime(2026, 12, 6, 3, 17, 40, 123456, tzinfo=dt.UTC)
CONTROL = ChangeControl(window_hours=24, page_cap=20)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-05T03:17:00Z", dt.datetime(2026, 12, 5, 3, 17, tzinfo=dt.UTC)),
    ("2026-12-05T04:17:00+01:00", dt.datetime(2026, 12, 5, 3, 17, tzinfo=dt.UTC)),
    ("2026-12-05", dt.datetime(2026, 12, 5, tzinfo=dt.UTC)),  # no zone: UTC
    (" last-run ", LAST_RUN),
])
def test_a_time_or_last_run(text: str, expected: object) -> None:
    assert parse_since(text) == expected


def test_anything_else_is_one_readable_usage_error() -> None:
    with pytest.raises(UsageError, match=r"--changes-since: 'yesterday' is neither an ISO 8601 time .* nor 'last-run'"):
        parse_since("yesterday")


def test_the_default_window_is_the_specs_hours_to_the_second() -> None:
    window = run_window(CONTROL, END)
    assert (window.start, window.end) == (dt.datetime(2026, 12, 5, 3, 17, 40, tzinfo=dt.UTC),
                                          dt.datetime(2026, 12, 6, 3, 17, 40, tzinfo=dt.UTC))
    assert window.label == "in 24 h" and window.page_cap == 20


def test_a_time_older_than_90_days_is_bounded_and_said() -> None:
    window = run_window(CONTROL, END, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert window.start == END.replace(microsecond=0) - dt.timedelta(days=90)
    assert window.label == ("since 2026-09-07T03:17:40Z (90 days, CloudTrail's limit; asked 2026-01-01T00:00:00Z)")


def _snapshot(folder: Path, env: str, taken_at: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{env}.json").write_text(json.dumps({"environment": env, "taken_at": taken_at}))


def test_last_run_is_the_previous_snapshots_earliest_time(tmp_path: Path) -> None:
    previous = tmp_path / "previous"
    _snapshot(previous, "dev", "2026-12-05T03:17:09+00:00")
    _snapshot(previous, "production", "2026-12-05T03:17:02+00:00")
    window = resolve(LAST_RUN, CONTROL, END, [previous, tmp_path / "reports"], ["dev", "staging", "production"])
    assert window.start == dt.datetime(2026, 12, 5, 3, 17, 2, tzinfo=dt.UTC)
    assert window.label == "since 2026-12-05T03:17:02Z (the last run)"


def test_the_first_run_reads_the_specs_hours_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "dev.json").write_text("not json")
    window = resolve(LAST_RUN, CONTROL, END, [tmp_path / "snapshots"], ["dev"])
    assert window.label == "in 24 h (no previous run found)"
    assert window.end - window.start == dt.timedelta(hours=24)


def test_a_given_time_is_the_start() -> None:
    since = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    assert resolve(since, CONTROL, END, [], ["dev"]).label == "since 2026-12-04T00:00:00Z"


def test_a_bad_changes_since_stops_the_run_with_one_line(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--changes-since=yesterday", "--collect-only", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--changes-since: 'yesterday' is neither an ISO 8601 time*"])


def test_a_bad_configured_changes_since_names_the_file_key(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", envmatrix='[aws]\nchanges_since = "last week"\n')
    result = pytester.runpytest_subprocess("--env=dev", "-m", "live", "--collect-only", "-p", "no:randomly",
                                           f"--spec={ROOT / 'fixtures/matrix.yaml'}",
                                           f"--tfvars-root={ROOT / 'fixtures/tfvars'}",
                                           f"--env-root={ROOT / 'fixtures/env'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*envmatrix.toml ?aws? changes_since: 'last week' is neither an ISO 8601 time*"])
