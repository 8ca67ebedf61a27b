"""The suite's jobs, each written once: ``envmatrix audit`` and scripts/job.py (the Makefile targets and tox
environments of the repository) both build their pytest command lines from JOBS.

``envmatrix audit [pytest options]`` is the installed way to run: pytest on the shipped checks and smoke tests,
with the project's envmatrix.toml (found from the working directory upwards) and its reports folder. It names the
project folder as pytest's rootdir and the shipped settings as its ini file, so an option's value never moves them:
``--reports-dir DIR`` and ``--reports-dir=DIR`` run the same.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from envmatrix import shipped
from envmatrix.config import project_root

#: Every layer; the main job adds --sandbox so it needs no cloud account.
LAYERS = "declared or parity or live or drift or smoke"


def _drift(environ: Mapping[str, str]) -> list[str]:
    previous = environ.get("ENVMATRIX_PREVIOUS_SNAPSHOTS") or "reports/snapshots"
    # change control reads CloudTrail's write events since the previous snapshots were taken (who changed what)
    return ["--env=all", "-m", "live or drift", f"--previous-snapshots={previous}", "--changes-since=last-run",
            "--junitxml=reports/junit-drift.xml"]


#: job -> its pytest arguments (given the environment); the one definition of each job.
JOBS: dict[str, Callable[[Mapping[str, str]], list[str]]] = {
    # The main job: every environment, every layer, against the embedded sandbox. One process, not xdist: on 2
    # cores `-n 2` is slower (each worker starts, collects and reads its snapshots from the shared file; the
    # controller re-reads every report), measured by bench/breakdown_bench.py --xdist (docs/speed.md).
    "audit": lambda _: ["--env=all", "--sandbox", "-m", LAYERS, "--junitxml=reports/junit.xml"],
    # Promotion gate staging -> production: staging declared+live+drift+smoke, production declared+parity.
    "gate": lambda _: ["--env=staging,production", "--env-layers=staging=declared,live,drift,smoke",
                       "--env-layers=production=declared,parity", "--gate", "--junitxml=reports/junit-gate.xml"],
    # Pull-request check: every environment's declared inputs and parity, no cloud access.
    "declared": lambda _: ["--env=all", "-m", "declared or parity", "--junitxml=reports/junit-declared.xml"],
    # Nightly drift audit: every environment live+drift, what changed since the previous snapshots, and who changed
    # the environments' resources by hand since then (CloudTrail).
    "drift": _drift,
    # Post-release smoke against production.
    "smoke": lambda _: ["--env=production", "-m", "smoke", "--junitxml=reports/junit-smoke.xml"],
}


def _selects_environments(extra: Sequence[str], environ: Mapping[str, str]) -> bool:
    """The user chose environments: --env (either spelling) or $ENVIRONMENT, as the plugin reads them."""
    return bool(environ.get("ENVIRONMENT")) or any(arg == "--env" or arg.startswith("--env=") for arg in extra)


def audit_command(extra: Sequence[str], cwd: Path, environ: Mapping[str, str]) -> list[str]:
    """``envmatrix audit``'s pytest command line: the main job's selection (every layer; every environment unless
    the user chose some; no --sandbox: the project's own account), then the user's options, which win (pytest
    takes the last -m; JUnit and allure go to the reports folder by default)."""
    defaults = ["-m", LAYERS, *([] if _selects_environments(extra, environ) else ["--env=all"])]
    return [sys.executable, "-m", "pytest", f"--rootdir={project_root(cwd)}", "-c", str(shipped.audit_ini()),
            *map(str, shipped.catalogue_paths()), *defaults, *extra]


def run_audit(extra: Sequence[str], cwd: Path) -> int:
    """Run the audit in this process's place: its exit status is pytest's."""
    line = audit_command(extra, cwd, os.environ)
    sys.stdout.flush()
    os.execv(line[0], line)
    return 0  # not reached
