"""`make mutation`: mutmut over the safety core, one module at a time; prints module / mutants / killed / score."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
#: The safety core ([tool.mutmut] only_mutate in pyproject.toml lists the same files).
MODULES: tuple[str, ...] = (
    "envmatrix/redact.py", "envmatrix/aws/checking.py", "envmatrix/waivers.py", "envmatrix/verdict.py",
    "envmatrix/parity.py",
)
#: Outcomes that mean a test noticed the change (a timeout is an infinite loop some test ran into).
NOTICED = {"killed", "timeout", "caught by type check"}
TARGET = 0.90


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def results() -> dict[str, str]:
    """mutant name -> outcome, from `mutmut results --all true` ("    name: outcome" lines)."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: outcome for name, outcome in pairs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("modules", nargs="*", default=list(MODULES), help="paths under envmatrix/ (default: all five)")
    parser.add_argument("--report-only", action="store_true", help="print the last run's figures, run nothing")
    args = parser.parse_args()
    if not args.report_only:
        for module in args.modules:  # one module per run: its own mutants, judged by the tests that reach them
            subprocess.run([MUTMUT, "run", f"{dotted(module)}.*"], cwd=ROOT, check=False,
                           stdout=subprocess.DEVNULL)
    outcomes = results()
    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'score':>6}")
    short, survivors = False, []
    for module in args.modules:
        mine = {name: outcome for name, outcome in outcomes.items() if name.startswith(dotted(module) + ".")}
        counts = Counter(mine.values())
        killed = sum(counts[o] for o in NOTICED)
        checked = len(mine) - counts["not checked"]
        score = killed / checked if checked else 0.0
        short = short or score < TARGET
        print(f"{module:<28} {checked:>7} {killed:>7} {score:>6.0%}")
        survivors += sorted(f"  {name}: {o}" for name, o in mine.items() if o not in NOTICED | {"not checked"})
    if survivors:
        print("not killed (`.venv/bin/mutmut show <name>` shows the change):", *survivors, sep="\n")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
