"""The smoke layer against the reference service: green when it conforms, red exactly where it misbehaves."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpcore  # noqa: F401  (imported here so in-process runs share one copy of the client stack)
import httpx  # noqa: F401
import pytest

import envmatrix.http.plugin  # noqa: F401
from envmatrix.context import Paths, Suite
from envmatrix.sandbox.services import RunningServices, ServiceFault, start_services
from envmatrix.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="module")
def suite() -> Suite:
    paths = Paths(FIXTURES / "matrix.yaml", FIXTURES / "tfvars", FIXTURES / "env", FIXTURES / "waivers.yaml",
                  ROOT / "reports")
    return Suite(spec=load_spec(paths.spec), paths=paths, selected=[])


@pytest.fixture(scope="module")
def conforming(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServices]:
    with start_services(suite, tmp_path_factory.mktemp("conforming")) as running:
        yield running


def run_smoke(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, env_vars: Mapping[str, str],
              *args: str) -> tuple[dict[str, str], str]:
    """Run the repository's smoke tests in-process; return {test id: failure message} and all output."""
    for name, value in env_vars.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    waivers = pytester.makefile(".yaml", waivers="waivers: []\n")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(
        str(ROOT / "smoke"), "-m", "smoke", "-p", "no:cacheprovider", "-p", "no:envmatrix_reports",
        "-p", "no:envmatrix_live", "-p", "no:allure_pytest", "-p", "no:hypothesispytest",
        f"--junitxml={junit}", "-rA", "-vv",
        f"--spec={FIXTURES / 'matrix.yaml'}", f"--tfvars-root={FIXTURES / 'tfvars'}",
        f"--env-root={FIXTURES / 'env'}", f"--waivers={waivers}", f"--reports-dir={pytester.path / 'reports'}",
        *args,
    )
    xml = junit.read_text(encoding="utf-8")
    failed: dict[str, str] = {}
    for case in ET.fromstring(xml).iter("testcase"):
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        if problem is not None:
            failed[case.attrib["name"]] = problem.attrib.get("message", "")
    return failed, result.stdout.str() + result.stderr.str() + xml


def test_conforming_services_are_green(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                       conforming: RunningServices) -> None:
    failed, output = run_smoke(pytester, monkeypatch, conforming.env_vars, "--env=all", "--allow-user-creation")
    assert failed == {}, output
    assert "test_app_email_verification[production] PASSED" in output
    assert "test_smoke_basic_auth[staging] PASSED" in output


def test_real_customer_data_deselects_user_creation(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                    conforming: RunningServices) -> None:
    failed, output = run_smoke(pytester, monkeypatch, conforming.env_vars, "--env=production")
    assert failed == {}, output
    assert "test_app_registration[production]" not in output
    assert "test_smoke_tasks[production] PASSED" in output
    assert "test_app_unverified_login[production] PASSED" in output  # verification observed, no user created


@pytest.mark.parametrize(("kind", "selected", "test"), [
    ("UNVERIFIED", "unverified", "test_app_unverified_login[production]"),
    ("SMOKE", "smoke_tasks", "test_smoke_tasks[production]"),
], ids=["unverified", "smoke"])
def test_account_missing_fails_naming_the_variables(kind: str, selected: str, test: str, pytester: pytest.Pytester,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    conforming: RunningServices) -> None:
    env_vars = {key: value for key, value in conforming.env_vars.items() if f"_{kind}_" not in key}
    monkeypatch.delenv(f"ENVMATRIX_{kind}_EMAIL_PRODUCTION", raising=False)
    monkeypatch.delenv(f"ENVMATRIX_{kind}_PASSWORD_PRODUCTION", raising=False)
    failed, output = run_smoke(pytester, monkeypatch, env_vars, "--env=production", "-k", selected)
    assert list(failed) == [test], output
    assert f"ENVMATRIX_{kind}_EMAIL_PRODUCTION and ENVMATRIX_{kind}_PASSWORD_PRODUCTION" in output
    assert conforming.env_vars[f"ENVMATRIX_{kind}_PASSWORD_PRODUCTION"] not in output


