"""Where the GitHub evidence is read: API base URL, repository, token and trust, each from a short chain."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from envmatrix.config import ProjectConfig
from envmatrix.errors import UsageError
from envmatrix.redact import register_secret
from envmatrix.tls import check_url

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES: tuple[str, ...] = ("ENVMATRIX_GITHUB_TOKEN", "GITHUB_TOKEN")
API_URL_VARIABLE = "ENVMATRIX_GITHUB_API_URL"
REPOSITORY_VARIABLE = "ENVMATRIX_GITHUB_REPOSITORY"
#: The smoke layer's trust chain (``--ca-bundle`` is a smoke option; the variables are shared).
CA_VARIABLES: tuple[str, ...] = ("ENVMATRIX_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@dataclass(frozen=True)
class GithubSettings:
    """Everything needed to read one repository; ``problems`` says what is missing (checks then fail)."""

    api_url: str
    api_url_source: str
    repository: str | None
    repository_source: str
    token: str | None = field(default=None, repr=False)
    token_source: str = "none"
    ca_bundle: str | None = None
    ca_source: str = "default trust store"

    def problems(self) -> list[str]:
        missing = []
        if not self.repository:
            missing.append(f"no repository: set [github] repository in envmatrix.toml or ${REPOSITORY_VARIABLE}")
        if not self.token:
            missing.append(f"no GitHub token: set ${TOKEN_VARIABLES[0]} or ${TOKEN_VARIABLES[1]} (read-only)")
        if missing:  # the checks still fail when selected (closed); leaving them out is the user's explicit choice
            missing.append('or leave the GitHub checks out: -m "<your selection> and not github"')
        return missing


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> tuple[str | None, str]:
    for name in names:
        if environ.get(name):
            return environ[name], f"${name}"
    return None, "none"


def check_api_url_variable(environ: Mapping[str, str] | None = None) -> None:
    """``$ENVMATRIX_GITHUB_API_URL`` (it will carry the token), checked when the run starts, not at first use."""
    environ = os.environ if environ is None else environ
    if environ.get(API_URL_VARIABLE):
        check_url(f"${API_URL_VARIABLE}", environ[API_URL_VARIABLE])


def resolve_github(config: ProjectConfig, environ: Mapping[str, str] | None = None) -> GithubSettings:
    """Variables first, then envmatrix.toml's [github], then the default; the token only from variables."""
    environ = os.environ if environ is None else environ
    if environ.get(API_URL_VARIABLE):
        api_url, api_source = check_url(f"${API_URL_VARIABLE}", environ[API_URL_VARIABLE]), f"${API_URL_VARIABLE}"
    elif config.github.api_url:
        api_url, api_source = check_url("envmatrix.toml [github] api_url", config.github.api_url), config.label()
    else:
        api_url, api_source = DEFAULT_API_URL, "default"
    repository, repo_source = _first(environ, (REPOSITORY_VARIABLE,))
    if repository is None and config.github.repository:
        repository, repo_source = config.github.repository, config.label()
    if repository is not None and repository.count("/") != 1:
        raise UsageError(f"GitHub repository {repository!r} ({repo_source}) is not OWNER/NAME")
    token, token_source = _first(environ, TOKEN_VARIABLES)
    register_secret(token)
    ca_bundle, ca_source = _first(environ, CA_VARIABLES)
    return GithubSettings(api_url, api_source, repository, repo_source, token, token_source,
                          ca_bundle, ca_source if ca_bundle else "default trust store")
