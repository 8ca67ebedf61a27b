"""Route 53 health checks are listed once per run and shared by every environment (Route 53 allows 5 requests a
second per account), end to end on the sandbox: a spec where all three environments want an external health check
makes one ListHealthChecks, not three."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from envmatrix.aws import guard
from envmatrix.context import Suite
from envmatrix.sandbox.aws import RunningAws
from tests.live.test_faults import _LEAN, fault_sandbox

__all__ = ["fault_sandbox"]  # the catalogue's sandbox fixture, used here too

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "staging", "production")


def _everyone_watched(folder: Path) -> Path:
    """The shipped spec with an external health check wanted in every environment."""
    spec = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    for env in ENVIRONMENTS:
        spec["environments"][env]["sla"]["external_health_check"] = True
    path = folder / "matrix-watched.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_health_checks_are_listed_once_for_all_environments(
        fault_sandbox: tuple[RunningAws, Suite], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    aws, suite = fault_sandbox
    aws.reset()
    aws.provision(suite)
    for name, value in {**aws.env_vars(), "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    guard.reset_calls()
    result = pytester.runpytest_inprocess(
        str(ROOT / "checks/live"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), "--env=all",
        f"--spec={_everyone_watched(tmp_path)}", "-m", "live", "-k", "external_health_check",
        f"--reports-dir={pytester.path / 'reports'}", *_LEAN)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == len(ENVIRONMENTS), outcomes
    route53 = {(operation, key): count for (service, operation, key), count in guard.calls().items()
               if service == "route53"}
    listings = sum(count for (operation, _key), count in route53.items() if operation == "ListHealthChecks")
    tag_reads = sum(count for (operation, _key), count in route53.items() if operation == "ListTagsForResources")
    assert (listings, tag_reads) == (1, 1), route53  # one health check in the sandbox: one page, one batch
