"""The figure a cell shows beside the documented value: what was live or observed, as each check declares it.

A check declares the part of its row's figure its evidence gives (``@check(..., figure=Figure(...))``,
envmatrix/wording.py); this module only assembles a row's parts from the checks a run collected, so no table
here names a check id or a setting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from envmatrix.catalog import CheckInfo
from envmatrix.reporting.results import CheckResult
from envmatrix.wording import Figure

#: Evidence from these layers is a figure (what is there, not what a file says); observed wins over live.
SEEN: tuple[str, ...] = ("smoke", "live")
#: How the report gets a cell's figure: (row, environment, the cell's results) -> text ("" shows none).
Figuring = Callable[[str, str, Sequence[CheckResult]], str]


@dataclass(frozen=True)
class Source:
    """One check's figure declaration: the results it reads are that check's, in that layer."""

    layer: str
    check_id: str
    figure: Figure


#: Per matrix row, the parts of its figure in order; each part its alternatives, the first that shows wins.
FigureTable = Mapping[str, tuple[tuple[Source, ...], ...]]


def _order(source: Source) -> tuple[int, int, str, str]:
    return source.figure.rank, SEEN.index(source.layer), source.check_id, source.figure.setting


def figure_table(checks: Iterable[CheckInfo]) -> FigureTable:
    """The rows' figures as the checks declare them (only live and smoke checks show one)."""
    parts: dict[str, dict[int, set[Source]]] = {}
    for info in checks:
        if info.layer in SEEN:
            for declared in info.figures:
                parts.setdefault(info.row, {}).setdefault(declared.part, set()).add(
                    Source(info.layer, info.id, declared))
    return {row: tuple(tuple(sorted(alternatives, key=_order)) for _, alternatives in sorted(numbered.items()))
            for row, numbered in parts.items()}


def _value(results: Sequence[CheckResult], source: Source) -> str:
    """The wording of the first evidence entry of the source's check with its setting and a value."""
    declared = source.figure
    for result in results:
        if result.check_id != source.check_id or result.layer != source.layer:
            continue
        for ev in result.evidence:
            if ev.setting == declared.setting and declared.resource_has in ev.resource and ev.actual:
                return declared.show(ev.actual, ev.expected)
    return ""


def figure(row: str, results: Sequence[CheckResult], table: FigureTable) -> str:
    """e.g. "Multi-AZ, replica db.r6g.large"; "" where no live or observed evidence gives one."""
    parts = []
    for alternatives in table.get(row, ()):
        shown = next((text for text in (_value(results, source) for source in alternatives) if text), "")
        if shown:
            parts.append(shown)
    return ", ".join(parts)


def figuring(checks: Iterable[CheckInfo]) -> Figuring:
    """The figures of a run, from the checks it collected (here or in its xdist workers)."""
    table = figure_table(checks)
    return lambda row, _env, results: figure(row, results, table)


def no_figures(_row: str, _env: str, _results: Sequence[CheckResult]) -> str:
    """Where no check is known (a model built from results alone): no cell shows a figure."""
    return ""
