"""`make mutation`: mutmut over the safety core, one module at a time; prints module / mutants / killed / score / time.

The safety core is `only_mutate` under [tool.mutmut] in pyproject.toml (the one list: add a module there); a module
named under [tool.mutation-tests] is judged by the tests listed there instead of [tool.mutmut]'s selection. Each run
starts from an empty mutants/ (mutmut reuses what it finds there: copies of changed files, earlier results), keeps
mutmut's output in reports/mutation-<module>.log, and fails with one line when mutmut itself cannot run.
Exit status: 0 every module at or above the target, 1 a module below it, 2 mutmut could not run or gave no figures.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
MUTANTS = ROOT / "mutants"
#: Which tests reach which function, from mutmut's stats run (reused by the next module's run).
STATS = MUTANTS / "mutmut-stats.json"
LOGS = ROOT / "reports"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
CONFIG: dict[str, list[str]] = PYPROJECT["mutmut"]
#: The safety core: [tool.mutmut] only_mutate in pyproject.toml.
MODULES: tuple[str, ...] = tuple(CONFIG["only_mutate"])
#: A module judged by its own tests instead of [tool.mutmut]'s selection ([tool.mutation-tests] in pyproject.toml).
OWN_TESTS: dict[str, list[str]] = PYPROJECT.get("mutation-tests", {})
#: mutmut itself, with one module's own test selection in place of [tool.mutmut]'s: mutmut reads that setting
#: only from pyproject.toml, into the one settings object every later step (stats, clean run, mutants) asks.
LAUNCH = ("import dataclasses, json, sys; from mutmut import configuration as c; "
          "c._config = dataclasses.replace(c._load_config(), "
          "pytest_add_cli_args_test_selection=json.loads(sys.argv.pop(1))); "
          "from mutmut.__main__ import cli; sys.exit(cli())")
#: The most memory mutmut and each mutant's test run may reserve. A mutant can turn a loop endless that fills a
#: list (redact's search for known values): with this bound it fails with MemoryError in a second, killed,
#: instead of taking the shared machine's memory until its CPU-time limit (minutes) or the OOM killer ends it.
MEMORY_LIMIT = 4 << 30
#: The same for a module judged by its own few tests: mutmut then holds about 0.4 GB (1.7 GB with the whole
#: selection), and each gigabyte an endless mutant fills costs the CI run seconds.
OWN_TESTS_MEMORY_LIMIT = 1 << 30
#: Outcomes that mean a test noticed the change (a timeout is an infinite loop some test ran into).
NOTICED = {"killed", "timeout", "caught by type check"}
TARGET = 0.90
#: mutmut's progress spinner and per-mutant lines: not a reason worth showing when it fails.
NOISE = re.compile(r"^(\W*\s*(Generating mutants|Running stats|Running clean tests|Running forced fail test|"
                   r"Listing all tests|Running mutation testing)|[\U0001F300-\U0001FAFF⠀-⣿]|\d+/\d+\s)")


class Unrunnable(Exception):
    """mutmut did not run, or gave no figures: the one line to print."""


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def natural(item: tuple[str, str]) -> tuple[str, int]:
    """Mutant names in numeric order (``x_clip__mutmut_2`` before ``x_clip__mutmut_10``)."""
    stem, _, number = item[0].rpartition("_")
    return (stem, int(number)) if number.isdigit() else (item[0], 0)


def check_setup(modules: list[str]) -> None:
    unknown = [module for module in [*modules, *OWN_TESTS] if module not in MODULES]
    if unknown:
        raise Unrunnable(f"{', '.join(unknown)} not in [tool.mutmut] only_mutate ({', '.join(MODULES)})")
    own = [test.partition("::")[0] for module in modules for test in OWN_TESTS.get(module, [])
           if not test.startswith("-")]
    missing = [path for path in [*modules, *CONFIG.get("also_copy", []), *own] if not (ROOT / path).exists()]
    if missing:  # mutmut skips a missing also_copy path without a word; the clean run then fails far from the cause
        raise Unrunnable(f"missing from the project: {', '.join(missing)} (see [tool.mutmut] in pyproject.toml)")


def reason(output: str) -> str:
    """The last line of mutmut's output that says something (an exception, "Failed to run clean test", ...)."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", output)]
    said = [line for line in lines if line and not NOISE.match(line)]
    last = said[-1] if said else "no output"
    if "BadTestExecutionCommandsException" in last:  # pytest's own error is shown only with debug = true
        return ("pytest could not start in mutants/ (does it lack a file the tests read? see also_copy; "
                "debug = true under [tool.mutmut] shows pytest's error)")
    return last if len(last) <= 200 else last[:197] + "..."


