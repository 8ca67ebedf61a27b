"""Throttling never changes a verdict: the sandbox answers AWS's own throttling errors (its moto server's knob).

Moderate throttling (each chosen operation's first requests, fewer than the retries allow) leaves every verdict as
the clean run's and the run says how many retries it took; throttling that outlasts the retries fails exactly the
checks that read the throttled operation, each naming it and "throttled" — never a pass, never a skip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import suite_args

#: One operation per protocol and throttling code, read by every environment (or by production): query
#: (Throttling), JSON (ThrottlingException), EC2 (RequestLimitExceeded), CloudWatch's query-compatible JSON
#: (Throttling), Route 53's REST-XML (Throttling), S3 (SlowDown), CodeDeploy's CBOR (ThrottlingException) and
#: Cost Explorer (LimitExceededException).
MODERATE = ("rds:DescribeDBInstances", "ecs:DescribeServices", "ec2:DescribeSecurityGroups",
            "cloudwatch:DescribeAlarms", "route53:ListHealthChecks", "s3:GetBucketPolicy",
            "codedeploy:GetDeploymentGroup", "ce:GetCostAndUsage")
#: Fewer throttled answers per operation than [aws] max_attempts (3: botocore sends up to 4 attempts) allows.
FIRST = 2


#: operation -> (a call of it, the code botocore must read from the sandbox's throttling answer, HTTP status)
ANSWERS: dict[str, tuple[Callable[[Callable[[str], Any]], Any], str, int]] = {
    "rds:DescribeDBInstances": (lambda c: c("rds").describe_db_instances(), "Throttling", 400),
    "ec2:DescribeVpcs": (lambda c: c("ec2").describe_vpcs(), "RequestLimitExceeded", 503),
    "ecs:DescribeClusters": (lambda c: c("ecs").describe_clusters(clusters=["x"]), "ThrottlingException", 400),
    "cloudwatch:DescribeAlarms": (lambda c: c("cloudwatch").describe_alarms(), "Throttling", 400),
    "codedeploy:ListApplications": (lambda c: c("codedeploy").list_applications(), "ThrottlingException", 400),
    "route53:ListHealthChecks": (lambda c: c("route53").list_health_checks(), "Throttling", 400),
    "s3:GetBucketPolicy": (lambda c: c("s3").get_bucket_policy(Bucket="b"), "SlowDown", 503),
    "synthetics:DescribeCanaries": (lambda c: c("synthetics").describe_canaries(), "TooManyRequestsException", 429),
    "ce:GetCostAndUsage": (lambda c: c("ce").get_cost_and_usage(
        TimePeriod={"Start": "2026-01-01", "End": "2026-02-01"}, Granularity="MONTHLY", Metrics=["UnblendedCost"]),
        "LimitExceededException", 400),
    "elbv2:DescribeLoadBalancers": (lambda c: c("elbv2").describe_load_balancers(), "Throttling", 400),
    "sns:ListTopics": (lambda c: c("sns").list_topics(), "Throttling", 400),
    "secretsmanager:ListSecrets": (lambda c: c("secretsmanager").list_secrets(), "ThrottlingException", 400),
}


@pytest.mark.parametrize("operation", sorted(ANSWERS))
def test_the_sandbox_throttles_as_each_service_does(operation: str, knob: Any, aws_env: dict[str, str]) -> None:
    """Each answer is the service's own throttling code in its protocol's shape, as botocore parses it (and its
    standard retry mode retries it as throttling)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    call, code, status = ANSWERS[operation]
    knob.throttle([operation], first=1)
    with pytest.raises(ClientError) as raised:
        call(lambda service: boto3.client(service, config=config))  # type: ignore[call-overload]
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert knob.throttled()["throttled"] == {operation: 1}


