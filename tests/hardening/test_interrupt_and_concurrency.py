"""A killed --sandbox run leaves nothing behind; two runs at once keep their reports and snapshots apart."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = re.compile(r"envmatrix: sandbox AWS endpoint http://127\.0\.0\.1:(\d+) .*sandbox services: (.*)")
OFFLINE = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix", "PYTHONUNBUFFERED": "1"}
BASE = ("-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "xdist", "-n", "2")
SLOW_CHECK = '''
import time
from envmatrix import Environment, check

@check("ZZ-SLOW", layer="declared", area="sla", row="database")
def test_zz_slow(env: Environment) -> None:
    time.sleep(300)
'''


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ENVIRONMENT", "AWS_PROFILE", "PYTEST_XDIST_WORKER")}
    return {**env, **OFFLINE}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _project(tmp_path: Path) -> Path:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_slow.py").write_text(SLOW_CHECK)
    return tmp_path


def _start_and_wait_for_tests(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int], str]:
    project = _project(tmp_path)
    command = [sys.executable, *BASE, str(project / "checks"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
               "--env=dev", "--sandbox", f"--reports-dir={project / 'reports'}", "-v"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=_env(), start_new_session=True)
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("workers [" in line for line in lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    text = "".join(lines)
    match = HEADER.search(text)
    assert match, text[-3000:]
    ports = [int(match.group(1)), *(int(p) for p in re.findall(r":(\d+)(?:,|$)", match.group(2)))]
    assert all(_open(port) for port in ports), text
    return process, ports, text


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_sandbox_run_leaves_no_process_port_or_report(tmp_path: Path, signum: signal.Signals) -> None:
    process, ports, _text = _start_and_wait_for_tests(tmp_path)
    time.sleep(3)  # the workers are now inside the slow check
    family = _descendants(process.pid)
    assert family, "xdist workers and the moto server should be running"
    started = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=60)
    assert process.stdout is not None
    process.stdout.close()
    while time.monotonic() - started < 20 and (any(map(_alive, family)) or any(map(_open, ports))):
        time.sleep(0.2)
    assert [pid for pid in family if _alive(pid)] == [], "processes outlived the run"
    assert [port for port in ports if _open(port)] == [], "ports still listening"
    reports = tmp_path / "reports"
    complete_looking = [p.name for p in reports.rglob("*") if p.is_file() and not p.name.startswith(".")
                        and p.suffix in (".json", ".html", ".md", ".xml")] if reports.exists() else []
    assert not [name for name in complete_looking if name.startswith("matrix")], complete_looking


def _run_in_background(reports: Path) -> subprocess.Popen[str]:
    command = [sys.executable, *BASE, "checks", "--env=staging,production", "--sandbox", "-m",
               "declared or live or drift or parity", f"--reports-dir={reports}", f"--junitxml={reports / 'junit.xml'}",
               "-q"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env())


def test_two_runs_at_once_keep_their_reports_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "job-a", tmp_path / "job-b"
    runs = [_run_in_background(first), _run_in_background(second)]
    outputs = [run.communicate(timeout=400)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
    summaries = []
    for reports, output in zip((first, second), outputs, strict=True):
        assert str(reports) in output and str(first if reports == second else second) not in output
        matrix = json.loads((reports / "matrix.json").read_text())
        assert "dev" not in json.dumps(matrix["environments"]) and "production" in json.dumps(matrix["environments"])
        for env in ("staging", "production"):
            assert json.loads((reports / "snapshots" / f"{env}.json").read_text())["environment"] == env
        cases = list(ET.parse(reports / "junit.xml").getroot().iter("testcase"))
        assert len(matrix["results"]) == len(cases), "matrix and JUnit disagree: one overwrote the other's results"
        summaries.append(len(cases))
        assert not list(reports.rglob(".*.tmp")), "a temporary file was left"
    assert summaries[0] == summaries[1] > 50
