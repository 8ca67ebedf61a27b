"""The sandbox's GitHub REST API stand-in: the two read endpoints the approval checks use, in GitHub's shapes.

It answers from world.yaml's ``github`` description (the repository's settings as the deployment has them),
never from the spec: ``GET /repos/{o}/{r}/environments/{name}`` and ``GET /repos/{o}/{r}/branches/{b}/protection``,
with GitHub's errors (401 Bad credentials without the run's token, 404 Not Found, 404 Branch not protected).
tests/github/test_openapi_shapes.py validates its answers against GitHub's published OpenAPI description.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from envmatrix.redact import register_secret
from envmatrix.sandbox.refservice import TlsServer
from envmatrix.sandbox.refservice.server import write_ca_bundle, write_certificate
from envmatrix.sandbox.world import GithubBranch, GithubEnvironment, GithubRepository, GithubReviewer

WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
STAMP = "2026-01-05T09:00:00Z"
#: GitHub Actions' app id: what a check reported by a workflow is bound to.
ACTIONS_APP_ID = 15368


def _id(*parts: str) -> int:
    return int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16)


def _error(status: int, message: str, doc: str) -> JSONResponse:
    return JSONResponse({"message": message, "documentation_url": f"{DOCS}/{doc}", "status": str(status)},
                        status_code=status)


def _user(api: str, login: str) -> dict[str, Any]:
    url = f"{api}/users/{login}"
    return {
        "login": login, "id": _id("user", login), "node_id": f"MDQ6VXNlcj{_id('user', login)}",
        "avatar_url": f"{WEB}/images/error/{login}_happy.gif", "gravatar_id": "", "url": url,
        "html_url": f"{WEB}/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": "User", "site_admin": False,
        "user_view_type": "public",
    }


def _team(api: str, org: str, slug: str) -> dict[str, Any]:
    team_id = _id("team", org, slug)
    url = f"{api}/teams/{team_id}"
    return {
        "id": team_id, "node_id": f"MDQ6VGVhbT{team_id}", "url": url, "html_url": f"{WEB}/orgs/{org}/teams/{slug}",
        "name": slug.replace("-", " ").title(), "slug": slug, "description": f"{slug} of {org}",
        "privacy": "closed", "notification_setting": "notifications_enabled", "permission": "admin",
        "members_url": f"{url}/members{{/member}}", "repositories_url": f"{url}/repos", "parent": None,
    }


def _reviewer(api: str, org: str, reviewer: GithubReviewer) -> dict[str, Any]:
    shown = _user(api, reviewer.name) if reviewer.type == "User" else _team(api, org, reviewer.name)
    return {"type": reviewer.type, "reviewer": shown}


def environment_json(api: str, repo: str, name: str, found: GithubEnvironment) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/environments/{name} as GitHub answers it."""
    org = repo.split("/", 1)[0]
    rules: list[dict[str, Any]] = []
    if found.wait_timer:
        rules.append({"id": _id(repo, name, "wait"), "node_id": "MDQ6R2F0ZTM3MzY=", "type": "wait_timer",
                      "wait_timer": found.wait_timer})
    if found.reviewers:
        rules.append({"id": _id(repo, name, "reviewers"), "node_id": "MDQ6R2F0ZTM3NTU=", "prevent_self_review": True,
                      "type": "required_reviewers",
                      "reviewers": [_reviewer(api, org, reviewer) for reviewer in found.reviewers]})
    return {
        "id": _id(repo, name), "node_id": f"EN_kwDO{_id(repo, name)}", "name": name,
        "url": f"{api}/repos/{repo}/environments/{name}",
        "html_url": f"{WEB}/{repo}/deployments/activity_log?environments_filter={name}",
        "created_at": STAMP, "updated_at": STAMP, "protection_rules": rules,
        "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False} if rules else None,
    }


