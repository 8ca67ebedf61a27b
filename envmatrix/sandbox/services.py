"""Start the reference Task Manager API (one HTTPS instance per environment) for the sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envmatrix.context import Suite


@dataclass
class RunningServices:
    """The reference services of one sandbox run; ``env_vars`` point the smoke layer at them."""

    base_urls: dict[str, str] = field(default_factory=dict)
    ca_bundle: Path | None = None
    env_vars: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop every instance (idempotent)."""


def start_services(suite: Suite, workdir: Path) -> RunningServices:
    """Start one reference service per selected environment on 127.0.0.1 behind HTTPS (work in progress)."""
    raise NotImplementedError("reference services are not implemented yet")
