"""GitHub's documented response examples for the two endpoints (REST API 2022-11-28), and variants of them."""

from __future__ import annotations

import copy
from typing import Any

API = "https://api.github.com"
REPO = "octocat/Hello-World"


def user(login: str = "octocat") -> dict[str, Any]:
    url = f"{API}/users/{login}"
    return {
        "login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.com/images/error/octocat_happy.gif",
        "gravatar_id": "", "url": url, "html_url": f"https://github.com/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": "User", "site_admin": False,
    }


def team() -> dict[str, Any]:
    return {
        "id": 1, "node_id": "MDQ6VGVhbTE=", "url": f"{API}/teams/1", "html_url": "https://github.com/orgs/github/teams/justice-league",
        "name": "Justice League", "slug": "justice-league", "description": "A great team.", "privacy": "closed",
        "notification_setting": "notifications_enabled", "permission": "admin",
        "members_url": f"{API}/teams/1/members{{/member}}", "repositories_url": f"{API}/teams/1/repos", "parent": None,
    }


#: GET /repos/{owner}/{repo}/environments/{environment_name}: the documentation's example.
ENVIRONMENT: dict[str, Any] = {
    "id": 161088068, "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4", "name": "production",
    "url": f"{API}/repos/github/hello-world/environments/production",
    "html_url": "https://github.com/github/hello-world/deployments/activity_log?environments_filter=production",
    "created_at": "2020-11-23T22:00:40Z", "updated_at": "2020-11-23T22:00:40Z",
    "protection_rules": [
        {"id": 3736, "node_id": "MDQ6R2F0ZTM3MzY=", "type": "wait_timer", "wait_timer": 30},
        {"id": 3755, "node_id": "MDQ6R2F0ZTM3NTU=", "prevent_self_review": False, "type": "required_reviewers",
         "reviewers": [{"type": "User", "reviewer": user()}, {"type": "Team", "reviewer": team()}]},
        {"id": 3756, "node_id": "MDQ6R2F0ZTM3NTY=", "type": "branch_policy"},
    ],
    "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
}

_PROTECTION_URL = f"{API}/repos/octocat/Hello-World/branches/main/protection"
#: GET /repos/{owner}/{repo}/branches/{branch}/protection: the documentation's example, with the spec's checks.
PROTECTION: dict[str, Any] = {
    "url": _PROTECTION_URL,
    "required_status_checks": {
        "url": f"{_PROTECTION_URL}/required_status_checks", "strict": True,
        "contexts": ["tests", "security-scan"], "contexts_url": f"{_PROTECTION_URL}/required_status_checks/contexts",
        "checks": [{"context": "tests", "app_id": None}, {"context": "security-scan", "app_id": None}],
    },
    "enforce_admins": {"url": f"{_PROTECTION_URL}/enforce_admins", "enabled": True},
    "required_pull_request_reviews": {
        "url": f"{_PROTECTION_URL}/required_pull_request_reviews",
        "dismissal_restrictions": {"url": f"{_PROTECTION_URL}/dismissal_restrictions", "users": [user()],
                                   "teams": [team()]},
        "dismiss_stale_reviews": True, "require_code_owner_reviews": True, "required_approving_review_count": 2,
        "require_last_push_approval": True,
    },
    "restrictions": {"url": f"{_PROTECTION_URL}/restrictions", "users_url": f"{_PROTECTION_URL}/restrictions/users",
                     "teams_url": f"{_PROTECTION_URL}/restrictions/teams",
                     "apps_url": f"{_PROTECTION_URL}/restrictions/apps", "users": [user()], "teams": [team()],
                     "apps": []},
    "required_linear_history": {"enabled": True},
    "allow_force_pushes": {"enabled": True},
    "allow_deletions": {"enabled": True},
    "required_conversation_resolution": {"enabled": True},
    "lock_branch": {"enabled": True},
    "allow_fork_syncing": {"enabled": True},
}
NOT_PROTECTED: dict[str, Any] = {
    "message": "Branch not protected",
    "documentation_url": "https://docs.github.com/rest/branches/branch-protection#get-branch-protection",
    "status": "404",
}
NOT_FOUND: dict[str, Any] = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest",
                             "status": "404"}
BAD_CREDENTIALS: dict[str, Any] = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                                   "status": "401"}
FORBIDDEN: dict[str, Any] = {"message": "Resource not accessible by personal access token",
                             "documentation_url": "https://docs.github.com/rest", "status": "403"}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted ``path`` set to ``value`` (deleted when value is ...)."""
    out = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = out
    for part in parents:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return out
