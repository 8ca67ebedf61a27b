"""One check item's outcome as one object, and the one codec that carries it from an xdist worker to the reports.

A check item's ``CheckOutcome`` is made when it is collected (its CheckInfo after checks.yaml, its environment,
its waiver), grows by one ``Evidence`` per comparison while the check runs, and is attached, with the phase's
failure kind, to every TestReport as one JSON attribute (:func:`attach`). That attribute is the only way check
metadata travels: the controller (or the only process) decodes it (:func:`outcome_of`) for the JUnit
properties, the matrix, SARIF, the gate and notify; nothing parses strings back.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import pytest

from envmatrix.catalog import CheckInfo
from envmatrix.verdict import Evidence
from envmatrix.wording import figure_from

#: Why a check did not pass: the environment is wrong, the suite could not look, a waiver is stale, or a bug.
Kind = Literal["misconfiguration", "infrastructure", "waiver", "error", ""]
#: JUnit property names users see (written exactly as before the outcome existed; dashboards read them).
EVIDENCE_PROPERTY = "envmatrix_evidence"
KIND_PROPERTY = "envmatrix_failure_kind"
#: The check is evidence of its row (catalogue: @check(..., evidence=True)).
PROVES_PROPERTY = "row_evidence"
#: The TestReport attribute holding the encoded outcome (xdist sends a report's attributes to the controller).
REPORT_ATTRIBUTE = "envmatrix_outcome"


@dataclass(frozen=True)
class CheckOutcome:
    """What one check said about one environment: who it is, what it compared, its waiver and failure kind."""

    info: CheckInfo
    environment: str
    evidence: tuple[Evidence, ...] = ()
    waiver: str = ""
    #: set on the report of the phase that failed (the others say "")
    kind: Kind = ""

    @property
    def layer(self) -> str:
        return self.info.layer

    def junit_properties(self) -> list[tuple[str, str]]:
        """The JUnit properties of this check, in the order and form the reports have always had."""
        info = self.info
        pairs = [("check_id", info.id), ("environment", self.environment), ("layer", info.layer),
                 ("area", info.area), ("row", info.row), ("severity", info.severity)]
        meta = [("owner", info.owner), ("remediation_url", info.remediation_url), ("tags", ",".join(info.tags))]
        pairs += [(name, value) for name, value in meta if value]
        if self.waiver:
            pairs.append(("waiver", self.waiver))
        pairs.append((PROVES_PROPERTY, "true" if info.evidence else "false"))
        for evidence in self.evidence:  # a finding's declaring file:line follows it as a JUnit "location"
            pairs.append((EVIDENCE_PROPERTY, evidence.as_json()))
            if evidence.location and not evidence.passed:
                pairs.append(("location", evidence.location))
        if self.kind:
            pairs.append((KIND_PROPERTY, self.kind))
        return pairs


def info_record(info: CheckInfo) -> dict[str, Any]:
    """A CheckInfo as plain data (its ``applies`` predicate stays behind: a report never needs it)."""
    return dict(_info_record(info))


@functools.lru_cache(maxsize=1024)
def _info_record(info: CheckInfo) -> dict[str, Any]:
    """One record per check (a run's outcomes share some 150 checks; asdict deep-copies): callers get a copy."""
    record = asdict(info)
    record.pop("applies", None)
    record["figures"] = [figure.record() for figure in info.figures]
    return record


def info_from(record: Mapping[str, Any]) -> CheckInfo:
    """The CheckInfo back from ``info_record`` (every data field it has, whatever the catalogue adds)."""
    names = {item.name for item in fields(CheckInfo)} - {"applies"}
    # JSON turns tuples (checks.yaml's tags) into lists; CheckInfo is hashable again only with tuples.
    values: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                              for key, value in record.items() if key in names}
    values["figures"] = tuple(figure_from(figure) for figure in record.get("figures", ()))
    return CheckInfo(**values)


def encode(outcome: CheckOutcome) -> str:
    return json.dumps({"info": info_record(outcome.info), "environment": outcome.environment,
                       "evidence": [evidence.record() for evidence in outcome.evidence],
                       "waiver": outcome.waiver, "kind": outcome.kind}, sort_keys=True)


@functools.lru_cache(maxsize=64)
def decode(text: str) -> CheckOutcome:
    """The outcome ``encode`` wrote (immutable: a report read by several hooks is decoded once)."""
    data = json.loads(text)
    return CheckOutcome(info_from(data["info"]), str(data["environment"]),
                        tuple(Evidence(**evidence) for evidence in data["evidence"]), str(data["waiver"]),
                        data["kind"])


def attach(report: pytest.TestReport, outcome: CheckOutcome) -> None:
    """The outcome rides on the report: one attribute, which xdist serialises with the report's others."""
    setattr(report, REPORT_ATTRIBUTE, encode(outcome))


def outcome_of(report: pytest.TestReport) -> CheckOutcome | None:
    """The outcome a check's report carries (None: not a check)."""
    text = getattr(report, REPORT_ATTRIBUTE, None)
    return decode(text) if isinstance(text, str) else None


#: A collected check item's outcome so far (the core plugin keeps it; evidence is added as the check runs).
OUTCOME_KEY = pytest.StashKey[CheckOutcome]()
