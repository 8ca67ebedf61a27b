"""The jobs' command lines, each written once: the Makefile targets and the tox environments both run them.

    python scripts/job.py JOB [PYTEST ARGS...]     run JOB's pytest with the extra arguments appended
    python scripts/job.py --print JOB [ARGS...]    print the command instead of running it

Every job runs pytest except ``types``, which runs mypy (strict, ``[tool.mypy]`` in pyproject.toml) over TYPED.

`make audit|gate|declared|drift|smoke|test ARGS=...` runs `$(BIN)/python scripts/job.py JOB $(ARGS)`, and
`tox -e JOB -- ARGS` runs `python scripts/job.py JOB ARGS`; the pytest is the one installed beside that python
(the Makefile's .venv or the tox environment). The suite's jobs (audit, gate, declared, drift, smoke) are written
in envmatrix/jobs.py, beside `envmatrix audit`; this script adds the project's own (test, types). Settings a job
reads from the environment are read there, once: $ENVMATRIX_PREVIOUS_SNAPSHOTS (drift, default reports/snapshots);
the smoke job's release comes from --expect-version or $ENVMATRIX_EXPECT_VERSION (the plugin reads the variable).
The exit status is pytest's.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from envmatrix.jobs import JOBS as SUITE_JOBS

#: What mypy checks: the library, the checks and smoke tests, the benchmarks and the project's test helpers
#: (tests/faults: the fault catalogue, typed as it was inside envmatrix/).
TYPED = ["envmatrix", "checks", "smoke", "bench", "tests/conftest.py", "tests/scratch_project.py",
         "tests/hardening/secret_corpus.py", "tests/moto_recording.py", "tests/faults"]

#: job -> the tool it runs, where that is not pytest
TOOLS = {"types": "mypy"}

#: job -> its arguments (given the environment); the one definition of each job: the suite's jobs are
#: envmatrix/jobs.py's (which `envmatrix audit` shares), the project's own are these.
JOBS: dict[str, Callable[[Mapping[str, str]], list[str]]] = {
    **SUITE_JOBS,
    # The project's own tests; the slowest listed, to keep .ci/run under 20 minutes. Work stealing: the fault
    # catalogue's end-to-end cases come last and take ~10 s each; plain load scheduling left one worker idle
    # while the other still held a queue of them.
    # hypothesis's pytest plugin is off for the suite's runs (pyproject's addopts), back on for the project's tests.
    "test": lambda _: ["tests", "-p", "hypothesispytest", "-p", "xdist", "-n", "2", "--dist", "worksteal",
                       "--durations=15"],
    # Static types.
    "types": lambda _: TYPED,
}


def executable(tool: str = "pytest") -> str:
    """The tool beside this python (a venv's or tox env's bin/), else the first on PATH."""
    beside = Path(sys.executable).with_name(tool)
    if beside.exists():
        return str(beside)
    found = shutil.which(tool)
    if found is None:
        raise SystemExit(f"scripts/job.py: no {tool} beside {sys.executable} nor on PATH")
    return found


def command(job: str, extra: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """JOB's whole command line: its tool (pytest unless TOOLS says), the job's arguments, then ``extra``."""
    if job not in JOBS:
        raise SystemExit(f"scripts/job.py: unknown job {job!r}; one of: {', '.join(JOBS)}")
    return [executable(TOOLS.get(job, "pytest")), *JOBS[job](environ), *extra]


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    show = bool(args) and args[0] == "--print"
    if show:
        args = args[1:]
    if not args:
        raise SystemExit(f"usage: scripts/job.py [--print] JOB [PYTEST ARGS...]; JOB one of: {', '.join(JOBS)}")
    line = command(args[0], args[1:], os.environ)
    if show:
        print(shlex.join(line))
        return 0
    os.execv(line[0], line)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
