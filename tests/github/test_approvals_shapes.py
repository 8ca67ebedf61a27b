"""The approval checks on GitHub's real shapes: documented examples green, each broken setting red, errors fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from envmatrix.config import ProjectConfig, load_config
from envmatrix.errors import ConfigError, InventoryUnavailable, ReadOnlyViolation
from envmatrix.github import GithubClient, GithubSettings, resolve_github, take_github_snapshot
from tests.github import payloads as p
from tests.github.schema import ENVIRONMENT_OP, PROTECTION_OP, problems
from tests.shapes.harness import judge, repo_suite

MODULE = "checks/live/test_approvals.py"
CHECKS = ("GH-ENVIRONMENT-REVIEWERS", "GH-BRANCH-REVIEWS", "GH-BRANCH-STATUS-CHECKS")
TOKEN = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
SETTINGS = GithubSettings(p.API, "test", p.REPO, "test", TOKEN, "$ENVMATRIX_GITHUB_TOKEN")


def transport(environment: tuple[int, Any], protection: tuple[int, Any], seen: list[httpx.Request]
              ) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = environment if "/environments/" in request.url.path else protection
        return httpx.Response(status, json=body)
    return httpx.MockTransport(answer)


def verdicts(environment: tuple[int, Any] = (200, p.ENVIRONMENT), protection: tuple[int, Any] = (200, p.PROTECTION),
             settings: GithubSettings = SETTINGS) -> dict[str, str]:
    """Each check's failure line ('' when green) on a snapshot fetched through the real client."""
    seen: list[httpx.Request] = []
    suite = repo_suite()
    approvals = [suite.spec.env("production").approvals]
    snapshot = take_github_snapshot(settings, approvals, "run", transport=transport(environment, protection, seen))
    suite.sources.github = lambda _env: snapshot
    out = {}
    for check_id in CHECKS:
        verdict = judge(MODULE, check_id, "production", snapshot=None, suite=suite)  # type: ignore[arg-type]
        out[check_id] = verdict.message
    return out


def test_documented_examples_are_valid_and_green() -> None:
    assert problems(ENVIRONMENT_OP, 200, p.ENVIRONMENT) == []
    assert problems(PROTECTION_OP, 200, p.PROTECTION) == []
    assert problems(PROTECTION_OP, 404, p.NOT_PROTECTED) == []
    assert verdicts() == dict.fromkeys(CHECKS, "")


def test_schema_catches_a_wrong_shape() -> None:
    """The trimmed schema is not a rubber stamp: GitHub's required fields and types are enforced."""
    assert problems(ENVIRONMENT_OP, 200, p.changed(p.ENVIRONMENT, "id", ...)) == ["(body): 'id' is a required property"]
    wrong = p.changed(p.PROTECTION, "required_status_checks.checks", [{"context": "tests"}])
    assert problems(PROTECTION_OP, 200, wrong) == ["required_status_checks/checks/0: 'app_id' is a required property"]
    too_many = p.changed(p.PROTECTION, "required_pull_request_reviews.required_approving_review_count", 7)
    assert problems(PROTECTION_OP, 200, too_many) == [
        "required_pull_request_reviews/required_approving_review_count: 7 is greater than the maximum of 6"]


@pytest.mark.parametrize("protection", [
    p.changed(p.PROTECTION, "required_status_checks.checks", []),  # only the legacy contexts
    p.changed(p.PROTECTION, "required_status_checks.contexts", []),  # only checks[].context (app-bound)
    p.changed(p.PROTECTION, "required_status_checks.contexts", ["tests", "security-scan", "lint"]),  # more is fine
    p.changed(p.PROTECTION, "required_pull_request_reviews.required_approving_review_count", 3),
], ids=["contexts-only", "checks-only", "extra-check", "three-approvals"])
def test_legitimate_variants_stay_green(protection: dict[str, Any]) -> None:
    assert problems(PROTECTION_OP, 200, protection) == []
    assert verdicts(protection=(200, protection)) == dict.fromkeys(CHECKS, "")


