"""Scale benchmark: the sandbox with N environments (three tiers x ten regions) in one run and sharded into three.

Prints figures only (no asserts). Run: .venv/bin/python bench/scale_bench.py [--envs N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmatrix.sandbox.world import WORLD_VARIABLE  # noqa: E402
from tests.scratch_project import TIERS, WORLD, scale_project  # noqa: E402

#: The main job's layers (`make audit`); smoke is included: the sandbox starts one reference service each.
LAYERS = "declared or parity or live or drift or smoke"
REPORTS = ("matrix.html", "matrix.json", "matrix.md", "junit.xml")
#: What keeps the HTML matrix usable at many columns: sticky header row and first column, the status filter.
USABLE = {"sticky header row": ".matrix thead th{position:sticky;top:0",
          "sticky first column": ".matrix tbody th{position:sticky;left:0",
          "status filter": '<form class="bar filter" id="filter">',
          "filter choices": 'type="radio" name="show" id="show-fail"'}


@dataclass(frozen=True)
class Run:
    """One pytest run's figures."""

    seconds: float
    provision_seconds: float
    summary: str
    reports: Path
    returncode: int


def run_env() -> dict[str, str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.pop("ENVIRONMENT", None)
    return env


def run_suite(project: Path, reports: Path, envs: str) -> Run:
    """One `--sandbox` run of the main job's layers over ``envs`` in the scratch project."""
    env = {**run_env(), WORLD_VARIABLE: str(project / WORLD)}
    command = [sys.executable, "-m", "pytest", "--sandbox", f"--env={envs}", "-m", LAYERS, "-p", "no:randomly",
               "-p", "no:cacheprovider", "--no-allure", f"--reports-dir={reports}",
               f"--junitxml={reports / 'junit.xml'}"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    provisioned = re.search(r"provisioned in ([\d.]+) s", done.stdout)
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    return Run(seconds, float(provisioned.group(1)) if provisioned else float("nan"),
               lines[-1].strip("= ") if lines else "?", reports, done.returncode)


def snapshots(reports: Path) -> dict[str, dict[str, float]]:
    out = {}
    for path in sorted((reports / "snapshots").glob("*.json")):
        data = json.loads(path.read_text())
        if "setup_seconds" not in data:
            continue  # not an environment's AWS snapshot (github.json: the repository's settings)
        out[path.stem] = {"calls": data["api_calls"], "seconds": data["seconds"], "setup": data["setup_seconds"]}
    return out


def spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    if not values:
        return "none"
    return (f"min {min(values):.{digits}f}{unit} / median {statistics.median(values):.{digits}f}{unit} / "
            f"max {max(values):.{digits}f}{unit}")


def by_tier(figures: dict[str, dict[str, float]], key: str) -> str:
    parts = []
    for tier in TIERS:
        values = [item[key] for env, item in figures.items() if env.rsplit("-", 1)[0] == tier]
        if values:
            parts.append(f"{tier} {spread(values, digits=0 if key == 'calls' else 2)}")
    return "; ".join(parts) or "none"


def print_run(label: str, run: Run, count: int) -> None:
    figures = snapshots(run.reports)
    print(f"{label}: {run.seconds:.1f} s wall ({run.seconds / count:.2f} s per environment), sandbox provisioned "
          f"in {run.provision_seconds:.1f} s, exit {run.returncode}: {run.summary}")
    print(f"  AWS calls per environment ({len(figures)} snapshots): {by_tier(figures, 'calls')}")
    print(f"  snapshot seconds per environment: {by_tier(figures, 'seconds')}")
    # every selected environment is fetched side by side: the phase lasts as long as the slowest one
    phase = max((item["setup"] + item["seconds"] for item in figures.values()), default=0.0)
    print(f"  snapshot phase (all {len(figures)} side by side, incl. client setup): {phase:.1f} s wall, "
          f"{phase / max(len(figures), 1):.2f} s per environment")


def sizes(reports: Path) -> str:
    return ", ".join(f"{name} {(reports / name).stat().st_size / 1024:.0f} KiB" for name in REPORTS
                     if (reports / name).exists())


def usability(reports: Path, count: int) -> str:
    if not (reports / "matrix.html").exists():
        return "no matrix.html written"
    html = (reports / "matrix.html").read_text()
    columns = html.count('<th scope="col" data-env=')
    markers = {**USABLE, "columns keep their width (table scrolls)": f'id="matrix" style="--envs:{count}"'}
    kept = [name for name, marker in markers.items() if marker in html]
    lost = [name for name in markers if name not in kept]
    return (f"HTML at {columns} columns (of {count}): keeps {', '.join(kept) or 'nothing'}"
            + (f"; LOST {', '.join(lost)}" if lost else ""))


def print_calls_against(small: Run, big: Run, count: int) -> None:
    """Median AWS calls per environment of each tier: 3 environments against ``count``."""
    few, many = snapshots(small.reports), snapshots(big.reports)
    parts = []
    for tier in TIERS:
        medians = [statistics.median([item["calls"] for env, item in figures.items() if env.rsplit("-", 1)[0] == tier]
                                     or [0]) for figures in (few, many)]
        parts.append(f"{tier} {medians[0]:.0f} -> {medians[1]:.0f}")
    print(f"AWS calls per environment, median, N=3 -> N={count}: {', '.join(parts)}")


def sharded(project: Path, work: Path, names: list[str]) -> None:
    """One run per tier, then `envmatrix merge` of the three reports folders."""
    runs = []
    for tier in TIERS:
        group = [name for name in names if name.rsplit("-", 1)[0] == tier]
        runs.append(run_suite(project, work / f"shard-{tier}", ",".join(group)))
        print_run(f"shard {tier} ({len(group)} environments)", runs[-1], len(group))
    merged = work / "merged"
    command = [str(Path(sys.executable).with_name("envmatrix")), "merge", *(str(run.reports) for run in runs),
               "--out", str(merged)]  # the console script next to this interpreter (the venv's)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=run_env(), capture_output=True, text=True, check=False)
    merge_seconds = time.perf_counter() - started
    total = sum(run.seconds for run in runs)
    print(f"sharded: {total:.1f} s in sequence, {max(run.seconds for run in runs):.1f} s as parallel jobs; "
          f"merge {merge_seconds:.2f} s, exit {done.returncode}: {' / '.join(done.stdout.strip().splitlines()[-2:])}"
          f"{done.stderr.strip()[-400:]}")
    if (merged / "matrix.html").exists():
        print(f"  merged reports: {sizes(merged)}")
        print(f"  {usability(merged, len(names))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--envs", type=int, default=30, help="environments in the big run (default 30)")
    parser.add_argument("--quick", action="store_true", help="6 environments, one smaller run: a fast check")
    args = parser.parse_args()
    count = 6 if args.quick else args.envs
    work = Path(tempfile.mkdtemp(prefix="envmatrix-scale-bench-"))
    print(f"scratch projects under {work}; layers: {LAYERS}")
    runs = {}
    for size in sorted({3, count} if args.quick else {3, 10, count}):
        project = work / f"project-{size}"
        project.mkdir()
        started = time.perf_counter()
        names = scale_project(project, size)
        print(f"N={size}: project written in {time.perf_counter() - started:.2f} s ({names[0]} .. {names[-1]})")
        runs[size] = run_suite(project, work / f"run-{size}", "all")
        print_run(f"N={size} one run --sandbox --env=all", runs[size], size)
    print("whole-run time: " + ", ".join(f"N={size} {run.seconds:.1f} s" for size, run in runs.items()))
    print_calls_against(runs[3], runs[count], count)
    big = runs[count]
    print(f"reports at N={count}: {sizes(big.reports)}")
    print(usability(big.reports, count))
    sharded(work / f"project-{count}", work, scale_names(work / f"project-{count}"))


def scale_names(project: Path) -> list[str]:
    return [path.stem for path in sorted((project / "fixtures/env").glob("*.env"))]


if __name__ == "__main__":
    main()