def protection_json(api: str, repo: str, branch: str, found: GithubBranch) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/branches/{branch}/protection as GitHub answers it (contexts mirror checks)."""
    url = f"{api}/repos/{repo}/branches/{branch}/protection"
    checks: list[dict[str, Any]] = [{"context": name, "app_id": None} for name in found.contexts]
    checks += [{"context": name, "app_id": ACTIONS_APP_ID} for name in found.checks]
    body: dict[str, Any] = {
        "url": url,
        "required_status_checks": {
            "url": f"{url}/required_status_checks", "strict": True,
            "contexts": [item["context"] for item in checks],
            "contexts_url": f"{url}/required_status_checks/contexts", "checks": checks,
        },
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": found.enforce_admins},
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
        "required_linear_history": {"enabled": True},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": True},
        "lock_branch": {"enabled": False},
        "allow_fork_syncing": {"enabled": False},
    }
    if found.required_approving_review_count is not None:
        body["required_pull_request_reviews"] = {
            "url": f"{url}/required_pull_request_reviews", "dismiss_stale_reviews": True,
            "require_code_owner_reviews": True, "require_last_push_approval": True,
            "required_approving_review_count": found.required_approving_review_count,
        }
    return body


def create_github_app(repository: GithubRepository, token: str) -> FastAPI:
    """The stand-in: every request needs ``Authorization: Bearer <token>`` (or ``token <token>``), as GitHub's do."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    repo = repository.repository

    def authorized(request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("bearer", "token") and given == token

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @app.get("/repos/{owner}/{name}/environments/{environment}")
    def get_environment(owner: str, name: str, environment: str, request: Request) -> Any:
        if not authorized(request):
            return _error(401, "Bad credentials", "overview/troubleshooting-the-rest-api")
        found = repository.environments.get(environment)
        if f"{owner}/{name}" != repo or found is None:
            return _error(404, "Not Found", "deployments/environments#get-an-environment")
        return environment_json(base(request), repo, environment, found)

    @app.get("/repos/{owner}/{name}/branches/{branch}/protection")
    def get_protection(owner: str, name: str, branch: str, request: Request) -> Any:
        if not authorized(request):
            return _error(401, "Bad credentials", "overview/troubleshooting-the-rest-api")
        if f"{owner}/{name}" != repo:
            return _error(404, "Not Found", "branches/branch-protection#get-branch-protection")
        found = repository.branches.get(branch)
        if found is None:
            return _error(404, "Branch not protected", "branches/branch-protection#get-branch-protection")
        return protection_json(base(request), repo, branch, found)

    return app


def start_github(repository: GithubRepository, ca: trustme.CA, workdir: Path, *, host: str = "127.0.0.1"
                 ) -> tuple[TlsServer, dict[str, str]]:
    """Start the stand-in over HTTPS (a certificate for ``host`` from the run's CA); the variables point at it."""
    token = "ghs_" + secrets.token_urlsafe(27)  # an installation-token look-alike, made for this run only
    register_secret(token)
    leaf = ca.issue_cert(host)
    certfile, keyfile = write_certificate(leaf, workdir / "github-cert.pem", workdir / "github-key.pem")
    server = TlsServer(create_github_app(repository, token), certfile, keyfile, host=host).start()
    return server, {"ENVMATRIX_GITHUB_API_URL": f"https://{host}:{server.port}",
                    "ENVMATRIX_GITHUB_REPOSITORY": repository.repository, "ENVMATRIX_GITHUB_TOKEN": token}


@dataclass
class RunningGithub:
    """A stand-in started on its own (its own CA): for runs of the live checks without the reference services."""

    server: TlsServer
    env_vars: dict[str, str]
    workdir: Path

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_github_alone(repository: GithubRepository) -> RunningGithub:
    """Start the stand-in with a CA made for it; ``env_vars`` include ``ENVMATRIX_CA_BUNDLE`` trusting it."""
    workdir = Path(tempfile.mkdtemp(prefix="envmatrix-github-"))
    ca = trustme.CA(organization_name="envmatrix GitHub stand-in CA")
    bundle = workdir / "github-ca.pem"
    write_ca_bundle(ca, bundle)
    server, env_vars = start_github(repository, ca, workdir)
    server.wait_started()
    return RunningGithub(server, {**env_vars, "ENVMATRIX_CA_BUNDLE": str(bundle)}, workdir)
