"""The one failure format: rendering of values, comparison, redaction of evidence."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from envmatrix.verdict import MISSING, CheckFailed, Evidence, compare, failure_message, show


@pytest.mark.parametrize(("value", "shown"), [
    (MISSING, "<missing>"),
    (None, "null"),
    (True, "true"),
    (False, "false"),
    ("text", "text"),
    ("", ""),
    (0, "0"),
    (15, "15"),
    (2.5, "2.5"),
    (["b", "a"], '["b", "a"]'),
    ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
    ({"at": dt.date(2026, 1, 2)}, '{"at": "2026-01-02"}'),
    ({(1, 2): "x"}, "{(1, 2): 'x'}"),
])
def test_show(value: object, shown: str) -> None:
    assert show(value) == shown


def test_failure_message_format() -> None:
    assert failure_message("staging", "DB-MULTI-AZ", "rds:db", "multi_az", "true", "false") == (
        "staging DB-MULTI-AZ rds:db.multi_az: expected true, got false")


def _compare(**kwargs: object) -> Evidence:
    base: dict[str, object] = dict(env="dev", check_id="X-1", layer="live", resource="r", setting="s",
                                   expected=1, actual=1)
    return compare(**{**base, **kwargs})  # type: ignore[arg-type]


def test_compare_equal_passes_with_full_evidence() -> None:
    evidence = _compare()
    assert evidence == Evidence("dev", "X-1", "live", "r", "s", "1", "1", True, "dev X-1 r.s: expected 1, got 1")


def test_compare_unequal_fails() -> None:
    evidence = _compare(actual=2)
    assert evidence.passed is False
    assert evidence.message == "dev X-1 r.s: expected 1, got 2"
    assert _compare(expected=None, actual=MISSING).passed is False


def test_compare_custom_ok_and_expected_text() -> None:
    evidence = _compare(expected=3, actual=5, ok=lambda want, got: got >= want, expected_text=">= 3")
    assert evidence.passed is True
    assert evidence.expected == ">= 3"
    assert evidence.message == "dev X-1 r.s: expected >= 3, got 5"
    assert _compare(expected=3, actual=1, ok=lambda want, got: got >= want).passed is False
    assert _compare(expected=3, actual=3, ok=lambda _w, _g: False).passed is False
    assert _compare(expected="a", expected_text="").expected == ""


def test_compare_redacts_secret_settings_and_messages() -> None:
    evidence = _compare(setting="DB_PASSWORD", expected="<from-secrets-manager>", actual="hunter2-value")
    assert evidence.expected == "<from-secrets-manager>"
    assert evidence.actual == "***"
    assert evidence.message == "dev X-1 r.DB_PASSWORD: expected <from-secrets-manager>, got ***"
    evidence = _compare(setting="DB_PASSWORD", expected="hunter2-value", actual="hunter2-value")
    assert (evidence.expected, evidence.passed) == ("***", True)
    url = _compare(resource="redis://:Zq8vR2xLk9pW4mN7@cache", setting="url", expected="a", actual="b")
    assert url.message == "dev X-1 redis://:***@cache.url: expected a, got b"
    assert "Zq8v" not in _compare(setting="url", actual="redis://:Zq8vR2xLk9pW4mN7@c/0").actual


def test_evidence_as_json_is_sorted() -> None:
    evidence = _compare()
    assert evidence.as_json() == json.dumps({
        "actual": "1", "check_id": "X-1", "environment": "dev", "expected": "1", "layer": "live", "location": "",
        "message": "dev X-1 r.s: expected 1, got 1", "passed": True, "resource": "r", "setting": "s"})
    assert list(json.loads(evidence.as_json())) == sorted(json.loads(evidence.as_json()))


def test_check_failed_carries_evidence() -> None:
    evidence = _compare(actual=2)
    failed = CheckFailed(evidence.message, evidence)
    assert isinstance(failed, AssertionError)
    assert str(failed) == evidence.message
    assert failed.evidence is evidence


def test_a_declaring_location_ends_the_one_line_message() -> None:
    evidence = _compare(actual="2", location="environments/production/terraform.tfvars:14")
    assert evidence.message == "dev X-1 r.s: expected 1, got 2 (environments/production/terraform.tfvars:14)"
    assert evidence.location == "environments/production/terraform.tfvars:14"
