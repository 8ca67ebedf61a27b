"""What a check shows in its matrix cell: the evidence setting whose value is its row's figure, and the wording.

A check declares its figure beside its id (``@check(..., figure=Figure("MultiAZ", word("Multi-AZ", "Single AZ")))``),
so nothing elsewhere matches check ids or settings by string. The declaration is plain data (a wording is named, not
a function) because it travels in the check's CheckInfo from xdist workers to the controller, which collects no
check but builds the report (envmatrix/reporting/figures.py assembles a row's figure from the checks' figures).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def _text(actual: str, _expected: str, template: str) -> str:
    return template.format(actual)


def _days(actual: str, _expected: str, template: str) -> str:
    return template.format(f"{actual.removesuffix('.0')} d")


def _word(actual: str, _expected: str, true: str, false: str) -> str:
    return {"true": true, "enabled": true, "false": false, "disabled": false}.get(actual.lower(), "")


def _when(actual: str, _expected: str, value: str, shown: str) -> str:
    return shown if actual == value else ""


def _count(actual: str, _expected: str, noun: str) -> str:
    try:
        items = json.loads(actual)
    except ValueError:
        return ""
    return f"{len(set(items))} {noun}" if isinstance(items, list) else ""


def _listed(actual: str, expected: str, noun: str) -> str:
    return "" if actual == "none" else _count(actual, expected, noun)


def _of_documented(actual: str, expected: str) -> str:
    amount, documented = actual.split(" ", 1)[0], expected.split(" ", 1)[0]
    return f"{amount} of {documented}" if amount.startswith("$") else ""


#: Every wording a figure can use, by name: (actual, expected, *words) -> text ("" shows nothing).
_WORDINGS: dict[str, Callable[..., str]] = {"text": _text, "days": _days, "word": _word, "when": _when,
                                            "count": _count, "listed": _listed, "of_documented": _of_documented}


@dataclass(frozen=True)
class Show:
    """How an evidence value is worded: a wording of ``_WORDINGS`` by name, with its words."""

    how: str
    words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.how not in _WORDINGS:
            raise ValueError(f"unknown figure wording {self.how!r}; wordings: {list(_WORDINGS)}")

    def __call__(self, actual: str, expected: str = "") -> str:
        return str(_WORDINGS[self.how](actual, expected, *self.words))


def text(template: str = "{}") -> Show:
    """The value in a template: text() is the value itself, text("{} alarms"), text("WAF") a fixed word."""
    return Show("text", (template,))


def days(template: str = "{}") -> Show:
    """A number of days ("30.0" -> "30 d"), in a template: days("TLS cert {} left")."""
    return Show("days", (template,))


def word(true: str, false: str) -> Show:
    """A flag ("true"/"enabled", "false"/"disabled") as a word each; anything else shows nothing."""
    return Show("word", (true, false))


def when(value: str, shown: str) -> Show:
    """``shown`` only where the value is ``value`` (when("none", "no replica")); otherwise nothing."""
    return Show("when", (value, shown))


def count(noun: str) -> Show:
    """A JSON list's distinct items, counted: count("AZs") shows "2 AZs"."""
    return Show("count", (noun,))


def listed(noun: str) -> Show:
    """As count(), except that "none" (nothing found) shows nothing."""
    return Show("listed", (noun,))


def of_documented() -> Show:
    """The amount against the documented one: "$362 USD (2026-10)" against "~$380 USD ..." shows "$362 of ~$380"."""
    return Show("of_documented")


@dataclass(frozen=True)
class Figure:
    """One part of a row's figure, from the check that declares it.

    ``setting`` is the evidence setting (env.expect's ``setting``) whose actual value is shown, on a resource whose
    name contains ``resource_has``. A row's figure joins its parts in ``part`` order; where several checks (or
    settings) can give the same part, the lowest ``rank`` that shows something wins (observed before live).
    """

    setting: str
    show: Show = text()
    resource_has: str = ""
    part: int = 1
    rank: int = 1

    def record(self) -> dict[str, Any]:
        """Plain data (what an xdist worker sends); figure_from() reads it back."""
        return {"setting": self.setting, "show": {"how": self.show.how, "words": list(self.show.words)},
                "resource_has": self.resource_has, "part": self.part, "rank": self.rank}


def figure_from(record: Mapping[str, Any]) -> Figure:
    """The Figure back from Figure.record()."""
    show = record["show"]
    return Figure(str(record["setting"]), Show(str(show["how"]), tuple(str(w) for w in show["words"])),
                  str(record["resource_has"]), int(record["part"]), int(record["rank"]))
