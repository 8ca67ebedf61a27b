"""The rate budget (envmatrix.aws.throttle) and how a throttled read is said (envmatrix.aws.reading)."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from envmatrix.aws import throttle
from envmatrix.aws.reading import reason_of
from envmatrix.aws.throttle import RateBudget, keys_for


class FakeClock:
    """A clock that only moves when the budget sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_a_budget_lets_its_burst_through_then_paces_at_its_rate() -> None:
    clock = FakeClock()
    budget = RateBudget(4.0, clock=clock, sleep=clock.sleep)
    waits = [budget.acquire() for _ in range(6)]
    assert waits[:4] == [0.0] * 4  # one second's worth saved up
    assert waits[4:] == [pytest.approx(0.25), pytest.approx(0.25)]  # then one every 1/rate seconds
    clock.now += 10  # idle: the bucket refills to its burst, never beyond
    assert [budget.acquire() for _ in range(5)][-1] == pytest.approx(0.25)


def test_concurrent_callers_queue_in_order_without_exceeding_the_rate() -> None:
    budget = RateBudget(200.0, burst=1, clock=lambda: 0.0, sleep=lambda _seconds: None)  # time stands still
    done: list[float] = []
    threads = [threading.Thread(target=lambda: done.append(budget.acquire())) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == pytest.approx([n / 200 for n in range(20)])  # each waits for the tokens before it
    assert budget.waited == pytest.approx(sum(done))


def test_a_budget_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        RateBudget(0)


def test_environments_of_one_account_and_region_share_one_budget() -> None:
    throttle.forget_budgets()
    first = throttle.budget(("111122223333", "us-east-1", "rds"), 20.0)
    assert throttle.budget(("111122223333", "us-east-1", "rds"), 20.0) is first
    assert throttle.budget(("111122223333", "eu-west-1", "rds"), 20.0) is not first
    assert throttle.budget(("111122223333", "us-east-1", "rds"), 5.0) is not first  # a new rate: a new budget
    throttle.forget_budgets()


@pytest.mark.parametrize(("service", "operation", "keys"), [
    ("rds", "DescribeDBInstances", [(("acct", "us-east-1", "rds"), 20.0)]),
    ("cloudtrail", "LookupEvents", [(("acct", "us-east-1", "cloudtrail"), 20.0),
                                    (("acct", "us-east-1", "cloudtrail", "LookupEvents"), 2.0)]),
    ("route53", "ListHealthChecks", [(("acct", "global", "route53"), 20.0),
                                     (("acct", "global", "route53", "*"), 5.0)]),
])
def test_documented_api_limits_take_from_a_budget_of_their_own(service: str, operation: str,
                                                               keys: list[tuple[tuple[str, ...], float]]) -> None:
    assert keys_for("acct", "us-east-1", service, operation, 20.0) == keys


def test_an_api_limit_never_raises_the_configured_rate() -> None:
    assert keys_for("acct", "us-east-1", "cloudtrail", "LookupEvents", 1.0)[1][1] == 1.0


@pytest.mark.parametrize(("code", "status"), [("Throttling", 400), ("ThrottlingException", 400),
                                              ("TooManyRequestsException", 429), ("RequestLimitExceeded", 503),
                                              ("SlowDown", 503), ("LimitExceededException", 400)])
def test_a_read_throttled_past_its_retries_says_throttled_and_the_operation(code: str, status: int) -> None:
    error = ClientError({"Error": {"Code": code, "Message": "Rate exceeded"},
                         "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 3}}, "DescribeDBInstances")
    assert reason_of(error) == (f"throttled: rds:DescribeDBInstances answered {code} (Rate exceeded) to all 4 "
                                "attempts ([aws] max_attempts; the request rate is [aws] max_rate)")


def test_an_operation_several_services_declare_is_named_alone() -> None:
    error = ClientError({"Error": {"Code": "ThrottlingException"}, "ResponseMetadata": {}}, "ListTagsForResource")
    assert reason_of(error).startswith("throttled: ListTagsForResource answered ThrottlingException (rate exceeded)")
