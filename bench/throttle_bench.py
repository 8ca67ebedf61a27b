"""Benchmark of the live layer under AWS throttling on the embedded sandbox: time, retries, sections lost.

The sandbox's moto server answers each service's own throttling error to a share of every call (its knob:
envmatrix.sandbox.moto_throttle); the three environments' snapshots are then taken as a run takes them
(side by side, sections in parallel, one shared rate budget per account, region and service). Prints figures
only (no asserts). Run: .venv/bin/python bench/throttle_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.live_bench import repo_suite  # noqa: E402
from envmatrix.aws.session import forget_sessions  # noqa: E402
from envmatrix.aws.store import SnapshotStore  # noqa: E402
from envmatrix.config import AwsConfig, ProjectConfig  # noqa: E402
from envmatrix.context import Suite  # noqa: E402
from envmatrix.sandbox.aws import RunningAws, start_aws  # noqa: E402

ROUNDS = 3
SHARES = (0.0, 0.1, 0.5)
ATTEMPTS = (3, 10)  # [aws] max_attempts: the default, and the most the config allows


def one_round(suite: Suite, aws: AwsConfig) -> tuple[float, int, int, list[str]]:
    """Wall time of all environments' snapshots, their calls, retries and the sections left unavailable (why)."""
    forget_sessions()  # fresh clients and budgets, as a new run has
    store = SnapshotStore(suite, ProjectConfig(aws=aws), uuid.uuid4().hex)
    started = time.perf_counter()
    snapshots = [store.get(env) for env in suite.selected]
    seconds = time.perf_counter() - started
    lost = [f"{s.environment} {name}: {reason}" for s in snapshots for name, (_, reason) in s.unavailable.items()]
    return seconds, sum(s.api_calls for s in snapshots), sum(sum(s.api_retries.values()) for s in snapshots), lost


def measure(sandbox: RunningAws, suite: Suite, share: float, aws: AwsConfig) -> str:
    times, retries, lost, throttled, calls = [], [], [], [], 0
    why: set[str] = set()
    for seed in range(ROUNDS):
        sandbox.throttle(["*"] if share else [], fraction=share, seed=seed)
        seconds, calls, retried, unavailable = one_round(suite, aws)
        times.append(seconds)
        retries.append(retried)
        lost.append(len(unavailable))
        why.update(reason.split(" answered ")[0] for reason in unavailable)
        throttled.append(sum(sandbox.throttled()["throttled"].values()))
    return (f"{share:>4.0%} throttled, max_attempts {aws.max_attempts:>2}, max_rate {aws.max_rate:>6g}/s: "
            f"{statistics.median(times):6.2f} s (min {min(times):.2f}, max {max(times):.2f}), {calls} calls, "
            f"{statistics.median(throttled):>4.0f} throttled answers, {statistics.median(retries):>4.0f} retries, "
            f"sections unavailable per run {lost}" + (f": {'; '.join(sorted(why))[:400]}" if why else ""))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="envmatrix-throttle-bench-"))
    suite = repo_suite(work / "reports")
    sandbox = start_aws(suite)
    os.environ.update(sandbox.env_vars())
    print(f"sandbox at {sandbox.endpoint}; median of {ROUNDS} rounds, all three environments per round")
    try:
        print(measure(sandbox, suite, 0.0, AwsConfig(max_rate=1000.0)))
        for share in SHARES:
            for attempts in ATTEMPTS:
                print(measure(sandbox, suite, share, AwsConfig(max_attempts=attempts)))
    finally:
        sandbox.throttle([])
        sandbox.stop()


if __name__ == "__main__":
    main()
