"""The read-only guard: a botocore hook on every suite client that sends only the operations the suite declares."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envmatrix.errors import ReadOnlyViolation
from envmatrix.files import append_line

if TYPE_CHECKING:
    import boto3

CALL_LOG_VARIABLE = "ENVMATRIX_AWS_CALL_LOG"

_calls: Counter[tuple[str, str, str]] = Counter()
_calls_by_scope: Counter[str] = Counter()
#: (environment, "service:Operation") -> calls made and HTTP attempts sent: a retry is an attempt beyond its call
_calls_by_operation: Counter[tuple[str, str]] = Counter()
_attempts: Counter[tuple[str, str]] = Counter()
_scope = threading.local()  # which environment's snapshot the current thread is fetching
_lock = threading.Lock()


#: Taking the configured role: the caller's own permission (its identity policy and the role's trust policy),
#: so it is allowed here but not granted by the suite's IAM policy.
CALLER_SIDE: frozenset[tuple[str, str]] = frozenset({("sts", "AssumeRole")})
_declared: frozenset[tuple[str, str]] = frozenset()


def declare(operations: Iterable[tuple[str, str]]) -> None:
    """Set the suite's declared reads (``envmatrix.aws.sections`` does, as it is imported). Until then nothing but
    ``sts:AssumeRole`` is allowed: the guard fails closed, and it imports no section (they make clients through it).
    """
    global _declared
    _declared = frozenset(operations)


def allowed() -> frozenset[tuple[str, str]]:
    """Every operation a suite client may send: the sections' declared reads (the table the IAM policy is generated
    from) and taking the configured role. Anything else, however read-like its name, is refused before it is sent."""
    return _declared | CALLER_SIDE


def is_allowed(service: str, operation: str) -> bool:
    """True exactly for the declared operations (``envmatrix.aws.iam.OPERATIONS``) and ``sts:AssumeRole``."""
    return (service, operation) in allowed()


def _service_of(model: Any) -> str:
    return str(model.service_model.service_name)


def _refuse_undeclared(model: Any, params: dict[str, Any], **_: Any) -> None:
    service, operation = _service_of(model), str(model.name)
    if not is_allowed(service, operation):
        raise ReadOnlyViolation(
            f"read-only guard: refused {service}:{operation}: not in the declared allow-list (the operations in "
            "envmatrix.aws.iam.OPERATIONS, from which the IAM policy is generated, and sts:AssumeRole)"
        )
    _record(service, operation, params)


def _record(service: str, operation: str, params: dict[str, Any]) -> None:
    key = json.dumps(params, sort_keys=True, default=str)
    with _lock:
        _calls[(service, operation, key)] += 1
        _calls_by_scope[getattr(_scope, "env", "")] += 1
        _calls_by_operation[(getattr(_scope, "env", ""), f"{service}:{operation}")] += 1
    path = os.environ.get(CALL_LOG_VARIABLE)
    if path:
        line = json.dumps({"service": service, "operation": operation, "params": key, "pid": os.getpid()})
        with _lock:
            append_line(Path(path), line)


def record_attempt(service: str, operation: str) -> None:
    """One HTTP attempt of ``service:operation`` sent (the first or a retry: the rate budget's ``before-send`` hook
    says each); an attempt beyond the calls made is a retry, counted and written to the call log."""
    scope, name = getattr(_scope, "env", ""), f"{service}:{operation}"
    with _lock:
        _attempts[(scope, name)] += 1
        retry = _attempts[(scope, name)] > _calls_by_operation[(scope, name)]
    path = os.environ.get(CALL_LOG_VARIABLE)
    if retry and path:
        line = json.dumps({"service": service, "operation": operation, "retry": True, "pid": os.getpid()})
        with _lock:
            append_line(Path(path), line)


def guard_session(session: boto3.Session) -> boto3.Session:
    """Install the guard on ``session``: every client made from it afterwards sends only declared operations."""
    session.events.register("before-call", _refuse_undeclared, unique_id="envmatrix-read-only-guard")
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


def retries_for(env: str) -> Counter[str]:
    """"service:Operation" -> how many retries this process sent for ``env``'s snapshots (throttling, 5xx)."""
    with _lock:
        return Counter({name: count - _calls_by_operation[(scope, name)] for (scope, name), count in _attempts.items()
                        if scope == env and count > _calls_by_operation[(scope, name)]})


def reset_calls() -> None:
    with _lock:
        _calls.clear()
        _calls_by_scope.clear()
        _calls_by_operation.clear()
        _attempts.clear()
