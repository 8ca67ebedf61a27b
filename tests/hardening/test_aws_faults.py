"""AWS faults: a silent or failing endpoint fails the live checks within a bound; throttling is retried."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from envmatrix.aws.session import client_config, make_session
from envmatrix.config import AwsConfig, EnvConfig
from tests.conftest import Project

# The approval checks read GitHub, not AWS: pointed at the stand-in, they stay out of this AWS-only verdict.
pytestmark = pytest.mark.usefixtures("github_env")

# Tight but ordinary settings (envmatrix.toml [aws]) so the bound is quick to prove; the bound scales with them.
AWS_TOML = "[aws]\nmax_attempts = 2\nconnect_timeout = 2\nread_timeout = 2\n"
BOUND_SECONDS = 45.0  # whole run, three environments, every live check, on 2 busy cores (measured: 22 s)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline",
                        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/envmatrix",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/envmatrix", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch, offline: None) -> Iterator[str]:
    """Accepts connections and never answers: the slowest way for AWS to be unreachable."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield url
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


class _Failing(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><h1>500 Internal Server Error</h1> not XML, not JSON</html>"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = _answer

    def log_message(self, *_: Any) -> None:
        return None


class _Backlogged(ThreadingHTTPServer):
    """The live layer reads every section of every environment at once: the default listen backlog (5) overflows
    on a busy machine, and a refused connection reads as ConnectionClosedError instead of the 500 under test."""

    request_queue_size = 256


@pytest.fixture
def failing_endpoint(monkeypatch: pytest.MonkeyPatch, offline: None) -> Iterator[str]:
    server = _Backlogged(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield url
    server.shutdown()
    server.server_close()


def _run_all(project: Project, reason: str) -> tuple[float, dict[str, str]]:
    (project.path / "envmatrix.toml").write_text(AWS_TOML)
    started = time.monotonic()
    outcome = project.run("--env=all", "-m", "declared or live", "-q", "--no-allure")
    elapsed = time.monotonic() - started
    live = dict(outcome.failed)
    assert outcome.returncode == 1, outcome.output[-3000:]
    assert len(live) > 60, sorted(live)  # every live check of every environment failed ...
    assert len(outcome.passed) > 90  # ... while the declared layer ran and passed
    print(f"{reason or 'HTTP 500'}: {len(live)} live checks failed in {elapsed:.1f} s")  # the measured bound
    for key, text in live.items():
        env = key.rsplit("[", 1)[1].rstrip("]")
        first = text.strip().splitlines()[0]
        assert first.startswith(f"{env}: cannot read ") and reason in first, (key, text[:500])
        assert "Traceback" not in text
    return elapsed, live


def test_silent_endpoint_fails_every_live_check_within_the_bound(project: Project, silent_endpoint: str) -> None:
    elapsed, _live = _run_all(project, "did not answer in time")
    assert elapsed < BOUND_SECONDS, f"a silent endpoint held the run for {elapsed:.1f} s"


def test_endpoint_answering_500_fails_with_the_status(project: Project, failing_endpoint: str) -> None:
    elapsed, live = _run_all(project, "")
    assert elapsed < BOUND_SECONDS, f"an endpoint answering 500 held the run for {elapsed:.1f} s"
    unnamed = {check: text.splitlines()[0] for check, text in live.items()
               if not ("500" in text.splitlines()[0] or "Unable to parse" in text)}
    assert live and not unnamed, unnamed  # every live failure names the status (only the offenders are shown)


def test_throttling_is_retried_then_succeeds(offline: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two throttled answers, then a good one: the suite's client (standard retry mode) gets the good one."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached: answers are injected
    session = make_session("production", EnvConfig(), AwsConfig(max_attempts=3), "us-east-1")
    client = session.client("rds", config=client_config(AwsConfig(max_attempts=3), "us-east-1"))
    answers = [_xml(400, b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
                         b"</ErrorResponse>")] * 2 + [_xml(200, _DB_OK)]
    seen: list[float] = []

    def inject(**_: Any) -> AWSResponse:
        seen.append(time.monotonic())
        return answers[len(seen) - 1]

    client.meta.events.register("before-send.rds.DescribeDBInstances", inject)
    found = client.describe_db_instances(DBInstanceIdentifier="production-taskmanager-db")["DBInstances"]
    assert [db["DBInstanceIdentifier"] for db in found] == ["production-taskmanager-db"]
    assert len(seen) == 3
    assert seen[2] - seen[0] < 10  # backoff, bounded


def test_throttling_beyond_the_attempts_is_a_clear_failure(offline: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from envmatrix.aws.reading import reading
    from envmatrix.errors import InventoryUnavailable

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    session = make_session("production", EnvConfig(), AwsConfig(max_attempts=2), "us-east-1")
    client = session.client("rds", config=client_config(AwsConfig(max_attempts=2), "us-east-1"))
    throttled = b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"
    calls: list[int] = []

    def inject(**_: Any) -> AWSResponse:
        calls.append(1)
        return _xml(400, throttled)

    client.meta.events.register("before-send.rds.DescribeDBInstances", inject)
    with pytest.raises(InventoryUnavailable) as caught, reading("production", "rds production-taskmanager-db"):
        client.describe_db_instances()
    assert 2 <= len(calls) <= 3  # bounded retries, then the error
    assert str(caught.value) == ("production: cannot read rds production-taskmanager-db: throttled: "
                                 f"rds:DescribeDBInstances answered Throttling (Rate exceeded) to all {len(calls)} "
                                 "attempts ([aws] max_attempts; the request rate is [aws] max_rate)")


_DB_OK = (b'<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult>'
          b"<DBInstances><DBInstance><DBInstanceIdentifier>production-taskmanager-db</DBInstanceIdentifier>"
          b"</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def _xml(status: int, body: bytes) -> AWSResponse:
    return AWSResponse("http://127.0.0.1:9/", status, {"Content-Type": "text/xml"}, _Raw(body))
