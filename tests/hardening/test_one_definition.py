"""Each source declared once: a job's pytest command line lives in scripts/job.py only (the Makefile and tox.ini
both call it), and every file a GitHub workflow names exists in the repository."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
JOB_SCRIPT = ROOT / "scripts" / "job.py"
#: job (scripts/job.py) -> the tox environment that runs it (the Makefile target has the job's own name).
TOX_ENV = {"audit": "audit", "gate": "gate", "declared": "declared", "drift": "drift", "smoke": "smoke",
           "test": "tests", "types": "types"}


def _jobs() -> list[str]:
    out = subprocess.run([sys.executable, str(JOB_SCRIPT)], capture_output=True, text=True, check=False)
    match = re.search(r"JOB one of: (.+)$", out.stderr.strip())
    assert match, out.stderr
    return match.group(1).split(", ")


def _makefile() -> str:
    return (ROOT / "Makefile").read_text().replace("\\\n", " ")


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def test_every_job_is_known_and_printable() -> None:
    assert set(_jobs()) == set(TOX_ENV)
    shown = subprocess.run([sys.executable, str(JOB_SCRIPT), "--print", "gate", "--sandbox"], capture_output=True,
                           text=True, check=True).stdout
    words = shlex.split(shown)
    assert Path(words[0]).name == "pytest" and "--gate" in words and words[-1] == "--sandbox"


def test_no_job_command_line_is_written_outside_scripts_job_py() -> None:
    """Neither the Makefile nor tox.ini runs pytest itself: a second copy of a job's command line would drift."""
    make_pytest = [line for line in _makefile().splitlines()
                   if re.search(r"(^|[\s/])pytest(\s|$)", line) and not line.lstrip().startswith("#")]
    assert make_pytest == [], "the Makefile runs pytest directly; add the job to scripts/job.py instead"
    tox = _tox()
    for section in tox.sections():
        command = tox[section].get("commands", "")
        assert not re.search(r"(^|[\s/])pytest(\s|$)", command), (
            f"tox.ini [{section}] runs pytest directly; call python scripts/job.py instead")


@pytest.mark.parametrize("job", sorted(TOX_ENV))
def test_make_target_and_tox_env_both_call_the_one_definition(job: str) -> None:
    recipe = re.search(rf"^{job}:[^\n]*\n((?:\t[^\n]*\n)+)", _makefile(), re.M)
    assert recipe, f"no Makefile target {job}"
    assert re.search(rf"^\t\$\(JOB\) {job}( |$)", recipe.group(1), re.M), recipe.group(1)
    assert re.search(r"^JOB\s*:=\s*\$\(BIN\)/python scripts/job\.py\s*$", _makefile(), re.M)
    command = _tox()[f"testenv:{TOX_ENV[job]}"]["commands"].strip()
    assert shlex.split(command) == ["python", "scripts/job.py", job, "{posargs}"]


def _workflows() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text())
        assert isinstance(data, dict) and "jobs" in data, f"{path.name} is not a workflow"
        out[path.name] = data
    assert out
    return out


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


#: A repository path in a run: script (``./scripts/x.sh``, ``bash .ci/run``, ``python scripts/job.py``).
REPO_PATH = re.compile(r"(?<![\w./$-])(?:\./)?((?:scripts|\.ci|\.github|bench|iam|fixtures|tests)/[\w./-]*\w)")


def _referenced(workflow: dict[str, Any]) -> set[str]:
    paths = {job["uses"] for job in workflow["jobs"].values() if str(job.get("uses", "")).startswith("./")}
    for step in _steps(workflow):
        if str(step.get("uses", "")).startswith("./"):
            paths.add(step["uses"])
        paths.update(REPO_PATH.findall(str(step.get("run", ""))))
    return {path.removeprefix("./") for path in paths}


def test_every_path_a_workflow_references_exists() -> None:
    missing = {(name, path) for name, workflow in _workflows().items() for path in _referenced(workflow)
               if not (ROOT / path).exists()}
    assert missing == set()


def test_every_tox_env_and_make_target_a_workflow_runs_exists() -> None:
    envs = {section.removeprefix("testenv:") for section in _tox().sections()}
    targets = set(re.findall(r"^([\w-]+):", _makefile(), re.M))
    for name, workflow in _workflows().items():
        for step in _steps(workflow):
            run = str(step.get("run", ""))
            assert set(re.findall(r"\btox -e ([\w-]+)", run)) <= envs, (name, run)
            assert set(re.findall(r"(?:^|[;&|]\s*)make ([\w-]+)", run, re.M)) <= targets, (name, run)


def test_the_path_check_sees_a_missing_script() -> None:
    workflow = {"jobs": {"x": {"steps": [{"run": './scripts/deploy.sh production "$VERSION"'},
                                         {"uses": "./.github/actions/none"}]}}}
    assert _referenced(workflow) == {"scripts/deploy.sh", ".github/actions/none"}


def test_the_deploy_step_is_the_users_and_says_so_when_unset() -> None:
    deploy = _workflows()["promotion-gate.yml"]["jobs"]["deploy"]
    step = next(s for s in deploy["steps"] if "DEPLOY_COMMAND" in str(s.get("run", "")))
    assert step["env"]["DEPLOY_COMMAND"] == "${{ vars.DEPLOY_COMMAND }}"
    assert re.search(r"::error[^\n]*DEPLOY_COMMAND", step["run"]) and "exit 1" in step["run"]
    done = subprocess.run(["bash", "-c", step["run"]], env={"PATH": "/usr/bin:/bin", "VERSION": "v1.2.3",
                                                              "DEPLOY_COMMAND": ""}, capture_output=True, text=True)
    assert done.returncode == 1 and "::error title=DEPLOY_COMMAND is not set::" in done.stdout
    command = 'echo "deploy $DEPLOY_ENVIRONMENT $VERSION"'
    ran = subprocess.run(["bash", "-c", step["run"]], env={"PATH": "/usr/bin:/bin", "VERSION": "v1.2.3",
                                                             "DEPLOY_ENVIRONMENT": "production",
                                                             "DEPLOY_COMMAND": command},
                         capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.strip() == "deploy production v1.2.3"