FAULTS: dict[str, tuple[str, ServiceFault, dict[str, str]]] = {
    "debug on in production": ("production", ServiceFault(env_values={"DEBUG": "true"}),
                               {"test_app_debug[production]": "error body internals: expected none, got traceback"}),
    "rate limiting off": ("production", ServiceFault(env_values={"ENABLE_RATE_LIMITING": "false"}),
                          {"test_app_rate_limiting[production]": "expected HTTP 429 within 65 requests, got no 429"}),
    "60-minute tokens": ("staging", ServiceFault(env_values={"JWT_ACCESS_TOKEN_EXPIRE_MINUTES": "60"}),
                         {"test_jwt_access_minutes[staging]": "exp - iat (minutes): expected 15, got 60"}),
    "verification skipped": ("production", ServiceFault(env_values={"ENABLE_EMAIL_VERIFICATION": "false"}),
                             {"test_app_email_verification[production]": "expected 403, got 200",
                              "test_app_unverified_login[production]": "(configured unverified account).status_code: "
                                                                       "expected 403, got 200"}),
    "registration closed": ("dev", ServiceFault(env_values={"ENABLE_REGISTRATION": "false"}),
                            {"test_app_registration[dev]": "expected 201, got 403",
                             "test_app_email_verification[dev]": "expected 201, got 403"}),
    "staging served at the production URL": ("production", ServiceFault(env_values={"ENVIRONMENT": "staging"}),
                                             {"test_smoke_health[production]": "expected production, got staging"}),
    "CORS wildcard": ("production", ServiceFault(env_values={"CORS_ORIGINS": "*"}),
                      {"test_app_cors_origins[production]": "https://envmatrix-probe.invalid"}),
    "missing HSTS": ("production", ServiceFault(hsts=False),
                     {"test_smoke_hsts[production]": "Strict-Transport-Security: expected max-age > 0, got <missing>"}),
    "no refresh token": ("production", ServiceFault(env_values={"JWT_REFRESH_TOKEN_EXPIRE_DAYS": ""}),
                         {"test_jwt_refresh_days[production]": "refresh_token.presence: expected present, got absent"}),
    "certificate expiring soon": ("production", ServiceFault(cert_days=3),
                                  {"test_smoke_tls[production]": "certificate.days_left: expected >= 14"}),
    "debug off in development": ("dev", ServiceFault(env_values={"DEBUG": "false"}),
                                 {"test_app_debug[dev]": "expected a traceback in some error body"}),
    "staging without basic auth": ("staging", ServiceFault(basic_auth=False),
                                   {"test_smoke_basic_auth[staging]": "status_code: expected 401, got 200"}),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_turns_exactly_its_check_red(name: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                           suite: Suite, tmp_path: Path) -> None:
    env, fault, expected = FAULTS[name]
    with start_services(suite, tmp_path / "svc", envs=[env], faults={env: fault}) as running:
        env_vars = dict(running.env_vars)
        if fault.basic_auth is False:  # the client still holds credentials; the service no longer asks
            env_vars[f"ENVMATRIX_BASIC_AUTH_{env.upper()}"] = "envmatrix:unused-credential"
        failed, output = run_smoke(pytester, monkeypatch, env_vars, f"--env={env}", "--allow-user-creation")
    assert sorted(failed) == sorted(expected), output
    for test_id, text in expected.items():
        assert text in failed[test_id], failed[test_id]
        assert failed[test_id].startswith(f"{env} "), failed[test_id]


def test_expired_certificate_fails_tls_with_the_reason(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                       suite: Suite, tmp_path: Path) -> None:
    expired = {"production": ServiceFault(cert_days=-1)}
    with start_services(suite, tmp_path / "svc", envs=["production"], faults=expired) as running:
        failed, _ = run_smoke(pytester, monkeypatch, running.env_vars, "--env=production", "-k", "SMOKE-TLS")
    assert list(failed) == ["test_smoke_tls[production]"]
    assert "certificate has expired" in failed["test_smoke_tls[production]"]
    assert "https://taskmanager.com:" in failed["test_smoke_tls[production]"]


def test_service_down_fails_fast_naming_the_url(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                conforming: RunningServices) -> None:
    env_vars = {**conforming.env_vars, "ENVMATRIX_BASE_URL_PRODUCTION": "https://taskmanager.com:9"}
    started = time.monotonic()
    failed, output = run_smoke(pytester, monkeypatch, env_vars, "--env=production")
    elapsed = time.monotonic() - started
    assert failed and all("https://taskmanager.com:9" in message for message in failed.values()), failed
    assert "<skipped" not in output
    assert elapsed < 15, elapsed


def test_no_credential_or_token_in_output(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                          suite: Suite, tmp_path: Path) -> None:
    fault = ServiceFault(env_values={"DEBUG": "true", "JWT_ACCESS_TOKEN_EXPIRE_MINUTES": "60"})
    with start_services(suite, tmp_path / "svc", faults={"production": fault}) as running:
        failed, output = run_smoke(pytester, monkeypatch, running.env_vars, "--env=all", "--allow-user-creation",
                                   "--tb=long", "-o", "junit_logging=all")
    assert failed, "the faulty production service should fail some checks"
    secrets = [value for name, value in running.env_vars.items() if "PASSWORD" in name or "BASIC_AUTH" in name]
    secrets += [value.partition(":")[2] for name, value in running.env_vars.items() if "BASIC_AUTH" in name]
    assert secrets
    for value in secrets:
        assert value not in output
    assert "eyJ" not in output  # no JSON web token (header or claims) anywhere
