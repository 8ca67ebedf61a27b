"""The sandbox's world file: strict, complete, and the only description besides the tfvars and env files."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from envmatrix.sandbox.provision_target import ProvisionTarget
from envmatrix.sandbox.world import WORLD_FILE, WorldError, default_world, load_world
from tests.conftest import SHIPPED_ENVIRONMENTS

SANDBOX = Path(__file__).resolve().parents[2] / "envmatrix" / "sandbox"


def test_shipped_world_describes_every_environment() -> None:
    world = default_world()
    assert set(world.environments) == set(SHIPPED_ENVIRONMENTS)
    assert world.secret_marker == "<from-secrets-manager>"
    production = world.env("production")
    assert production.alerting is not None and production.alerting.alarms
    assert production.rotation == {"database-url": 30, "jwt-secret": 90}


@pytest.mark.parametrize(("change", "message"), [
    (("  dev:\n", "  dev:\n    colour: blue\n"), "field environments.dev.colour: Extra inputs are not permitted"),
    (("waf: true", "waf: yes please"), "field environments.production.waf: Input should be a valid boolean"),
    (("rotation: {database-url: 30,", "rotation: {database-url: -3,"),
     "field environments.production.rotation.database-url: Input should be greater than 0"),
    (("  dev:\n", "  Dev:\n"), "field environments.Dev: String should match pattern"),
])
def test_world_file_is_strict(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = WORLD_FILE.read_text()
    assert change[0] in text
    path = tmp_path / "world.yaml"
    path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(WorldError, match=rf"^sandbox world {path}: {message}"):
        load_world(path)


def test_an_environment_missing_from_the_world_is_an_error(tmp_path: Path) -> None:
    text = WORLD_FILE.read_text()
    path = tmp_path / "world.yaml"
    path.write_text(text[:text.index("  staging:\n")])
    world = load_world(path)  # the world describes the deployment's environments, whichever they are
    assert list(world.environments) == ["dev"]
    with pytest.raises(WorldError, match=rf"^sandbox world {path}: no description of staging; add environments"):
        world.env("staging")


def test_the_provisioning_target_has_no_spec() -> None:
    fields = {field.name for field in dataclasses.fields(ProvisionTarget)}
    assert "spec" not in fields and {"tfvars", "env_file", "world"} <= fields


def _spec_uses(path: Path) -> list[str]:
    """Imports of envmatrix.spec and any ``.spec`` attribute read in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("envmatrix.spec"):
            found.append(f"{path.name}:{node.lineno} imports {node.module}")
        elif isinstance(node, ast.Import) and any(a.name.startswith("envmatrix.spec") for a in node.names):
            found.append(f"{path.name}:{node.lineno} imports envmatrix.spec")
        elif isinstance(node, ast.Attribute) and node.attr == "spec":
            found.append(f"{path.name}:{node.lineno} reads .spec")
    return found


def test_no_sandbox_module_reads_the_spec() -> None:
    modules = sorted(SANDBOX.rglob("*.py"))
    assert len(modules) > 10
    assert [use for module in modules for use in _spec_uses(module)] == []
