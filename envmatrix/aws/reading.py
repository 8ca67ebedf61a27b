"""How inventory code reads AWS: failures raise InventoryUnavailable with a reason; "not found" is data."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from envmatrix.errors import InventoryUnavailable, ReadOnlyViolation
from envmatrix.redact import redact_value

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

T = TypeVar("T")
#: The codes AWS throttles with (botocore's standard retry mode retries exactly these, as throttling).
THROTTLED = ("Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
             "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
             "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
             "EC2ThrottledException")
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
          "InvalidClientTokenId", "ExpiredToken", "UnrecognizedClientException", "SignatureDoesNotMatch")


def reason_of(exc: Exception) -> str:
    """One line saying why AWS could not be read."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
    )

    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (boto3 chain: environment, profile, role, instance metadata)"
    if isinstance(exc, NoRegionError):
        return "no AWS region configured"
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return f"endpoint unreachable: {exc}"
    if isinstance(exc, ReadTimeoutError):
        return f"endpoint did not answer in time: {exc}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in THROTTLED:
            return throttled_reason(exc)
        kind = "access denied" if code in DENIED else f"AWS error (HTTP {status})"
        return f"{kind}: {code}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def throttled_reason(exc: ClientError) -> str:
    """A read AWS kept throttling past every retry: which operation, the code, how many attempts, and the knobs."""
    error = exc.response.get("Error", {})
    attempts = int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    operation = _qualified(str(exc.operation_name))
    return (f"throttled: {operation} answered {error.get('Code')} ({error.get('Message', '') or 'rate exceeded'}) "
            f"to all {attempts} attempts ([aws] max_attempts; the request rate is [aws] max_rate)")


def _qualified(operation: str) -> str:
    """``service:Operation`` where one declared service has an operation of that name, else the operation."""
    from envmatrix.aws.guard import allowed  # the sections' declared reads (sections.py declares them on import)

    services = sorted({service for service, name in allowed() if name == operation})
    return f"{services[0]}:{operation}" if len(services) == 1 else operation


@contextmanager
def reading(env: str, resource: str) -> Iterator[None]:
    """Turn any AWS failure inside the block into InventoryUnavailable(env, resource, reason)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ReadOnlyViolation:
        raise
    except (ClientError, BotoCoreError) as exc:
        raise InventoryUnavailable(env, resource, reason_of(exc)) from None


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def or_none(call: Callable[[], T], *missing_codes: str) -> T | None:
    """Run ``call``; None when AWS says the resource does not exist (one of ``missing_codes``)."""
    from botocore.exceptions import ClientError

    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in missing_codes:
            return None
        raise


def tag_dict(tags: list[dict[str, Any]] | None) -> dict[str, str]:
    """AWS tag lists ({Key, Value} or {key, value}) as a plain dict; a credential in a tag value (by the tag's
    name or the value's shape) is masked here, as task-definition variables are."""
    result: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            result[str(key)] = str(redact_value(str(key), str(tag.get("Value", tag.get("value", "")))))
    return result


class Once:
    """Answers asked once per key and shared by every thread that wants them meanwhile; failures are not kept.

    The lock is re-entrant: a lifetime's finalizer (``_forget``) runs wherever the garbage collector runs, which
    can be inside ``get``'s own critical section in the same thread (any allocation there, ``Future()`` included);
    with a plain lock that thread waited on itself forever (seen: a fault test's snapshot hung in CI)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._futures: dict[Hashable, Future[Any]] = {}

    def get(self, key: Hashable, call: Callable[[], T], lifetime: object) -> T:
        """``call()``'s answer for ``key``, kept while ``lifetime`` lives."""
        with self._lock:
            future = self._futures.get(key)
            mine = future is None
            if future is None:
                future = self._futures[key] = Future()
                weakref.finalize(lifetime, self._forget, key)
        if mine:
            try:
                future.set_result(call())
            except BaseException as exc:
                self._forget(key)
                future.set_exception(exc)
        result: T = future.result()
        return result

    def _forget(self, key: Hashable) -> None:
        with self._lock:
            self._futures.pop(key, None)
