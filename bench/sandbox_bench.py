"""Benchmark of the embedded sandbox's start: moto server start, provisioning of each environment, total.

Prints figures only (no asserts). Run: .venv/bin/python bench/sandbox_bench.py [N] [--compare REF]
N runs of each figure (median; default 3), each in a fresh interpreter (cold, as a test worker's first sandbox),
plus a second start in the same interpreter (warm: a worker's next sandbox). With --compare REF the commit REF is
checked out into a temporary worktree and measured the same way, runs interleaved, for a before/after table.
The CPU seconds matter as much as the wall ones: the machine's cores are shared (xdist workers, other runs), so
what a start costs the others is its CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENVS = ("dev", "staging", "production")

#: One measured interpreter: two sandboxes started one after the other (cold, then warm), each timed in parts.
SNIPPET = """
import json, resource, time
from pathlib import Path
started = time.perf_counter()
from envmatrix.context import Paths, Suite
from envmatrix.spec import load_spec
from envmatrix.sandbox import aws
imported = time.perf_counter() - started
root = Path({root!r})
paths = Paths(root / "fixtures/matrix.yaml", root / "fixtures/tfvars", root / "fixtures/env",
              root / "fixtures/waivers.yaml", root / "reports")
suite = Suite(spec=load_spec(paths.spec), paths=paths, selected={envs!r})
per_env, pipeline = {{}}, aws._as_pipeline

def timed(target):
    began = time.perf_counter()
    try:
        pipeline(target)
    finally:
        per_env[target.env] = time.perf_counter() - began
aws._as_pipeline = timed
import botocore.endpoint
requests, send = [0], botocore.endpoint.Endpoint.make_request

def counted(self, *args, **kwargs):
    requests[0] += 1
    return send(self, *args, **kwargs)
botocore.endpoint.Endpoint.make_request = counted
figures = {{"import": imported}}
for label in ("cold", "warm"):
    per_env.clear()
    requests[0] = 0
    cpu, server_cpu = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    running = aws.start_server(suite.tfvars({envs!r}[0]).aws_region)
    figures[f"{{label}}_server"] = time.perf_counter() - began
    figures[f"{{label}}_provision"] = running.provision(suite, {envs!r})
    figures[f"{{label}}_total"] = time.perf_counter() - began
    for env, seconds in per_env.items():
        figures[f"{{label}}_{{env}}"] = seconds
    figures[f"{{label}}_requests"] = requests[0]
    figures[f"{{label}}_cpu"] = time.process_time() - cpu
    running.stop()  # waits for the server process: its CPU time is counted now
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures[f"{{label}}_server_cpu"] = (after.ru_utime + after.ru_stime) - (server_cpu.ru_utime + server_cpu.ru_stime)
print(json.dumps(figures))
"""

ROWS: tuple[tuple[str, str], ...] = (
    ("import", "import of envmatrix.sandbox.aws (s)"),
    *((key, label) for phase in ("cold", "warm") for key, label in (
        (f"{phase}_server", f"{phase}: moto server start, ready (s)"),
        *((f"{phase}_{env}", f"{phase}:   provisioning {env}, in parallel (s)") for env in ENVS),
        (f"{phase}_provision", f"{phase}: provisioning, all three (s)"),
        (f"{phase}_total", f"{phase}: server + provisioning (s)"),
        (f"{phase}_requests", f"{phase}:   AWS requests sent"),
        (f"{phase}_cpu", f"{phase}:   CPU of this process (s)"),
        (f"{phase}_server_cpu", f"{phase}:   CPU of the server process (s)"),
    )),
)


def measure_once(folder: Path) -> dict[str, float]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ENVMATRIX_", "AWS_"))}
    env["PYTHONPATH"] = str(folder)  # this tree's code ahead of the editable install
    done = subprocess.run([sys.executable, "-c", SNIPPET.format(root=str(folder), envs=list(ENVS))], cwd=folder,
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"sandbox bench failed in {folder}:\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """``ref`` in a temporary detached worktree of this repository, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="envmatrix-sandbox-ref-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), ref], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def _cell(values: list[float] | None) -> str:
    if not values:
        return "-"
    median = statistics.median(values)
    return f"{median:.0f}" if all(isinstance(value, int) for value in values) else f"{median:.2f}"


def print_table(trees: list[tuple[str, Path, dict[str, list[float]]]], runs: int) -> None:
    width = max(len(label) for _, label in ROWS) + 2
    print(f"\nmedian of {runs} run(s) each; " + ", ".join(f"{label}={folder}" for label, folder, _ in trees))
    print("figure".ljust(width) + "".join(label.ljust(14) for label, _, _ in trees))
    for key, label in ROWS:
        cells = (_cell(found.get(key)) for _, _, found in trees)
        print(label.ljust(width) + "".join(value.ljust(14) for value in cells))


def measure(trees: list[tuple[str, Path, dict[str, list[Any]]]], runs: int) -> None:
    for round_ in range(runs):
        for _, folder, found in trees:  # interleaved: a busy moment of the machine hits every tree alike
            for key, value in measure_once(folder).items():
                found.setdefault(key, []).append(value)
        print(f"round {round_ + 1}/{runs} done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--compare", metavar="REF", help="also measure REF (a commit) for a before/after")
    args = parser.parse_args()
    current: tuple[str, Path, dict[str, list[Any]]] = ("this tree", ROOT, {})
    if args.compare is None:
        measure([current], args.runs)
        print_table([current], args.runs)
        return
    with checkout(args.compare) as folder:
        trees = [(args.compare, folder, {}), current]
        measure(trees, args.runs)
        print_table(trees, args.runs)


if __name__ == "__main__":
    main()
