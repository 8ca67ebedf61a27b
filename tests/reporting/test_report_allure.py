"""Allure results: every file parses, every check carries its labels and evidence, categories separate causes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from envmatrix.catalog import ROWS
from envmatrix.escape import markdown
from envmatrix.reporting.statuses import look

from .conftest import ReportProject

REQUIRED_LABELS = ("parentSuite", "epic", "feature", "story", "severity", "check_id", "environment", "layer", "tag")


def _load(results: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    tests, containers = [], []
    for path in results.iterdir():
        if path.name.endswith("-result.json"):
            tests.append(json.loads(path.read_text()))
        elif path.name.endswith("-container.json"):
            containers.append(json.loads(path.read_text()))
        elif path.name.endswith("-attachment.json"):
            json.loads(path.read_text())
    return tests, containers


def _labels(result: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in result["labels"]:
        out.setdefault(label["name"], []).append(label["value"])
    return out


def _category(categories: list[dict[str, Any]], result: dict[str, Any]) -> str:
    """Allure's rule: the first category whose statuses and (whole-message) regex match."""
    message = result.get("statusDetails", {}).get("message", "")
    for category in categories:
        if result["status"] not in category.get("matchedStatuses", []):
            continue
        pattern = category.get("messageRegex")
        if pattern is None or re.fullmatch(pattern, message):
            return str(category["name"])
    return ""


def test_results_directory_is_valid_and_labelled(report_project: ReportProject) -> None:
    report_project.set_tfvar("production", "db_backup_retention_days", "7")
    report_project.script(**{"smoke:APP-DEBUG[production]": "infra"})
    report_project.run("--env=all", "-p", "xdist", "-n", "2")  # JUnit goes to reports/junit.xml by default
    results = report_project.reports / "allure-results"
    tests, containers = _load(results)
    assert len(tests) == 135 and containers  # issue 23: + declared access (5), data (6), bastion and audit (3)
    _consistent_with_junit_and_matrix(report_project, tests)
    for result in tests:
        labels = _labels(result)
        missing = [name for name in REQUIRED_LABELS if name not in labels]
        assert not missing, (result["name"], missing)
        check_id, env = labels["check_id"][0], labels["environment"][0]
        assert result["name"].startswith(f"{check_id} [{env}] ")
        assert labels["parentSuite"] == [env] and labels["epic"] == [env]
        assert labels["layer"][0] in labels["tag"]
        assert labels["severity"][0] in ("blocker", "critical", "normal", "minor")
        for attachment in result.get("attachments", []):
            assert (results / attachment["source"]).is_file()
    retention = next(t for t in tests if t["name"].startswith("DB-BACKUP-RETENTION [production]")
                     and _labels(t)["layer"] == ["declared"])
    assert _labels(retention)["story"] == ["Backups"] and _labels(retention)["feature"] == ["backups"]
    evidence = json.loads((results / retention["attachments"][0]["source"]).read_text())
    assert evidence[0]["expected"] == "30" and evidence[0]["actual"] == "7" and evidence[0]["passed"] is False

    categories = json.loads((results / "categories.json").read_text())
    by_category: dict[str, set[str]] = {}
    for result in tests:
        if result["status"] != "passed":
            by_category.setdefault(_category(categories, result), set()).add(result["name"].split(" ")[0])
    assert by_category["Misconfiguration (the environment differs from the documented matrix)"] == {
        "DB-BACKUP-RETENTION"}
    assert by_category["Infrastructure problem (could not reach AWS or the service)"] == {"APP-DEBUG"}
    assert by_category["Waived findings (known, accepted until the waiver expires)"] == {
        "AUTO-SCALING", "ECS-WORKER-CAPACITY", "SECRETS-NO-LITERALS", "PARITY-ENV-KEYS"}

    properties = dict(line.split("=", 1) for line in (results / "environment.properties").read_text().splitlines())
    assert properties["environments"] == "dev, staging, production"
    assert properties["spec.digest"] == report_project.matrix()["meta"]["spec_digest"]
    assert {"spec.path", "tfvars.root", "target", "run.time", "envmatrix.version"} <= properties.keys()


def _consistent_with_junit_and_matrix(project: ReportProject, tests: list[dict[str, Any]]) -> None:
    """JUnit XML, allure results and matrix.json tell the same story, check by check."""
    status = {"passed": "pass", "failed": "fail", "broken": "error", "skipped": "waived"}
    allure = sorted((_labels(t)["check_id"][0], _labels(t)["environment"][0], _labels(t)["layer"][0],
                     status[t["status"]]) for t in tests)
    matrix = sorted((r["check_id"], r["environment"], r["layer"], r["status"]) for r in project.matrix()["results"])
    assert allure == matrix
    junit: dict[str, int] = {"pass": 0, "fail": 0, "error": 0, "waived": 0}
    proves: dict[tuple[str, str, str], bool] = {}
    for case in ET.parse(project.reports / "junit.xml").getroot().iter("testcase"):
        kind = "fail" if case.find("failure") is not None else "error" if case.find("error") is not None \
            else "waived" if case.find("skipped") is not None else "pass"
        junit[kind] += 1
        props = {prop.get("name"): prop.get("value") for prop in case.iter("property")}
        proves[(props["check_id"], props["environment"], props["layer"])] = props["row_evidence"] == "true"
    summary = project.matrix()["summary"]
    # pytest's JUnit calls an exception in a check a <failure>; the matrix tells misconfiguration from error.
    assert junit == {"pass": summary["pass"], "fail": summary["fail"] + summary["error"], "error": 0,
                     "waived": summary["waived"]}
    assert proves == {(r["check_id"], r["environment"], r["layer"]): r["proves"] for r in project.matrix()["results"]}
    _renderings_match_the_matrix(project, sum(junit.values()))


