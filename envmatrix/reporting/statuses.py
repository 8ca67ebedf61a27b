"""The one table of cell statuses: symbol, colours, legend and filter label of each (HTML and Markdown read it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Look:
    """How one cell status reads: in the matrix, the legend and the status filter."""

    status: str
    symbol: str
    icon: str  # the Markdown twin's emoji
    colour: str  # text and badge
    background: str  # the cell
    legend: str
    filter: str  # the filter choice's label; "" = no choice for this status (passing rows are never a filter)


#: In the order the legend and the filter show them. "declared" is a cell backed only by files (no live or
#: observed evidence): listed now so such cells render the day a status is computed for them.
LOOKS: tuple[Look, ...] = (
    Look("pass", "✓", "✅", "#2e7d32", "#e6f4e6", "pass", ""),
    Look("fail", "✗", "❌", "#b3261e", "#fbe1e1", "fail", "failing"),
    Look("waived", "~", "⚠️", "#8a6100", "#fff3cf", "waived", "waived"),
    Look("not-checked", "·", "▫️", "#666666", "#f1f1f1", "not checked", "not checked"),
    Look("declared", "◐", "📄", "#1f5fa8", "#e3eefb", "declared only", "declared only"),
)
_BY_STATUS = {look.status: look for look in LOOKS}
#: A status no row of the table knows (a newer matrix.json): shown plainly, never hidden.
_UNKNOWN = Look("", "?", "❔", "#444444", "#ffffff", "", "")


def look(status: str) -> Look:
    return _BY_STATUS.get(status) or Look(status, _UNKNOWN.symbol, _UNKNOWN.icon, _UNKNOWN.colour,
                                          _UNKNOWN.background, status, status)


def legend(counts: dict[str, int]) -> list[dict[str, Any]]:
    """matrix.json's statuses: every known status (and any unknown one seen) with its look and cell count."""
    known = [look.status for look in LOOKS]
    extra = sorted(status for status in counts if status not in known)
    return [{**asdict(look(status)), "cells": counts.get(status, 0)} for status in known + extra]
