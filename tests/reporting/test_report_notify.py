"""--notify-webhook: after a drift run the team gets a short, redacted summary on a loopback HTTPS receiver."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from envmatrix.redact import register_secret
from envmatrix.reporting import notify
from envmatrix.reporting.results import CheckResult
from envmatrix.verdict import Evidence

from .conftest import ROOT, ReportProject
from .test_report_jobs import _runs, _workflow, tox_command

SECRET_PATH = "/services/T0ENVMATRIX/B0NOTIFY/x9Secret0Webhook0Token"
VARIABLE = "ENVMATRIX_TEST_SLACK_WEBHOOK"


class Receiver:
    """A Slack-compatible incoming webhook on 127.0.0.1 behind HTTPS (a CA made for the test)."""

    def __init__(self, tmp_path: Path) -> None:
        ca = trustme.CA()
        self.ca_file = tmp_path / "receiver-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.posts: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.posts.append({"path": self.path, "body": json.loads(body)})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def environ(self, **extra: str) -> dict[str, str]:
        return {VARIABLE: self.url, "ENVMATRIX_CA_BUNDLE": str(self.ca_file), **extra}

    def texts(self) -> list[str]:
        return [post["body"]["text"] for post in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    server = Receiver(tmp_path)
    yield server
    server.close()


def result(env: str, check: str, status: str = "pass", message: str = "") -> CheckResult:
    return CheckResult(nodeid=f"x::{check}[{env}]", check_id=check, environment=env, layer="live", area="a",
                       row="r", severity="high", status=status, message=message)  # type: ignore[arg-type]


CHANGES = {"notes": [], "count": 2, "items": [
    {"environment": "production", "change": "changed", "path": "rds.primary.BackupRetentionPeriod",
     "before": "30", "after": "7", "kind": "setting"},
    {"environment": "staging", "change": "changed", "path": "ecs.services[api].taskDefinitionArn",
     "before": "arn:aws:ecs:...:1", "after": "arn:aws:ecs:...:2", "kind": "identifier"}]}
NO_CHANGES: dict[str, Any] = {"notes": [], "count": 0, "items": []}


def send(receiver: Receiver, results: list[CheckResult], changes: dict[str, Any] | None, *,
         always: bool = False, previous: Path | None = None, **environ: str) -> str:
    return notify.send(notify.Request(VARIABLE, always, previous), results, changes, ["dev", "production"],
                       Path("reports"), receiver.environ(**environ))


def test_the_summary_has_verdict_new_failures_changed_settings_and_the_report(
        receiver: Receiver, tmp_path: Path) -> None:
    previous = tmp_path / "matrix.json"
    previous.write_text(json.dumps({"results": [
        {"environment": "dev", "check_id": "OLD-FINDING", "status": "fail"},
        {"environment": "dev", "check_id": "FIXED-FINDING", "status": "fail"}]}))
    results = [result("production", "DB-BACKUP-RETENTION", "fail",
                      "production DB-BACKUP-RETENTION rds.BackupRetentionPeriod: expected 30, got 7"),
               result("dev", "OLD-FINDING", "fail", "dev OLD-FINDING x.y: expected 1, got 2"),
               result("dev", "LOG-RETENTION"), result("dev", "WAIVED", "waived")]
    line = send(receiver, results, CHANGES, previous=previous, GITHUB_SERVER_URL="https://github.com",
                GITHUB_REPOSITORY="owner/taskmanager", GITHUB_RUN_ID="42")
    assert line == f"envmatrix: notified the webhook in ${VARIABLE}"
    assert receiver.posts[0]["path"] == SECRET_PATH
    assert receiver.texts() == ["\n".join([
        "*envmatrix drift: FAIL* — 4 checks, 2 failed, 0 could not run, 1 waived (dev, production)",
        "New failures since the previous run (1):",
        "• production DB-BACKUP-RETENTION: production DB-BACKUP-RETENTION rds.BackupRetentionPeriod: "
        "expected 30, got 7",
        "Still failing since the previous run: 1",
        "Fixed since the previous run: 1",
        "Changed settings since the previous run (1):",
        "• production changed rds.primary.BackupRetentionPeriod: 30 -&gt; 7",
        "Re-created resources (changed identifiers): 1",
        "Report: https://github.com/owner/taskmanager/actions/runs/42 (artifact drift-reports-42)"])]


def test_slack_control_characters_are_escaped(receiver: Receiver) -> None:
    send(receiver, [result("dev", "A", "fail", "dev A x.y: expected <!channel> & co, got <missing>")], None)
    assert "• dev A: dev A x.y: expected &lt;!channel&gt; &amp; co, got &lt;missing&gt;" in receiver.texts()[0]


def test_without_previous_results_every_failure_is_listed_and_says_why(receiver: Receiver) -> None:
    send(receiver, [result("dev", "A", "fail", "dev A x.y: expected 1, got 2")], NO_CHANGES)
    assert "Failures (no previous results given) (1):\n• dev A: dev A x.y: expected 1, got 2" in receiver.texts()[0]
    assert receiver.texts()[0].endswith("Report: reports/matrix.html")


def test_secrets_are_redacted_and_the_webhook_url_is_never_shown(receiver: Receiver) -> None:
    register_secret("hunter2-smoke-password")
    message = ("dev APP-X env.DATABASE_URL: expected from secrets manager, got "
               "postgresql://app:pg-Pa55word@db:5432/tasks; password hunter2-smoke-password; "
               f"posted to {receiver.url}")
    line = send(receiver, [result("dev", "APP-X", "fail", message)], NO_CHANGES)
    text = receiver.texts()[0]
    for secret in ("pg-Pa55word", "hunter2-smoke-password", "x9Secret0Webhook0Token", SECRET_PATH):
        assert secret not in text and secret not in line
    assert "***" in text


def test_nothing_failed_or_changed_posts_nothing_unless_always(receiver: Receiver) -> None:
    quiet = [result("dev", "A"), result("dev", "B", "waived")]
    assert send(receiver, quiet, NO_CHANGES) == "envmatrix: no notification (nothing failed or changed)"
    assert send(receiver, quiet, None) == "envmatrix: no notification (nothing failed or changed)"
    assert receiver.posts == []
    send(receiver, quiet, NO_CHANGES, always=True)
    assert receiver.texts()[0].startswith("*envmatrix drift: PASS* — 2 checks, 0 failed, 0 could not run, 1 waived")
    send(receiver, quiet, CHANGES)
    assert len(receiver.posts) == 2


def test_a_webhook_that_fails_is_one_line_without_the_url(receiver: Receiver, tmp_path: Path) -> None:
    failed = [result("dev", "A", "fail", "dev A x.y: expected 1, got 2")]
    receiver.status = 500
    assert send(receiver, failed, None) == (
        f"envmatrix: notification failed (the webhook in ${VARIABLE}): the webhook answered HTTP 500")
    untrusted = send(receiver, failed, None, ENVMATRIX_CA_BUNDLE=str(_other_ca(tmp_path)))
    assert untrusted.startswith("envmatrix: notification failed") and "CERTIFICATE_VERIFY_FAILED" in untrusted
    port = receiver.server.server_address[1]
    receiver.close()
    refused = send(receiver, failed, None)
    assert refused.startswith(f"envmatrix: notification failed (the webhook in ${VARIABLE}): ConnectError")
    for line in (untrusted, refused):
        assert SECRET_PATH not in line and f"127.0.0.1:{port}/services" not in line
    receiver.server = _Closed()  # type: ignore[assignment]


class _Closed:
    def shutdown(self) -> None:
        pass

    def server_close(self) -> None:
        pass


def _other_ca(tmp_path: Path) -> Path:
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def test_an_unusable_variable_is_reported_not_raised() -> None:
    failed = [result("dev", "A", "fail")]
    request = notify.Request(VARIABLE)
    assert notify.send(request, failed, None, ["dev"], Path("r"), {}) == (
        f"envmatrix: notification not sent: ${VARIABLE} is not set")
    plain = notify.send(request, failed, None, ["dev"], Path("r"), {VARIABLE: "http://hooks.example/T/B/plainsecret"})
    assert plain == f"envmatrix: notification not sent: ${VARIABLE} does not hold an https URL"


def test_the_drift_job_notifies_and_a_failing_webhook_changes_nothing_else(
        report_project: ReportProject, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in receiver.environ().items():
        monkeypatch.setenv(name, value)
    # without history (today's rule: something failed or changed); with it: tests/reporting/test_report_history.py
    args = [*tox_command("drift"), "--no-allure", f"--notify-webhook={VARIABLE}", "--history=off"]
    first = report_project.run(*args)
    assert first.ret == pytest.ExitCode.OK and receiver.posts == []
    first.stdout.fnmatch_lines([f"envmatrix notify: the webhook in ${VARIABLE}, when something failed or changed",
                                "envmatrix: no notification (nothing failed or changed)"])
    shutil.copy(report_project.reports / "matrix.json", report_project.path / "previous-matrix.json")
    monkeypatch.setenv("ENVMATRIX_PREVIOUS_RESULTS", "previous-matrix.json")
    report_project.script(**{"live:DB-BACKUP-RETENTION[production]": "fail"})
    second = report_project.run(*args)
    assert second.ret == pytest.ExitCode.TESTS_FAILED
    second.stdout.fnmatch_lines([f"envmatrix: notified the webhook in ${VARIABLE}"])
    text = receiver.texts()[0]
    assert text.startswith("*envmatrix drift: FAIL* — ") and "New failures since the previous run (1):" in text
    assert "• production DB-BACKUP-RETENTION: production DB-BACKUP-RETENTION " in text
    summary = report_project.matrix()["summary"]
    receiver.status = 503
    third = report_project.run(*args)
    assert third.ret == pytest.ExitCode.TESTS_FAILED  # the same verdict as with a working webhook
    third.stdout.fnmatch_lines([f"envmatrix: notification failed (the webhook in ${VARIABLE}): "
                                "the webhook answered HTTP 503"])
    assert report_project.matrix()["summary"] == summary
    assert SECRET_PATH not in third.stdout.str() + third.stderr.str()
    assert SECRET_PATH not in (report_project.reports / "matrix.json").read_text()


def test_nightly_drift_workflow_tells_the_team_from_a_secret() -> None:
    job = _workflow("nightly-drift.yml")["jobs"]["drift"]
    step = next(s for s in job["steps"] if "tox -e drift" in str(s.get("run")))
    assert "--notify-webhook ENVMATRIX_SLACK_WEBHOOK_URL" in step["run"]
    assert step["env"]["ENVMATRIX_SLACK_WEBHOOK_URL"] == "${{ secrets.ENVMATRIX_SLACK_WEBHOOK_URL }}"
    assert step["env"]["ENVMATRIX_PREVIOUS_RESULTS"] == "previous-reports/matrix.json"
    assert 'gh run download "$run_id" --name "drift-reports-$run_id" --dir previous-reports' in _runs(job)
    assert "sns" not in json.dumps(job).lower()


def test_make_drift_passes_the_webhook_variable_through() -> None:
    done = subprocess.run(["make", "-n", "drift", "NOTIFY_WEBHOOK=ENVMATRIX_SLACK_WEBHOOK_URL"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "--notify-webhook=ENVMATRIX_SLACK_WEBHOOK_URL" in done.stdout, done.stdout + done.stderr
    plain = subprocess.run(["make", "-n", "drift"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "--notify-webhook" not in plain.stdout


def test_notify_always_without_a_webhook_is_a_usage_error(report_project: ReportProject) -> None:
    result = report_project.run(*tox_command("drift"), "--no-allure", "--notify-always")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--notify-always needs --notify-webhook ENV_VAR*"])


def test_manual_changes_are_named_whole_who_and_when() -> None:
    """The drift notification says who changed production by hand and when: every CHANGE-MANUAL line, unclipped
    by the failures' 200 characters (an SSO session's ARN alone is 90)."""
    lines = [f"production CHANGE-MANUAL logs:/ecs/production-taskmanager-api: PutRetentionPolicy by arn:aws:sts::"
             f"210987654321:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/bob at {when} from the "
             f"console (console.amazonaws.com)" for when in ("2026-12-05T14:09:55Z", "2026-12-05T15:10:02Z")]
    evidence = [Evidence("production", "CHANGE-MANUAL", "live", "logs:/ecs/production-taskmanager-api",
                         "ManualChanges", "none (automation only)", line.split(": ", 1)[1], False, line)
                for line in lines]
    found = result("production", "CHANGE-MANUAL", "fail", lines[0])
    found.evidence = evidence
    text = notify.compose([found, result("dev", "CHANGE-MANUAL")], None, ["dev", "production"], None, "report",
                          "no previous results given")
    assert "Manual changes (who, when; CloudTrail) (2):" in text
    assert all(f"• {line}" in text for line in lines)
