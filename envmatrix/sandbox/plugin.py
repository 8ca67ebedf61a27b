"""pytest hooks of the embedded sandbox: with --sandbox, start moto + reference services once per run."""

from __future__ import annotations

import atexit
from typing import TYPE_CHECKING

import pytest

from envmatrix.errors import EnvmatrixError
from envmatrix.plugin import SUITE_KEY, empty_shard

if TYPE_CHECKING:
    from envmatrix.sandbox.runner import Sandbox

SANDBOX_KEY: pytest.StashKey[Sandbox] = pytest.StashKey()


def pytest_configure(config: pytest.Config) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None or not suite.sandbox or hasattr(config, "workerinput"):
        return  # xdist workers inherit the controller's environment, pointing them at its sandbox
    if empty_shard(config):
        return  # a --shard that holds no environment runs nothing: no world to provision
    from envmatrix.sandbox.runner import start_sandbox  # boto3 and moto's client side: only with --sandbox
    from envmatrix.sandbox.world import default_world

    try:
        environments = list(suite.selected or default_world().environments)
        sandbox = start_sandbox(suite, environments)
    except EnvmatrixError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SANDBOX_KEY] = sandbox
    atexit.register(sandbox.stop)


def pytest_report_header(config: pytest.Config) -> list[str]:
    sandbox = config.stash.get(SANDBOX_KEY, None)
    if sandbox is None or sandbox.aws is None:
        return []
    aws = sandbox.aws
    services = sorted(sandbox.services.base_urls.items()) if sandbox.services is not None else []
    urls = ", ".join(f"{env}={url}" for env, url in services) or "not started"
    return [f"envmatrix: sandbox AWS endpoint {aws.endpoint} (moto; {', '.join(aws.environments)} provisioned "
            f"in {aws.provision_seconds:.1f} s); sandbox services: {urls}"]


def pytest_unconfigure(config: pytest.Config) -> None:
    sandbox = config.stash.get(SANDBOX_KEY, None)
    if sandbox is not None:
        sandbox.stop()
