"""Credentials travel only over TLS (loopback excepted) and [aws] settings stay in range: one usage error each."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from envmatrix.config import ProjectConfig
from envmatrix.errors import UsageError
from envmatrix.github.settings import check_api_url_variable, resolve_github
from envmatrix.http.settings import check_base_url_variables
from envmatrix.reporting import notify
from envmatrix.tls import check_url, is_loopback, plain_http_to_remote
from tests.conftest import Project, assert_one_usage_error

REMOTE = "http://app.example.com"
HOOK = "ENVMATRIX_TEST_HOOK"
HOOK_SECRET = "T000/B000/hunter2"  # a webhook URL's path is its secret: never shown (assert_one_usage_error)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("localhost", True), ("LOCALHOST.", True),
    ("128.0.0.1", False), ("10.0.0.1", False), ("app.example.com", False), ("localhost.example.com", False),
    ("", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("url", "refused"), [
    ("http://app.example.com", True), ("HTTP://app.example.com/x", True), ("http://10.0.0.5:8080", True),
    ("https://app.example.com", False), ("http://127.0.0.1:8443", False), ("http://[::1]:9/hook", False),
    ("http://localhost:8080", False),
])
def test_plain_http_only_to_loopback(url: str, refused: bool) -> None:
    assert plain_http_to_remote(url) is refused


def test_each_url_check_names_its_setting() -> None:
    with pytest.raises(UsageError, match=r"^--base-url: 'http://app.example.com' is plain http to app.example.com; "
                                         r"credentials travel only over https"):
        check_url("--base-url", REMOTE)
    with pytest.raises(UsageError, match=r"^\$ENVMATRIX_BASE_URL_PRODUCTION: .* plain http"):
        check_base_url_variables(["staging", "production"], {"ENVMATRIX_BASE_URL_PRODUCTION": REMOTE})
    check_base_url_variables(["staging"], {"ENVMATRIX_BASE_URL_PRODUCTION": REMOTE})  # not selected: not read
    with pytest.raises(UsageError, match=r"^\$ENVMATRIX_GITHUB_API_URL: .* plain http to ghe.example.com"):
        check_api_url_variable({"ENVMATRIX_GITHUB_API_URL": "http://ghe.example.com/api/v3"})
    with pytest.raises(UsageError, match=r"ENVMATRIX_GITHUB_API_URL: .* plain http"):
        resolve_github(ProjectConfig(), {"ENVMATRIX_GITHUB_API_URL": "http://ghe.example.com/api/v3"})
    assert check_url("--base-url", "http://127.0.0.1:8443/") == "http://127.0.0.1:8443"
    assert resolve_github(ProjectConfig(), {"ENVMATRIX_GITHUB_API_URL": "http://localhost:8080"}).api_url == (
        "http://localhost:8080")


def test_the_webhook_is_posted_over_https_or_to_loopback_only() -> None:
    assert notify.webhook_url(HOOK, {HOOK: f"http://127.0.0.1:9/{HOOK_SECRET}"}).startswith("http://127.0.0.1")
    with pytest.raises(ValueError, match="does not hold an https URL"):
        notify.webhook_url(HOOK, {HOOK: f"http://hooks.example.com/{HOOK_SECRET}"})


def _config(text: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        (project.path / "envmatrix.toml").write_text(text)
    return apply


def _nothing(_project: Project) -> None:
    return None


CASES = [  # (name, breaks, environment variables, arguments, fragments of the one ERROR line)
    ("base-url-option", _nothing, {}, ("--base-url=production=http://app.example.com",),
     ("--base-url", "plain http to app.example.com", "only over https", "loopback")),
    ("base-url-variable", _nothing, {"ENVMATRIX_BASE_URL_PRODUCTION": REMOTE}, (),
     ("$ENVMATRIX_BASE_URL_PRODUCTION", "plain http to app.example.com", "only over https")),
    ("base-url-config", _config(f'[environments.production]\nbase_url = "{REMOTE}"\n'), {}, (),
     ("config", "envmatrix.toml", "environments.production.base_url", "plain http to app.example.com")),
    ("github-api-url-variable", _nothing, {"ENVMATRIX_GITHUB_API_URL": "http://ghe.example.com/api/v3"}, (),
     ("$ENVMATRIX_GITHUB_API_URL", "plain http to ghe.example.com", "only over https")),
    ("github-api-url-config", _config('[github]\napi_url = "http://ghe.example.com/api/v3"\n'), {}, (),
     ("config", "github.api_url", "plain http to ghe.example.com")),
    ("notify-webhook", _nothing, {HOOK: f"http://hooks.example.com/{HOOK_SECRET}"}, (f"--notify-webhook={HOOK}",),
     ("--notify-webhook", f"${HOOK}", "plain http URL to a non-loopback host", "only over https")),
    ("aws-read-timeout-zero", _config("[aws]\nread_timeout = 0\n"), {}, (),
     ("config", "aws.read_timeout", "greater than 0")),
    ("aws-read-timeout-too-long", _config("[aws]\nread_timeout = 301\n"), {}, (),
     ("config", "aws.read_timeout", "less than or equal to 300")),
    ("aws-connect-timeout-negative", _config("[aws]\nconnect_timeout = -1\n"), {}, (),
     ("config", "aws.connect_timeout", "greater than 0")),
    ("aws-connect-timeout-too-long", _config("[aws]\nconnect_timeout = 3600\n"), {}, (),
     ("config", "aws.connect_timeout", "less than or equal to 300")),
    ("aws-max-attempts-zero", _config("[aws]\nmax_attempts = 0\n"), {}, (),
     ("config", "aws.max_attempts", "greater than or equal to 1")),
    ("aws-max-attempts-too-many", _config("[aws]\nmax_attempts = 11\n"), {}, (),
     ("config", "aws.max_attempts", "less than or equal to 10")),
    ("aws-max-rate-zero", _config("[aws]\nmax_rate = 0\n"), {}, (),
     ("config", "aws.max_rate", "greater than 0")),
    ("aws-max-rate-text", _config('[aws]\nmax_rate = "20"\n'), {}, (),
     ("config", "aws.max_rate", "valid number")),
    ("aws-max-rate-option", _nothing, {}, ("--aws-max-rate=fast",),
     ("--aws-max-rate", "'fast' is not a number of requests per second")),
    ("aws-max-rate-option-too-high", _nothing, {}, ("--aws-max-rate=5000",),
     ("--aws-max-rate", "'5000'", "(0, 1000]")),
]


@pytest.mark.parametrize(("breaks", "variables", "args", "fragments"),
                         [pytest.param(*case[1:], id=str(case[0])) for case in CASES])
def test_one_usage_error(project: Project, monkeypatch: pytest.MonkeyPatch, breaks: Callable[[Project], None],
                         variables: dict[str, str], args: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    breaks(project)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    outcome = project.run("--env=all", *args, "-m", "declared or parity")
    assert_one_usage_error(outcome, fragments)
    assert HOOK_SECRET not in outcome.output


def test_loopback_and_in_range_settings_are_accepted(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: plain http to loopback everywhere (the sandbox's case) and the range limits themselves run green."""
    _config('[aws]\nread_timeout = 300\nconnect_timeout = 1\nmax_attempts = 10\nmax_rate = 0.5\n'
            '[github]\napi_url = "http://127.0.0.1:9"\n'
            '[environments.staging]\nbase_url = "http://localhost:8080"\n')(project)
    monkeypatch.setenv("ENVMATRIX_BASE_URL_DEV", "http://127.0.0.2:8443")
    monkeypatch.setenv("ENVMATRIX_GITHUB_API_URL", "http://[::1]:9")
    monkeypatch.setenv(HOOK, f"http://[::1]:9/{HOOK_SECRET}")
    outcome = project.run("--env=all", "--base-url=production=http://127.0.0.1:8443", f"--notify-webhook={HOOK}",
                          "-m", "declared or parity")
    assert outcome.returncode == 0, outcome.output
