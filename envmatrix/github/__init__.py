"""Approvals and peer review, read from the GitHub REST API: settings, a read-only client, one snapshot per run."""

from envmatrix.github.client import GithubClient
from envmatrix.github.settings import GithubSettings, resolve_github
from envmatrix.github.snapshot import GithubSnapshot, Reading, take_github_snapshot

__all__ = ["GithubClient", "GithubSettings", "GithubSnapshot", "Reading", "resolve_github", "take_github_snapshot"]
