"""Approvals and peer review, read from the GitHub REST API: settings, a read-only client, one snapshot per run."""

from typing import TYPE_CHECKING, Any

from envmatrix.github.settings import GithubSettings, resolve_github
from envmatrix.github.snapshot import GithubSnapshot, Reading, take_github_snapshot

if TYPE_CHECKING:
    from envmatrix.github.client import GithubClient

__all__ = ["GithubClient", "GithubSettings", "GithubSnapshot", "Reading", "resolve_github", "take_github_snapshot"]


def __getattr__(name: str) -> Any:
    """``GithubClient`` (httpx) is imported on first use: a run that reads no approvals never loads httpx."""
    if name == "GithubClient":
        from envmatrix.github.client import GithubClient

        return GithubClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