def test_team_only_reviewers_stay_green() -> None:
    rules = [{"id": 1, "node_id": "MDQ6R2F0ZTE=", "type": "required_reviewers", "prevent_self_review": True,
              "reviewers": [{"type": "Team", "reviewer": p.team()}]}]
    environment = p.changed(p.ENVIRONMENT, "protection_rules", rules)
    assert problems(ENVIRONMENT_OP, 200, environment) == []
    assert verdicts(environment=(200, environment))["GH-ENVIRONMENT-REVIEWERS"] == ""


def _red(result: dict[str, str], check_id: str) -> str:
    assert [name for name, message in result.items() if message] == [check_id], result
    return result[check_id]


def test_no_required_reviewers_is_red() -> None:
    environment = p.changed(p.ENVIRONMENT, "protection_rules", [p.ENVIRONMENT["protection_rules"][0]])
    assert problems(ENVIRONMENT_OP, 200, environment) == []
    assert _red(verdicts(environment=(200, environment)), "GH-ENVIRONMENT-REVIEWERS") == (
        "production GH-ENVIRONMENT-REVIEWERS github-environment:octocat/Hello-World/production"
        ".protection_rules.required_reviewers: expected at least 1 reviewer(s), got none")


def test_one_approving_review_is_red() -> None:
    protection = p.changed(p.PROTECTION, "required_pull_request_reviews.required_approving_review_count", 1)
    assert _red(verdicts(protection=(200, protection)), "GH-BRANCH-REVIEWS") == (
        "production GH-BRANCH-REVIEWS github-branch:octocat/Hello-World/main"
        ".required_pull_request_reviews.required_approving_review_count: expected at least 2, got 1")


def test_reviews_not_required_is_red() -> None:
    protection = p.changed(p.PROTECTION, "required_pull_request_reviews", ...)
    assert problems(PROTECTION_OP, 200, protection) == []
    assert "got reviews not required" in _red(verdicts(protection=(200, protection)), "GH-BRANCH-REVIEWS")


def test_missing_security_scan_is_red() -> None:
    status = {**p.PROTECTION["required_status_checks"], "contexts": ["tests"],
              "checks": [{"context": "tests", "app_id": None}]}
    protection = p.changed(p.PROTECTION, "required_status_checks", status)
    assert problems(PROTECTION_OP, 200, protection) == []
    assert _red(verdicts(protection=(200, protection)), "GH-BRANCH-STATUS-CHECKS") == (
        "production GH-BRANCH-STATUS-CHECKS github-branch:octocat/Hello-World/main.required_status_checks: "
        'expected at least security-scan, tests, got ["tests"]')


def test_unprotected_branch_is_red_not_an_error() -> None:
    result = verdicts(protection=(404, p.NOT_PROTECTED))
    assert result["GH-ENVIRONMENT-REVIEWERS"] == ""
    for check_id in ("GH-BRANCH-REVIEWS", "GH-BRANCH-STATUS-CHECKS"):
        assert result[check_id] == (f"production {check_id} github-branch:octocat/Hello-World/main.protection: "
                                    "expected protected, got not protected")


@pytest.mark.parametrize(("status", "body", "shown"), [
    (401, p.BAD_CREDENTIALS, "HTTP 401 Bad credentials"),
    (403, p.FORBIDDEN, "HTTP 403 Resource not accessible by personal access token"),
    (404, p.NOT_FOUND, "HTTP 404 Not Found"),
])
def test_api_errors_fail_naming_endpoint_and_status(status: int, body: dict[str, Any], shown: str) -> None:
    for environment, protection, check_id, path in [
        ((status, body), (200, p.PROTECTION), "GH-ENVIRONMENT-REVIEWERS", "environments/production"),
        ((200, p.ENVIRONMENT), (status, body), "GH-BRANCH-REVIEWS", "branches/main/protection"),
    ]:
        with pytest.raises(InventoryUnavailable) as caught:
            verdicts(environment, protection)
        assert str(caught.value) == (f"production: cannot read GET {p.API}/repos/{p.REPO}/{path}: {shown}"), check_id


