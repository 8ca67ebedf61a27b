"""One way to say "wrong": the failure type and its message format, with evidence for reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from envmatrix.escape import visible
from envmatrix.redact import redact_text, redact_value

MISSING: Any = object()  # "the service/resource did not say": shown as <missing>, never equal to a value


def show(value: Any) -> str:
    """Render a value for a message: JSON-ish scalars, lists as lists, missing as <missing>; one line, with
    control characters shown escaped (a value cannot start a line of the terminal, JUnit or a CI log)."""
    if value is MISSING or value is None:
        return "<missing>" if value is MISSING else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Redacted whole before it is escaped: a known secret that holds a newline must still be recognised.
        return value if visible(value) == value else visible(redact_text(value))
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except TypeError:
        return visible(redact_text(str(value)))


class CheckFailed(AssertionError):
    """A check found the environment differs from the documented matrix."""

    def __init__(self, message: str, evidence: Evidence) -> None:
        super().__init__(message)
        self.evidence = evidence


@dataclass(frozen=True)
class Evidence:
    """What one comparison saw; attached to the test report and shown in the matrix report."""

    environment: str
    check_id: str
    layer: str
    resource: str
    setting: str
    expected: str
    actual: str
    passed: bool
    message: str
    #: Where the setting is declared, ``<file relative to the repository>:<line>`` ("" when no file declares it).
    location: str = ""

    def record(self) -> dict[str, Any]:
        """The evidence as plain data (its fields are strings and a bool: no deep copy needed, unlike asdict's,
        which cost more than the checks themselves at a run's ~2,000 pieces of evidence, each recorded 3 times)."""
        return {name: getattr(self, name) for name in _EVIDENCE_FIELDS}

    def as_json(self) -> str:
        return json.dumps(self.record(), sort_keys=True)


_EVIDENCE_FIELDS = tuple(item.name for item in fields(Evidence))


def _one_line(part: str) -> str:
    """A part of the failure line as it is, or, when it spans lines or holds controls, redacted whole while its
    lines are still lines (header and YAML rules need them) and then shown escaped."""
    return part if visible(part) == part else visible(redact_text(part))


def failure_message(env: str, check_id: str, resource: str, setting: str, expected: str, actual: str,
                    location: str = "") -> str:
    """The one line; a declaring ``file:line`` goes last, in parentheses, so the line's head stays the contract.

    Every part is shown ``visible``: a resource named by AWS (an alarm, a tag) cannot break the line either."""
    env, check_id, resource, setting, expected, actual, location = (
        _one_line(part) for part in (env, check_id, resource, setting, expected, actual, location))
    where = f" ({location})" if location else ""
    return f"{env} {check_id} {resource}.{setting}: expected {expected}, got {actual}{where}"


def holds(verdict: bool) -> Callable[[Any, Any], bool]:
    """An ``ok`` for ``env.expect`` when the verdict was reached on the structured value, not on its text."""
    return lambda _want, _got: verdict


def compare(
    *,
    env: str,
    check_id: str,
    layer: str,
    resource: str,
    setting: str,
    expected: Any,
    actual: Any,
    ok: Callable[[Any, Any], bool] | None = None,
    expected_text: str | None = None,
    location: str = "",
) -> Evidence:
    """Compare, redact, and return the evidence; ``ok`` defaults to equality."""
    passed = (ok or (lambda want, got: want == got))(expected, actual)
    shown_expected = expected_text if expected_text is not None else show(redact_value(setting, expected))
    shown_actual = show(redact_value(setting, actual))
    message = redact_text(failure_message(env, check_id, resource, setting, shown_expected, shown_actual, location))
    return Evidence(env, check_id, layer, resource, setting, shown_expected, shown_actual, passed, message, location)
