"""--wait-healthy: the smoke layer waits for a rollout, and fails every check with what it saw when it never came."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import yaml

from envmatrix.context import Suite
from envmatrix.errors import UsageError
from envmatrix.http.client import SmokePaths
from envmatrix.http.settings import ServiceTarget
from envmatrix.http.wait import MAX_DELAY, RolloutNotReady, parse_wait, wait_healthy, wait_seconds
from envmatrix.sandbox.services import RunningServices, ServiceFault, start_services
from tests.smoke.test_smoke_faults import ROOT, run_smoke, suite  # noqa: F401  (suite: the fixture start_services needs)

OLD, NEW = "v1.0.0", "v1.1.0"


@pytest.mark.parametrize(("raw", "seconds"), [("30", 30.0), ("2.5", 2.5), ("0", None), ("", None)])
def test_parse_wait_accepts_seconds_and_zero_means_off(raw: str, seconds: float | None) -> None:
    assert parse_wait(raw) == seconds


@pytest.mark.parametrize("raw", ["soon", "-1", "inf", "nan"])
def test_parse_wait_refuses_what_is_not_a_duration(raw: str) -> None:
    with pytest.raises(UsageError, match="--wait-healthy"):
        parse_wait(raw)


def test_option_wins_over_the_variable_which_wins_over_off() -> None:
    assert wait_seconds("5", {"ENVMATRIX_WAIT_HEALTHY": "60"}) == 5.0
    assert wait_seconds(None, {"ENVMATRIX_WAIT_HEALTHY": "60"}) == 60.0
    assert wait_seconds(None, {}) is None
    with pytest.raises(UsageError, match=r"\$ENVMATRIX_WAIT_HEALTHY"):
        wait_seconds(None, {"ENVMATRIX_WAIT_HEALTHY": "ten"})


@dataclass
class ScriptedClient:
    """Answers /health polls from a script (the last answer repeats); a string is a connection failure."""

    answers: list[httpx.Response | str]
    target: ServiceTarget = field(default_factory=lambda: ServiceTarget(
        env="production", base_url="https://app.example.com", source="test", resolve={}, ca_bundle=None,
        ca_source="test", smoke_account=None, basic_auth=None, expect_version=NEW, allow_user_creation=False))
    paths: SmokePaths = field(default_factory=SmokePaths)
    polls: int = 0

    def url(self, path: str) -> str:
        return f"{self.target.base_url}{path}"

    def probe(self, path: str) -> httpx.Response | str:
        self.polls += 1
        return self.answers[min(self.polls - 1, len(self.answers) - 1)]


def health(version: str, status: int = 200, environment: str = "production") -> httpx.Response:
    return httpx.Response(status, json={"status": "ok", "environment": environment, "version": version})


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waits_through_refusals_warm_up_and_the_old_release_then_returns() -> None:
    client = ScriptedClient(["production: ConnectError: refused", health(OLD, 503), health(OLD),
                             health(NEW, environment="staging"), health(NEW)])
    fake = FakeTime()
    took = wait_healthy(client, "production", NEW, 60, clock=fake.clock, sleep=fake.sleep)  # type: ignore[arg-type]
    assert client.polls == 5 and took == sum(fake.sleeps)
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_bounded_and_the_deadline_is_kept() -> None:
    client = ScriptedClient([health(OLD)])
    fake = FakeTime()
    with pytest.raises(RolloutNotReady) as raised:
        wait_healthy(client, "production", NEW, 30, clock=fake.clock, sleep=fake.sleep)  # type: ignore[arg-type]
    assert max(fake.sleeps) == MAX_DELAY and fake.now == 30
    assert str(raised.value) == (
        "production: rollout not ready after 30.0s (--wait-healthy 30): GET https://app.example.com/health "
        "last answered HTTP 200, environment 'production', version 'v1.0.0'; "
        "waited for 200, environment 'production', version 'v1.1.0'")


def test_without_an_expected_version_any_release_of_the_right_environment_will_do() -> None:
    fake = FakeTime()
    client = ScriptedClient([health(OLD, 502), health(OLD)])
    assert wait_healthy(client, "production", None, 10, clock=fake.clock, sleep=fake.sleep) == 0.5  # type: ignore[arg-type]


def test_a_service_that_never_answers_says_why() -> None:
    fake = FakeTime()
    client = ScriptedClient(["production: service at https://app.example.com/health is unavailable: ConnectError"])
    with pytest.raises(RolloutNotReady, match=r"after 3\.0s .* last answered production: service at .*ConnectError"):
        wait_healthy(client, "production", NEW, 3, clock=fake.clock, sleep=fake.sleep)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def old_release(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServices]:  # noqa: F811
    faults = {"production": ServiceFault(version=OLD)}
    with start_services(suite, tmp_path_factory.mktemp("rollout"), faults=faults, envs=["production"]) as running:
        yield running


class Rollout:
    """The release /health reports: the old one for the first ``after`` answers, then the new one."""

    def __init__(self, after: int) -> None:
        self.after, self.answers = after, 0
        self.lock = threading.Lock()

    def __str__(self) -> str:
        with self.lock:
            self.answers += 1
            return OLD if self.answers <= self.after else NEW


def test_smoke_waits_for_the_new_release_switched_mid_wait(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                           old_release: RunningServices) -> None:
    rollout = Rollout(after=3)
    old_release.servers["production"].app.state.version = rollout  # read through str() by /health
    try:
        failed, output = run_smoke(pytester, monkeypatch, old_release.env_vars, "--env=production",
                                   f"--expect-version={NEW}", "--wait-healthy=30")
    finally:
        old_release.set_version("production", OLD)
    assert failed == {}, output
    assert rollout.answers > 4  # three polls saw the old release, one the new, then the checks ran
    assert "waiting up to 30s for /health" in output
    assert "test_smoke_health[production] PASSED" in output


def test_without_the_wait_the_old_release_fails_only_the_health_check(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, old_release: RunningServices) -> None:
    old_release.set_version("production", OLD)
    failed, output = run_smoke(pytester, monkeypatch, old_release.env_vars, "--env=production",
                               f"--expect-version={NEW}")
    assert list(failed) == ["test_smoke_health[production]"], output
    assert f"version: expected {NEW}, got {OLD}" in failed["test_smoke_health[production]"]


def test_every_smoke_check_fails_with_what_was_seen_when_the_release_never_comes(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, old_release: RunningServices) -> None:
    old_release.set_version("production", OLD)
    monkeypatch.setenv("ENVMATRIX_WAIT_HEALTHY", "1.5")
    failed, output = run_smoke(pytester, monkeypatch, old_release.env_vars, "--env=production",
                               f"--expect-version={NEW}")
    assert "test_smoke_health[production]" in failed and len(failed) >= 5, output
    for message in failed.values():
        assert "production: rollout not ready after 1.5s (--wait-healthy 1.5): GET https://" in message, message
        assert f"last answered HTTP 200, environment 'production', version '{OLD}'" in message


def test_post_release_workflow_and_make_smoke_wait_for_the_rollout() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "post-release-smoke.yml").read_text())
    step = next(s for s in workflow["jobs"]["smoke"]["steps"] if s.get("run") == "tox -e smoke")
    assert step["env"]["ENVMATRIX_WAIT_HEALTHY"] == "${{ vars.ENVMATRIX_WAIT_HEALTHY || '600' }}"
    assert workflow["jobs"]["smoke"]["timeout-minutes"] * 60 > 600
    done = subprocess.run(["make", "-n", "smoke", "VERSION=v1.2.3", "WAIT_HEALTHY=600"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert "--expect-version=v1.2.3 --wait-healthy=600" in done.stdout, done.stdout + done.stderr
