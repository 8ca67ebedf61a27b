"""What the approval checks read from the GitHub snapshot: answers, or one line saying why there is none."""

from __future__ import annotations

from typing import Any

from envmatrix.errors import InventoryUnavailable
from envmatrix.github.snapshot import GithubSnapshot, Reading, branch_key, environment_key

#: GitHub's message on GET .../protection of a branch that has no protection: data (not protected), not an error.
NOT_PROTECTED = "Branch not protected"
OK = 200
NOT_FOUND = 404


def _reading(env: str, snapshot: GithubSnapshot, key: str, what: str) -> Reading:
    if snapshot.problems:
        raise InventoryUnavailable(env, f"GitHub {what}", "; ".join(snapshot.problems))
    reading = snapshot.readings.get(key)
    if reading is None:
        raise InventoryUnavailable(env, f"GitHub {what}", "not fetched in this run")
    if reading.error is not None:
        raise InventoryUnavailable(env, reading.endpoint, reading.error)
    return reading


def _failed(env: str, reading: Reading) -> InventoryUnavailable:
    message = reading.body.get("message") if isinstance(reading.body, dict) else None
    detail = f"HTTP {reading.status}" + (f" {message}" if message else "")
    return InventoryUnavailable(env, reading.endpoint, detail)


def environment(env: str, snapshot: GithubSnapshot, name: str) -> dict[str, Any]:
    """The deployment environment's JSON (GET /repos/{o}/{r}/environments/{name})."""
    reading = _reading(env, snapshot, environment_key(name), f"environment {name}")
    if reading.status != OK or not isinstance(reading.body, dict):
        raise _failed(env, reading)
    return reading.body


def branch_protection(env: str, snapshot: GithubSnapshot, branch: str) -> dict[str, Any] | None:
    """The branch's protection JSON; None when GitHub says the branch is not protected."""
    reading = _reading(env, snapshot, branch_key(branch), f"branch {branch} protection")
    if reading.status == NOT_FOUND and isinstance(reading.body, dict) and reading.body.get("message") == NOT_PROTECTED:
        return None
    if reading.status != OK or not isinstance(reading.body, dict):
        raise _failed(env, reading)
    return reading.body


def reviewer_names(environment_json: dict[str, Any]) -> list[str]:
    """Every reviewer of the environment's ``required_reviewers`` rules (users by login, teams by slug)."""
    names: list[str] = []
    for rule in environment_json.get("protection_rules") or []:
        if isinstance(rule, dict) and rule.get("type") == "required_reviewers":
            for entry in (item for item in rule.get("reviewers") or [] if isinstance(item, dict)):
                reviewer = entry.get("reviewer") or {}
                label = reviewer.get("login") or reviewer.get("slug") or reviewer.get("name") or "?"
                names.append(f"{entry.get('type', '?')}:{label}")
    return names


def status_check_names(protection: dict[str, Any]) -> list[str]:
    """Required status checks in either shape: ``contexts`` (strings) and ``checks[].context``."""
    required = protection.get("required_status_checks") or {}
    names = [str(name) for name in required.get("contexts") or []]
    names += [str(item.get("context")) for item in required.get("checks") or [] if isinstance(item, dict)]
    return sorted(set(names))


def approving_reviews(protection: dict[str, Any]) -> int | None:
    """The required number of approving reviews; None when pull-request reviews are not required."""
    reviews = protection.get("required_pull_request_reviews")
    if not isinstance(reviews, dict):
        return None
    count = reviews.get("required_approving_review_count")
    return int(count) if isinstance(count, int) else 0
