"""One embedded sandbox: the AWS emulator plus the reference services, and the variables pointing at them."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envmatrix.context import Suite
from envmatrix.sandbox.aws import RunningAws, start_aws


@dataclass
class Sandbox:
    """What one run started: the AWS emulator, the services, and the environment it exported."""

    aws: RunningAws | None = None
    services: Any = None
    workdir: Path | None = None
    saved_env: dict[str, str | None] = field(default_factory=dict)

    def export(self, values: dict[str, str]) -> None:
        """Set variables for this process and the xdist workers it spawns; remember the old values."""
        for key, value in values.items():
            self.saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def stop(self) -> None:
        """Tear everything down and restore the environment (idempotent; also runs at exit)."""
        services, self.services = self.services, None
        aws, self.aws = self.aws, None
        try:
            if services is not None:
                services.stop()
        finally:
            if aws is not None:
                aws.stop()
            for key, old in self.saved_env.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old
            self.saved_env.clear()
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.workdir = None


def start_sandbox(suite: Suite, environments: list[str], *, port: int = 0) -> Sandbox:
    """Start the AWS emulator (provisioned) and, where the module exists, the reference services."""
    sandbox = Sandbox(workdir=Path(tempfile.mkdtemp(prefix="envmatrix-sandbox-")))
    try:
        aws = sandbox.aws = start_aws(suite, environments, port=port)
        sandbox.export(aws.env_vars())
        start_services = _services_starter()
        if start_services is not None:
            sandbox.services = start_services(suite, sandbox.workdir, envs=environments)
            sandbox.export(dict(sandbox.services.env_vars))
    except BaseException:
        sandbox.stop()
        raise
    return sandbox


def _services_starter() -> Any:
    try:
        from envmatrix.sandbox.services import start_services
    except ImportError:
        return None
    return start_services
