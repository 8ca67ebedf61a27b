"""The project's own tests: pytester for plugin behaviour, and a copy of the shipped project per test."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

import envmatrix.history.store  # noqa: F401  (see below)
from envmatrix.catalog import CheckInfo
from envmatrix.spec import load_spec

pytest_plugins = ["pytester"]
# The history store's SQLAlchemy is imported here, once: an in-process pytester run drops the modules it imported
# when it ends, and SQLAlchemy's compiled extensions cannot be imported a second time in one process.

#: CI draws the same examples every run (seeded by each test), so the gate cannot fail on a draw nobody can
#: replay; a developer's run draws new ones, and what they find becomes a plain regression test.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
#: The shipped spec's environments, in its promotion order (the code has no such constant: the spec names them).
SHIPPED = load_spec(ROOT / "fixtures" / "matrix.yaml").environment_names()
SHIPPED_ENVIRONMENTS: tuple[str, ...] = SHIPPED.names


@pytest.fixture(scope="session")
def github_standin() -> Iterator[dict[str, str]]:
    """The sandbox's GitHub stand-in on a CA of its own (the approval checks' evidence), shared by the session."""
    from envmatrix.sandbox.github_api import start_github_alone
    from envmatrix.sandbox.world import default_world

    repository = default_world().github
    assert repository is not None
    running = start_github_alone(repository)
    yield running.env_vars
    running.stop()


@pytest.fixture
def github_env(github_standin: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Point runs of the shipped live checks at the stand-in (their smoke layer must not run: it sets the CA)."""
    for name, value in github_standin.items():
        monkeypatch.setenv(name, value)


@dataclass
class Outcome:
    """What one inner run reported, read from its JUnit XML."""

    returncode: int
    failed: dict[str, str]  # "<check id>[<env>]" -> failure message
    passed: set[str]
    xfailed: set[str]
    output: str


def forget_scratch_modules() -> None:
    """Drop the ``checks``/``smoke`` packages an earlier in-process run left in sys.modules on this worker.

    A scratch project's ``checks`` package must never meet another project's ("No module named 'checks.fake'").
    """
    for name in [name for name in sys.modules if name.split(".")[0] in ("checks", "smoke")]:
        del sys.modules[name]


class Project:
    """A scratch copy of the shipped checks and fixtures that a test may break, one value at a time."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path
        shutil.copytree(ROOT / "fixtures", self.path / "fixtures")
        shutil.copytree(ROOT / "checks", self.path / "checks", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", self.path / "pyproject.toml")

    def tfvars(self, env: str) -> Path:
        return self.path / "fixtures" / "tfvars" / env / "terraform.tfvars"

    def env_file(self, env: str) -> Path:
        return self.path / "fixtures" / "env" / f"{env}.env"

    def set_line(self, path: Path, key: str, line: str | None) -> None:
        """Replace the line assigning ``key`` (or delete it with None, or append when absent)."""
        text = path.read_text()
        pattern = re.compile(rf"^{re.escape(key)}\s*=(?:\s*\[[^\]]*\].*|.*)$", re.MULTILINE)
        if pattern.search(text):
            text = pattern.sub(line if line is not None else "", text)
        elif line is not None:
            text += f"\n{line}\n"
        path.write_text(text)

    def run(self, *args: str) -> Outcome:
        junit = self.path / "junit.xml"
        forget_scratch_modules()
        result = self.pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", "-p", "no:hypothesispytest", f"--junitxml={junit}", *args
        )
        return read_outcome(junit, result.ret, "\n".join(result.outlines + result.errlines))


def assert_one_usage_error(outcome: Outcome, fragments: tuple[str, ...]) -> None:
    """Bad input: exit 4, exactly one ERROR line holding every fragment, no traceback, no canary value."""
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR, outcome.output
    errors = [line for line in outcome.output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, outcome.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in outcome.output and "INTERNALERROR" not in outcome.output
    assert "hunter2" not in outcome.output


def read_outcome(junit: Path, returncode: int, output: str) -> Outcome:
    failed: dict[str, str] = {}
    passed: set[str] = set()
    xfailed: set[str] = set()
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            props = {p.get("name"): p.get("value") for p in case.iter("property")}
            key = f"{props.get('check_id', case.get('name'))}[{props.get('environment', '')}]"
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            skipped = case.find("skipped")
            if failure is not None:
                failed[key] = (failure.get("message") or "") + "\n" + (failure.text or "")
            elif skipped is not None and skipped.get("type") == "pytest.xfail":
                xfailed.add(key)
            else:
                passed.add(key)
    return Outcome(returncode, failed, passed, xfailed, output)


def free_port() -> int:
    """A loopback port free now (for a server a test starts in another process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_until(process: subprocess.Popen[str], marker: str, seconds: float) -> str:
    """What ``process`` printed up to the line holding ``marker`` (or its end, or ``seconds``)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            break
    return "".join(lines)


def load_check_module(relative: str) -> ModuleType:
    """Import one file of the project (a shipped check module, a script) under a private name, once, to call its
    helpers directly.

    Importing a check as ``checks.…`` or ``smoke.…`` would pin those package names to this
    checkout and break the in-process pytester runs of scratch copies ("import file mismatch").
    """
    path = ROOT / relative
    name = "_envmatrix_shipped_" + relative.replace("/", "_").removesuffix(".py")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


#: Where the shipped checks live (pyproject's testpaths).
CHECK_DIRS: tuple[str, ...] = ("checks", "smoke")


def shipped_check_modules() -> dict[str, ModuleType]:
    """Every shipped check module (``checks/**/test_*.py``, ``smoke/test_*.py``) by its path under the project."""
    paths = sorted(path for folder in CHECK_DIRS for path in (ROOT / folder).rglob("test_*.py"))
    return {str(path.relative_to(ROOT)): load_check_module(str(path.relative_to(ROOT))) for path in paths}


def checks_of(module: ModuleType) -> list[CheckInfo]:
    """The CheckInfo of each check a module declares, read from its functions' marks (not from the registry,
    which an in-process run of a scratch project may have overwritten with checks of the same id)."""
    infos = []
    for value in vars(module).values():
        for mark in getattr(value, "pytestmark", []) if callable(value) else []:
            if mark.name == "envmatrix_check":
                infos.append(mark.args[0])
    return infos


def shipped_checks() -> list[CheckInfo]:
    """The CheckInfo of every shipped check."""
    return [info for module in shipped_check_modules().values() for info in checks_of(module)]


@pytest.fixture
def project(pytester: pytest.Pytester) -> Project:
    return Project(pytester)
