"""The read-only guard: a botocore hook on every suite client that refuses anything but reads."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from envmatrix.errors import ReadOnlyViolation

if TYPE_CHECKING:
    import boto3

READ_PREFIXES: tuple[str, ...] = ("Describe", "List", "Get", "Head")
#: Reads that would return a secret or a credential: refused although their names look like reads.
SECRET_READS: frozenset[str] = frozenset({
    "GetSecretValue", "BatchGetSecretValue", "GetRandomPassword", "GetAuthorizationToken",
    "GetParameter", "GetParameters", "GetParametersByPath", "GetSessionToken", "GetFederationToken",
    "GetPasswordData", "GetObject",
})
#: Calls the suite needs that are not named like reads (taking the configured role, asking who we are).
ALLOWED: frozenset[tuple[str, str]] = frozenset({("sts", "AssumeRole"), ("sts", "GetCallerIdentity")})
CALL_LOG_VARIABLE = "ENVMATRIX_AWS_CALL_LOG"

_calls: Counter[tuple[str, str, str]] = Counter()
_calls_by_scope: Counter[str] = Counter()
_scope = threading.local()  # which environment's snapshot the current thread is fetching
_lock = threading.Lock()


def is_allowed(service: str, operation: str) -> bool:
    """True for Describe/List/Get/Head-style operations that return no secret value."""
    if (service, operation) in ALLOWED:
        return True
    return operation.startswith(READ_PREFIXES) and operation not in SECRET_READS


def _service_of(model: Any) -> str:
    return str(model.service_model.service_name)


def _refuse_writes(model: Any, params: dict[str, Any], **_: Any) -> None:
    service, operation = _service_of(model), str(model.name)
    if not is_allowed(service, operation):
        why = "returns a secret value" if operation in SECRET_READS else "is not a read"
        raise ReadOnlyViolation(
            f"read-only guard: refused {service}:{operation} ({why}); envmatrix only makes "
            "Describe/List/Get-style calls that return no secret values"
        )
    _record(service, operation, params)


def _record(service: str, operation: str, params: dict[str, Any]) -> None:
    key = json.dumps(params, sort_keys=True, default=str)
    with _lock:
        _calls[(service, operation, key)] += 1
        _calls_by_scope[getattr(_scope, "env", "")] += 1
    path = os.environ.get(CALL_LOG_VARIABLE)
    if path:
        line = json.dumps({"service": service, "operation": operation, "params": key, "pid": os.getpid()})
        with _lock, open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")


def guard_session(session: boto3.Session) -> boto3.Session:
    """Install the guard on ``session``: every client made from it afterwards refuses writes."""
    session.events.register("before-call", _refuse_writes, unique_id="envmatrix-read-only-guard")
    return session


def calls() -> Counter[tuple[str, str, str]]:
    """(service, operation, parameters) of every call this process made through a guarded client."""
    with _lock:
        return Counter(_calls)


@contextmanager
def scoped(env: str) -> Iterator[None]:
    """Attribute the calls this thread makes to ``env`` (environments are fetched side by side)."""
    previous = getattr(_scope, "env", "")
    _scope.env = env
    try:
        yield
    finally:
        _scope.env = previous


def calls_for(env: str) -> int:
    """How many calls this process made for ``env``'s snapshots."""
    with _lock:
        return _calls_by_scope[env]


def reset_calls() -> None:
    with _lock:
        _calls.clear()
        _calls_by_scope.clear()
