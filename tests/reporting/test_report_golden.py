"""The main job's reports, byte for byte: a run of `make audit` on the sandbox equals the golden files.

What legitimately varies between two runs (timestamps, durations, loopback ports, random probe paths and ids,
the copy's folder, certificate dates, the order AWS lists resources in) is masked first; nothing else may move.
A refactoring of the reporting path proves it changed no report by keeping this test green. After an intended
report change, regenerate the files with ``ENVMATRIX_UPDATE_GOLDEN=1 pytest tests/reporting/test_report_golden.py``
and review the diff in git.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .test_report_jobs import tox_command

GOLDEN = ROOT / "tests" / "golden"
#: The reports of the main job that are the project's output contract (allure's are random file names).
REPORTS = ("matrix.json", "matrix.md", "matrix.html", "envmatrix.sarif", "junit.xml")
UPDATE_VARIABLE = "ENVMATRIX_UPDATE_GOLDEN"

#: (pattern, replacement), applied in order to every report before comparing.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ISO times, also Markdown-escaped (2026\-12\-07T00\:25\:58Z) and cut short by a clipped line (...T00\:25)
    (re.compile(r"\d{4}\\?-\d\d\\?-\d\dT\d\d(\\?:\d\d(\\?:\d\d(\.\d+)?)?)?(\+00\\?:00|Z)?"), "<time>"),
    (re.compile(r"\d{4}\\?-\d\d\\?-\d\d \d\d\\?:\d\d\\?:\d\d UTC"), "<time>"),
    (re.compile(r'"duration": [0-9.e-]+'), '"duration": "<duration>"'),
    (re.compile(r'\b(time|timestamp|hostname)="[^"]*"'), r'\1="<masked>"'),
    (re.compile(r"(?<=[A-Za-z0-9.]):\d{4,5}(?=[/\"&\s)<.,;\]`']|$)", re.MULTILINE), ":<port>"),
    (re.compile(r"envmatrix-probe-[0-9a-f]{8}"), "envmatrix-probe-<id>"),
    (re.compile(r"envmatrix smoke [0-9a-f]{8}"), "envmatrix smoke <id>"),
    (re.compile(r"ecs-svc/\d+"), "ecs-svc/<id>"),
    (re.compile(r"\b([a-z]+)(\\?-)[0-9a-f]{17}\b"), r"\1\2<id>"),  # EC2 ids the sandbox makes (subnet-, sg-, ...)
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex32>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"notAfter [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT"), "notAfter <date>"),
)


#: Lines that hold one piece of a check's evidence (JUnit, HTML): a run of them is in the order AWS listed things.
_EVIDENCE_LINES = ('<property name="envmatrix_evidence"', '<span class="v">')
#: Markdown's evidence list: `a`; `b`; ...
_MD_EVIDENCE = re.compile(r"`[^`\n]*`(?:; `[^`\n]*`)+")


def _evidence_sorted(data: Any) -> Any:
    """JSON with every list of evidence (objects with a "setting") in one order."""
    if isinstance(data, dict):
        return {key: _evidence_sorted(value) for key, value in data.items()}
    if isinstance(data, list):
        items = [_evidence_sorted(value) for value in data]
        if items and all(isinstance(item, dict) and "setting" in item for item in items):
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    return data


def _runs_sorted(lines: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.startswith(_EVIDENCE_LINES):
            run.append(line)
            continue
        out += sorted(run) + [line]
        run = []
    return out[:-1]


def canonical_order(name: str, text: str) -> str:
    """Evidence in one order: the sandbox provisions in parallel, so AWS lists e.g. alarms in any order, and a
    check's evidence follows it. Everything else keeps its order."""
    if name.endswith(".json"):
        return json.dumps(_evidence_sorted(json.loads(text)), indent=2, sort_keys=True) + "\n"
    if name.endswith(".md"):
        return _MD_EVIDENCE.sub(lambda m: "; ".join(sorted(m.group(0).split("; "))), text)
    return "\n".join(_runs_sorted(text.replace("><", ">\n<").split("\n")))  # XML, HTML: one element a line


def normalise(name: str, text: str, root: Path) -> str:
    """The report with what varies between runs masked (the copy's folder first: it holds random names)."""
    text = text.replace(str(root), "<root>").replace(str(ROOT), "<repo>")
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return canonical_order(name, text)


@pytest.fixture(scope="module")
def audit_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the main job (scripts/job.py audit) on a copy of the shipped project: its reports folder."""
    project = tmp_path_factory.mktemp("golden-audit")
    for name in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           "MOTO_RECORDER_FILEPATH": str(project / "moto_recording"), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("ENVIRONMENT", "ENVMATRIX_REPORTS", "ENVMATRIX_FAIL_ON", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY"):
        env.pop(name, None)
    run = subprocess.run([sys.executable, "-m", "pytest", *tox_command("audit"), "-p", "no:randomly",
                          "-p", "no:cacheprovider", "-p", "no:xdist", "--no-allure", "-q"],
                         cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return project / "reports"


@pytest.mark.parametrize("name", REPORTS)
def test_main_job_report_equals_golden(audit_reports: Path, name: str) -> None:
    got = normalise(name, (audit_reports / name).read_text(encoding="utf-8"), audit_reports.parent)
    golden = GOLDEN / name
    if os.environ.get(UPDATE_VARIABLE):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    want = golden.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), f"golden/{name}", f"this run/{name}",
                                    lineterm="", n=1)
        shown = [line[:400] for line in diff][:80]
        pytest.fail(f"{name} differs from tests/golden/{name} (set ${UPDATE_VARIABLE}=1 to accept):\n"
                    + "\n".join(shown), pytrace=False)
