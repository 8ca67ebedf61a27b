"""The fault catalogue: each single misconfiguration turns exactly its checks red; the clean sandbox is green.

One sandbox (moto server process) per test session/worker, separate from the live tests' shared one because
every fault resets it: reset, provision the fault's environment, apply the fault, then run the shipped
checks (``-m "live or drift"``) in a subprocess pointed at the sandbox and read its JUnit XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from envmatrix.context import Paths, Suite
from envmatrix.sandbox.aws import RunningAws, start_aws
from envmatrix.spec import load_spec
from tests.conftest import SHIPPED_ENVIRONMENTS
from tests.faults.actions import FaultTarget
from tests.faults.catalogue import CATALOGUE, VARIANTS, Fault, Variant

ROOT = Path(__file__).resolve().parents[2]
_UNSAFE = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
           "ENVIRONMENT")


@dataclass
class Failure:
    layer: str
    check_id: str
    env: str
    message: str


@dataclass
class Run:
    returncode: int
    output: str
    failures: list[Failure] = field(default_factory=list)
    passed: int = 0

    def failing(self) -> set[tuple[str, str]]:
        return {(f.layer, f.check_id) for f in self.failures}


def repo_suite(reports: Path) -> Suite:
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports)
    return Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))


@pytest.fixture(scope="session")
def fault_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningAws, Suite]]:
    suite = repo_suite(tmp_path_factory.mktemp("fault-sandbox"))
    running = start_aws(suite)
    yield running, suite
    running.stop()


def _read_junit(path: Path) -> tuple[list[Failure], int]:
    failures, passed = [], 0
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            passed += case.find("skipped") is None
            continue
        failures.append(Failure(props.get("layer", "?"), props.get("check_id", case.get("name", "?")),
                                props.get("environment", "?"),
                                f"{problem.get('message') or ''}\n{problem.text or ''}"))
    return failures, passed


#: Inner runs need neither reports nor assertion rewriting nor hypothesis: leaving them out halves their time.
_LEAN = ("-q", "-p", "no:randomly", "-p", "no:xdist", "-p", "no:hypothesispytest", "-p", "no:envmatrix_reports",
         "-p", "no:envmatrix_smoke", "--assert=plain")


def run_checks(aws: RunningAws, env: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The shipped live and drift checks of ``env`` (an in-process pytest run) against the sandbox only."""
    for name in _UNSAFE:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**aws.env_vars(), "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix"}.items():
        monkeypatch.setenv(name, value)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_inprocess(
        str(ROOT / "checks"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), f"--env={env}",
        "-m", "live or drift", f"--junitxml={junit}", f"--reports-dir={pytester.path / 'reports'}", *_LEAN)
    failures, passed = _read_junit(junit) if junit.exists() else ([], 0)
    return Run(int(result.ret), "\n".join(result.outlines + result.errlines), failures, passed)


#: checks whose findings are events, said as issue 25 words them (``<env> CHANGE-MANUAL <resource>: <event> by
#: <principal> at <time> from <where>``), not as a setting's expected and actual value
EVENT_FINDINGS = frozenset({"CHANGE-MANUAL"})


def _describe(run: Run) -> str:
    lines = [f"{f.layer} {f.check_id}[{f.env}]: {f.message.strip().splitlines()[0][:300]}" for f in run.failures]
    return "\n".join(lines) or run.output[-3000:]


