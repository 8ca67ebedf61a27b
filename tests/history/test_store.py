"""The history store over successive runs, on SQLite and on a real PostgreSQL server: states, first seen, days
open, the trend, a re-created resource, recording a run once, two writers at once, and stores it cannot use."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from envmatrix.history import tables
from envmatrix.history.fingerprint import fingerprint
from envmatrix.history.store import (
    TREND_RUNS,
    HistoryError,
    connected,
    record_and_compare,
    resolve_url,
    shown,
)
from envmatrix.history.view import HistoryView
from tests.history.helpers import ENVS, START, TASK_DEF, night, result


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh history: a SQLite file, or a database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        url = resolve_url(None, tmp_path / "reports")
    else:
        url = resolve_url(request.getfixturevalue("postgres_url"), tmp_path)
    assert url is not None
    yield url


def _tonight(production: str, revision: int = 12) -> list:  # type: ignore[type-arg]
    """Every environment's result; production's as given, about its task definition at ``revision``."""
    return [result("dev"), result("staging"),
            result("production", production, resource=TASK_DEF.format(revision=revision))]


def _state(view: HistoryView) -> dict[str, str]:
    assert not view.error, view.error
    return {f.environment: f.state for f in [*view.findings.values(), *view.fixed]}


def test_five_nights_new_unchanged_fixed_regressed(store_url: str) -> None:
    first = record_and_compare(store_url, _tonight("pass"), night(0))
    assert _state(first) == {} and first.previous_run is None

    second = record_and_compare(store_url, _tonight("fail", revision=12), night(1))
    assert _state(second) == {"production": "new"}
    (finding,) = second.findings.values()
    assert finding.first_seen == night(1).started and finding.days_open == 0
    assert second.previous_run == night(0).started
    assert "production ECS-TASK-CPU" in finding.message

    # the task definition was re-registered (revision 13): the same finding, not a new one
    third = record_and_compare(store_url, _tonight("fail", revision=13), night(3))
    assert _state(third) == {"production": "unchanged"}
    assert list(third.findings) == list(second.findings)
    (finding,) = third.findings.values()
    assert finding.first_seen == night(1).started and finding.days_open == 2.0

    fourth = record_and_compare(store_url, _tonight("pass"), night(4))
    assert _state(fourth) == {"production": "fixed"} and not fourth.findings
    assert fourth.fixed[0].fingerprint == finding.fingerprint and "ECS-TASK-CPU" in fourth.fixed[0].message

    fifth = record_and_compare(store_url, _tonight("fail", revision=14), night(5))
    assert _state(fifth) == {"production": "regressed"}
    (back,) = fifth.findings.values()
    assert back.fingerprint == finding.fingerprint and back.first_seen == night(5).started

    assert [(p.passed, p.failed) for p in fifth.trend["production"]] == [(1, 0), (0, 1), (0, 1), (1, 0), (0, 1)]
    assert [p.started for p in fifth.trend["dev"]] == [night(n).started for n in (0, 1, 3, 4, 5)]
    assert {p.gate for p in fifth.trend["staging"]} == {"pass"}


def test_a_waived_finding_stays_open_and_an_error_counts_failed(store_url: str) -> None:
    record_and_compare(store_url, _tonight("fail"), night(0))
    view = record_and_compare(store_url, _tonight("waived"), night(1))
    assert _state(view) == {"production": "unchanged"}
    view = record_and_compare(store_url, [result("dev", "error")], night(2, environments=("dev",)))
    assert _state(view) == {"dev": "new"} and view.trend["dev"][-1].failed == 1


def test_the_previous_run_is_that_of_the_same_environment(store_url: str) -> None:
    """A run of staging alone in between neither fixes nor forgets production's finding."""
    record_and_compare(store_url, _tonight("fail"), night(0))
    staging = record_and_compare(store_url, [result("staging")], night(1, environments=("staging",)))
    assert _state(staging) == {}
    view = record_and_compare(store_url, _tonight("fail"), night(2))
    assert _state(view) == {"production": "unchanged"}
    assert view.findings[fingerprint(_tonight("fail")[2])].days_open == 2.0


def test_a_finding_whose_check_did_not_run_is_not_fixed(store_url: str) -> None:
    record_and_compare(store_url, _tonight("fail"), night(0))
    view = record_and_compare(store_url, [result("production", check_id="RDS-OTHER")], night(1))
    assert view.fixed == []


def test_the_trend_keeps_the_last_runs(tmp_path: Path) -> None:
    store_url = resolve_url(None, tmp_path)
    assert store_url is not None
    for number in range(TREND_RUNS + 3):
        view = record_and_compare(store_url, [result("dev")], night(number, environments=("dev",)))
    assert len(view.trend["dev"]) == TREND_RUNS
    assert view.trend["dev"][-1].started == night(TREND_RUNS + 2).started


