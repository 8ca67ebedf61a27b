"""Real-AWS-shaped answers: botocore's Stubber feeds the real inventory code, then the real checks judge.

Every queued response is validated by the Stubber against botocore's service model, so a shape that real
AWS could not return fails the test. The shapes follow AWS's documentation, not moto: this is where the
live layer meets what real accounts look like (sidecars first, rotation schedules, partitions, ...).

    clients = StubbedClients("production")
    clients.stub("rds").add_response("describe_db_instances", {...}, {"DBInstanceIdentifier": "..."})
    snapshot = snapshot_of("production", rds=rds.fetch(target("production", clients)))
    assert judge("checks/live/test_sla.py", "DB-STORAGE", "production", snapshot).passed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from envmatrix.aws.guard import guard_session
from envmatrix.aws.snapshot import Snapshot
from envmatrix.aws.target import AwsTarget, Wants
from envmatrix.catalog import test_name_for
from envmatrix.context import Environment, Paths, Suite
from envmatrix.names import Names, as_dict, names_for
from envmatrix.spec import load_spec
from envmatrix.verdict import CheckFailed, Evidence
from tests.conftest import SHIPPED_ENVIRONMENTS, load_check_module

ROOT = Path(__file__).resolve().parents[2]
#: An account id that is not moto's (123456789012), so nothing passes by matching the emulator's default.
ACCOUNT = "210987654321"
REGION = "us-east-1"


class StubbedClients:
    """Stands in for ``envmatrix.aws.session.Clients``: guarded botocore clients with a Stubber each."""

    def __init__(self, env: str, region: str = REGION) -> None:
        self.env = env
        self.region = region
        self._session = guard_session(boto3.Session(
            aws_access_key_id="shape-test", aws_secret_access_key="shape-test", region_name=region))
        self._made: dict[tuple[str, str], Any] = {}
        self.stubbers: dict[tuple[str, str], Stubber] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._made:
            made = self._session.client(service, region_name=key[1])  # type: ignore[call-overload]
            stubber = Stubber(made)
            stubber.activate()
            self._made[key], self.stubbers[key] = made, stubber
        return self._made[key]

    def prepare(self, services: tuple[str, ...]) -> None:
        for service in services:
            self.client(service)

    def stub(self, service: str, region: str | None = None) -> Stubber:
        """The Stubber of ``service`` (in ``region``): queue answers with add_response / add_client_error."""
        self.client(service, region)
        return self.stubbers[(service, region or self.region)]

    def verify(self) -> None:
        """Every queued answer was asked for (the inventory read what the test says it reads)."""
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def stub_no_bastion(ec2: Stubber) -> None:
    """Queue the network section's last read answering that no bastion is tagged in the VPC (DescribeInstances;
    the bastion's own shapes are test_database_access_shapes.py's), for tests about the other groups."""
    ec2.add_response("describe_instances", {"Reservations": []})


def target(env: str, clients: StubbedClients, *, wants: Wants | None = None, names: Names | None = None) -> AwsTarget:
    """A fetch target over stubbed clients; by default it wants what the shipped spec says exists."""
    spec = repo_spec().env(env)
    return AwsTarget(env=env, names=names or names_for(env), clients=clients,  # type: ignore[arg-type]
                  wants=wants or Wants.from_spec(spec))


def repo_spec() -> Any:
    return load_spec(ROOT / "fixtures/matrix.yaml")


def snapshot_of(env: str, names: Names | None = None, **sections: Any) -> Snapshot:
    """A snapshot holding only the given sections (the rest absent, as a check would see them)."""
    return Snapshot(run_id="shapes", environment=env, taken_at="2026-11-25T00:00:00+00:00", seconds=0.0,
                    api_calls=0, names=as_dict(names or names_for(env)), **sections)


@dataclass
class Verdict:
    """What one check said about one snapshot."""

    passed: bool
    message: str = ""
    evidence: list[Evidence] = field(default_factory=list)


def judge(module: str, check_id: str, env: str, snapshot: Snapshot, *, suite: Suite | None = None,
          **params: Any) -> Verdict:
    """Run shipped check ``check_id`` of ``module`` (a path under the project) on ``snapshot``; ``params`` are
    a parametrized check's arguments (e.g. ``key="api_desired_count"`` of a drift check)."""
    function = getattr(load_check_module(module), test_name_for(check_id))
    info = next(mark.args[0] for mark in function.pytestmark if mark.name == "envmatrix_check")
    suite = suite or repo_suite()
    suite.sources.live = lambda _env: snapshot
    environment = Environment(suite, env, info)
    try:
        function(environment, **params)
    except CheckFailed as failure:
        return Verdict(False, str(failure), environment.evidence)
    return Verdict(True, "", environment.evidence)


def repo_suite(reports: Path | None = None) -> Suite:
    """A Suite over the repository's own spec, tfvars and env files (no live source until judge sets one)."""
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports or ROOT / "reports")
    return Suite(spec=load_spec(paths.spec), paths=paths, selected=list(SHIPPED_ENVIRONMENTS))
