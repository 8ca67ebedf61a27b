"""Wait for a rollout: poll /health with bounded backoff until the expected environment and release answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from envmatrix.http.client import ServiceUnavailable, SmokeClient
from envmatrix.http.contract import json_object
from envmatrix.http.settings import WAIT_VARIABLE, parse_wait, wait_seconds
from envmatrix.redact import redact_text

__all__ = ["WAIT_VARIABLE", "RolloutNotReady", "Seen", "parse_wait", "poll", "ready", "wait_healthy", "wait_seconds"]

FIRST_DELAY = 0.5
MAX_DELAY = 5.0  # bounded backoff: a slow rollout is still noticed within seconds of being done


class RolloutNotReady(ServiceUnavailable):
    """/health did not answer as expected before the --wait-healthy deadline (every smoke check fails)."""


@dataclass(frozen=True)
class Seen:
    """What one /health poll saw."""

    status: int | None
    environment: str | None
    version: str | None
    problem: str = ""

    def text(self) -> str:
        if self.status is None:
            return self.problem or "no answer"
        return f"HTTP {self.status}, environment {self.environment!r}, version {self.version!r}"


def poll(client: SmokeClient) -> Seen:
    answer = client.probe(client.paths.health)
    if isinstance(answer, str):
        return Seen(None, None, None, answer)
    body = json_object(answer)
    environment, version = body.get("environment"), body.get("version")
    return Seen(answer.status_code, environment if isinstance(environment, str) else None,
                version if isinstance(version, str) else None)


def ready(seen: Seen, environment: str, version: str | None) -> bool:
    return seen.status == httpx.codes.OK and seen.environment == environment and \
        (version is None or seen.version == version)


def wait_healthy(client: SmokeClient, environment: str, version: str | None, seconds: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> float:
    """Poll until ready; return the seconds it took, or raise RolloutNotReady with what was last seen."""
    start = clock()
    delay = FIRST_DELAY
    while True:
        seen = poll(client)
        elapsed = clock() - start
        if ready(seen, environment, version):
            return elapsed
        left = seconds - elapsed
        if left <= 0:
            break
        sleep(min(delay, left))
        delay = min(delay * 2, MAX_DELAY)
    wanted = f"200, environment {environment!r}" + (f", version {version!r}" if version else "")
    raise RolloutNotReady(redact_text(
        f"{client.target.env}: rollout not ready after {elapsed:.1f}s (--wait-healthy {seconds:g}): "
        f"GET {client.url(client.paths.health)} last answered {seen.text()}; waited for {wanted}"))
