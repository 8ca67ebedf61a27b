"""A read-only GitHub REST client: GET only (anything else is refused before it is sent), token never shown."""

from __future__ import annotations

import os
import ssl
from typing import Any

import httpx

from envmatrix.errors import ReadOnlyViolation
from envmatrix.github.settings import GithubSettings
from envmatrix.redact import redact_text

#: The REST API version whose shapes the suite reads (GitHub's header; the OpenAPI description's date).
API_VERSION = "2022-11-28"
READ_METHODS = frozenset({"GET", "HEAD"})
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _refuse_writes(request: httpx.Request) -> None:
    if request.method not in READ_METHODS:
        raise ReadOnlyViolation(f"GitHub: {request.method} {request.url.path} refused: the suite only reads")


def _verify(settings: GithubSettings) -> ssl.SSLContext | bool:
    if not settings.ca_bundle:
        return True
    if os.path.isdir(settings.ca_bundle):
        return ssl.create_default_context(capath=settings.ca_bundle)
    return ssl.create_default_context(cafile=settings.ca_bundle)


def describe_error(exc: httpx.HTTPError) -> str:
    """One redacted line for a transport failure (the URL is named by the caller)."""
    return redact_text(f"{type(exc).__name__}: {exc}")


class GithubClient:
    """GETs against one API base URL with the token; answers are (status, JSON body)."""

    def __init__(self, settings: GithubSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": "envmatrix"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self.base_url = settings.api_url
        self._client = httpx.Client(base_url=settings.api_url, headers=headers, timeout=TIMEOUT,
                                    verify=_verify(settings), transport=transport, follow_redirects=False,
                                    event_hooks={"request": [_refuse_writes]})

    def request(self, method: str, path: str) -> httpx.Response:
        """Send one request (refused unless it reads)."""
        return self._client.request(method, path)

    def get(self, path: str) -> tuple[int, Any]:
        """GET ``path``: the status and the JSON body (None when the body is not JSON)."""
        response = self._client.get(path)
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        return response.status_code, body

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GithubClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
