"""The GitHub snapshot: every endpoint the approval checks read, fetched once per run and kept as evidence."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from envmatrix.github.settings import GithubSettings
from envmatrix.spec import Approvals

if TYPE_CHECKING:
    import httpx

    from envmatrix.github.client import GithubClient


class Reading(BaseModel):
    """One GET: its endpoint, and its status and JSON body, or why no answer came."""

    model_config = ConfigDict(frozen=True)

    endpoint: str
    status: int | None = None
    body: Any = None
    error: str | None = None


class GithubSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str
    api_url: str
    repository: str | None
    problems: tuple[str, ...] = ()
    readings: dict[str, Reading] = {}
    api_calls: int = 0
    seconds: float = 0.0


def environment_key(name: str) -> str:
    return f"environment:{name}"


def branch_key(name: str) -> str:
    return f"branch-protection:{name}"


def wanted_paths(repository: str, approvals: Iterable[Approvals]) -> dict[str, str]:
    """Snapshot key -> API path for what the spec's approvals need (each endpoint once)."""
    repo = f"/repos/{repository}"
    paths: dict[str, str] = {}
    for wanted in approvals:
        paths[environment_key(wanted.environment)] = f"{repo}/environments/{quote(wanted.environment, safe='')}"
        paths[branch_key(wanted.branch)] = f"{repo}/branches/{quote(wanted.branch, safe='')}/protection"
    return paths


def _read(client: GithubClient, path: str) -> Reading:
    import httpx

    from envmatrix.github.client import describe_error

    endpoint = f"GET {client.base_url}{path}"
    try:
        status, body = client.get(path)
    except httpx.HTTPError as exc:
        return Reading(endpoint=endpoint, error=describe_error(exc))
    return Reading(endpoint=endpoint, status=status, body=body)


def take_github_snapshot(settings: GithubSettings, approvals: Iterable[Approvals], run_id: str, *,
                         transport: httpx.BaseTransport | None = None) -> GithubSnapshot:
    """Read every wanted endpoint once; missing settings are recorded as problems, never as empty answers."""
    from envmatrix.github.client import GithubClient  # httpx: only when approvals are read

    started = time.monotonic()
    problems = tuple(settings.problems())
    readings: dict[str, Reading] = {}
    wanted = list(approvals)
    if not problems and settings.repository and wanted:
        with GithubClient(settings, transport=transport) as client:
            readings = {key: _read(client, path) for key, path in wanted_paths(settings.repository, wanted).items()}
    return GithubSnapshot(run_id=run_id, api_url=settings.api_url, repository=settings.repository,
                          problems=problems, readings=readings, api_calls=len(readings),
                          seconds=round(time.monotonic() - started, 3))


def describe(readings: Mapping[str, Reading]) -> list[str]:
    """One line per endpoint for the terminal summary."""
    return [f"{reading.endpoint} -> {reading.status if reading.status is not None else reading.error}"
            for reading in readings.values()]
