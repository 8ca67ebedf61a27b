"""The scale benchmark's generator (tests/scratch_project.py): N tier x region environments that load and validate."""

from __future__ import annotations

from pathlib import Path

from envmatrix.context import Paths, Suite
from envmatrix.sandbox.world import load_world
from envmatrix.spec import load_spec
from envmatrix.waivers import load_waivers
from tests.scratch_project import WORLD, scale_project

NAMES = ["dev-use1", "dev-use2", "staging-use1", "staging-use2", "production-use1", "production-use2"]


def _suite(root: Path) -> Suite:
    paths = Paths(root / "fixtures/matrix.yaml", root / "fixtures/tfvars", root / "fixtures/env",
                  root / "fixtures/waivers.yaml", root / "reports")
    spec = load_spec(paths.spec)
    return Suite(spec=spec, paths=paths, selected=list(spec.environments))


def test_six_environments_are_written_in_promotion_order_and_load(tmp_path: Path) -> None:
    assert scale_project(tmp_path, 6) == NAMES
    suite = _suite(tmp_path)
    assert list(suite.spec.environments) == NAMES  # the shipped three are gone, their copies in tier order
    suite.load_selected()  # every tfvars and env file parses
    assert {waiver.env for waiver in load_waivers(suite.paths.waivers, suite.environments)} <= set(NAMES)
    assert list(load_world(tmp_path / WORLD).environments) == NAMES


def test_each_environment_has_its_own_region_network_domain_and_long_name(tmp_path: Path) -> None:
    scale_project(tmp_path, 6)
    suite = _suite(tmp_path)
    for name, entry in suite.spec.environments.items():
        tfvars, region = suite.tfvars(name), "us-east-2" if name.endswith("use2") else "us-east-1"
        assert entry.region == tfvars.aws_region == region
        assert all(zone.startswith(region) for zone in tfvars.availability_zones)
        assert entry.network.vpc_cidr == tfvars.vpc_cidr and entry.domain_name == tfvars.domain_name
        assert suite.env_file(name).values["ENVIRONMENT"] == entry.long_name
        assert entry.long_name.endswith(f"-{region}")
    specs = suite.spec.environments.values()
    for field in ("long_name", "domain_name"):
        assert len({getattr(entry, field) for entry in specs}) == len(NAMES), field
    assert len({entry.network.vpc_cidr for entry in specs}) == len(NAMES)
