"""Manual approval and peer review, observed on GitHub: who must approve a production release and a change."""

from __future__ import annotations

import pytest

from envmatrix import Environment, check
from envmatrix.github import GithubSnapshot
from envmatrix.github.evidence import (
    approving_reviews,
    branch_protection,
    environment,
    reviewer_names,
    status_check_names,
)
from envmatrix.spec import Approvals, EnvironmentSpec

#: read from GitHub, not AWS: ``-m "live and not github"`` leaves them out where GitHub is not configured
pytestmark = pytest.mark.github


def _has_approvals(spec: EnvironmentSpec) -> bool:
    return spec.approvals is not None  # auto-deployed environments have no person to observe


def _github(env: Environment) -> tuple[GithubSnapshot, Approvals]:
    assert env.spec.approvals is not None  # generated only where the spec has approvals
    return env.github, env.spec.approvals


def _protection(env: Environment) -> tuple[str, dict[str, object]]:
    """The branch's protection and its label; a red line when the branch is not protected at all."""
    snapshot, wanted = _github(env)
    resource = f"github-branch:{snapshot.repository}/{wanted.branch}"
    protection = branch_protection(env.name, snapshot, wanted.branch)
    env.expect(resource, "protection", "protected", "not protected" if protection is None else "protected")
    assert protection is not None
    return resource, protection


@check("GH-ENVIRONMENT-REVIEWERS", layer="live", area="security", row="deployment", severity="critical",
       applies=_has_approvals, evidence=True)
def test_gh_environment_reviewers(env: Environment) -> None:
    """The GitHub deployment environment has a required_reviewers rule naming at least the spec's reviewers."""
    snapshot, wanted = _github(env)
    found = environment(env.name, snapshot, wanted.environment)
    reviewers = reviewer_names(found)
    env.expect(f"github-environment:{snapshot.repository}/{wanted.environment}", "protection_rules.required_reviewers",
               wanted.min_environment_reviewers, reviewers or "none", expected_text=f"at least "
               f"{wanted.min_environment_reviewers} reviewer(s)",
               ok=lambda want, got: isinstance(got, list) and len(got) >= want)


@check("GH-BRANCH-REVIEWS", layer="live", area="security", row="deployment", severity="critical",
       applies=_has_approvals, evidence=True)
def test_gh_branch_reviews(env: Environment) -> None:
    """The release branch is protected and needs at least the spec's number of approving reviews."""
    _snapshot, wanted = _github(env)
    resource, protection = _protection(env)
    count = approving_reviews(protection)
    env.expect(resource, "required_pull_request_reviews.required_approving_review_count",
               wanted.required_approving_reviews, "reviews not required" if count is None else count,
               expected_text=f"at least {wanted.required_approving_reviews}",
               ok=lambda want, got: isinstance(got, int) and got >= want)


@check("GH-BRANCH-STATUS-CHECKS", layer="live", area="security", row="deployment", severity="critical",
       applies=_has_approvals, evidence=True)
def test_gh_branch_status_checks(env: Environment) -> None:
    """The release branch requires the spec's status checks to pass (contexts or checks[].context)."""
    _snapshot, wanted = _github(env)
    resource, protection = _protection(env)
    required = status_check_names(protection)
    env.expect(resource, "required_status_checks", sorted(wanted.required_status_checks), required or "none",
               expected_text=f"at least {', '.join(sorted(wanted.required_status_checks))}",
               ok=lambda want, got: isinstance(got, list) and set(want) <= set(got))