def _outcomes(result: pytest.RunResult) -> dict[str, tuple[str, str]]:
    """Test name with its parameters -> (outcome, failure text) of the in-process run; xfail is its own outcome."""
    found: dict[str, tuple[str, str]] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        name = report.nodeid.split("::")[-1]
        if report.when == "call" or report.outcome != "passed":
            outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
            found[name] = (outcome, str(report.longrepr) if report.failed else "")
    return found


def _run(pytester: pytest.Pytester, reports: Path, *extra: str) -> tuple[dict[str, tuple[str, str]], str]:
    result = pytester.runpytest(*suite_args(reports, "--env=all", "-m", "live or drift", *extra))
    return _outcomes(result), result.stdout.str()


def _snapshots(reports: Path) -> dict[str, dict[str, Any]]:
    return {env: json.loads((reports / "snapshots" / f"{env}.json").read_text())
            for env in ("dev", "staging", "production")}


@pytest.fixture
def knob(live_sandbox: Any) -> Iterator[Any]:
    """The sandbox's throttling knob, turned off again whatever the test does."""
    live_sandbox.throttle([])
    yield live_sandbox
    live_sandbox.throttle([])


@pytest.fixture
def clean(pytester: pytest.Pytester, aws_env: dict[str, str], tmp_path: Path) -> dict[str, tuple[str, str]]:
    outcomes, _output = _run(pytester, tmp_path / "clean")
    assert all(snapshot["api_retries"] == {} for snapshot in _snapshots(tmp_path / "clean").values())
    assert "retries" not in json.loads((tmp_path / "clean" / "matrix.json").read_text())["meta"].get(
        "aws_retries", "")
    return outcomes


def test_moderate_throttling_keeps_every_verdict_and_counts_its_retries(
        pytester: pytest.Pytester, knob: Any, clean: dict[str, tuple[str, str]], tmp_path: Path) -> None:
    knob.throttle(MODERATE, first=FIRST)
    outcomes, output = _run(pytester, tmp_path / "throttled", "--aws-max-rate=50")
    throttled = knob.throttled()["throttled"]
    assert throttled == {operation: FIRST for operation in MODERATE}  # each one was met, and answered throttling
    assert {name: outcome for name, (outcome, _) in outcomes.items()} == {
        name: outcome for name, (outcome, _) in clean.items()}
    snapshots = _snapshots(tmp_path / "throttled")
    retried: dict[str, int] = {}
    for snapshot in snapshots.values():
        assert snapshot["unavailable"] == {}
        for operation, count in snapshot["api_retries"].items():
            retried[operation] = retried.get(operation, 0) + count
    assert retried == throttled  # every throttled answer was retried once, and counted where it was read
    header = json.loads((tmp_path / "throttled" / "matrix.json").read_text())["meta"]["aws_retries"]
    for env, snapshot in snapshots.items():
        if snapshot["api_retries"]:
            assert f"{env}: {sum(snapshot['api_retries'].values())} of {snapshot['api_calls']} calls" in header
    assert "retries (" in output and "rds:DescribeDBInstances" in output


def test_throttling_past_the_retries_fails_only_its_checks_naming_it(
        pytester: pytest.Pytester, knob: Any, clean: dict[str, tuple[str, str]], tmp_path: Path) -> None:
    knob.throttle(["rds:DescribeDBInstances"], first=10**6)
    outcomes, _output = _run(pytester, tmp_path / "throttled")
    assert set(outcomes) == set(clean)
    changed = {name: found for name, found in outcomes.items() if found[0] != clean[name][0]}
    assert changed, "throttling every DescribeDBInstances changed no verdict"
    assert not any(outcome == "skipped" for outcome, _ in outcomes.values())
    for name, (outcome, message) in changed.items():
        assert outcome == "failed", name
        assert "throttled: rds:DescribeDBInstances answered Throttling" in message, (name, message)
    for env in ("dev", "staging", "production"):  # the database checks of every environment, nothing passed
        assert any(name.endswith(f"[{env}]") and name.startswith("test_db_") for name in changed), env
    assert all(outcome != "passed" for name, (outcome, _) in outcomes.items() if name in changed)
