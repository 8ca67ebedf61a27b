"""--shard's value: K/N, auto (the runner's index variables) or auto/N; anything else is one usage error line, and
``auto`` with no runner variable fails closed (never a run of everything)."""

from __future__ import annotations

import pytest

from envmatrix.errors import UsageError
from envmatrix.shard import parse_shard, resolve_shard
from tests.conftest import ROOT


@pytest.mark.parametrize(("value", "label"), [("1/4", "1/4"), ("4/4", "4/4"), (" 2 / 3 ", "2/3"), ("1/1", "1/1")])
def test_k_of_n_is_the_kth_shard_counted_from_one(value: str, label: str) -> None:
    assert parse_shard(value, {}).label == label


@pytest.mark.parametrize(("value", "words"), [
    ("0/4", "K is 0, outside 1..4 (shards are numbered from 1)"),
    ("5/4", "K is 5, outside 1..4"),
    ("1/0", "the number of shards must be at least 1, not 0"),
    ("-1/4", "K '-1' is not a whole number"),
    ("a/b", "K 'a' is not a whole number"),
    ("2", "'2': not a shard"),
    ("2/", "N '' is not a whole number"),
    ("1.0/4", "K '1.0' is not a whole number"),
    ("", "'': not a shard"),
    ("auto/x", "N 'x' is not a whole number"),
])
def test_anything_else_is_one_usage_error_naming_the_option(value: str, words: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_shard(value, {"JOB_COMPLETION_INDEX": "0"})
    message = str(raised.value)
    assert message.startswith("--shard") and words in message and "\n" not in message
    assert "use --shard K/N (K = 1..N), auto or auto/N" in message


@pytest.mark.parametrize(("environ", "label"), [
    ({"JOB_COMPLETION_INDEX": "0", "ENVMATRIX_SHARD_COUNT": "4"}, "1/4"),  # Kubernetes Indexed Job: 0-based
    ({"JOB_COMPLETION_INDEX": "3", "ENVMATRIX_SHARD_COUNT": "4"}, "4/4"),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "2", "ENVMATRIX_SHARD_COUNT": "4"}, "3/4"),  # AWS Batch array job: 0-based
    ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, "1/4"),  # GitLab parallel: 1-based, says its total
    ({"CI_NODE_INDEX": "4", "CI_NODE_TOTAL": "4"}, "4/4"),
    ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3", "ENVMATRIX_SHARD_COUNT": "9"}, "2/3"),  # the runner's total first
    ({"JOB_COMPLETION_INDEX": "1", "CI_NODE_INDEX": "7", "ENVMATRIX_SHARD_COUNT": "2"}, "2/2"),  # first index wins
])
def test_auto_reads_each_runners_index_and_total(environ: dict[str, str], label: str) -> None:
    assert parse_shard("auto", environ).label == label


def test_auto_n_gives_the_total_the_runner_does_not() -> None:
    chosen = parse_shard("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "1"})
    assert chosen.label == "2/4"
    assert chosen.source == "--shard auto/4 ($AWS_BATCH_JOB_ARRAY_INDEX=1)"


def test_no_runner_index_fails_closed_naming_the_variables_it_looked_for() -> None:
    with pytest.raises(UsageError, match=r"^--shard auto: no runner job index found \(looked for "
                                         r"\$JOB_COMPLETION_INDEX, \$AWS_BATCH_JOB_ARRAY_INDEX, \$CI_NODE_INDEX\); "
                                         r"give --shard K/N$"):
        parse_shard("auto", {"ENVMATRIX_SHARD_COUNT": "4"})


def test_an_index_without_a_total_fails_closed_naming_the_variables() -> None:
    with pytest.raises(UsageError, match=r"\$JOB_COMPLETION_INDEX is set but the number of shards is not \(looked "
                                         r"for \$CI_NODE_TOTAL, \$ENVMATRIX_SHARD_COUNT\); set "
                                         r"\$ENVMATRIX_SHARD_COUNT or give --shard auto/N"):
        parse_shard("auto", {"JOB_COMPLETION_INDEX": "0"})


@pytest.mark.parametrize(("environ", "words"), [
    ({"JOB_COMPLETION_INDEX": "4", "ENVMATRIX_SHARD_COUNT": "4"}, "$JOB_COMPLETION_INDEX=4 is outside the 4 shard(s) "
                                                                  "(0..3 for this runner)"),
    ({"CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "4"}, "$CI_NODE_INDEX=0 is outside the 4 shard(s) (1..4 for this "
                                                   "runner)"),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "one", "ENVMATRIX_SHARD_COUNT": "4"}, "$AWS_BATCH_JOB_ARRAY_INDEX 'one' is not a "
                                                                        "whole number"),
    ({"JOB_COMPLETION_INDEX": "0", "ENVMATRIX_SHARD_COUNT": "0"}, "the number of shards must be at least 1, not 0"),
    ({"JOB_COMPLETION_INDEX": "0", "ENVMATRIX_SHARD_COUNT": "four"}, "$ENVMATRIX_SHARD_COUNT 'four' is not a whole "
                                                                     "number"),
])
def test_a_bad_runner_value_is_a_usage_error_naming_the_variable_and_value(environ: dict[str, str],
                                                                           words: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_shard("auto", environ)
    assert words in str(raised.value)


def test_the_variable_stands_in_for_the_option_which_wins() -> None:
    assert resolve_shard(None, {}) is None  # not sharded: every selected environment
    assert resolve_shard(None, {"ENVMATRIX_SHARD": "2/3"}) == parse_shard("2/3", {}, "$ENVMATRIX_SHARD")
    assert resolve_shard("1/2", {"ENVMATRIX_SHARD": "2/3"}) == parse_shard("1/2", {})
    with pytest.raises(UsageError, match=r"^\$ENVMATRIX_SHARD 9/3: K is 9"):
        resolve_shard(None, {"ENVMATRIX_SHARD": "9/3"})


SHIPPED = [f"--spec={ROOT / 'fixtures/matrix.yaml'}", f"--tfvars-root={ROOT / 'fixtures/tfvars'}",
           f"--env-root={ROOT / 'fixtures/env'}", "-p", "no:randomly", "--collect-only", "-q"]


def test_a_bad_shard_stops_the_run_with_one_line(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--env=all", "--shard=0/4", *SHIPPED)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --shard 0/4: K is 0, outside 1..4 (shards are numbered from 1); use --shard "
                                 "K/N (K = 1..N), auto or auto/N"])


def test_auto_without_a_runner_stops_the_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "CI_NODE_INDEX", "CI_NODE_TOTAL"):
        monkeypatch.delenv(name, raising=False)
    result = pytester.runpytest_subprocess("--env=all", "--shard", "auto", *SHIPPED)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --shard auto: no runner job index found (looked for *"])
