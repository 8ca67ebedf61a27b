"""SARIF 2.1.0 (reports/envmatrix.sarif): one rule per check id that ran, one result per failed check instance."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import envmatrix
from envmatrix.catalog import LAYERS, ROWS, CheckInfo
from envmatrix.escape import sarif_text, visible
from envmatrix.files import write_json_atomic
from envmatrix.history.fingerprint import fingerprint
from envmatrix.history.view import FindingState, HistoryView
from envmatrix.locations import split_location
from envmatrix.reporting.results import CheckResult
from envmatrix.reporting.since import Key, fixed_results, states_of, when
from envmatrix.verdict import Evidence

SARIF_FILE = "envmatrix.sarif"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "envmatrix"
#: %SRCROOT%: the repository root; GitHub code scanning resolves it to the checkout.
SRCROOT = "%SRCROOT%"
#: Catalogue severity -> SARIF level, and the number GitHub code scanning ranks security alerts by.
LEVELS: dict[str, str] = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY: dict[str, str] = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_RANK = ("low", "medium", "high", "critical")
#: Statuses that are a failed check instance (a waived one is reported, suppressed).
_FAILED = ("fail", "error", "skipped", "waived")
#: A finding's history state -> SARIF's baselineState (3.27.24): a regressed finding is "updated" (known to the
#: baseline, changed since: it had been fixed); a fixed one is "absent" (in the baseline, not in this run).
BASELINE_STATES: dict[str, str] = {"new": "new", "unchanged": "unchanged", "regressed": "updated", "fixed": "absent"}


def information_uri() -> str:
    """Where the tool is documented: the repository the run belongs to in GitHub Actions, else the README."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server.rstrip('/')}/{repository}#readme"
    return Path(envmatrix.__file__).resolve().parents[1].joinpath("README.md").as_uri()


def _words(title: str) -> list[str]:
    return [" ".join(paragraph.split()) for paragraph in title.strip().split("\n\n") if paragraph.strip()]


def _name(check_id: str) -> str:
    """DB-BACKUP-RETENTION -> DbBackupRetention (SARIF's rule name: an identifier a reader can say)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part)


def _infos(catalogue: Iterable[CheckInfo], results: Sequence[CheckResult]) -> dict[str, list[CheckInfo]]:
    """Per check id that ran, its CheckInfo in every layer it ran in (layer order)."""
    ran = {(r.layer, r.check_id) for r in results}
    by_id: dict[str, list[CheckInfo]] = {}
    for info in sorted(set(catalogue), key=lambda i: (LAYERS.index(i.layer) if i.layer in LAYERS else 99, i.id)):
        if (info.layer, info.id) in ran:
            by_id.setdefault(info.id, []).append(info)
    return by_id


def _fallback(result: CheckResult) -> CheckInfo:
    """A result whose check is not in the catalogue (merged from elsewhere): what its report row says."""
    return CheckInfo(result.check_id, result.layer, result.area, result.row, result.severity,  # type: ignore[arg-type]
                     result.check_id)


def _severity(infos: Sequence[CheckInfo]) -> str:
    known = [info.severity for info in infos if info.severity in _RANK]
    return max(known, key=_RANK.index) if known else "high"


def _rule(check_id: str, infos: Sequence[CheckInfo]) -> dict[str, Any]:
    first, severity = infos[0], _severity(infos)
    paragraphs = _words(first.title) or [check_id]
    layers = [info.layer for info in infos]
    row = ROWS.get(first.row, first.row)
    full = " ".join(paragraphs) + (f" Checked in the {', '.join(layers)} layers." if len(layers) > 1 else "")
    help_text = (f"{full}\n\nMatrix row: {row}; area: {first.area}; layers: {', '.join(layers)}; severity: "
                 f"{severity}. A finding reads '<env> {check_id} <resource>.<setting>: expected X, got Y "
                 "(file:line)'. Make the declared value (or the environment) match the documented matrix, or "
                 "waive the finding with a reason, an owner and an expiry in the waiver file.")
    rule: dict[str, Any] = {"id": check_id, "name": _name(check_id),
                            "shortDescription": {"text": paragraphs[0]},
                            "fullDescription": {"text": full}, "help": {"text": help_text},
                            "defaultConfiguration": {"level": LEVELS.get(severity, "error")},
                            "properties": {"security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
                                           "tags": sorted({*layers, first.area, *first.tags}),
                                           "precision": "very-high"}}
    # checks.yaml's remediation page and owner (the same CheckInfo the JUnit properties and allure labels read)
    if first.remediation_url:
        rule["helpUri"] = first.remediation_url
    if first.owner:
        rule["properties"]["owner"] = first.owner
    return rule


def _first_failing(result: CheckResult) -> Evidence | None:
    return next((ev for ev in result.evidence if not ev.passed), None)


def _locations(result: CheckResult, environment_files: Mapping[str, str]) -> list[dict[str, Any]]:
    """The declaring file:line; a finding no file declares names environment and resource logically, and is
    anchored at the environment's declared file (GitHub code scanning rejects a result without a file)."""
    failing = _first_failing(result)
    resource = (failing.resource if failing else "") or result.check_id
    logical = [{"name": resource, "fullyQualifiedName": f"{result.environment}/{resource}", "kind": "resource"}]
    path, line = split_location(result.location) if result.location else (environment_files.get(
        result.environment, ""), None)
    if not path:
        return [{"logicalLocations": logical}]
    artifact: dict[str, Any] = ({"uri": Path(path).as_uri()} if Path(path).is_absolute()
                                else {"uri": path, "uriBaseId": SRCROOT})
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if not result.location:
        location["logicalLocations"] = logical
    return [location]


