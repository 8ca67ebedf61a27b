"""Parity both ways: a key missing or added against the others, and by-design rules in both directions."""

from __future__ import annotations

from envmatrix.parity import parity_gaps
from envmatrix.spec import ByDesign

KEYS = {"dev": {"A", "B", "DEBUG"}, "staging": {"A", "B"}, "production": {"A", "B", "SENTRY"}}
RULES = {
    "DEBUG": ByDesign(environments=("dev",), reason="local debugging"),
    "SENTRY": ByDesign(environments=("staging", "production"), reason="error tracking"),
}


def test_at_parity_has_no_findings() -> None:
    keys = {"dev": {"A"}, "staging": {"A"}, "production": {"A"}}
    assert parity_gaps("staging", keys, {}) == []


def test_key_missing_against_the_others_names_holders() -> None:
    keys = {"dev": {"A", "B"}, "staging": {"A"}, "production": {"A", "B"}}
    assert parity_gaps("staging", keys, {}) == ["missing B (present in dev, production)"]
    assert parity_gaps("dev", keys, {}) == []


def test_key_only_one_env_has_is_missing_in_the_others() -> None:
    keys = {"dev": {"A"}, "staging": {"A"}, "production": {"A", "Z"}}
    assert parity_gaps("dev", keys, {}) == ["missing Z (present in production)"]


def test_findings_are_sorted() -> None:
    keys = {"dev": {"A"}, "staging": {"A", "C", "B"}, "production": {"A"}}
    assert parity_gaps("dev", keys, {}) == ["missing B (present in staging)", "missing C (present in staging)"]


def test_by_design_key_where_it_belongs_passes() -> None:
    assert parity_gaps("dev", KEYS, {"DEBUG": RULES["DEBUG"]}) == ["missing SENTRY (present in production)"]
    assert parity_gaps("production", KEYS, RULES) == []
    assert parity_gaps("dev", KEYS, RULES) == []


def test_by_design_key_missing_where_required_fails() -> None:
    assert parity_gaps("staging", KEYS, RULES) == ["missing SENTRY (by design in staging, production)"]


def test_by_design_key_present_where_not_allowed_fails() -> None:
    keys = {**KEYS, "production": {"A", "B", "SENTRY", "DEBUG"}}
    assert parity_gaps("production", keys, RULES) == ["unexpected DEBUG (by design only in dev)"]


def test_by_design_key_nobody_has_is_still_required() -> None:
    keys = {"dev": {"A"}, "staging": {"A"}, "production": {"A"}}
    rules = {"SENTRY": RULES["SENTRY"]}
    assert parity_gaps("production", keys, rules) == ["missing SENTRY (by design in staging, production)"]
    assert parity_gaps("dev", keys, rules) == []


def test_both_ways_at_once() -> None:
    keys = {"dev": {"A", "SENTRY"}, "staging": {"A", "B"}, "production": {"A", "B", "SENTRY"}}
    assert parity_gaps("dev", keys, RULES) == [
        "missing B (present in production, staging)",
        "missing DEBUG (by design in dev)",
        "unexpected SENTRY (by design only in staging, production)",
    ]
