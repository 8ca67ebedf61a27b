"""Benchmark of the live layer on the embedded sandbox: API calls, snapshot time, run time, clutter ratio.

Prints figures only (no asserts). Run: .venv/bin/python bench/live_bench.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmatrix.aws.session import forget_sessions  # noqa: E402
from envmatrix.aws.store import SnapshotStore  # noqa: E402
from envmatrix.config import ProjectConfig  # noqa: E402
from envmatrix.context import Paths, Suite  # noqa: E402
from envmatrix.sandbox.aws import start_aws  # noqa: E402
from envmatrix.spec import load_spec  # noqa: E402

CLUTTER = 100


def repo_suite(reports: Path) -> Suite:
    paths = Paths(ROOT / "fixtures/matrix.yaml", ROOT / "fixtures/tfvars", ROOT / "fixtures/env",
                  ROOT / "fixtures/waivers.yaml", reports)
    spec = load_spec(paths.spec)
    return Suite(spec=spec, paths=paths, selected=list(spec.environments))


def run_suite(work: Path, markers: str, *extra: str, call_log: Path | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if call_log is not None:
        env["ENVMATRIX_AWS_CALL_LOG"] = str(call_log)
    command = [sys.executable, "-m", "pytest", "--env=all", "-m", markers, "-q", "-p", "no:randomly",
               f"--reports-dir={work}", *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"


def snapshot_times(suite: Suite, rounds: int = 7) -> dict[str, tuple[float, int]]:
    """Median fetch wall time and API calls per environment over ``rounds`` fresh snapshots (warm clients)."""
    times: dict[str, list[float]] = {env: [] for env in suite.selected}
    calls: dict[str, int] = {}
    for _ in range(rounds + 1):  # the first round warms the clients up
        store = SnapshotStore(suite, ProjectConfig(), uuid.uuid4().hex)
        for env in suite.selected:
            snapshot = store.get(env)
            times[env].append(snapshot.seconds)
            calls[env] = snapshot.api_calls
    return {env: (statistics.median(values[1:]), calls[env]) for env, values in times.items()}


def add_clutter(sandbox: Any) -> None:
    """CLUTTER unrelated RDS instances, log groups, secrets, ECS services and alarms in the same account."""
    rds, logs, secrets = sandbox.client("rds"), sandbox.client("logs"), sandbox.client("secretsmanager")
    ecs, cloudwatch = sandbox.client("ecs"), sandbox.client("cloudwatch")
    ecs.create_cluster(clusterName="other-app")
    container = {"name": "app", "image": "x", "memory": 128}
    ecs.register_task_definition(family="other-app", containerDefinitions=[container])
    for i in range(CLUTTER):
        rds.create_db_instance(DBInstanceIdentifier=f"other-app-db-{i}", DBInstanceClass="db.t3.micro",
                               Engine="postgres", AllocatedStorage=20, MasterUsername="u", MasterUserPassword="p" * 8)
        logs.create_log_group(logGroupName=f"/ecs/other-app-{i}")
        secrets.create_secret(Name=f"otherapp/{i}/token", SecretString=uuid.uuid4().hex)
        ecs.create_service(cluster="other-app", serviceName=f"svc-{i}", taskDefinition="other-app", desiredCount=1)
        cloudwatch.put_metric_alarm(AlarmName=f"other-app-{i}", MetricName="CPU", Namespace="X", Statistic="Average",
                                    Period=60, EvaluationPeriods=1, Threshold=1.0,
                                    ComparisonOperator="GreaterThanThreshold")


def calls_per_env(work: Path) -> dict[str, tuple[int, float, float]]:
    figures = {}
    for path in sorted((work / "snapshots").glob("*.json")):
        env, data = path.stem, json.loads(path.read_text())
        if "setup_seconds" not in data:
            continue  # not an environment's AWS snapshot (github.json: the repository's settings)
        figures[env] = (data["api_calls"], data["seconds"], data["setup_seconds"])
    return figures


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="envmatrix-live-bench-"))
    started = time.perf_counter()
    sandbox = start_aws(repo_suite(work / "provision"))
    print(f"sandbox: provisioned all three environments in {time.perf_counter() - started:.2f} s at {sandbox.endpoint}")
    os.environ.update(sandbox.env_vars())
    try:
        log = work / "calls.jsonl"
        seconds, summary = run_suite(work / "once", "live or drift", "-p", "xdist", "-n", "2", call_log=log)
        entries = [json.loads(line) for line in log.read_text().splitlines()]
        keys = Counter((c["service"], c["operation"], c["params"]) for c in entries)
        print(f"live+drift, --env=all -n 2: {seconds:.2f} s ({summary}); {len(entries)} AWS calls, "
              f"max repeats of one (service, operation, resource): {max(keys.values())}")
        for env, (count, fetch, setup) in calls_per_env(work / "once").items():
            print(f"  {env:<11} {count:>3} AWS calls, snapshot {fetch:.2f} s (+ client setup {setup:.2f} s)")
        for label, extra in (("without -n", ()), ("with -n 2", ("-p", "xdist", "-n", "2"))):
            seconds, summary = run_suite(work / f"run-{len(extra)}", "declared or live or drift or parity", *extra)
            print(f"whole run --env=all declared+live+drift+parity {label}: {seconds:.2f} s ({summary})")
        forget_sessions()
        suite = repo_suite(work / "inproc")
        before = snapshot_times(suite)
        add_clutter(sandbox)
        after = snapshot_times(suite)
        for env in suite.selected:
            (clean, clean_calls), (busy, busy_calls) = before[env], after[env]
            print(f"snapshot {env:<11} clean {clean:.3f} s ({clean_calls} calls), with {CLUTTER}x unrelated "
                  f"resources {busy:.3f} s ({busy_calls} calls), ratio {busy / clean:.2f}x")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
