"""Results and runs for the history tests: a failing or passing check, and moving a store's past back in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from envmatrix.history import tables
from envmatrix.history.store import RunMeta, open_engine
from envmatrix.reporting.results import CheckResult
from envmatrix.verdict import Evidence, failure_message

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ENVS = ("dev", "staging", "production")
TASK_DEF = "arn:aws:ecs:us-east-1:111122223333:task-definition/production-taskmanager-api:{revision}"


def result(env: str, status: str = "pass", *, check_id: str = "ECS-TASK-CPU", resource: str = "",
           setting: str = "cpu", actual: str = "256") -> CheckResult:
    """One live result; a failing one with its evidence as the collector would give it."""
    resource = resource or f"ecs-task-definition:{env}-taskmanager-api"
    nodeid = f"checks/live/test_ecs.py::test_{check_id.lower()}[{env}]"
    if status == "pass":
        return CheckResult(nodeid, check_id, env, "live", "compute", "cpu", "high")
    message = failure_message(env, check_id, resource, setting, "1024", actual)
    evidence = Evidence(env, check_id, "live", resource, setting, "1024", actual, False, message)
    return CheckResult(nodeid, check_id, env, "live", "compute", "cpu", "high", status,  # type: ignore[arg-type]
                       "misconfiguration", message, evidence=[evidence])


def night(number: int, run_id: str = "", environments: tuple[str, ...] = ENVS) -> RunMeta:
    """The run of night ``number`` (0: the first), at 02:00 UTC."""
    return RunMeta(run_id or f"night-{number}", START + timedelta(days=number), spec_digest="sha256:abc",
                   target="sandbox", environments=environments, gate={env: "pass" for env in environments})


def move_back(url: str, days: float) -> None:
    """Every recorded time ``days`` earlier: the runs so far happened that long before the next one."""
    shift = timedelta(days=days)
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            for table, keys, column in ((tables.runs, ("seq",), "started"),
                                        (tables.run_environments, ("run_seq", "environment"), "started"),
                                        (tables.results, ("id",), "first_seen")):
                for row in connection.execute(sa.select(*(table.c[k] for k in keys), table.c[column])).all():
                    if row[-1] is None:
                        continue
                    where = sa.and_(*(table.c[k] == row[i] for i, k in enumerate(keys)))
                    connection.execute(table.update().where(where).values({column: row[-1] - shift}))
    finally:
        engine.dispose()
