"""The fault and variant registries: each tier module of tests/faults adds to them with @fault and @conforming."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.faults.actions import FaultTarget

Action = Callable[[FaultTarget], None]


@dataclass(frozen=True)
class Fault:
    id: str
    env: str
    description: str
    apply: Action
    expected: frozenset[tuple[str, str]]
    where: str


@dataclass(frozen=True)
class Variant:
    """A real-world shape that is fine: applied to a clean environment, every live and drift check stays green."""

    id: str
    env: str
    description: str
    apply: Action


def live(*ids: str) -> set[tuple[str, str]]:
    return {("live", check_id) for check_id in ids}


def drift(*ids: str) -> set[tuple[str, str]]:
    return {("drift", check_id) for check_id in ids}


CATALOGUE: list[Fault] = []


def fault(fault_id: str, env: str, description: str, expected: set[tuple[str, str]], where: str) -> Callable[
        [Action], Action]:
    """Register the decorated function as a fault (the function applies it)."""
    def register(apply: Action) -> Action:
        CATALOGUE.append(Fault(fault_id, env, description, apply, frozenset(expected), where))
        return apply
    return register


VARIANTS: list[Variant] = []


def conforming(variant_id: str, env: str, description: str) -> Callable[[Action], Action]:
    """Register the decorated function as a conforming variant (the function applies it)."""
    def register(apply: Action) -> Action:
        VARIANTS.append(Variant(variant_id, env, description, apply))
        return apply
    return register


def by_id(fault_id: str) -> Fault:
    return next(item for item in CATALOGUE if item.id == fault_id)
