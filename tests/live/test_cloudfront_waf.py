"""A WAF on CloudFront in front of the load balancer, end to end on the sandbox's moto server: green where the spec
allows it (``security.waf_cloudfront: true``), the same account red under the shipped spec (the catalogue's
``production-waf-moved-to-cloudfront``), and red again where the distribution points elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from envmatrix.context import Suite
from envmatrix.sandbox.aws import RunningAws
from tests.faults.actions import FaultTarget
from tests.faults.network import _waf_on_cloudfront
from tests.live.test_faults import _LEAN, _read_junit, fault_sandbox

__all__ = ["fault_sandbox"]  # the catalogue's sandbox fixture, used here too

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("WAF-ASSOCIATED", "ACCESS-ADMIN-PATHS")


def _allowing_spec(folder: Path) -> Path:
    """The shipped spec with production's ``security.waf_cloudfront: true``."""
    spec = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    spec["environments"]["production"]["security"]["waf_cloudfront"] = True
    path = folder / "matrix-cloudfront.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _run(aws: RunningAws, spec: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """WAF-ASSOCIATED and ACCESS-ADMIN-PATHS of production under ``spec``: check id -> "" (passed) or the failure."""
    for name, value in {**aws.env_vars(), "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    junit = pytester.path / "junit.xml"
    pytester.runpytest_inprocess(
        str(ROOT / "checks/live"), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), "--env=production",
        f"--spec={spec}", "-m", "live", "-k", "waf_associated or admin_paths", f"--junitxml={junit}",
        f"--reports-dir={pytester.path / 'reports'}", *_LEAN)
    failures, passed = _read_junit(junit)
    assert passed + len(failures) == len(CHECKS), (passed, failures)
    return {f.check_id: f.message for f in failures}


def _distribution_elsewhere(target: FaultTarget) -> None:
    """The CloudFront move, then the distribution's origin changed to another host."""
    _waf_on_cloudfront(target)
    cloudfront = target.client("cloudfront")
    item = cloudfront.list_distributions()["DistributionList"]["Items"][0]
    answer = cloudfront.get_distribution_config(Id=item["Id"])
    config = answer["DistributionConfig"]
    config["Origins"]["Items"][0]["DomainName"] = "static.example.com"
    cloudfront.update_distribution(Id=item["Id"], IfMatch=answer["ETag"], DistributionConfig=config)


@pytest.mark.parametrize(("apply", "red"), [
    (_waf_on_cloudfront, False),
    (_distribution_elsewhere, True),
], ids=["fronting-the-load-balancer", "pointing-elsewhere"])
def test_cloudfront_waf_where_the_spec_allows_it(apply: Callable[[FaultTarget], None], red: bool,
                                                 fault_sandbox: tuple[RunningAws, Suite], pytester: pytest.Pytester,
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    aws, suite = fault_sandbox
    aws.reset()
    aws.provision(suite, ["production"])
    apply(FaultTarget(aws, "production"))
    failures = _run(aws, _allowing_spec(tmp_path), pytester, monkeypatch)
    if not red:
        assert failures == {}, failures
        return
    assert set(failures) == set(CHECKS), failures
    assert ("production WAF-ASSOCIATED load-balancer:production-taskmanager-alb.WebACL: expected "
            "production-taskmanager-waf, got none") in failures["WAF-ASSOCIATED"]
