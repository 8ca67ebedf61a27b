"""The main job's reports, byte for byte: a run of `make audit` on the sandbox equals the golden files.

What legitimately varies between two runs (timestamps, durations, loopback ports, random probe paths and ids,
the copy's folder, certificate dates) is masked first; everything else must not move. A refactoring of the
reporting path proves it changed no report by keeping this test green. After an intended report change,
regenerate the files with ``ENVMATRIX_UPDATE_GOLDEN=1 pytest tests/reporting/test_report_golden.py`` and review
the diff in git.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_report_jobs import tox_command

GOLDEN = ROOT / "tests" / "golden"
#: The reports of the main job that are the project's output contract (allure's are random file names).
REPORTS = ("matrix.json", "matrix.md", "matrix.html", "envmatrix.sarif", "junit.xml")
UPDATE_VARIABLE = "ENVMATRIX_UPDATE_GOLDEN"

#: (pattern, replacement), applied in order to every report before comparing.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"), "<time>"),
    (re.compile(r"\d{4}\\?-\d\d\\?-\d\d \d\d\\?:\d\d\\?:\d\d UTC"), "<time>"),
    (re.compile(r'"duration": [0-9.e-]+'), '"duration": <duration>'),
    (re.compile(r'\b(time|timestamp|hostname)="[^"]*"'), r'\1="<masked>"'),
    (re.compile(r"(?<=[A-Za-z0-9.]):\d{4,5}(?=[/\"&\s)<.,;\]`']|$)", re.MULTILINE), ":<port>"),
    (re.compile(r"envmatrix-probe-[0-9a-f]{8}"), "envmatrix-probe-<id>"),
    (re.compile(r"envmatrix smoke [0-9a-f]{8}"), "envmatrix smoke <id>"),
    (re.compile(r"ecs-svc/\d+"), "ecs-svc/<id>"),
    (re.compile(r"\b([a-z]+)-[0-9a-f]{17}\b"), r"\1-<id>"),  # EC2 ids the sandbox makes (subnet-, sg-, ...)
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex32>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"notAfter [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT"), "notAfter <date>"),
)


def normalise(text: str, root: Path) -> str:
    """The report with what varies between runs masked (the copy's folder first: it holds random names)."""
    text = text.replace(str(root), "<root>").replace(str(ROOT), "<repo>")
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text.replace("><", ">\n<")  # one element a line: XML and HTML are one long line, a diff needs lines


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
    got = normalise((audit_reports / name).read_text(encoding="utf-8"), audit_reports.parent)
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
