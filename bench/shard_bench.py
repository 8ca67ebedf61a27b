"""Shard benchmark: N sandbox environments (default 100) in one run, then as `--shard K/S` runs merged.

Measures: the whole run's wall time; each shard's wall time and environments (one after another: the machine has
2 cores, so running shards side by side would measure the cores, not the split); `envmatrix merge`'s time; AWS calls
per environment (each snapshot's api_calls) in the whole run against the shards; and whether the merged matrix.json
and JUnit cases are the whole run's (the masking of tests/sharding/test_shard_equivalence.py: times, ports, moto's
ids). Prints figures only (no asserts).

Run: .venv/bin/python bench/shard_bench.py [--envs 100] [--shards 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmatrix.jobs import LAYERS  # noqa: E402
from envmatrix.sandbox.world import WORLD_VARIABLE  # noqa: E402
from tests.scratch_project import WORLD, scale_project  # noqa: E402
from tests.sharding.test_shard_equivalence import _cases, _model  # noqa: E402


@dataclass(frozen=True)
class Run:
    """One pytest run's figures."""

    label: str
    seconds: float
    returncode: int
    summary: str
    header: str
    reports: Path


def _environ(project: Path) -> dict[str, str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true", WORLD_VARIABLE: str(project / WORLD)}
    env.pop("ENVIRONMENT", None)
    return env


def run(project: Path, reports: Path, label: str, *extra: str) -> Run:
    """One `--sandbox --env=all` run of the main job's layers (single process, as `make audit` runs)."""
    command = [sys.executable, "-m", "pytest", "--sandbox", "--env=all", "-m", LAYERS, "-p", "no:randomly",
               "-p", "no:cacheprovider", "-p", "no:xdist", "--no-allure", "--history=off",
               f"--reports-dir={reports}", f"--junitxml={reports / 'junit.xml'}", *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=_environ(project), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    header = next((line for line in lines if line.startswith("envmatrix: shard ")), "")
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    return Run(label, seconds, done.returncode, lines[-1].strip("= ") if lines else "?", header, reports)


def calls(reports: Path) -> dict[str, int]:
    """AWS calls each environment's snapshot took (api_calls)."""
    found = {}
    for path in sorted((reports / "snapshots").glob("*.json")):
        data = json.loads(path.read_text())
        if "api_calls" in data and "setup_seconds" in data:
            found[path.stem] = int(data["api_calls"])
    return found


def merge(project: Path, shards: list[Run], out: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [str(Path(sys.executable).with_name("envmatrix")), "merge", *(str(shard.reports) for shard in shards),
               "--out", str(out), "--history", "off"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=_environ(project), capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def compare_calls(whole: dict[str, int], sharded: dict[str, int]) -> str:
    """Per environment and in all: a read the run shares between its environments (once per run: the account and
    region's CloudTrail window, the image registry, ...) counts to the environment that made it first, and each
    shard makes it again."""
    changed = {env: (whole.get(env), sharded.get(env)) for env in whole.keys() | sharded.keys()
               if whole.get(env) != sharded.get(env)}
    totals = (f"in all {sum(whole.values())} (whole run) vs {sum(sharded.values())} (shards), "
              f"median per environment {statistics.median(whole.values()):.0f} vs "
              f"{statistics.median(sharded.values()):.0f}")
    if not changed:
        return f"AWS calls per environment: identical for all {len(whole)} environments; {totals}"
    shown = ", ".join(f"{env} {a}->{b}" for env, (a, b) in sorted(changed.items())[:8])
    return f"AWS calls per environment: {len(changed)} of {len(whole)} differ ({shown}, ...); {totals}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--envs", type=int, default=100, help="environments (default 100)")
    parser.add_argument("--shards", type=int, default=4, help="shards (default 4)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="envmatrix-shard-bench-"))
    project = work / "project"
    project.mkdir()
    names = scale_project(project, args.envs)
    print(f"scratch project under {work}: {len(names)} environments ({names[0]} .. {names[-1]}); layers: {LAYERS}")
    whole = run(project, work / "whole", "whole")
    print(f"one process --env=all: {whole.seconds:.1f} s wall, exit {whole.returncode}: {whole.summary}")
    shards = []
    for index in range(1, args.shards + 1):
        shard = run(project, work / f"shard-{index}", f"shard {index}/{args.shards}", f"--shard={index}/{args.shards}")
        shards.append(shard)
        count = len(json.loads((shard.reports / "matrix.json").read_text())["meta"]["environments"])
        print(f"{shard.label}: {shard.seconds:.1f} s wall ({count} environments), exit {shard.returncode}: "
              f"{shard.summary}\n  {shard.header}")
    merge_seconds, merged = merge(project, shards, work / "merged")
    total = sum(shard.seconds for shard in shards)
    print(f"shards one after another: {total:.1f} s in all; the longest {max(s.seconds for s in shards):.1f} s "
          f"(the wall time as {args.shards} parallel jobs, plus the merge); merge {merge_seconds:.1f} s, exit "
          f"{merged.returncode}: {' / '.join(merged.stdout.strip().splitlines()[-2:])}{merged.stderr.strip()[-400:]}")
    sharded_calls: dict[str, int] = {}
    for shard in shards:
        sharded_calls.update(calls(shard.reports))
    print(compare_calls(calls(whole.reports), sharded_calls))
    if (work / "merged" / "matrix.json").exists():
        same_model = _model(whole.reports) == _model(work / "merged")
        same_cases = _cases(whole.reports) == _cases(work / "merged")
        print(f"merged report against the whole run: matrix.json {'identical' if same_model else 'DIFFERENT'} "
              f"(times, ports, moto ids masked), JUnit cases and outcomes {'identical' if same_cases else 'DIFFERENT'}"
              f" ({len(_cases(whole.reports))} cases)")


if __name__ == "__main__":
    main()
