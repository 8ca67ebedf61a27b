"""Composite alarms: which alarms an ``AlarmRule`` watches, and which composites alert for an alarm that has no
SNS action of its own (a common setup: many metric alarms, one composite that pages).

A rule names alarms as ``ALARM("name")``, ``OK(name)``, ``INSUFFICIENT_DATA(arn)`` or
``AT_LEAST(2, ALARM, ("a", "b"))``, combined with AND, OR, NOT and parentheses
(docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html). A composite alerts for a
child only where the child being in ALARM can set it off: an ``ALARM(child)`` that no NOT covers. CloudWatch stops
evaluating composites caught in a cycle, so a composite on a cycle alerts for nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from envmatrix.aws.arn import parse_arn
from envmatrix.aws.target import Model

_STATE = r"(?:ALARM|OK|INSUFFICIENT_DATA)"
_AT_LEAST = re.compile(r"AT_LEAST\s*\(\s*[\d.%]+\s*,\s*(NOT\s+)?(" + _STATE + r")\s*,\s*\(([^)]*)\)\s*\)")
_FUNCTION = re.compile(r"(" + _STATE + r")\s*\(\s*(\"[^\"]*\"|[^\s()\"]+)\s*\)")
_NOT_GROUP = re.compile(r"\bNOT\s*\(")
_NOT_CALL = re.compile(r"\bNOT\s+$")


class CompositeAlarm(Model):
    name: str
    arn: str
    rule: str
    actions: list[str]
    actions_enabled: bool


def _name(reference: str) -> str:
    """An alarm named in a rule: quotes dropped, an ARN reduced to the alarm's name."""
    reference = reference.strip().strip('"')
    return reference.split(":alarm:", 1)[1] if ":alarm:" in reference else reference


def _negated(rule: str) -> list[tuple[int, int]]:
    """Spans of the rule under a NOT applied to a parenthesised group."""
    spans = []
    for match in _NOT_GROUP.finditer(rule):
        depth, index = 1, match.end()
        while index < len(rule) and depth:
            depth += {"(": 1, ")": -1}.get(rule[index], 0)
            index += 1
        spans.append((match.end(), index))
    return spans


def references(rule: str) -> tuple[set[str], set[str]]:
    """The alarms whose ALARM state can set the rule off, and every alarm the rule names (in any state)."""
    firing: set[str] = set()
    named: set[str] = set()
    groups = _negated(rule)
    for match in _AT_LEAST.finditer(rule):
        members = {_name(item) for item in match.group(3).split(",") if item.strip()}
        named |= members
        if match.group(2) == "ALARM" and not match.group(1) and not _inside(match.start(), groups):
            firing |= members
    stripped = _AT_LEAST.sub(lambda m: " " * len(m.group(0)), rule)  # keep offsets
    for match in _FUNCTION.finditer(stripped):
        named.add(_name(match.group(2)))
        negated = _NOT_CALL.search(stripped[:match.start()]) or _inside(match.start(), groups)
        if match.group(1) == "ALARM" and not negated:
            firing.add(_name(match.group(2)))
    return firing, named


def _inside(offset: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def on_cycle(composites: list[CompositeAlarm]) -> set[str]:
    """Composites that reach themselves through the alarms their rules name (CloudWatch never evaluates those)."""
    by_name = {item.name: references(item.rule)[1] for item in composites}
    cyclic = set()
    for start in by_name:
        seen, todo = set(), list(by_name[start])
        while todo:
            current = todo.pop()
            if current == start:
                cyclic.add(start)
                break
            if current in by_name and current not in seen:
                seen.add(current)
                todo.extend(by_name[current])
    return cyclic


def notifies_sns(actions: Iterable[str]) -> bool:
    return any((arn := parse_arn(action)) and arn.service == "sns" for action in actions)


def alerting_for(alarm: str, composites: list[CompositeAlarm]) -> list[str]:
    """The composites that alert when ``alarm`` goes into ALARM: enabled, off every cycle, with an SNS action,
    reached through ALARM references (a composite without actions passes the alarm on to the composites that
    watch it, but does not count itself)."""
    cyclic = on_cycle(composites)
    usable = [item for item in composites if item.name not in cyclic]
    found, seen, todo = [], {alarm}, [alarm]
    while todo:
        child = todo.pop()
        for parent in usable:
            if parent.name not in seen and child in references(parent.rule)[0]:
                seen.add(parent.name)
                todo.append(parent.name)
                if parent.actions_enabled and notifies_sns(parent.actions):
                    found.append(parent.name)
    return sorted(found)