def _result(result: CheckResult, index: int, info: CheckInfo,
            environment_files: Mapping[str, str]) -> dict[str, Any]:
    failing = _first_failing(result)
    setting = f"{failing.resource}.{failing.setting}" if failing else result.nodeid
    entry: dict[str, Any] = {
        "ruleId": result.check_id, "ruleIndex": index, "level": LEVELS.get(info.severity, "error"),
        # Plain text: a value cannot embed a link ([text](id)) nor break the line.
        "message": {"text": sarif_text(result.message or f"{result.environment} {result.check_id}: {result.status}")},
        "locations": _locations(result, environment_files),
        # Stable across runs: the same finding (environment, check, setting) keeps its alert.
        "partialFingerprints": {"envmatrixFinding/v1": f"{result.environment}:{result.check_id}:{setting}"},
        "properties": {"environment": result.environment, "layer": result.layer, "status": result.status,
                       "kind": result.kind, "nodeid": result.nodeid},
    }
    if result.status == "waived":
        entry["suppressions"] = [{"kind": "external", "justification": visible(result.waiver or "waived")}]
    return entry


def _in_time(entry: dict[str, Any], state: FindingState) -> dict[str, Any]:
    """A result placed in time: baselineState, provenance.firstDetectionTimeUtc and properties.firstSeen."""
    entry["baselineState"] = BASELINE_STATES[state.state]
    # the store's identity: the same across a re-created resource, and the same on the "absent" entry that closes it
    entry.setdefault("partialFingerprints", {})["envmatrixHistory/v1"] = state.fingerprint
    entry["provenance"] = {"firstDetectionTimeUtc": when(state.first_seen)}
    entry["properties"].update({"firstSeen": when(state.first_seen), "daysOpen": round(state.days_open, 2),
                                "historyState": state.state})
    return entry


def _absent(state: FindingState, result: CheckResult | None, ids: Sequence[str],
            environment_files: Mapping[str, str]) -> dict[str, Any]:
    """A fixed finding: listed once more, baselineState "absent", kind "pass" and level "none" (SARIF 3.27.9/10:
    a result that is not a failure has level none), located where tonight's passing check is."""
    line = state.message or f"{state.environment} {state.check_id}"
    entry: dict[str, Any] = {
        "ruleId": state.check_id, "kind": "pass", "level": "none",
        "message": {"text": sarif_text(f"fixed since the previous run: {line}")},
        "properties": {"environment": state.environment, "status": "pass"},
    }
    if state.check_id in ids:
        entry["ruleIndex"] = ids.index(state.check_id)
    if result is not None:
        entry["properties"].update({"layer": result.layer, "nodeid": result.nodeid})
    else:  # the check did not run tonight: anchored at the environment's declared file, as a finding no file holds
        result = CheckResult("", state.check_id, state.environment, "", "", "", "")
    entry["locations"] = _locations(result, environment_files)
    return _in_time(entry, state)


def _base_ids(root: Path | None) -> dict[str, Any]:
    """%SRCROOT%, the base of every relative location: the repository root, as an absolute file URI ending in "/"
    (SARIF 3.14.14) when the run knows it, so a viewer outside code scanning resolves the locations too."""
    base: dict[str, Any] = {"description": {"text": "The repository root: file locations are relative to it."}}
    if root is not None:
        base["uri"] = root.resolve().as_uri().rstrip("/") + "/"
    return {SRCROOT: base}


def build_sarif(results: Sequence[CheckResult], catalogue: Iterable[CheckInfo],
                environment_files: Mapping[str, str] | None = None, root: Path | None = None,
                history: HistoryView | None = None, key: Key | None = None) -> dict[str, Any]:
    """The SARIF log of one run; ``environment_files`` (env -> repository path of its tfvars) anchors findings
    that no file declares; ``root`` is the repository the relative locations are in (%SRCROOT%).

    With ``history`` (the store's view, keyed by ``key``: the store's fingerprint) each result carries its
    baselineState and first detection, and each finding fixed since the previous run is listed as "absent", so
    a viewer that compares runs closes it."""
    infos = _infos(catalogue, results)
    for result in results:
        if not any(info.layer == result.layer for info in infos.get(result.check_id, [])):
            infos.setdefault(result.check_id, []).append(_fallback(result))
    ids = sorted(infos)
    by_layer: dict[tuple[str, str], CheckInfo] = {(info.layer, info.id): info for group in infos.values()
                                                  for info in group}
    entries = [_result(r, ids.index(r.check_id), by_layer[(r.layer, r.check_id)], environment_files or {})
               for r in results if r.status in _FAILED]
    states = states_of(results, history, key or fingerprint)
    for result, entry in zip((r for r in results if r.status in _FAILED), entries, strict=True):
        if result.nodeid in states:
            _in_time(entry, states[result.nodeid])
    entries += [_absent(state, result, ids, environment_files or {})
                for state, result in fixed_results(results, history, key or fingerprint)]
    driver = {"name": TOOL_NAME, "version": envmatrix.__version__, "semanticVersion": envmatrix.__version__,
              "informationUri": information_uri(), "rules": [_rule(check_id, infos[check_id]) for check_id in ids]}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
            "runs": [{"tool": {"driver": driver}, "originalUriBaseIds": _base_ids(root),
                      "columnKind": "unicodeCodePoints", "results": entries}]}


def write_sarif(results: Sequence[CheckResult], catalogue: Iterable[CheckInfo], path: Path,
                environment_files: Mapping[str, str] | None = None, root: Path | None = None,
                history: HistoryView | None = None) -> Path:
    """Write the run's SARIF log atomically (as every report); returns the path."""
    return write_json_atomic(path, build_sarif(results, catalogue, environment_files, root, history))
