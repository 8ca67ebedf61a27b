"""matrix.json as typed models: ``build_matrix`` makes a ``Matrix``, matrix.json is its dump, the renderers,
the gate and notify read it, and ``envmatrix merge`` reads matrix.json back through it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from envmatrix.reporting.results import CheckResult

SCHEMA = "envmatrix.matrix/1"


class _Model(BaseModel):
    # Mutable: the session adds the gate, changes and --fail-on marks to the model it built.
    model_config = ConfigDict(populate_by_name=True)


class Value(_Model):
    """One compared setting of an entry: ``<resource>.<setting>``, what was expected and what was seen."""

    setting: str
    expected: str
    actual: str
    passed: bool
    location: str = ""


class Entry(_Model):
    """One check's result as a cell lists it."""

    check_id: str
    layer: str
    layer_label: str
    status: str
    kind: str
    values: list[Value]
    message: str
    waiver: str
    #: the anchor of its finding in the findings list (None: it passed)
    failure: str | None
    proves: bool
    severity: str
    owner: str


class FirstFailure(_Model):
    check_id: str
    layer: str
    message: str
    anchor: str


class Cell(_Model):
    """One row in one environment: the documented value, the status, the figure seen, every check's entry."""

    documented: str
    status: str
    reason: str
    checks: int
    evidence_checks: int
    figure: str
    first_failure: FirstFailure | None
    entries: list[Entry]


class Row(_Model):
    id: str
    anchor: str
    title: str
    cells: dict[str, Cell]


class Failure(_Model):
    """One result that did not pass, in matrix order (the findings list)."""

    anchor: str
    environment: str
    check_id: str
    layer: str
    row: str
    status: str
    kind: str
    message: str
    waiver: str
    nodeid: str
    severity: str
    owner: str
    remediation_url: str
    location: str
    #: with --fail-on only: whether this finding gates (absent from matrix.json otherwise)
    gating: bool | None = None
    #: with history only (absent from matrix.json otherwise): when the store first recorded this finding (UTC),
    #: how many days it has been open, and its state against the previous run (new / unchanged / regressed)
    first_seen: str | None = None
    days_open: float | None = None
    state: str | None = None

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in ("gating", "first_seen", "days_open", "state"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class HistoryItem(_Model):
    """One finding in the "Since last run" section (a fixed one: its last line recorded, no anchor)."""

    environment: str
    check_id: str
    state: str
    first_seen: str
    days_open: float
    message: str
    #: the finding's anchor in the findings list ("" for a fixed one: it is not a finding tonight)
    anchor: str = ""
    #: tonight's result status (fail, error, skipped, waived; "pass" for a fixed one)
    status: str = ""


class TrendPoint(_Model):
    """One past run of one environment (oldest first; the last is this run): the trend chart's bar."""

    started: str
    passed: int
    failed: int
    waived: int
    gate: str | None = None


class SinceLastRun(_Model):
    """Tonight against the previous run of the same environments (the history store's view, as the reports say it).

    ``error`` set: the store could not answer and the reports say why (nothing else is filled)."""

    previous_run: str = ""
    #: tonight's findings the store knows, new first, then regressed, then still open (unchanged)
    findings: list[HistoryItem] = Field(default_factory=list)
    fixed: list[HistoryItem] = Field(default_factory=list)
    trend: dict[str, list[TrendPoint]] = Field(default_factory=dict)
    error: str = ""

    def of(self, state: str) -> list[HistoryItem]:
        return [item for item in self.findings if item.state == state]


class StatusCount(_Model):
    """A cell status as the legend shows it (statuses.Look) and how many cells have it."""

    status: str
    symbol: str
    icon: str
    colour: str
    background: str
    legend: str
    filter: str
    cells: int


class Matrix(_Model):
    """The whole report: matrix.json is exactly ``dump()``."""

    schema_: str = Field(SCHEMA, alias="schema")
    meta: dict[str, Any]
    environments: list[str]
    long_names: dict[str, str]
    #: the configured display names (``[environments.<env>] display_name``); left out of matrix.json when none
    display_names: dict[str, str] | None = None
    layers: dict[str, list[str]]
    summary: dict[str, int]
    statuses: list[StatusCount]
    rows: list[Row]
    failures: list[Failure]
    results: list[CheckResult]
    gate: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None
    evidence_catalogue: dict[str, list[str]] | None
    #: --fail-on's summary; a run always writes it (null without --fail-on), a merge leaves it out
    fail_on: dict[str, Any] | None = None
    #: "Since last run" (the history store's view); left out of matrix.json when the run kept no history
    history: SinceLastRun | None = None

    def dump(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True)
        if "fail_on" not in self.model_fields_set:
            data.pop("fail_on")
        if not self.display_names:
            data.pop("display_names")
        if self.history is None:
            data.pop("history")
        return data

    def column(self, env: str) -> str:
        """The environment's name in a report: its display name, else its long name in title case."""
        return (self.display_names or {}).get(env) or self.long_names.get(env, env).title()

    def label(self, env: str) -> str:
        """The environment in a failure line: its display name, else its canonical name."""
        return (self.display_names or {}).get(env) or env

    def line(self, message: str, env: str) -> str:
        """A failure line naming the environment by its display name (as it is when none is configured)."""
        return self.label(env) + message[len(env):] if message.startswith(f"{env} ") else message
