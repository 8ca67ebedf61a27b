"""Unit tests of the live layer's pure parts: names, secret references, redaction, reasons, the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from envmatrix.aws import store as store_module
from envmatrix.aws.rds import RdsInventory
from envmatrix.aws.reading import reason_of
from envmatrix.aws.snapshot import Snapshot
from envmatrix.aws.store import SnapshotStore
from envmatrix.config import ProjectConfig
from envmatrix.context import Environment, Sources
from envmatrix.errors import ConfigError, EnvmatrixError, InventoryUnavailable
from envmatrix.names import names_for, secret_reference
from envmatrix.scrub import scrub
from tests.live.conftest import repo_suite


def test_default_names_follow_design() -> None:
    names = names_for("staging")
    assert (names.db, names.cache, names.cluster) == ("staging-taskmanager-db", "staging-taskmanager-cache",
                                                       "staging-taskmanager")
    assert names.scalable_target("worker") == "service/staging-taskmanager/worker"
    assert names.security_group("db") == "staging-taskmanager-db-sg"
    assert names.log_group("api") == "/ecs/staging-taskmanager-api"


def test_names_overridable_and_unknown_keys_rejected() -> None:
    assert names_for("dev", {"db": "legacy-{env}-postgres"}).db == "legacy-dev-postgres"
    with pytest.raises(ConfigError, match=r"environments.dev.names.database: unknown key; valid keys: db, cache"):
        names_for("dev", {"database": "x"})


@pytest.mark.parametrize(("variable", "expected"), [
    ("DATABASE_URL", ("database-url", None)),
    ("JWT_SECRET_KEY", ("jwt-secret", None)),
    ("OAUTH_GOOGLE_CLIENT_ID", ("oauth-google", "client_id")),
    ("OAUTH_GITHUB_CLIENT_SECRET", ("oauth-github", "client_secret")),
    ("SENTRY_DSN", ("sentry-dsn", None)),
])
def test_secret_reference(variable: str, expected: tuple[str, str | None]) -> None:
    assert secret_reference(variable) == expected


def test_scrub_removes_url_credentials() -> None:
    data = {"environment": {"DATABASE_URL": "postgresql://admin:hunter22@db:5432/x"}, "n": [1, "redis://:pw1234@c"]}
    text = repr(scrub(data))
    assert "hunter22" not in text and "pw1234" not in text


@pytest.mark.parametrize(("error", "fragment"), [
    (NoCredentialsError(), "no AWS credentials found"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "endpoint unreachable"),
    (ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"},
                  "ResponseMetadata": {"HTTPStatusCode": 403}}, "DescribeDBInstances"), "access denied: AccessDenied"),
])
def test_reason_of(error: Exception, fragment: str) -> None:
    assert fragment in reason_of(error)


def test_unavailable_section_raises_its_reason() -> None:
    snapshot = Snapshot(run_id="r", environment="dev", taken_at="t", seconds=0, api_calls=0, names={},
                        unavailable={"rds": ("RDS instance dev-taskmanager-db", "access denied: AccessDenied")})
    with pytest.raises(InventoryUnavailable, match="dev: cannot read RDS instance dev-taskmanager-db: access denied"):
        snapshot.section(RdsInventory)


def test_a_section_missing_from_the_snapshot_is_unavailable_never_none() -> None:
    snapshot = Snapshot(run_id="r", environment="dev", taken_at="t", seconds=0, api_calls=0, names={})
    with pytest.raises(InventoryUnavailable, match="dev: cannot read rds: not in the snapshot"):
        snapshot.section(RdsInventory)


def test_store_reuses_the_runs_file_without_calling_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = repo_suite(tmp_path)
    taken: list[str] = []

    def fake_take(self: SnapshotStore, env: str) -> Snapshot:
        taken.append(env)
        return Snapshot(run_id=self.run_id, environment=env, taken_at="t", seconds=0, api_calls=0, names={})

    monkeypatch.setattr(store_module.SnapshotStore, "_take", fake_take)
    SnapshotStore(suite, ProjectConfig(), "run-1").get("dev")
    SnapshotStore(suite, ProjectConfig(), "run-1").get("dev")  # another worker of the same run
    SnapshotStore(suite, ProjectConfig(), "run-2").get("dev")  # the next run fetches again
    # The first call takes every selected environment side by side, once per run.
    assert sorted(taken) == sorted(suite.selected * 2)
    assert (tmp_path / "snapshots" / "dev.json").exists()


_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/production/jwt-secret-AbCdEf"


@pytest.mark.parametrize(("value_from", "found"), [
    (_ARN, "jwt-secret"),
    (f"{_ARN}:client_id::", "jwt-secret"),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/production/jwt-secret", "jwt-secret"),
    ("taskmanager/production/jwt-secret", "jwt-secret"),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/production/jwt-secret-old-XyZ123", None),
    ("taskmanager/production/jwt-secret-old", None),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/staging/jwt-secret-AbCdEf", None),
])
def test_secret_by_arn_matches_exactly(value_from: str, found: str | None) -> None:
    from envmatrix.aws.secrets import Secret, SecretsInventory

    secret = Secret(name="taskmanager/production/jwt-secret", arn=_ARN, rotation_enabled=False, rotation_days=None,
                    kms_key_id=None, tags={})
    match = SecretsInventory(secrets={"jwt-secret": secret}).by_arn(value_from)
    assert (match.name.rsplit("/", 1)[-1] if match else None) == found


@pytest.mark.parametrize(("raw", "enabled"), [({"ActionsEnabled": True}, True), ({"ActionsEnabled": False}, False),
                                              ({}, False)])
def test_alarm_actions_enabled_only_when_aws_says_so(raw: dict[str, bool], enabled: bool) -> None:
    from types import SimpleNamespace

    from envmatrix.aws import alarms

    alarm = {"AlarmName": "production-taskmanager-db-cpu-high", "AlarmArn": "arn:alarm", **raw,
             "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:alerts"]}
    cloudwatch = SimpleNamespace(
        get_paginator=lambda _name: SimpleNamespace(paginate=lambda **_kw: [{"MetricAlarms": [alarm]}]),
        list_tags_for_resource=lambda **_kw: {"Tags": []})
    target = SimpleNamespace(env="production", wants=SimpleNamespace(alarms=True),
                             names=names_for("production"),
                             clients=SimpleNamespace(client=lambda _s: cloudwatch, region="us-east-1"))
    assert alarms.fetch(target).alarms[0].actions_enabled is enabled  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("want", "got", "same"),
    [(True, "true", True), (True, "True", True), (False, "FALSE", True), (True, "yes", True), (False, "0", True),
     (True, "maybe", False), ("production", "production", True), ("production", "Production", False),
     ("HS256", "hs256", False), (15, "15", True), (15, " 15 ", True), (15, None, False)],
)
def test_live_variables_compare_as_the_application_reads_them(want: object, got: str | None, same: bool) -> None:
    """The live checks' comparison is pydantic-settings' own reading of the variable (``yes`` and ``0`` are booleans
    to it; a text keeps its case), through the same AppSettings the checks use."""
    from envmatrix.appsettings import AppSettings
    from envmatrix.spec import load_spec

    settings = AppSettings.of(load_spec(Path(__file__).resolve().parents[2] / "fixtures" / "matrix.yaml"), "production")
    found = settings.find("SOME_SETTING", {} if got is None else {"SOME_SETTING": got}, None, like=want)
    assert found.agrees(want) is same


@pytest.mark.parametrize("kind", ["live", "http", "github", "document"])
def test_a_source_the_run_lacks_fails_closed_naming_it(tmp_path: Path, kind: str) -> None:
    env = Environment(repo_suite(tmp_path), "dev", None)
    with pytest.raises(EnvmatrixError, match=f"^dev: no {kind} source is configured for this run$"):
        getattr(env, kind)


def test_a_configured_source_is_read_for_the_environment(tmp_path: Path) -> None:
    suite = repo_suite(tmp_path)
    seen: list[str] = []
    snapshot = Snapshot(run_id="r", environment="dev", taken_at="t", seconds=0, api_calls=0, names={})
    suite.sources = Sources(live=lambda env: seen.append(env) or snapshot)
    env = Environment(suite, "dev", None)
    assert env.live is snapshot and env.live is snapshot and seen == ["dev"]  # read once per check


def test_once_forgets_inside_its_own_critical_section() -> None:
    """A lifetime collected while ``Once.get`` holds the lock (the collector runs at any allocation) runs its
    finalizer in that same thread: it must not wait on the lock its own thread holds."""
    import gc
    import threading as _threading

    from envmatrix.aws.reading import Once

    class Lifetime:
        pass

    once, alive = Once(), Lifetime()
    dead: Lifetime | None = Lifetime()
    assert once.get("old", lambda: 1, dead) == 1

    def collect_while_holding() -> None:
        nonlocal dead
        with once._lock:  # as get() holds it while it makes its Future
            dead = None
            gc.collect()  # the finalizer of "old" runs here, in this thread

    worker = _threading.Thread(target=collect_while_holding, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "Once._forget waited on the lock its own thread holds"
    assert once.get("old", lambda: 2, alive) == 2  # forgotten with its lifetime: asked again
