"""Sharding changes where the checks run, not what they find: a scratch project of six environments in two regions
on the sandbox, run once whole and as three shards (--shard K/3: one region's group cut in two) merged, gives the
same matrix.json and the same JUnit cases with the same outcomes; only times, run ids and paths differ."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from envmatrix.jobs import LAYERS
from envmatrix.sandbox.world import WORLD_VARIABLE
from tests.scratch_project import WORLD, scale_project

SHARDS = 3
#: what differs between a run and the merge of its shards whatever they found: when, where, which run
MASKED_META = ("generated_at", "started_at", "merged_from", "shards", "shard",
               # reads AWS throttled and the run retried: the sandbox's load at that moment, not the split
               "aws_retries")
MASKED_KEYS = ("duration",)
#: what differs between any two sandbox runs, sharded or not (each run provisions its own world and services):
#: (pattern, replacement) applied to every string. Anything else that differs fails the test.
VOLATILE = (
    (re.compile(r"(https?://[^/:\s]+):\d+"), r"\1:<port>"),  # each run's reference services listen on new ports
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),  # moto's ARNs
    (re.compile(r"\b(ecs-svc/)\d+"), r"\1<id>"),  # ECS deployment ids
    (re.compile(r"(?<![0-9a-z])[0-9a-f]{8,32}\b"), "<id>"),  # subnet ids, probe paths, smoke task ids and titles
    (re.compile(r"\b\d+ min ago\b"), "<n> min ago"),  # backups' age: minutes since the run's world was built
    (re.compile(r"notAfter \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT"), "notAfter <date>"),  # the run's certificate
)
#: lists whose order is moto's listing order, which varies between two sandboxes (alarms, subnets)
UNORDERED = ("values", "evidence")


def _run(project: Path, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", WORLD_VARIABLE: str(project / WORLD)}
    env.pop("ENVIRONMENT", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-p", "no:xdist", "--sandbox", "--env=all", "-m", LAYERS, "--history=off",
                           f"--reports-dir={reports}", f"--junitxml={reports / 'junit.xml'}", *extra],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """The whole run's reports, the merged shards' reports, and the merge (runs one after another: 2 cores)."""
    project = tmp_path_factory.mktemp("sharded-project")
    scale_project(project, 6)  # dev, staging, production in us-east-1 and us-east-2: two groups of three
    whole = _run(project, project / "whole")
    assert whole.returncode == 0, whole.stdout[-3000:]
    shards = []
    for index in range(1, SHARDS + 1):
        done = _run(project, project / f"shard-{index}", f"--shard={index}/{SHARDS}")
        assert done.returncode == 0, done.stdout[-3000:]
        shards.append(project / f"shard-{index}")
    merged = subprocess.run([str(Path(sys.executable).with_name("envmatrix")), "merge", *map(str, shards),
                             "--out", str(project / "merged"), "--history", "off"], cwd=project,
                            capture_output=True, text=True, timeout=300, check=False)
    return project / "whole", project / "merged", merged


def _masked(value: Any, key: str = "") -> Any:
    """matrix.json without what differs between any two runs: times, ports, moto's ids and listing order; a key
    that holds null is as good as absent (the merge does not write an unset --fail-on)."""
    if isinstance(value, dict):
        return {name: "<masked>" if name in MASKED_KEYS else _masked(item, name) for name, item in value.items()
                if item is not None}
    if isinstance(value, list):
        items = [_masked(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True)) if key in UNORDERED else items
    if isinstance(value, str):
        for pattern, replacement in VOLATILE:
            value = pattern.sub(replacement, value)
    return value


def _model(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "matrix.json").read_text())
    data["meta"] = {key: value for key, value in data["meta"].items() if key not in MASKED_META}
    # both ran with the history off: a run says so in its history view, a merge told --history off keeps none
    history = data.pop("history", None)
    assert history is None or history["error"] == "history off (--history off)", history
    masked: dict[str, Any] = _masked(data)
    return masked


def _cases(folder: Path) -> set[tuple[str, str, str]]:
    cases = set()
    for case in ET.parse(folder / "junit.xml").getroot().iter("testcase"):
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        cases.add((case.get("classname", ""), case.get("name", ""), outcome))
    return cases


def test_the_shards_merged_say_what_the_whole_run_says(runs: tuple[Path, Path, Any]) -> None:
    whole, merged, merge = runs
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert f"envmatrix merge: {SHARDS} shards" in merge.stdout
    assert json.loads((merged / "matrix.json").read_text())["meta"]["shards"] == SHARDS
    expected, got = _model(whole), _model(merged)
    for key in sorted(set(expected) | set(got)):
        assert got.get(key) == expected.get(key), key
    assert _cases(merged) == _cases(whole)
    assert len(_cases(whole)) > 300
