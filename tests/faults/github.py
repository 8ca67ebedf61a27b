"""Faults and conforming variants of the repository's GitHub settings, played by the sandbox's stand-in.

Each changes ONE setting of world.yaml's ``github`` description; ``expected`` lists the checks that must turn
red (and no other), ``where`` the ``<resource>.<setting>`` their failure names. Variants must stay green.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envmatrix.sandbox.world import GithubBranch, GithubEnvironment, GithubRepository, GithubReviewer

Change = Callable[[GithubRepository], GithubRepository]


@dataclass(frozen=True)
class GithubFault:
    id: str
    description: str
    change: Change
    expected: frozenset[str]
    where: str


@dataclass(frozen=True)
class GithubVariant:
    id: str
    description: str
    change: Change


def _environment(repo: GithubRepository, name: str, found: GithubEnvironment) -> GithubRepository:
    return repo.model_copy(update={"environments": {**repo.environments, name: found}})


def _branch(repo: GithubRepository, name: str, found: GithubBranch | None) -> GithubRepository:
    branches = {key: value for key, value in repo.branches.items() if key != name}
    return repo.model_copy(update={"branches": branches if found is None else {**branches, name: found}})


def _main(repo: GithubRepository, **update: object) -> GithubRepository:
    return _branch(repo, "main", repo.branches["main"].model_copy(update=update))


GITHUB_FAULTS: list[GithubFault] = [
    GithubFault("gh-no-reviewers", "production environment: required reviewers removed (only a wait timer)",
                lambda repo: _environment(repo, "production", GithubEnvironment(wait_timer=30)),
                frozenset({"GH-ENVIRONMENT-REVIEWERS"}), "protection_rules.required_reviewers"),
    GithubFault("gh-one-approval", "main: one approving review instead of two",
                lambda repo: _main(repo, required_approving_review_count=1),
                frozenset({"GH-BRANCH-REVIEWS"}), "required_pull_request_reviews.required_approving_review_count"),
    GithubFault("gh-no-security-scan", "main: the security scan is no longer a required check",
                lambda repo: _main(repo, checks=("tests",)),
                frozenset({"GH-BRANCH-STATUS-CHECKS"}), "required_status_checks"),
    GithubFault("gh-unprotected-main", "main: branch protection removed",
                lambda repo: _branch(repo, "main", None),
                frozenset({"GH-BRANCH-REVIEWS", "GH-BRANCH-STATUS-CHECKS"}), "protection"),
]

GITHUB_VARIANTS: list[GithubVariant] = [
    GithubVariant("gh-legacy-contexts", "main: the checks required as legacy status contexts (no app bound)",
                  lambda repo: _main(repo, contexts=("tests", "security-scan"), checks=())),
    GithubVariant("gh-stricter", "main: three approvals and an extra lint check; one user as reviewer",
                  lambda repo: _environment(_main(repo, required_approving_review_count=3,
                                                  checks=("tests", "security-scan", "lint")),
                                            "production", GithubEnvironment(
                                                reviewers=(GithubReviewer(type="User", name="alice"),)))),
]
