"""Scratch projects whose environments are data: a copy of the shipped project with environments added or removed.

Shared by tests/sandbox/test_fourth_environment.py (qa) and bench/scale_bench.py (tiers x regions): a new
environment is a copy of an existing one's spec entry, tfvars, env file, waivers and sandbox world entry, with its
own long name, domain, network and (optionally) region.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from envmatrix.sandbox.world import WORLD_FILE

ROOT = Path(__file__).resolve().parents[1]
#: The scratch copy of the sandbox's world file (point ENVMATRIX_SANDBOX_WORLD at it).
WORLD = "world.yaml"


@dataclass(frozen=True)
class NewEnvironment:
    """An environment copied from ``like``, inserted after ``after`` (default: right after ``like``)."""

    name: str
    like: str
    long_name: str
    domain: str
    vpc_cidr: str
    region: str | None = None  # None: ``like``'s region
    after: str | None = None


def copy_project(root: Path) -> Path:
    """The shipped checks, smoke tests, fixtures and sandbox world copied into ``root``."""
    for name in ("fixtures", "checks", "smoke"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(WORLD_FILE, root / WORLD)
    return root


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _after(mapping: dict[str, Any], key: str, new_key: str, value: Any) -> dict[str, Any]:
    """``mapping`` with ``new_key`` inserted right after ``key`` (the spec's order is the promotion order)."""
    out: dict[str, Any] = {}
    for name, item in mapping.items():
        out[name] = item
        if name == key:
            out[new_key] = value
    return out


def _env_lists(spec: dict[str, Any]) -> Iterable[list[str]]:
    """The spec's lists of environment names: the parity by-design lists, the app_settings classes and the
    environments that forbid manual changes."""
    for table in [*spec["parity"].values(), spec.get("app_settings", {})]:
        for item in table.values():
            yield item["environments"]
    if "forbid_manual" in spec.get("change_control", {}):
        yield spec["change_control"]["forbid_manual"]


def _spec_entry(spec: dict[str, Any], new: NewEnvironment) -> dict[str, Any]:
    entry: dict[str, Any] = copy.deepcopy(spec["environments"][new.like])
    entry.pop("aliases", None)  # an alias names exactly one environment
    entry.update(long_name=new.long_name, domain_name=new.domain,
                 network={**entry.get("network", {}), "vpc_cidr": new.vpc_cidr})
    if new.region:
        entry["region"] = new.region
    return entry


def _setting(text: str, key: str, value: str) -> str:
    """``key = "..."`` in tfvars text set to ``value``; the key must be there."""
    pattern = re.compile(rf'^(\s*{re.escape(key)}\s*=\s*)"[^"]*"', re.MULTILINE)
    text, count = pattern.subn(lambda match: f'{match.group(1)}"{value}"', text)
    assert count == 1, f"tfvars has no single {key} setting"
    return text


def _tfvars(text: str, new: NewEnvironment) -> str:
    """The copied tfvars with the new network, domain and region (its availability zones follow the region)."""
    if new.region:
        old = re.search(r'^aws_region\s*=\s*"([^"]+)"', text, re.MULTILINE)
        assert old, "tfvars has no aws_region"
        text = text.replace(f'"{old.group(1)}', f'"{new.region}')  # aws_region and every "<region><zone>"
    return _setting(_setting(text, "vpc_cidr", new.vpc_cidr), "domain_name", new.domain)


def _env_file(text: str, like_long: str, new: NewEnvironment) -> str:
    line = f"ENVIRONMENT={like_long}\n"
    assert line in text, f"the env file has no {line.strip()}"
    return text.replace(line, f"ENVIRONMENT={new.long_name}\n")


def add_environments(root: Path, new: Sequence[NewEnvironment]) -> None:
    """Each new environment's spec entry, tfvars, env file, waivers and world entry, in order."""
    spec, world = _yaml(root / "fixtures/matrix.yaml"), _yaml(root / WORLD)
    waivers = _yaml(root / "fixtures/waivers.yaml")
    originals = copy.deepcopy(spec["environments"])
    for item in new:
        like_long = originals[item.like]["long_name"]
        spec["environments"] = _after(spec["environments"], item.after or item.like, item.name, _spec_entry(spec, item))
        for names in _env_lists(spec):
            if item.like in names:
                names.append(item.name)
        tfvars = (root / f"fixtures/tfvars/{item.like}/terraform.tfvars").read_text()
        (root / f"fixtures/tfvars/{item.name}").mkdir()
        (root / f"fixtures/tfvars/{item.name}/terraform.tfvars").write_text(_tfvars(tfvars, item))
        env_file = (root / f"fixtures/env/{item.like}.env").read_text()
        (root / f"fixtures/env/{item.name}.env").write_text(_env_file(env_file, like_long, item))
        waivers["waivers"] += [{**w, "env": item.name} for w in waivers["waivers"] if w["env"] == item.like]
        world["environments"] = _after(world["environments"], item.after or item.like, item.name,
                                       copy.deepcopy(world["environments"][item.like]))
    _dump(root / "fixtures/matrix.yaml", spec)
    _dump(root / "fixtures/waivers.yaml", waivers)
    _dump(root / WORLD, world)


def remove_environments(root: Path, names: Iterable[str]) -> None:
    """The environments ``names`` gone from the spec, its lists, the waivers, the world and the fixtures."""
    gone = set(names)
    spec, world = _yaml(root / "fixtures/matrix.yaml"), _yaml(root / WORLD)
    waivers = _yaml(root / "fixtures/waivers.yaml")
    spec["environments"] = {k: v for k, v in spec["environments"].items() if k not in gone}
    for env_names in _env_lists(spec):
        env_names[:] = [name for name in env_names if name not in gone]
    waivers["waivers"] = [w for w in waivers["waivers"] if w["env"] not in gone]
    world["environments"] = {k: v for k, v in world["environments"].items() if k not in gone}
    for name in gone:
        shutil.rmtree(root / f"fixtures/tfvars/{name}")
        (root / f"fixtures/env/{name}.env").unlink()
    _dump(root / "fixtures/matrix.yaml", spec)
    _dump(root / "fixtures/waivers.yaml", waivers)
    _dump(root / WORLD, world)


#: Three tiers (the shipped environments) and ten AWS regions (short code -> region).
TIERS = {"dev": ("development", "{env}.taskmanager.internal"), "staging": ("staging", "{env}.taskmanager.com"),
         "production": ("production", "{code}.taskmanager.com")}
REGIONS = {"use1": "us-east-1", "use2": "us-east-2", "usw2": "us-west-2", "euw1": "eu-west-1",
           "euw2": "eu-west-2", "euc1": "eu-central-1", "eun1": "eu-north-1", "aps1": "ap-south-1",
           "apse1": "ap-southeast-1", "apse2": "ap-southeast-2"}


#: Past 30 environments a region holds more than one of each tier: ``dev-use1``, then ``dev-use1b``, ``dev-use1c``...
SLOTS = ("", "b", "c", "d")


def _code(code: str, slot: str) -> str:
    """The region code with the round's letter, five characters at most: AWS caps a target group's name
    (``production-<code>-taskmanager-api``) at 32 (``apse1`` + ``b`` -> ``ap1b``)."""
    return code + slot if len(code) + len(slot) <= 5 else code[:2] + code[-1] + slot


def tiers_by_regions(count: int) -> list[NewEnvironment]:
    """``count`` environments, region by region (a region gets dev, staging, production), in promotion order; past
    one per tier and region, a second round of regions (``-use1b``), and so on."""
    most = len(TIERS) * len(REGIONS) * len(SLOTS)
    assert 1 <= count <= most, f"between 1 and {most} environments"
    pairs = [(tier, code, slot) for slot in SLOTS for code in REGIONS for tier in TIERS][:count]
    out: list[NewEnvironment] = []
    for number, tier in enumerate(TIERS):
        previous = tier
        for round_, slot in enumerate(SLOTS):
            for index, code in enumerate(REGIONS):
                if (tier, code, slot) not in pairs:
                    continue
                long_name, domain = TIERS[tier]
                short = _code(code, slot)
                name = f"{tier}-{short}"
                out.append(NewEnvironment(name=name, like=tier,
                                          long_name=f"{long_name}-{REGIONS[code]}" + (f"-{slot}" if slot else ""),
                                          domain=domain.format(env=name, code=short),
                                          vpc_cidr=f"10.{10 * (number + 1) + index + 40 * round_}.0.0/16",
                                          region=REGIONS[code], after=previous))
                previous = name
    return out


def scale_project(root: Path, count: int) -> list[str]:
    """A scratch project in ``root`` whose environments are ``count`` tier x region copies of the shipped three."""
    copy_project(root)
    new = tiers_by_regions(count)
    add_environments(root, new)
    remove_environments(root, TIERS)
    return [item.name for item in new]
