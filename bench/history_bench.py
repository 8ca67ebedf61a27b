"""Benchmark of the history store: one year of nightly runs for three environments (the main job's 520 results a
night, as the golden matrix.json holds them, with findings that open, stay, get fixed and come back).

Prints figures only (no asserts): the file's size, the time a run spends recording and comparing (goal: under
0.3 s), the store's import time, and the time of `envmatrix history`.
Run: .venv/bin/python bench/history_bench.py [--nights 365] [--url postgresql://…]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmatrix.history import store  # noqa: E402
from envmatrix.reporting.model import Matrix  # noqa: E402
from envmatrix.reporting.results import CheckResult  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "matrix.json"
START = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


def _results() -> list[CheckResult]:
    """The golden run's results (its masked durations read as 0)."""
    data = json.loads(GOLDEN.read_text())
    for result in data["results"]:
        result["duration"] = 0.0
    return list(Matrix.model_validate(data).results)


def _night(base: list[CheckResult], number: int) -> list[CheckResult]:
    """The night's results: every 7th passing check fails for a stretch that depends on the check (a finding
    opens, stays open for a while, is fixed, and some come back)."""
    out = []
    for index, result in enumerate(base):
        period = 20 + index % 40
        failing = index % 7 == 0 and (number + index) % period < period // 3
        if failing and result.status == "pass":
            message = f"{result.environment} {result.check_id} resource-{index}.setting: expected 1, got 2"
            result = dataclasses.replace(result, status="fail", kind="misconfiguration", message=message)
        out.append(result)
    return out


def _meta(number: int) -> store.RunMeta:
    return store.RunMeta(f"bench-{number}", START + timedelta(days=number), spec_digest="sha256:bench",
                         target="sandbox", environments=("dev", "staging", "production"))


def _timed_cli(url: str) -> float:
    began = time.perf_counter()
    code = "import sys; from envmatrix.cli import main; sys.exit(main())"
    subprocess.run([sys.executable, "-c", code, "history", "--history", url], check=True, capture_output=True,
                   cwd=ROOT)
    return time.perf_counter() - began


def _import_time() -> float:
    code = ("import time; import envmatrix.reporting.session; began = time.perf_counter(); "
            "import envmatrix.history.store; print(time.perf_counter() - began)")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--url", help="a history URL (default: a SQLite file in a temporary folder)")
    args = parser.parse_args()
    base = _results()
    folder = Path(tempfile.mkdtemp(prefix="history-bench-"))
    url = store.resolve_url(args.url, folder)
    assert url is not None
    began = time.perf_counter()
    per_run = []
    for number in range(args.nights):
        tonight = _night(base, number)
        start = time.perf_counter()
        view = store.record_and_compare(url, tonight, _meta(number))
        per_run.append(time.perf_counter() - start)
        if view.error:
            raise SystemExit(f"history_bench: {view.error}")
    filled = time.perf_counter() - began
    last = per_run[-30:]
    print(f"history bench: {args.nights} nightly runs x 3 environments, {len(base)} results a run, "
          f"store {store.shown(url)}")
    print(f"  filled in {filled:.1f} s")
    if url.startswith("sqlite"):
        path = folder / store.DEFAULT_FILE
        size = sum(p.stat().st_size for p in folder.glob(store.DEFAULT_FILE + "*"))
        print(f"  file size: {size / 1e6:.1f} MB ({path.name} with its WAL)")
    states: dict[str, int] = {}
    for finding in [*view.findings.values(), *view.fixed]:
        states[finding.state] = states.get(finding.state, 0) + 1
    print(f"  last night: {len(view.findings)} open findings, states {states}, trend of "
          f"{len(view.trend['production'])} runs")
    print(f"  time added to a run (record + compare, last 30 nights): median {statistics.median(last) * 1000:.0f} ms, "
          f"max {max(last) * 1000:.0f} ms (goal < 300 ms); first night {per_run[0] * 1000:.0f} ms (creates the "
          f"schema)")
    print(f"  importing the store once per run (SQLAlchemy; Alembic only to migrate): {_import_time() * 1000:.0f} ms")
    cli = [_timed_cli(url) for _ in range(3)]
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import envmatrix.cli"], check=True, cwd=ROOT)
    print(f"  `envmatrix history` (a new process, import included): median {statistics.median(cli):.2f} s "
          f"(of which importing envmatrix.cli alone: {time.perf_counter() - began:.2f} s)")
    with store.connected(url) as connection:
        start = time.perf_counter()
        found = store.open_findings(connection)
        print(f"  open findings query alone: {(time.perf_counter() - start) * 1000:.0f} ms ({len(found)} findings)")


if __name__ == "__main__":
    main()
