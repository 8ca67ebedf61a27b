"""Allure: labels on every check, evidence attachments, environment.properties and categories.json."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import allure
import pytest

from envmatrix.catalog import ROWS
from envmatrix.files import write_json_atomic, write_text_atomic
from envmatrix.outcome import CheckOutcome
from envmatrix.verdict import Evidence

#: envmatrix severity -> allure severity (allure's scale has one more step at the top).
SEVERITY: dict[str, str] = {"critical": "blocker", "high": "critical", "medium": "normal", "low": "minor"}
RESULTS_DIR = "allure-results"
#: First match wins (allure's rule): waived findings, misconfigurations, infrastructure, stale waivers.
CATEGORIES: list[dict[str, Any]] = [
    {"name": "Waived findings (known, accepted until the waiver expires)", "matchedStatuses": ["skipped"],
     "messageRegex": "XFAIL[\\s\\S]*"},
    {"name": "Misconfiguration (the environment differs from the documented matrix)",
     "matchedStatuses": ["failed"], "messageRegex": "[\\s\\S]*CheckFailed[\\s\\S]*"},
    {"name": "Infrastructure problem (could not reach AWS or the service)", "matchedStatuses": ["broken"],
     "messageRegex": "[\\s\\S]*(InventoryUnavailable|EnvmatrixError|Unavailable|Timeout|Connect|"
                     "ReadOnlyViolation|EndpointConnectionError|NoCredentials)[\\s\\S]*"},
    {"name": "Stale waiver (expired, or the waived finding no longer fails)", "matchedStatuses": ["failed"],
     "messageRegex": "[\\s\\S]*(waiver|XPASS)[\\s\\S]*"},
    {"name": "Suite error (an unexpected exception in a check)", "matchedStatuses": ["broken"]},
    {"name": "Other failures", "matchedStatuses": ["failed"]},
]
_LABEL_MARK = "allure_label"
_LINK_MARK = "allure_link"


def label_marks(outcome: CheckOutcome) -> list[pytest.MarkDecorator]:
    """Allure label markers for one check item, from its outcome."""
    info, env = outcome.info, outcome.environment
    pairs = [("parentSuite", env), ("suite", info.layer), ("subSuite", info.area), ("epic", env),
             ("feature", info.area), ("story", ROWS.get(info.row, info.row)),
             ("severity", SEVERITY.get(info.severity, "normal")), ("check_id", info.id), ("environment", env),
             ("layer", info.layer), ("matrix_row", info.row), ("envmatrix_severity", info.severity),
             ("owner", info.owner)]
    pairs += [("tag", tag) for tag in info.tags]
    marks = [getattr(pytest.mark, _LABEL_MARK)(value, label_type=name) for name, value in pairs if value]
    if info.remediation_url:  # checks.yaml's remediation page, shown as the result's link
        marks.append(getattr(pytest.mark, _LINK_MARK)(info.remediation_url, link_type="link", name="remediation"))
    return marks


def decorate(item: pytest.Item, outcome: CheckOutcome) -> None:
    for mark in label_marks(outcome):
        item.add_marker(mark)


def attach_evidence(evidence: Sequence[Evidence], title: str) -> None:
    """Inside a running test: name the allure result after the check and attach what it compared."""
    allure.dynamic.title(title)  # type: ignore[no-untyped-call]
    if evidence:
        body = json.dumps([ev.record() for ev in evidence], indent=2, sort_keys=True)  # redacted by env.expect
        allure.attach(body, name="evidence (expected vs actual)", attachment_type=allure.attachment_type.JSON)


def _escape(value: str, *, key: bool = False) -> str:
    text = value.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ") if key else text


def write_environment(results_dir: Path, values: Mapping[str, str]) -> None:
    """environment.properties: the run's inputs, shown on the allure report's overview page."""
    lines = [f"{_escape(key, key=True)}={_escape(str(value))}" for key, value in values.items()]
    write_text_atomic(results_dir / "environment.properties", "\n".join(lines) + "\n")


def write_categories(results_dir: Path) -> None:
    write_json_atomic(results_dir / "categories.json", CATEGORIES)


_ALLURE_FILES = ("-result.json", "-container.json", "-attachment", "environment.properties", "categories.json")


def previous_results(results_dir: Path) -> list[Path]:
    """A previous run's allure files in ``results_dir`` (only those: anything else there is not ours)."""
    if not results_dir.is_dir():
        return []
    return [path for path in results_dir.iterdir()
            if path.is_file() and any(part in path.name for part in _ALLURE_FILES)]


def clean_results(results_dir: Path) -> int:
    """Remove a previous run's allure files (only those), so one results directory means one run."""
    stale = previous_results(results_dir)
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