class _Page(HTMLParser):
    """matrix.html's cells (status, check count, figure, first-failure link) and its finding entries."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], dict[str, str]] = {}
        self.findings: list[tuple[str, str]] = []
        self.shared: dict[str, str] = {}  # row -> the reason all its cells share (said once beside the row's name)
        self._cell: dict[str, str] | None = None
        self._row = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "tr" and "data-row" in attr:
            self._row = attr["data-row"]
        elif tag == "td" and "data-row" in attr:
            self._cell = {"status": attr["data-status"], "checks": attr["data-checks"],
                          "figure": attr["data-figure"], "first": "", "reason": ""}
            self.cells[(attr["data-row"], attr["data-env"])] = self._cell
        elif tag == "a" and attr.get("class") == "first" and self._cell is not None:
            self._cell["first"] = attr["href"].removeprefix("#")
        elif tag == "span" and attr.get("class") == "why":
            if self._cell is not None:
                self._cell["reason"] = attr["title"]
            else:
                self.shared[self._row] = attr["title"]
        elif tag == "li" and attr.get("id", "").startswith("f-"):
            self.findings.append((attr["id"], attr["data-status"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None


def _renderings_match_the_matrix(project: ReportProject, junit_cases: int) -> None:
    """matrix.html and matrix.md show matrix.json's cells: status, check count, figure, first failure, findings."""
    model = project.matrix()
    cells = {(row["id"], env): cell for row in model["rows"] for env, cell in row["cells"].items()}
    page = _Page()
    page.feed((project.reports / "matrix.html").read_text())
    for (row_id, _env), shown in page.cells.items():
        shown["reason"] = shown["reason"] or page.shared.get(row_id, "")
    assert page.cells == {key: {"status": c["status"], "checks": str(c["checks"]), "figure": c["figure"],
                                "first": (c["first_failure"] or {}).get("anchor", ""), "reason": c["reason"]}
                          for key, c in cells.items()}
    assert [row["id"] for row in model["rows"]] == list(ROWS) and "cost_per_month" in ROWS
    for cell in cells.values():
        _status_follows_from_its_evidence(cell)
    assert sum(c["checks"] for c in cells.values()) == len(model["results"]) == junit_cases
    assert page.findings == [(f["anchor"], f["status"]) for f in model["failures"]]
    assert len(page.findings) == junit_cases - model["summary"]["pass"]
    counts = {s["status"]: s["cells"] for s in model["statuses"]}
    assert all(counts[c["status"]] == sum(x["status"] == c["status"] for x in cells.values()) for c in cells.values())
    report = (project.reports / "matrix.md").read_text()
    for row in model["rows"]:
        line = next(text for text in report.splitlines() if text.startswith(f'| <a id="{row["anchor"]}"></a>'))
        shown = line.split(" | ")[1:]
        for text, env in zip(shown, model["environments"], strict=True):
            cell = row["cells"][env]
            assert text.startswith(look(cell["status"]).icon + " ") and f" · {cell['checks']} check" in text
            assert (f" · {markdown(cell['figure'])} · " in text) == bool(cell["figure"])
            first = cell["first_failure"]
            assert (f"](#{first['anchor']}): " in text) if first else "](#" not in text
            assert (f" · _{markdown(cell['reason'])}_" in text) == bool(cell["reason"])
    assert report.count('<a id="f-') == len(model["failures"])
    assert report.count("<details><summary>") == len(model["rows"])


def _status_follows_from_its_evidence(cell: dict[str, Any]) -> None:
    """A green cell was observed; a declared-only one had evidence from files only; a not-checked one had none."""
    statuses = {entry["status"] for entry in cell["entries"]}
    proving = {entry["layer"] for entry in cell["entries"] if entry["proves"]}
    if statuses & {"fail", "error", "skipped"}:
        assert cell["status"] == "fail"
    elif "waived" in statuses:
        assert cell["status"] == "waived"
    else:
        assert cell["status"] == ("pass" if proving & {"live", "smoke"} else "declared" if proving else "not-checked")
    assert bool(cell["reason"]) == (cell["status"] in ("declared", "not-checked"))


def test_a_new_run_replaces_the_previous_results(report_project: ReportProject) -> None:
    report_project.run("--env=production")
    first = {p.name for p in (report_project.reports / "allure-results").iterdir()}
    report_project.run("--env=production")
    second = {p.name for p in (report_project.reports / "allure-results").iterdir()}
    assert len(second) == len(first) and not (first & second - {"categories.json", "environment.properties"})


def test_allure_can_be_turned_off_or_redirected(report_project: ReportProject) -> None:
    report_project.run("--env=production", "--no-allure")
    assert not (report_project.reports / "allure-results").exists()
    report_project.run("--env=production", f"--alluredir={report_project.path / 'elsewhere'}")
    assert (report_project.path / "elsewhere" / "categories.json").is_file()
    assert not (report_project.reports / "allure-results").exists()
