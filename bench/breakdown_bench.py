"""Where one audit run's time goes: start-up, collection, snapshots, checks, each report, and the total.

Prints figures only (no asserts). Run:

    .venv/bin/python bench/breakdown_bench.py [--runs 5] [--xdist] [--endpoint]

The measured run is the full audit of every environment without smoke: ``pytest --env=all -m "declared or parity
or live or drift"`` (history on, reports written, as a user runs it). By default it runs against the embedded
sandbox, started once here (moto server provisioned with the three environments; its start is not part of a
run's time). ``--endpoint`` runs against the AWS the environment points at (AWS_ENDPOINT_URL, AWS_PROFILE, …,
$ENVMATRIX_CONFIG): the bench adds nothing. One warm-up run first (not counted), then ``--runs`` runs; figures
are medians with the range. Python writes its bytecode cache for the runs, as on a user's machine (the bench
removes PYTHONDONTWRITEBYTECODE from their environment and says so). ``--xdist`` also times ``-n 2``.
``--compare REF`` measures the tree at git REF the same way, in a temporary worktree, runs interleaved.
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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKERS = "declared or parity or live or drift"
PHASES = (  # (label, from mark, to mark)
    ("interpreter + pytest import", None, "pytest imported"),
    ("plugin import", "pytest imported", "plugins loaded"),
    ("configure (spec, tfvars, env files)", "plugins loaded", "configured"),
    ("collection (items)", "collection started", "collected"),
    ("checks (incl. waiting for snapshots)", "checks started", "checks done"),
    ("reports (session finish)", "reports started", "reports done"),
    ("unconfigure", "reports done", "unconfigured"),
    ("interpreter exit (atexit, teardown)", "unconfigured", None),
)


@contextmanager
def sandbox_environment() -> Iterator[dict[str, str]]:
    """The embedded sandbox, started once: the variables that point a run at it."""
    sys.path.insert(0, str(ROOT))
    from envmatrix.cli import build_suite
    from envmatrix.sandbox.runner import start_sandbox

    args = argparse.Namespace(envmatrix_config=None, spec=None, tfvars_root=None, env_root=None, env=["all"])
    suite = build_suite(args, ROOT)
    started = time.perf_counter()
    sandbox = start_sandbox(suite, list(suite.selected))
    print(f"sandbox: started and provisioned in {time.perf_counter() - started:.1f} s (not part of a run)")
    try:
        variables = dict(sandbox.aws.env_vars()) if sandbox.aws is not None else {}
        variables.update(getattr(sandbox.services, "env_vars", {}) or {})
        yield variables
    finally:
        sandbox.stop()


def run_environment(tree: Path, variables: dict[str, str], probe: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment.update(variables)
    environment["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT / "bench")])
    environment["BREAKDOWN_PROBE_OUTPUT"] = str(probe)
    return environment


def one_run(tree: Path, reports: Path, variables: dict[str, str], *extra: str) -> dict[str, Any]:
    """One pytest run of the audit; its wall time, the probe's marks and the snapshots' figures."""
    probe = reports / "probe.json"
    probe.unlink(missing_ok=True)
    environment = run_environment(tree, variables, probe)
    environment["BREAKDOWN_PROBE_STARTED"] = repr(time.time())
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "breakdown_probe", "--env=all", "-m", MARKERS,
                           f"--reports-dir={reports}", *extra], cwd=tree, env=environment, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    figures: dict[str, Any] = {"wall": wall, "summary": lines[-1] if lines else done.stderr.strip()[-200:],
                               "exit": done.returncode}
    if probe.exists():
        figures.update(json.loads(probe.read_text(encoding="utf-8")))
    figures["snapshots"] = {path.stem: json.loads(path.read_text(encoding="utf-8"))
                            for path in sorted((reports / "snapshots").glob("*.json")) if path.stem != "github"}
    return figures


def phases(run: dict[str, Any]) -> dict[str, float]:
    marks = run.get("marks", {})
    found: dict[str, float] = {}
    for label, start, end in PHASES:
        begin = marks.get(start, 0.0) if start else 0.0
        finish = marks.get(end) if end else run["wall"]
        if finish is not None and (start is None or start in marks):
            found[label] = finish - begin
    for label, seconds in run.get("spent", {}).items():
        found[f"  {label}"] = seconds
    for env, snapshot in run.get("snapshots", {}).items():
        found[f"snapshot {env}: seconds"] = float(snapshot.get("seconds", 0.0))
        found[f"snapshot {env}: client set-up"] = float(snapshot.get("setup_seconds", 0.0))
        found[f"snapshot {env}: AWS calls"] = float(snapshot.get("api_calls", 0))
    found["total wall"] = run["wall"]
    return found


def spread(values: list[float], calls: bool = False) -> str:
    if not values:
        return "-"
    if calls:
        return f"{statistics.median(values):.0f}"
    return f"{statistics.median(values):6.2f} s ({min(values):.2f}–{max(values):.2f})"


def print_table(trees: dict[str, list[dict[str, Any]]], xdist: dict[str, list[float]]) -> None:
    labels: list[str] = []
    for runs in trees.values():
        for run in runs:
            labels += [label for label in phases(run) if label not in labels]
    labels.sort(key=lambda label: (label.startswith("snapshot"), label == "total wall"))
    header = ["figure (median of runs, range)", *trees]
    rows = [[label, *(spread([phases(run)[label] for run in runs if label in phases(run)],
                             calls=label.endswith("calls")) for runs in trees.values())]
            for label in labels]
    for name, walls in xdist.items():
        rows.append([f"total wall with -n 2 ({name})", spread(walls)])
    width = max(len(row[0]) for row in rows)
    print("\n" + " | ".join([header[0].ljust(width), *header[1:]]))
    for row in rows:
        print(" | ".join([row[0].ljust(width), *row[1:]]))
    for name, runs in trees.items():
        items = {run.get("marks", {}).get("items") for run in runs}
        print(f"{name}: items {sorted(i for i in items if i)}; last run: {runs[-1]['summary']}")


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="breakdown-ref-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False,
                       capture_output=True)


def measure(trees: dict[str, Path], variables: dict[str, str], runs: int, xdist: bool) -> None:
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    walls: dict[str, list[float]] = {name: [] for name in trees} if xdist else {}
    with tempfile.TemporaryDirectory(prefix="breakdown-") as work:
        folders = {name: Path(work) / name for name in trees}
        for name, tree in trees.items():  # warm-up: bytecode caches, the history file's schema
            one_run(tree, folders[name], variables)
        for _ in range(runs):
            for name, tree in trees.items():
                results[name].append(one_run(tree, folders[name], variables))
                if xdist:
                    walls[name].append(one_run(tree, folders[name], variables, "-n", "2")["wall"])
    print_table(results, walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs (median; default 5)")
    parser.add_argument("--xdist", action="store_true", help="also time the same run with -n 2")
    parser.add_argument("--endpoint", action="store_true",
                        help="run against the AWS the environment points at, not the embedded sandbox")
    parser.add_argument("--compare", metavar="REF", help="also measure git REF (a before/after table)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; bytecode cache written for the runs "
          f"(PYTHONDONTWRITEBYTECODE {'removed' if 'PYTHONDONTWRITEBYTECODE' in os.environ else 'not set'})")
    with ExitStack() as stack:
        variables = {} if args.endpoint else stack.enter_context(sandbox_environment())
        trees = {"this tree": ROOT}
        if args.compare:
            trees[args.compare] = stack.enter_context(checkout(args.compare))
        measure(trees, variables, args.runs, args.xdist)


if __name__ == "__main__":
    main()