def memory_limit(module: str) -> int:
    return OWN_TESTS_MEMORY_LIMIT if module in OWN_TESTS else MEMORY_LIMIT


def bounded_memory(limit: int) -> None:
    """In mutmut's process before it starts: the bound its forked mutants inherit (see MEMORY_LIMIT)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def mutmut_run(module: str) -> list[str]:
    """The command line of `mutmut run` on one module, with the module's own tests when it names them."""
    run = ["run", f"{dotted(module)}.*"]
    if module not in OWN_TESTS:
        return [MUTMUT, *run]
    return [sys.executable, "-c", LAUNCH, json.dumps(OWN_TESTS[module]), *run]


def run(module: str) -> tuple[float, float]:
    """`mutmut run` on one module's mutants: (set-up seconds, mutant seconds); raises Unrunnable if it failed."""
    LOGS.mkdir(exist_ok=True)
    log = LOGS / f"mutation-{dotted(module)}.log"
    start = time.monotonic()
    setup = None
    bound = functools.partial(bounded_memory, memory_limit(module))
    with subprocess.Popen(mutmut_run(module), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", bufsize=1, preexec_fn=bound) as child:
        assert child.stdout is not None
        with log.open("w") as out:
            for line in child.stdout:
                out.write(line)
                if setup is None and "Running mutation testing" in line:  # copied, stats and clean run done
                    setup = time.monotonic() - start
    total = time.monotonic() - start
    if child.returncode != 0:
        raise Unrunnable(f"mutmut could not run on {module} (exit {child.returncode}): {reason(log.read_text())} "
                         f"[full output: {log.relative_to(ROOT)}]")
    setup = total if setup is None else setup
    return setup, total - setup


def results() -> dict[str, str]:
    """mutant name -> outcome, from `mutmut results --all true` ("    name: outcome" lines)."""
    done = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise Unrunnable(f"`mutmut results` failed (exit {done.returncode}): {reason(done.stderr + done.stdout)}")
    pairs = (line.strip().rsplit(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    return {name: outcome for name, outcome in pairs}


def stale(module: str) -> bool:
    """The module changed after its mutants were judged (mutmut's record of them is older than the source)."""
    meta = MUTANTS / f"{module}.meta"
    return not meta.exists() or (ROOT / module).stat().st_mtime > meta.stat().st_mtime


def report(modules: list[str], times: dict[str, tuple[float, float]]) -> int:
    outcomes = results()
    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'score':>6} {'time':>14}")
    short, survivors = False, []
    for module in modules:
        mine = {name: outcome for name, outcome in outcomes.items() if name.startswith(dotted(module) + ".")}
        counts = Counter(mine.values())
        killed = sum(counts[o] for o in NOTICED)
        checked = len(mine) - counts["not checked"]
        if not checked:
            raise Unrunnable(f"no mutation results for {module}: mutmut judged none of its mutants")
        if module not in times and stale(module):
            raise Unrunnable(f"the results for {module} are older than the module: run `make mutation` again")
        score = killed / checked
        short = short or score < TARGET
        setup, mutants = times.get(module, (0.0, 0.0))
        took = f"{setup:.0f}+{mutants:.0f} s" if module in times else "(last run)"
        print(f"{module:<28} {checked:>7} {killed:>7} {score:>6.0%} {took:>14}")
        survivors += [f"  {name}: {o}" for name, o in sorted(mine.items(), key=natural)
                      if o not in NOTICED | {"not checked"}]
    if survivors:
        print("not killed (`.venv/bin/mutmut show <name>` shows the change):", *survivors, sep="\n")
    if times:
        print("time: set-up (copy, stats and clean test runs) + mutants, seconds")
    if short:
        print(f"mutation: a module scores under {TARGET:.0%}")
    return 1 if short else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", default=list(MODULES),
                        help="paths from [tool.mutmut] only_mutate (default: all of them)")
    parser.add_argument("--report-only", action="store_true", help="print the last run's figures, run nothing")
    args = parser.parse_args()
    times: dict[str, tuple[float, float]] = {}
    try:
        check_setup(args.modules)
        if not args.report_only:
            shutil.rmtree(MUTANTS, ignore_errors=True)  # nothing from an earlier run, of this source or another
            tests: list[str] | None = None
            for module in args.modules:  # one module per run: its own mutants, judged by the tests that reach them
                if OWN_TESTS.get(module) != tests:  # mutmut, given other tests than its stats were made with,
                    STATS.unlink(missing_ok=True)   # would forget the results of every module judged before
                tests = OWN_TESTS.get(module)
                times[module] = run(module)
        elif not MUTANTS.is_dir():
            raise Unrunnable("no mutants/ folder: run `make mutation` first")
        return report(args.modules, times)
    except Unrunnable as failure:
        print(f"mutation: {failure}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
