"""The history store: every run's results in a database, and tonight compared with the previous run.

Why SQLAlchemy Core + Alembic: one schema written once as tables (``tables.py``) runs on SQLite (embedded, nothing
to install: the default) and on PostgreSQL (a team's shared history) without two dialects of hand-written SQL, and
Alembic is the standard way to version that schema and upgrade a file in place when a later envmatrix adds to it.
The migrations ship inside the package (``envmatrix/history/migrations``) and run programmatically: users need no
alembic.ini. Core, not the ORM: the store reads and writes rows in bulk, objects would only cost time.

History is never a reason to lose tonight's reports: any problem opening, upgrading or writing the store is
answered with ``HistoryView.unavailable("<file>: <reason>")``, never an exception.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from envmatrix.errors import EnvmatrixError
from envmatrix.history.fingerprint import fingerprint
from envmatrix.history.tables import results as results_table
from envmatrix.history.tables import run_environments, runs
from envmatrix.history.view import FindingState, HistoryView, RunPoint
from envmatrix.redact import clip

if TYPE_CHECKING:
    from envmatrix.reporting.results import CheckResult  # a type only: the core imports no layer

DEFAULT_FILE = "history.sqlite"
#: the newest migration (envmatrix/history/migrations/versions): a store at it is used without loading Alembic
HEAD = "0001"
_VERSION = sa.Table("alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32)))
OFF = "off"
#: the history's URL or path when --history does not give one (CI sets it from a repository variable)
VARIABLE = "ENVMATRIX_HISTORY"
TREND_RUNS = 30
MESSAGE_LIMIT = 500
#: statuses that are a finding (open): a waived finding is still open, only accepted for now
OPEN = ("fail", "error", "waived")
#: SQLite: how long a writer waits for another's lock, then how often the whole transaction is tried again
BUSY_TIMEOUT_MS = 30_000
ATTEMPTS = 5
#: ``${VARIABLE}`` in a PostgreSQL URL's password: the password is read from that environment variable
_PASSWORD_VARIABLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_T = TypeVar("_T")


class HistoryError(EnvmatrixError):
    """The history store cannot be used: one clear line naming the file (or the server)."""


@dataclass(frozen=True)
class RunMeta:
    """Who this run is: its id (a merge records its shards' run once), when it started, what it read."""

    run_id: str
    started: datetime
    spec_digest: str = ""
    target: str = ""
    account: str = ""
    region: str = ""
    suite_version: str = ""
    #: the environments the run checked (an environment without a result still counts as checked)
    environments: Sequence[str] = ()
    #: per environment, the gate's verdict ("pass"/"fail") when the run was a gate
    gate: dict[str, str] = field(default_factory=dict)


# --- where the history is -------------------------------------------------------------------------------------

def resolve_url(value: str | None, reports: Path, base: Path | None = None) -> str | None:
    """The store's SQLAlchemy URL from ``--history`` / ``[history] url``: None when off; a path is a SQLite file
    (relative to ``base``), nothing is ``<reports>/history.sqlite``; ``postgresql://`` is a server."""
    text = (value or "").strip()
    if text.lower() == OFF:
        return None
    if not text:
        return f"sqlite:///{(reports / DEFAULT_FILE).resolve()}"
    if text.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return _postgres_url(text)
    if text.startswith("sqlite:///"):
        return text
    if "://" in text:
        raise HistoryError(f"--history {text.split('://')[0]}://…: not a history URL (a SQLite file path, "
                           "postgresql://… or off)")
    return f"sqlite:///{((base or Path.cwd()) / Path(text).expanduser()).resolve()}"


def location(option: str | None, configured: str | None, config_dir: Path, cwd: Path, reports: Path) -> str | None:
    """``--history``, else $ENVMATRIX_HISTORY (both relative to where envmatrix was started), else ``[history] url``
    (relative to the config file's folder), else the reports folder's history.sqlite."""
    if option or os.environ.get(VARIABLE):
        return resolve_url(option or os.environ[VARIABLE], reports, cwd)
    return resolve_url(configured, reports, config_dir)


def check_no_password(text: str) -> None:
    """A postgresql:// URL with a password written in it (not ``${VARIABLE}``) is refused, naming no part of it."""
    if not text.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return
    url = make_url(text.replace("postgres://", "postgresql://", 1))
    if url.password and not _PASSWORD_VARIABLE.match(str(url.password)):
        raise HistoryError(f"history URL {shown(url)}: a password written in the URL; put it in an environment "
                           "variable and write ${VARIABLE} in its place (or set PGPASSWORD)")


def _postgres_url(text: str) -> str:
    """psycopg's URL; the password only from the environment: ``${VARIABLE}`` in the URL, or libpq's PGPASSWORD
    (and PGHOST, PGUSER, … when the URL leaves them out). A password written into the URL is refused."""
    check_no_password(text)
    url = make_url(text.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+psycopg")
    variable = _PASSWORD_VARIABLE.match(str(url.password)) if url.password else None
    if variable:
        secret = os.environ.get(variable.group(1))
        if secret is None:
            raise HistoryError(f"--history {shown(url)}: ${variable.group(1)} (the password) is not set")
        url = url.set(password=secret)
    return url.render_as_string(hide_password=False)


def shown(url: URL | str) -> str:
    """The store as an error or a report names it: a SQLite file's path, a server URL without its password."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return parsed.set(password=None).render_as_string()


# --- the engine, migrations and retries -----------------------------------------------------------------------

def _sqlite_engine(url: str) -> Engine:
    """WAL (readers never wait for the writer), a busy timeout, and BEGIN IMMEDIATE: a transaction that reads the
    previous run and then writes tonight's takes the write lock first, so two runs cannot interleave."""
    Path(str(make_url(url).database)).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, poolclass=sa.pool.NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # the driver's own implicit transactions off: "begin" below decides
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def open_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 10})


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("envmatrix.history") / "migrations"))
    config.attributes["connection"] = connection
    return config


