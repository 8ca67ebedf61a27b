"""Benchmark of start-up on the embedded sandbox: plugin import time, declared-only run, main job, client set-up.

Prints figures only (no asserts). Run: .venv/bin/python bench/startup_bench.py [N] [--compare REF]
N runs of each figure (median; default 3). With --compare REF (e.g. 083f4f1, main before the start-up work)
REF is checked out into a temporary worktree and measured the same way, runs interleaved, so a before/after
table is reproducible. Loaded as a pytest plugin (``-p startup_bench``) it is the probe the runs carry: it
counts AWS client creations and service-model parses, and lists the heavy modules a run imported.
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
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("boto3", "botocore", "s3transfer", "moto", "httpx", "httpcore", "anyio", "allure", "fastapi", "uvicorn",
         "trustme", "jwt", "markdown_it", "hypothesis")
PROBE_OUTPUT = "STARTUP_BENCH_PROBE"  # where the probe writes what it saw (a JSON file)
PROBE_CLIENTS = "STARTUP_BENCH_CLIENTS"  # set: the probe counts client creations and model parses


# ---- the probe (a pytest plugin inside the measured run; stdlib only at import) ----

def _caller_layer() -> str:
    """Which part of envmatrix asked for a client: the suite's live layer or the sandbox's provisioning."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/envmatrix/sandbox/" in name:
            return "sandbox"
        if "/envmatrix/" in name:
            return "suite"
        frame = frame.f_back  # type: ignore[assignment]
    return "other"


def _count_clients(seen: dict[str, Any]) -> None:
    import botocore.loaders
    import botocore.session

    create, load = botocore.session.Session.create_client, botocore.loaders.JSONFileLoader.load_file

    def counted_create(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return create(self, *args, **kwargs)
        finally:
            bucket = seen.setdefault(_caller_layer(), {"clients": 0, "seconds": 0.0})
            bucket["clients"] += 1
            bucket["seconds"] += time.perf_counter() - started

    def counted_load(self: Any, file_path: str, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(file_path) == "service-2":  # the model itself, not its .sdk-extras
            seen["service_models_parsed"] = seen.get("service_models_parsed", 0) + 1
        return load(self, file_path, *args, **kwargs)

    botocore.session.Session.create_client = counted_create  # type: ignore[method-assign]
    botocore.loaders.JSONFileLoader.load_file = counted_load  # type: ignore[method-assign]


_SEEN: dict[str, Any] = {}


@pytest.hookimpl(tryfirst=True)  # before the sandbox plugin provisions
def pytest_configure(config: Any) -> None:
    if os.environ.get(PROBE_CLIENTS) and not _SEEN:
        _SEEN["probe"] = True
        _count_clients(_SEEN)


def pytest_unconfigure(config: Any) -> None:
    path = os.environ.get(PROBE_OUTPUT)
    if path and not hasattr(config, "workerinput"):
        _SEEN["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
        Path(path).write_text(json.dumps(_SEEN), encoding="utf-8")


# ---- measuring one tree ----

class Tree:
    """One checkout to measure: its folder, its plugin entry points, the main job's layers from its Makefile."""

    def __init__(self, label: str, folder: Path) -> None:
        self.label, self.folder = label, folder
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
        self.plugins = sorted(project["project"]["entry-points"]["pytest11"].values())
        # Older checkouts keep the layers in the Makefile, newer ones in scripts/job.py (the jobs' one definition).
        # Newest: envmatrix/jobs.py (the suite's jobs, shared with `envmatrix audit`).
        jobs = [folder / "scripts" / "job.py", folder / "envmatrix" / "jobs.py"]
        text = (folder / "Makefile").read_text(encoding="utf-8") + "".join(
            path.read_text(encoding="utf-8") for path in jobs if path.exists())
        layers = re.search(r'^LAYERS\s*:?=\s*"?([^"\n]+)"?$', text, re.M)
        self.layers = layers.group(1).strip() if layers else "declared or parity or live or drift or smoke"
        self.figures: dict[str, list[Any]] = {}

    def env(self, **extra: str) -> dict[str, str]:
        """This tree's code first on the path (ahead of the editable install), the probe beside it."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ENVMATRIX_", "AWS_"))}
        env["PYTHONPATH"] = os.pathsep.join([str(self.folder), str(ROOT / "bench")])
        env.update(extra)
        return env

    def add(self, name: str, value: Any) -> None:
        self.figures.setdefault(name, []).append(value)


def timed_run(tree: Tree, command: list[str], **extra: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree.folder, env=tree.env(**extra), capture_output=True, text=True,
                          check=False)
    return time.perf_counter() - started, done


IMPORT_SNIPPET = """
import sys, time, json
started = time.perf_counter()
for name in {plugins!r}:
    __import__(name)
print(json.dumps([time.perf_counter() - started, sorted(n for n in {heavy!r} if n in sys.modules)]))
"""


def measure_imports(tree: Tree) -> None:
    """(a) the plugin stack pyproject registers, imported in a fresh interpreter."""
    code = IMPORT_SNIPPET.format(plugins=tree.plugins, heavy=HEAVY)
    _, done = timed_run(tree, [sys.executable, "-c", code])
    seconds, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    tree.add("import", seconds)
    tree.figures["import_heavy"] = [", ".join(heavy) or "none"]


def run_command(work: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "startup_bench",
            f"--reports-dir={work}", *args]


def measure_declared(tree: Tree, work: Path) -> None:
    """(b) a declared-only run of every environment (no sandbox)."""
    probe = work / "probe.json"
    seconds, done = timed_run(tree, run_command(work, "--env=all", "-m", "declared"), **{PROBE_OUTPUT: str(probe)})
    tree.add("declared", seconds)
    tree.figures["declared_summary"] = [summary_of(done)]
    tree.figures["declared_heavy"] = [", ".join(json.loads(probe.read_text())["heavy"]) or "none"]


def measure_main_job(tree: Tree, work: Path) -> None:
    """(c) and (d): the main job (make audit's command), its client creations, each environment's set-up."""
    probe = work / "probe.json"
    command = run_command(work, "--env=all", "--sandbox", "-m", tree.layers, f"--junitxml={work}/junit.xml")
    seconds, done = timed_run(tree, command, **{PROBE_OUTPUT: str(probe), PROBE_CLIENTS: "1"})
    seen = json.loads(probe.read_text()) if probe.exists() else {}
    tree.add("main", seconds)
    tree.figures["main_summary"] = [summary_of(done)]
    for layer in ("suite", "sandbox"):
        bucket = seen.get(layer, {"clients": 0, "seconds": 0.0})
        tree.add(f"clients_{layer}", bucket["clients"])
        tree.add(f"clients_{layer}_s", bucket["seconds"])
    tree.add("models", seen.get("service_models_parsed", 0))
    for snapshot in sorted((work / "snapshots").glob("*.json")):
        data = json.loads(snapshot.read_text())
        tree.add(f"setup_{snapshot.stem}", data.get("setup_seconds", 0.0))


ACCOUNTS_SNIPPET = """
import json, os, sys, time
from envmatrix.aws.session import clients_for
from envmatrix.aws.sections import SECTIONS, warm_services
from envmatrix.config import AwsConfig, EnvConfig
services = sorted(warm_services(SECTIONS))
figures = []
for env in {envs!r}:
    started = time.perf_counter()
    clients_for(env, EnvConfig(profile=env), AwsConfig(), "us-east-1").prepare(tuple(services))
    figures.append(time.perf_counter() - started)
print(json.dumps(figures))
"""
ENVS = ("dev", "staging", "production")


def measure_accounts(tree: Tree, work: Path) -> None:
    """(d) cold client set-up of three environments in three accounts (one profile each), no AWS call made."""
    config = work / "aws-config"
    config.write_text("".join(f"[profile {env}]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                              for env in ENVS), encoding="utf-8")
    extra = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
             "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    _, done = timed_run(tree, [sys.executable, "-c", ACCOUNTS_SNIPPET.format(envs=ENVS)], **extra)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for env, seconds in zip(ENVS, figures, strict=True):
        tree.add(f"accounts_{env}", seconds)
    tree.add("accounts_total", sum(figures))


def summary_of(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    return lines[-1].strip("= ") if lines else f"exit {done.returncode}"


# ---- the table ----

ROWS: tuple[tuple[str, str], ...] = (
    ("import", "import of the pytest plugin stack (s)"),
    ("import_heavy", "  heavy modules it loads"),
    ("declared", "declared-only run, --env=all (s)"),
    ("declared_heavy", "  heavy modules it loads"),
    ("declared_summary", "  result"),
    ("main", "main job, make audit's command (s)"),
    ("main_summary", "  result"),
    ("clients_suite", "  suite's AWS clients created"),
    ("clients_suite_s", "  ... their creation time (s)"),
    ("clients_sandbox", "  sandbox provisioning's clients"),
    ("clients_sandbox_s", "  ... their creation time (s)"),
    ("models", "  service models parsed (service-2 files)"),
    *((f"setup_{env}", f"  client set-up, {env} snapshot (s)") for env in ENVS),
    *((f"accounts_{env}", f"client set-up, 3 accounts: {env} (s)") for env in ENVS),
    ("accounts_total", "client set-up, 3 accounts: all three (s)"),
)


def cell(values: list[Any] | None) -> str:
    if not values:
        return "-"
    if isinstance(values[0], str):
        return str(values[-1])
    median = statistics.median(values)
    return f"{median:.0f}" if all(isinstance(v, int) for v in values) else f"{median:.2f}"


def print_table(trees: list[Tree], runs: int) -> None:
    width = max(len(label) for _, label in ROWS) + 2
    columns = [max(len(t.label), *(len(cell(t.figures.get(key))) for key, _ in ROWS)) + 2 for t in trees]
    print(f"\nmedian of {runs} run(s) each; trees: " + ", ".join(f"{t.label}={t.folder}" for t in trees))
    print("figure".ljust(width) + "".join(t.label.ljust(c) for t, c in zip(trees, columns, strict=True)))
    for key, label in ROWS:
        values = (cell(t.figures.get(key)).ljust(c) for t, c in zip(trees, columns, strict=True))
        print(label.ljust(width) + "".join(values))


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """``ref`` in a temporary detached worktree of this repository, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="envmatrix-startup-ref-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), ref], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def measure(trees: list[Tree], runs: int) -> None:
    steps: tuple[Callable[..., None], ...] = (measure_imports, measure_declared, measure_main_job, measure_accounts)
    for round_ in range(runs):
        for step in steps:
            for tree in trees:  # interleaved, so a busy moment of the machine hits both trees alike
                with tempfile.TemporaryDirectory(prefix="envmatrix-startup-") as work:
                    if step is measure_imports:
                        step(tree)
                    else:
                        step(tree, Path(work))
            print(f"round {round_ + 1}/{runs}: {step.__name__} done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    parser.add_argument("--compare", metavar="REF", help="also measure REF (e.g. 083f4f1) for a before/after")
    args = parser.parse_args()
    current = Tree("this tree", ROOT)
    if args.compare is None:
        measure([current], args.runs)
        print_table([current], args.runs)
        return
    with checkout(args.compare) as folder:
        before = Tree(args.compare, folder)
        measure([before, current], args.runs)
        print_table([before, current], args.runs)


if __name__ == "__main__":
    main()