@pytest.mark.parametrize("fault", CATALOGUE, ids=[item.id for item in CATALOGUE])
def test_fault_turns_exactly_its_checks_red(fault: Fault, fault_sandbox: tuple[RunningAws, Suite],
                                            pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    aws, suite = fault_sandbox
    aws.reset()
    aws.provision(suite, [fault.env])
    fault.apply(FaultTarget(aws, fault.env))
    run = run_checks(aws, fault.env, pytester, monkeypatch)
    assert run.passed > 0, _describe(run)
    assert run.failing() == set(fault.expected), _describe(run)
    for failure in run.failures:
        assert failure.env == fault.env
        assert failure.message.lstrip().startswith(f"{fault.env} {failure.check_id} "), failure.message
        if failure.check_id in EVENT_FINDINGS and ", got " not in failure.message:
            # one line per event: who changed what, when, from where (a check that could not judge, e.g. the trail
            # stopped, says expected and got like every other)
            assert all(" by " in line and " at " in line and " from " in line
                       for line in failure.message.strip().splitlines()), failure.message
        else:
            assert "expected" in failure.message and ", got " in failure.message, failure.message
    assert any(fault.where in failure.message for failure in run.failures), _describe(run)


@pytest.mark.parametrize("variant", VARIANTS, ids=[item.id for item in VARIANTS])
def test_conforming_variant_stays_green(variant: Variant, fault_sandbox: tuple[RunningAws, Suite],
                                        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A legitimate real-world shape (a sidecar first, an autoscaled value, ...) raises no false alarm."""
    aws, suite = fault_sandbox
    aws.reset()
    aws.provision(suite, [variant.env])
    variant.apply(FaultTarget(aws, variant.env))
    run = run_checks(aws, variant.env, pytester, monkeypatch)
    assert run.passed > 0 and run.failures == [], _describe(run)


def test_clean_sandbox_is_green(fault_sandbox: tuple[RunningAws, Suite], pytester: pytest.Pytester,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    aws, suite = fault_sandbox
    aws.reset()
    aws.provision(suite)
    run = run_checks(aws, "all", pytester, monkeypatch)
    assert run.returncode == 0, _describe(run)
    assert run.failures == [] and run.passed > 200, _describe(run)


def test_catalogue_is_well_formed() -> None:
    ids = [item.id for item in CATALOGUE]
    assert len(CATALOGUE) >= 30
    assert len(ids) == len(set(ids))
    variant_ids = [item.id for item in VARIANTS]
    assert len(variant_ids) == len(set(variant_ids)) and not set(variant_ids) & set(ids)
    for item in CATALOGUE:
        assert item.env in SHIPPED_ENVIRONMENTS and item.expected and item.where, item.id
        assert all(layer in ("live", "drift") for layer, _ in item.expected), item.id


#: (layer, check id, environment) that may pass on an account holding nothing: only checks whose spec value is
#: "nothing there" (no log archive to drift from outside production; dev declares no admin allow-list, as its spec
#: documents no admin path: no web ACL guards one, in an empty account as in the sandbox).
EMPTY_ACCOUNT_PASSES = {("drift", "DRIFT-LOGGING", "dev"), ("drift", "DRIFT-LOGGING", "staging"),
                        ("drift", "DRIFT-ACCESS", "dev"),
                        # approvals are read from GitHub (the stand-in), not from the empty AWS account
                        ("live", "GH-ENVIRONMENT-REVIEWERS", "production"), ("live", "GH-BRANCH-REVIEWS", "production"),
                        ("live", "GH-BRANCH-STATUS-CHECKS", "production")}


def test_empty_account_passes_nothing(fault_sandbox: tuple[RunningAws, Suite], pytester: pytest.Pytester,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: with no resource at all, no live or drift check passes by finding nothing to look at."""
    aws, _suite = fault_sandbox
    aws.reset()
    run = run_checks(aws, "all", pytester, monkeypatch)
    junit = ET.parse(pytester.path / "junit.xml").getroot()
    passed = set()
    for case in junit.iter("testcase"):
        if case.find("failure") is None and case.find("error") is None and case.find("skipped") is None:
            props = {p.get("name"): p.get("value") or "" for p in case.iter("property")}
            passed.add((props.get("layer", "?"), props.get("check_id", "?"), props.get("environment", "?"),
                        case.get("name", "?")))
    assert run.returncode == 1
    assert {item[:3] for item in passed} <= EMPTY_ACCOUNT_PASSES, sorted(passed)
