"""Allure: labels on every check, evidence attachments, environment.properties and categories.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import allure
import pytest

from envmatrix.catalog import ROWS
from envmatrix.files import write_json_atomic, write_text_atomic

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


def label_marks(props: Mapping[str, Any]) -> list[pytest.MarkDecorator]:
    """Allure label markers for one check item, from the properties the core plugin recorded."""
    env, layer, area, row = (str(props.get(k, "")) for k in ("environment", "layer", "area", "row"))
    severity = str(props.get("severity", ""))
    pairs = [("parentSuite", env), ("suite", layer), ("subSuite", area), ("epic", env), ("feature", area),
             ("story", ROWS.get(row, row)), ("severity", SEVERITY.get(severity, "normal")),
             ("check_id", str(props.get("check_id", ""))), ("environment", env), ("layer", layer),
             ("matrix_row", row), ("envmatrix_severity", severity), ("owner", str(props.get("owner", "")))]
    pairs += [("tag", tag) for tag in str(props.get("tags", "")).split(",")]
    marks = [getattr(pytest.mark, _LABEL_MARK)(value, label_type=name) for name, value in pairs if value]
    url = str(props.get("remediation_url", ""))
    if url:  # checks.yaml's remediation page, shown as the result's link
        marks.append(getattr(pytest.mark, _LINK_MARK)(url, link_type="link", name="remediation"))
    return marks


def decorate(item: pytest.Item, props: Mapping[str, Any]) -> None:
    for mark in label_marks(props):
        item.add_marker(mark)


def attach_evidence(props: list[tuple[str, Any]], title: str) -> None:
    """Inside a running test: name the allure result after the check and attach what it compared."""
    allure.dynamic.title(title)  # type: ignore[no-untyped-call]
    evidence = [json.loads(value) for name, value in props if name == "envmatrix_evidence"]
    if evidence:
        body = json.dumps(evidence, indent=2, sort_keys=True)  # already redacted by env.expect
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


def clean_results(results_dir: Path) -> int:
    """Remove a previous run's allure files (only those), so one results directory means one run."""
    removed = 0
    if results_dir.is_dir():
        for path in results_dir.iterdir():
            if path.is_file() and any(part in path.name for part in _ALLURE_FILES):
                path.unlink(missing_ok=True)
                removed += 1
    return removed
