"""Client-side rate budgets: AWS throttles per account, region and API, so every reader there shares one budget.

Environments usually share an account and region while each is read through clients of its own; a budget per
client (botocore's ``adaptive`` mode) would let three environments together send three times the rate the
account allows. Here a budget is a token bucket kept per key, for the whole process: the live layer's clients
take one token per HTTP attempt (retries included) from the budget of (account, region, service), and, for an
API AWS documents a lower limit of its own (:data:`API_RATES`), also from the budget of that operation. Any
other reader (a CloudTrail ``LookupEvents`` loop) can take from the same budgets with :func:`acquire`.

Throttling answers that still come back are retried by botocore's ``standard`` mode (``[aws] max_attempts``);
one that outlasts them fails its read naming the operation and "throttled" (``envmatrix.aws.reading``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from envmatrix.aws.guard import record_attempt

#: Documented per-API limits lower than the shared budget, requests per second: (service, operation) -> rate.
#: CloudTrail LookupEvents: 2 per second per account and region; Route 53: 5 per second per account, for all of
#: its APIs together (its region is global: the key's region is "global").
API_RATES: dict[tuple[str, str], float] = {
    ("cloudtrail", "LookupEvents"): 2.0,
    ("route53", "*"): 5.0,
}
#: Services read in no region of their own: one budget per account.
GLOBAL_SERVICES = frozenset({"route53", "ce", "budgets", "iam"})
#: Services never held back: STS names the account a budget is kept for (one call per run and set of clients).
UNBUDGETED = frozenset({"sts"})

Key = tuple[Hashable, ...]


class RateBudget:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up; thread-safe, first come first served.

    A caller reserves its token at once (the balance may go below zero) and then waits until the bucket has
    refilled up to it, so concurrent callers queue in order and the lock is never held while sleeping.
    """

    def __init__(self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError(f"a rate budget needs a positive rate, got {rate}")
        self.rate = rate
        self.burst = max(burst if burst is not None else rate, 1.0)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.burst
        self._at = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds callers spent waiting, in total (the bench reports it)

    def acquire(self) -> float:
        """Take one token, waiting for it if the budget is spent; the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait


_budgets: dict[Key, RateBudget] = {}
_lock = threading.Lock()


def budget(key: Key, rate: float) -> RateBudget:
    """The process's budget for ``key`` (made at ``rate`` the first time; a different rate replaces it)."""
    with _lock:
        found = _budgets.get(key)
        if found is None or found.rate != rate:
            found = _budgets[key] = RateBudget(rate)
        return found


def acquire(key: Key, rate: float) -> float:
    """Take one request from the budget of ``key`` at ``rate`` per second; the seconds waited."""
    return budget(key, rate).acquire()


def forget_budgets() -> None:
    """Drop every budget (a new run, or a test, starts with full buckets)."""
    with _lock:
        _budgets.clear()


def keys_for(account: str, region: str, service: str, operation: str, rate: float) -> list[tuple[Key, float]]:
    """The budgets one request of ``service:operation`` takes from: the shared one, then any API limit."""
    where = "global" if service in GLOBAL_SERVICES else region
    keys: list[tuple[Key, float]] = [((account, where, service), rate)]
    for api in ((service, operation), (service, "*")):
        if api in API_RATES:
            keys.append(((account, where, *api), min(rate, API_RATES[api])))
    return keys


def install(client: Any, account: Callable[[], str], rate: float) -> None:
    """Make every HTTP attempt of ``client`` (retries too) take from its budgets first, and count it (a retry is
    an attempt beyond its call: ``guard.retries_for``). ``account()`` names the account the budgets are kept for
    (asked at the first request, once the credentials are known)."""
    service = str(client.meta.service_model.service_name)
    region = str(client.meta.region_name or "")

    def take(event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        record_attempt(service, operation)
        if service in UNBUDGETED:
            return
        for key, key_rate in keys_for(account(), region, service, operation, rate):
            acquire(key, key_rate)

    client.meta.events.register("before-send", take, unique_id="envmatrix-rate-budget")
