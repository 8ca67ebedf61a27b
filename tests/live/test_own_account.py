"""Issue 16's proof: an "acme" account in a moto server is green by configuration alone; one break, one red."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from envmatrix.declared import load_env_file, load_tfvars
from envmatrix.sandbox.aws import MotoProcess
from envmatrix.sandbox.provision_ops import cost_answer, queue_bill
from envmatrix.spec import load_spec
from tests.conftest import Project
from tests.live.acme_account import AcmeEnv, acme_layout, organization_trail, pipeline, provision
from tests.live.conftest import ROOT, offline_aws

SHORT = {"production": "prod", "staging": "stage"}
ARGS = ("--envmatrix-config=acme/envmatrix.toml", "--env=prod,stage", "-m", "declared or live", "-p", "no:randomly")


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    server = MotoProcess("us-east-1")
    try:
        server.wait_ready(60.0)
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def acme(project: Project, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The acme files beside a copy of the checkout, and the acme account provisioned from them."""
    root = acme_layout(project)
    spec = load_spec(ROOT / "fixtures" / "matrix.yaml")
    for env, short in SHORT.items():
        provision(AcmeEnv(pipeline=pipeline(moto_endpoint, short, "us-east-1"),
            short=short, endpoint=moto_endpoint, spec=spec.env(env), placeholder=spec.defaults.secret_placeholder,
            tfvars=load_tfvars(root / "infra" / "envs" / short / "terraform.tfvars"),
            env_file=load_env_file(root / "app" / "config" / f"{short}.env"),
            signals={name: spec.alarm_signals[name] for name in getattr(spec.monitoring_level(env), "signals", ())},
        ))
    organization_trail(moto_endpoint, "us-east-1")
    # Last month's bill, by acme's own tag key and short names, at each environment's documented low figure.
    queue_bill(moto_endpoint, cost_answer({short: spec.env(env).cost.monthly_usd_low for env, short in SHORT.items()},
                                          tag_key="env"))
    offline_aws(monkeypatch, moto_endpoint)
    return project


def _tag(endpoint: str, key: str, value: str) -> None:
    ecs = pipeline(endpoint, "prod", "us-east-1").client("ecs", "us-east-1")  # a pipeline change, not by hand
    arn = ecs.describe_clusters(clusters=["prod-acme"])["clusters"][0]["clusterArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": key, "value": value}])


def test_acme_account_is_green_by_configuration_alone(acme: Project, moto_endpoint: str, tmp_path: Path) -> None:
    outcome = acme.run(*ARGS)
    assert outcome.failed == {}, outcome.output[-4000:]
    assert outcome.returncode == 0
    live = {key for key in outcome.passed if key.startswith(("RESOURCE-TAGS", "MON-ALARMS", "LOG-RETENTION"))}
    assert {"RESOURCE-TAGS[production]", "RESOURCE-TAGS[staging]", "MON-ALARMS[production]"} <= live
    # issue 23's rows, found through acme's own settings (its jump host by the configured role=jumphost tag)
    assert {"ACCESS-ADMIN-PATHS[staging]", "ACCESS-ADMIN-PATHS[production]", "DATA-CLASSIFICATION[staging]",
            "DB-BASTION[production]", "DB-AUDIT-LOGGING[production]", "DB-ACCESS-SOURCES[production]"} <= set(
        outcome.passed), sorted(outcome.passed)
    assert len(outcome.passed) > 80 and outcome.xfailed == {"ECS-WORKER-CAPACITY[production]"}, outcome.xfailed
    # the report's header names the account the typed snapshots were read from (their identity section)
    target = json.loads(next(acme.path.rglob("matrix.json")).read_text())["meta"]["target"]
    assert target.startswith("account 123456789012, region us-east-1"), target
    # one setting broken: the production cluster's environment tag says the canonical name, not the short one
    _tag(moto_endpoint, "env", "production")
    broken = acme.run(*ARGS)
    assert set(broken.failed) == {"RESOURCE-TAGS[production]"}, broken.failed
    assert ("production RESOURCE-TAGS ecs-cluster:prod-acme.tags.env: expected prod, got production"
            in broken.failed["RESOURCE-TAGS[production]"])