def test_unreachable_api_fails_naming_the_endpoint() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)
    suite = repo_suite()
    snapshot = take_github_snapshot(SETTINGS, [suite.spec.env("production").approvals], "run",  # type: ignore[list-item]
                                    transport=httpx.MockTransport(refuse))
    suite.sources.github = lambda _env: snapshot
    with pytest.raises(InventoryUnavailable, match=r"cannot read GET https://api.github.com/repos/octocat/Hello-World/"
                                                   r"environments/production: ConnectError: connection refused"):
        judge(MODULE, "GH-ENVIRONMENT-REVIEWERS", "production", snapshot=None, suite=suite)  # type: ignore[arg-type]


def test_missing_token_fails_naming_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVMATRIX_GITHUB_TOKEN", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVMATRIX_GITHUB_REPOSITORY", p.REPO)
    settings = resolve_github(ProjectConfig())
    for check_id in CHECKS:
        with pytest.raises(InventoryUnavailable, match=r"no GitHub token: set \$ENVMATRIX_GITHUB_TOKEN or "
                                                       r"\$GITHUB_TOKEN") as caught:
            verdicts(settings=settings)
        assert check_id  # every check fails the same way: nothing passes without evidence
        assert "production: cannot read GitHub" in str(caught.value)


def test_settings_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "fallback-token-value")
    monkeypatch.delenv("ENVMATRIX_GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("ENVMATRIX_GITHUB_API_URL", raising=False)
    monkeypatch.delenv("ENVMATRIX_GITHUB_REPOSITORY", raising=False)
    config = ProjectConfig.model_validate({"github": {"repository": "acme/taskmanager",
                                                      "api_url": "https://ghe.example.com/api/v3"}})
    found = resolve_github(config)
    assert (found.api_url, found.repository, found.token_source) == (
        "https://ghe.example.com/api/v3", "acme/taskmanager", "$GITHUB_TOKEN")
    assert "fallback-token-value" not in repr(found)
    monkeypatch.setenv("ENVMATRIX_GITHUB_TOKEN", "preferred-token-value")
    monkeypatch.setenv("ENVMATRIX_GITHUB_API_URL", "https://127.0.0.1:8443")
    found = resolve_github(config)
    assert (found.api_url, found.token, found.token_source) == (
        "https://127.0.0.1:8443", "preferred-token-value", "$ENVMATRIX_GITHUB_TOKEN")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_client_refuses_anything_but_reads(method: str) -> None:
    seen: list[httpx.Request] = []
    with GithubClient(SETTINGS, transport=transport((200, {}), (200, {}), seen)) as client:
        with pytest.raises(ReadOnlyViolation, match=f"GitHub: {method} /repos/x refused"):
            client.request(method, "/repos/x")
    assert seen == []  # refused before anything was sent


def test_requests_carry_token_and_api_version() -> None:
    seen: list[httpx.Request] = []
    with GithubClient(SETTINGS, transport=transport((200, p.ENVIRONMENT), (200, p.PROTECTION), seen)) as client:
        client.get(f"/repos/{p.REPO}/environments/production")
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert seen[0].headers["x-github-api-version"] == "2022-11-28"
    assert seen[0].method == "GET"


def test_github_config_table_is_strict(tmp_path: Path) -> None:
    config = tmp_path / "envmatrix.toml"
    config.write_text('[github]\nrepository = "acme/taskmanager"\napi_url = "https://ghe.example.com/api/v3"\n')
    assert load_config(config).github.repository == "acme/taskmanager"
    config.write_text('[github]\ntoken = "ghp_x"\n')
    with pytest.raises(ConfigError, match=r"github.token: unknown key; valid keys: repository, api_url"):
        load_config(config)
    config.write_text('[github]\nrepository = "just-a-name"\n')
    with pytest.raises(ConfigError, match=r"github.repository"):
        load_config(config)