def _serialise(connection: Connection) -> None:
    """PostgreSQL: writers of one history take turns (a transaction-scoped advisory lock), like SQLite's."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(2026002600)")


def migrate(connection: Connection, where: str) -> None:
    """Bring the schema to this envmatrix's head in place; a file written by a newer envmatrix is refused.

    A store already at HEAD (every run but the first after an upgrade) costs one query: Alembic is imported only
    to migrate."""
    if sa.inspect(connection).has_table("alembic_version"):
        if connection.execute(sa.select(_VERSION.c.version_num)).scalar() == HEAD:
            return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config(connection)
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_revision()
    head = script.get_current_head()
    if current == head:
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise HistoryError(f"{where}: its schema ({current}) is newer than this envmatrix knows (head {head}): "
                           "upgrade envmatrix, or point --history at another file")
    if current is None and sa.inspect(connection).get_table_names():
        tables = sorted(sa.inspect(connection).get_table_names())
        if "runs" in tables:
            raise HistoryError(f"{where}: history tables without a schema version (alembic_version missing)")
    command.upgrade(config, "head")


def _retrying(work: Callable[[], _T], where: str) -> _T:
    """SQLite's busy timeout covers most waits; a lock still held after it (or a dead-lock answer) is tried again."""
    for attempt in range(ATTEMPTS):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc.orig).lower() and "busy" not in str(exc.orig).lower() or \
                    attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A migrated store in one transaction (SQLite: holding the write lock; PostgreSQL: the writers' lock)."""
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            _serialise(connection)
            migrate(connection, shown(url))
            yield connection
    finally:
        engine.dispose()


def reason(exc: BaseException, url: str) -> str:
    """One line for a store that cannot be used: names the file/server, never a password."""
    where = shown(url)
    if isinstance(exc, HistoryError):
        text = str(exc)
        return text if text.startswith(where) else f"{where}: {text}"
    if isinstance(exc, DBAPIError) and "file is not a database" in str(exc.orig):
        return f"{where}: not a SQLite database (corrupt, or another file at that path)"
    if isinstance(exc, DBAPIError) and "malformed" in str(exc.orig):
        return f"{where}: the SQLite file is damaged ({clip(str(exc.orig), 120, fold=True)})"
    detail = exc.orig if isinstance(exc, DBAPIError) else exc
    return f"{where}: {type(detail).__name__}: {clip(str(detail).replace(where, '<store>'), 200, fold=True)}"


# --- recording a run and comparing it -------------------------------------------------------------------------

def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _previous_runs(connection: Connection, started: datetime, seq: int, envs: Iterable[str]) -> dict[str, int]:
    """Per environment, the run that checked it last before this one (by start time, then by recording order)."""
    found: dict[str, int] = {}
    for env in envs:
        row = connection.execute(
            sa.select(run_environments.c.run_seq).where(
                run_environments.c.environment == env,
                sa.or_(run_environments.c.started < started,
                       sa.and_(run_environments.c.started == started, run_environments.c.run_seq < seq)))
            .order_by(run_environments.c.started.desc(), run_environments.c.run_seq.desc()).limit(1)).first()
        if row is not None:
            found[env] = int(row[0])
    return found


def _open_in(connection: Connection, seqs: dict[str, int]) -> dict[tuple[str, str], sa.Row[Any]]:
    """The open findings of each environment's previous run, keyed (environment, fingerprint)."""
    found: dict[tuple[str, str], sa.Row[Any]] = {}
    for env, seq in seqs.items():
        rows = connection.execute(sa.select(results_table).where(
            results_table.c.run_seq == seq, results_table.c.environment == env,
            results_table.c.status.in_(OPEN)))
        for row in rows:
            found[(env, row.fingerprint)] = row
    return found


def _seen_before(connection: Connection, env: str, prints: set[str], started: datetime) -> set[str]:
    """Which of ``prints`` were open in any earlier run of ``env`` (a finding back after a fix has regressed)."""
    if not prints:
        return set()
    rows = connection.execute(
        sa.select(results_table.c.fingerprint).distinct()
        .join(run_environments, sa.and_(run_environments.c.run_seq == results_table.c.run_seq,
                                        run_environments.c.environment == results_table.c.environment))
        .where(results_table.c.environment == env, results_table.c.fingerprint.in_(sorted(prints)),
               results_table.c.status.in_(OPEN), run_environments.c.started < started))
    return {row[0] for row in rows}


@dataclass
class _Tonight:
    """This run's results with their fingerprints, and the states the comparison gives them."""

    meta: RunMeta
    results: list[tuple[str, CheckResult]]

    def open(self, env: str) -> dict[str, CheckResult]:
        return {fp: r for fp, r in self.results if r.environment == env and r.status in OPEN}

    def checks(self, env: str) -> set[tuple[str, str]]:
        return {(r.layer, r.check_id) for _fp, r in self.results if r.environment == env}

    def environments(self) -> list[str]:
        envs = list(dict.fromkeys([*self.meta.environments, *(r.environment for _fp, r in self.results)]))
        return sorted(envs)


def _states(connection: Connection, tonight: _Tonight, seq: int) -> tuple[HistoryView, dict[str, datetime]]:
    started = _naive(tonight.meta.started)
    previous = _previous_runs(connection, started, seq, tonight.environments())
    before = _open_in(connection, previous)
    findings: dict[str, FindingState] = {}
    fixed: list[FindingState] = []
    first_seen: dict[str, datetime] = {}
    for env in tonight.environments():
        now_open = tonight.open(env)
        earlier = _seen_before(connection, env, {fp for fp in now_open if (env, fp) not in before}, started)
        for fp, result in now_open.items():
            prior = before.get((env, fp))
            if prior is not None:
                state, since = "unchanged", prior.first_seen or started
            else:
                state, since = ("regressed" if fp in earlier else "new"), started
            first_seen[fp] = since
            findings[fp] = FindingState(fp, env, result.check_id, state, _aware(since),  # type: ignore[arg-type]
                                        _days(since, started), clip(result.message, MESSAGE_LIMIT, fold=True))
        ran = tonight.checks(env)
        for (prior_env, fp), row in before.items():
            if prior_env == env and fp not in now_open and (row.layer, row.check_id) in ran:
                fixed.append(FindingState(fp, env, row.check_id, "fixed", _aware(row.first_seen or started),
                                          _days(row.first_seen or started, started), row.message))
    prior_times = [t for t in (_started_of(connection, s) for s in set(previous.values())) if t is not None]
    view = HistoryView(previous_run=_aware(max(prior_times)) if prior_times else None, findings=findings,
                       fixed=fixed, trend=_trend(connection, tonight.environments(), started, seq))
    return view, first_seen


def _days(since: datetime, now: datetime) -> float:
    return round(max((now - since).total_seconds(), 0.0) / 86400, 2)


def _started_of(connection: Connection, seq: int) -> datetime | None:
    return connection.execute(sa.select(runs.c.started).where(runs.c.seq == seq)).scalar()


def _trend(connection: Connection, envs: Sequence[str], started: datetime, seq: int) -> dict[str, list[RunPoint]]:
    """Each environment's last TREND_RUNS runs up to and including this one, oldest first."""
    trend: dict[str, list[RunPoint]] = {}
    for env in envs:
        rows = connection.execute(
            sa.select(run_environments).where(
                run_environments.c.environment == env,
                sa.or_(run_environments.c.started < started,
                       sa.and_(run_environments.c.started == started, run_environments.c.run_seq <= seq)))
            .order_by(run_environments.c.started.desc(), run_environments.c.run_seq.desc()).limit(TREND_RUNS)).all()
        trend[env] = [RunPoint(_aware(r.started), r.passed, r.failed, r.waived, r.gate) for r in reversed(rows)]
    return trend


def _counts(tonight: _Tonight) -> dict[str, list[int]]:
    """Per environment: passed, failed (errors too: a check that could not run is red), waived."""
    counts: dict[str, list[int]] = {env: [0, 0, 0] for env in tonight.environments()}
    for _fp, result in tonight.results:
        column = {"pass": 0, "fail": 1, "error": 1, "waived": 2}.get(result.status)
        if column is not None:
            counts[result.environment][column] += 1
    return counts


def _insert_run(connection: Connection, tonight: _Tonight) -> int:
    """The run and its environments' counts (the trend reads them, this run's included)."""
    meta = tonight.meta
    started = _naive(meta.started)
    inserted = connection.execute(runs.insert().values(
        run_id=meta.run_id, started=started, spec_digest=meta.spec_digest, target=clip(meta.target, 2000),
        account=meta.account, region=meta.region, suite_version=meta.suite_version)).inserted_primary_key
    assert inserted is not None
    seq = int(inserted[0])
    connection.execute(run_environments.insert(), [
        {"run_seq": seq, "environment": env, "started": started, "passed": passed, "failed": failed,
         "waived": waived, "gate": meta.gate.get(env)}
        for env, (passed, failed, waived) in _counts(tonight).items()])
    return seq


def _clipped(text: str) -> str:
    return clip(text, MESSAGE_LIMIT, fold=True) if text else ""


def _insert_results(connection: Connection, tonight: _Tonight, seq: int, first_seen: dict[str, datetime]) -> None:
    """Every result, an open finding with the start of its open stretch (the next run carries it on)."""
    rows = [{"run_seq": seq, "fingerprint": fp, "environment": result.environment, "layer": result.layer,
             "check_id": result.check_id, "status": result.status,
             "message": _clipped(result.message), "location": result.location, "waiver": _clipped(result.waiver),
             "first_seen": first_seen.get(fp) if result.status in OPEN else None}
            for fp, result in tonight.results]
    if rows:
        connection.execute(results_table.insert(), rows)


def record(connection: Connection, results: Sequence[CheckResult], meta: RunMeta) -> HistoryView:
    """Record the run (once: a run id already recorded is only compared) and compare it with the past."""
    tonight = _Tonight(meta, [(fingerprint(r), r) for r in results if r.status != "skipped"])
    known = connection.execute(sa.select(runs.c.seq).where(runs.c.run_id == meta.run_id)).scalar()
    if known is not None:
        return _states(connection, tonight, int(known))[0]
    seq = _insert_run(connection, tonight)
    view, first_seen = _states(connection, tonight, seq)
    _insert_results(connection, tonight, seq, first_seen)
    return view


def record_and_compare(url: str | None, results: Sequence[CheckResult], meta: RunMeta) -> HistoryView:
    """Tonight's results recorded and compared; ``HistoryView.unavailable(reason)`` when the store is off or
    cannot be used (the reports are written all the same)."""
    if url is None:
        return HistoryView.unavailable("history off (--history off)")

    def work() -> HistoryView:
        with connected(url) as connection:
            return record(connection, results, meta)

    try:
        return _retrying(work, shown(url))
    except (SQLAlchemyError, HistoryError, OSError) as exc:
        return HistoryView.unavailable(reason(exc, url))
    except Exception as exc:  # noqa: BLE001 - e.g. a migration's own error: history never costs tonight's reports
        return HistoryView.unavailable(reason(exc, url))


# --- reading it back (the CLI) --------------------------------------------------------------------------------

def open_findings(connection: Connection) -> list[dict[str, Any]]:
    """Each environment's open findings in its latest run, oldest first (one indexed read per environment)."""
    found = []
    envs = connection.execute(sa.select(run_environments.c.environment).distinct()).scalars().all()
    for env in envs:
        latest = connection.execute(
            sa.select(run_environments.c.run_seq, run_environments.c.started)
            .where(run_environments.c.environment == env)
            .order_by(run_environments.c.started.desc(), run_environments.c.run_seq.desc()).limit(1)).first()
        assert latest is not None
        rows = connection.execute(sa.select(results_table).where(
            results_table.c.run_seq == latest.run_seq, results_table.c.environment == env,
            results_table.c.status.in_(OPEN)))
        for row in rows:
            since = row.first_seen or latest.started
            found.append({"fingerprint": row.fingerprint, "environment": row.environment, "layer": row.layer,
                          "check_id": row.check_id, "status": row.status, "first_seen": _aware(since).isoformat(),
                          "days_open": _days(since, latest.started), "message": row.message,
                          "location": row.location, "waiver": row.waiver})
    return sorted(found, key=lambda item: (item["first_seen"], item["environment"], item["check_id"]))


def timeline(connection: Connection, print_: str) -> list[dict[str, Any]]:
    """A finding's runs: every run of its environment since it was first recorded, with its status in each
    ("pass" when the run checked the environment and the finding was not open)."""
    first = connection.execute(
        sa.select(results_table.c.environment, sa.func.min(run_environments.c.started))
        .join(run_environments, sa.and_(run_environments.c.run_seq == results_table.c.run_seq,
                                        run_environments.c.environment == results_table.c.environment))
        .where(results_table.c.fingerprint == print_).group_by(results_table.c.environment)).first()
    if first is None:
        return []
    env, since = first
    own = {row.run_seq: row for row in connection.execute(
        sa.select(results_table).where(results_table.c.fingerprint == print_, results_table.c.environment == env))}
    points = []
    for run in connection.execute(
            sa.select(run_environments.c.run_seq, run_environments.c.started, runs.c.run_id)
            .join(runs, runs.c.seq == run_environments.c.run_seq)
            .where(run_environments.c.environment == env, run_environments.c.started >= since)
            .order_by(run_environments.c.started, run_environments.c.run_seq)):
        row = own.get(run.run_seq)
        status = row.status if row is not None and row.status in OPEN else "pass"
        points.append({"run_id": run.run_id, "started": _aware(run.started).isoformat(), "environment": env,
                       "check_id": row.check_id if row is not None else "", "status": status,
                       "message": row.message if row is not None and status != "pass" else ""})
    return points


EXPORT_COLUMNS = ("run_id", "started", "environment", "layer", "check_id", "status", "fingerprint", "first_seen",
                  "message", "location", "waiver", "spec_digest", "target", "account", "region")


def export_rows(connection: Connection) -> Iterator[dict[str, Any]]:
    query = (sa.select(runs.c.run_id, runs.c.started, runs.c.spec_digest, runs.c.target, runs.c.account,
                       runs.c.region, results_table)
             .join(runs, runs.c.seq == results_table.c.run_seq)
             .order_by(runs.c.started, runs.c.seq, results_table.c.id))
    for row in connection.execute(query):
        record_ = {name: getattr(row, name) for name in EXPORT_COLUMNS}
        for key in ("started", "first_seen"):
            record_[key] = _aware(record_[key]).isoformat() if record_[key] is not None else ""
        yield record_


def prune(connection: Connection, keep: timedelta, now: datetime | None = None) -> int:
    """Delete the runs that started before now - keep (their results with them); the number of runs deleted."""
    cutoff = _naive(now or datetime.now(UTC)) - keep
    old = [row[0] for row in connection.execute(sa.select(runs.c.seq).where(runs.c.started < cutoff))]
    if old:
        connection.execute(results_table.delete().where(results_table.c.run_seq.in_(old)))
        connection.execute(run_environments.delete().where(run_environments.c.run_seq.in_(old)))
        connection.execute(runs.delete().where(runs.c.seq.in_(old)))
    return len(old)


def parse_keep(text: str) -> timedelta:
    """``90d`` / ``12w``: how much history ``prune --keep`` leaves."""
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", text)
    if not match or int(match.group(1)) == 0:
        raise HistoryError(f"--keep {text!r}: expected a number of days or weeks, e.g. 90d or 12w")
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
    return timedelta(days=days)