def test_a_run_is_recorded_once(store_url: str) -> None:
    """envmatrix merge may be run twice over the same shards: the run id is recorded once."""
    record_and_compare(store_url, _tonight("pass"), night(0))
    once = record_and_compare(store_url, _tonight("fail"), night(1, run_id="merged-abc"))
    again = record_and_compare(store_url, _tonight("fail"), night(1, run_id="merged-abc"))
    assert again == once
    with connected(store_url) as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tables.runs)).scalar() == 2
        assert connection.execute(sa.select(sa.func.count()).select_from(tables.results)).scalar() == 6


def _writer(url: str, first: int, count: int) -> list[str]:
    errors = []
    for number in range(first, first + count):
        view = record_and_compare(url, _tonight("fail" if number % 2 else "pass"), night(number))
        errors += [view.error] if view.error else []
    return errors


def test_two_runs_writing_at_once_lose_nothing(store_url: str) -> None:
    runs_each = 12
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        outcomes = pool.starmap(_writer, [(store_url, 0, runs_each), (store_url, 100, runs_each)])
    assert outcomes == [[], []]
    with connected(store_url) as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(tables.runs)).scalar()
        results = connection.execute(sa.select(sa.func.count()).select_from(tables.results)).scalar()
        envs = connection.execute(sa.select(sa.func.count()).select_from(tables.run_environments)).scalar()
    assert (count, results, envs) == (2 * runs_each, 2 * runs_each * 3, 2 * runs_each * len(ENVS))


def test_a_corrupt_file_is_one_clear_reason(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(b"this is no database, just some text a tool wrote here " * 200)
    view = record_and_compare(resolve_url(str(path), tmp_path), _tonight("fail"), night(0))
    assert view.error == f"{path}: not a SQLite database (corrupt, or another file at that path)"
    assert view.findings == {} and view.trend == {}


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    url = resolve_url(str(path), tmp_path)
    assert url is not None
    record_and_compare(url, _tonight("pass"), night(0))
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0099'")
    view = record_and_compare(url, _tonight("fail"), night(1))
    assert view.error.startswith(f"{path}: its schema (0099) is newer than this envmatrix knows")
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_fresh_file_is_created_at_the_head_schema_in_wal_mode(tmp_path: Path) -> None:
    url = resolve_url(None, tmp_path / "reports")
    assert url is not None
    record_and_compare(url, [], night(0, environments=("dev",)))
    path = tmp_path / "reports" / "history.sqlite"
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_history_off_and_a_server_that_does_not_answer(tmp_path: Path) -> None:
    assert resolve_url("off", tmp_path) is None
    assert record_and_compare(None, [], night(0)).error == "history off (--history off)"
    url = resolve_url("postgresql://envmatrix@127.0.0.1:9/history", tmp_path)
    view = record_and_compare(url, [], night(0))
    assert view.error.startswith("postgresql+psycopg://envmatrix@127.0.0.1:9/history: OperationalError")


def test_a_password_comes_only_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HistoryError, match=r"a password written in the URL") as caught:
        resolve_url("postgresql://team:hunter2secret@db.example/history", tmp_path)
    assert "hunter2secret" not in str(caught.value)
    monkeypatch.setenv("HISTORY_DB_PASSWORD", "s3cr3t-from-env")
    url = resolve_url("postgresql://team:${HISTORY_DB_PASSWORD}@db.example/history", tmp_path)
    assert url is not None and "s3cr3t-from-env" in url and "s3cr3t" not in shown(url)
    monkeypatch.delenv("HISTORY_DB_PASSWORD")
    with pytest.raises(HistoryError, match=r"\$HISTORY_DB_PASSWORD \(the password\) is not set"):
        resolve_url("postgresql://team:${HISTORY_DB_PASSWORD}@db.example/history", tmp_path)


def test_days_open_is_from_the_run_times(store_url: str) -> None:
    record_and_compare(store_url, _tonight("fail"), night(0))
    later = night(0)
    later = type(later)("later", later.started + timedelta(days=6, hours=12), environments=ENVS)
    view = record_and_compare(store_url, _tonight("fail"), later)
    assert [f.days_open for f in view.findings.values()] == [6.5]
    assert START == night(0).started


def test_head_is_the_newest_migration() -> None:
    """store.HEAD lets a run skip Alembic when the store is current: it must name the newest migration."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from envmatrix.history.store import HEAD

    config = Config()
    config.set_main_option("script_location", str(Path(tables.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD
