"""pytest hooks of the smoke layer (the HTTP client source, --base-url and friends)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from envmatrix.catalog import info_of
from envmatrix.config import ProjectConfig
from envmatrix.context import Environment, Suite
from envmatrix.errors import EnvmatrixError, UsageError
from envmatrix.http.contract import TaskLedger, smoke_login
from envmatrix.http.settings import (
    WAIT_VARIABLE,
    HttpOptions,
    check_base_url_variables,
    parse_base_urls,
    parse_resolve,
    resolve_target,
    wait_seconds,
)
from envmatrix.plugin import CONFIG_KEY, SUITE_KEY, env_of

if TYPE_CHECKING:
    from envmatrix.http.client import SmokeClient

POOL_KEY = pytest.StashKey["ClientPool"]()
LAST_CHECKS = ("APP-RATE-LIMITING",)  # bursts run last so their throttling cannot disturb other checks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envmatrix")
    group.addoption("--base-url", action="append", dest="envmatrix_base_url", default=[], metavar="ENV=URL",
                    help="service URL per environment (repeatable; a bare URL when one environment is selected); "
                         "default https://<tfvars domain_name>")
    group.addoption("--resolve", action="append", dest="envmatrix_resolve", default=[], metavar="HOST=ADDRESS",
                    help="connect to ADDRESS for HOST, keeping HOST for the Host header, SNI and certificate check")
    group.addoption("--ca-bundle", dest="envmatrix_ca_bundle", metavar="PATH",
                    help="CA bundle to trust for the smoke layer (default $ENVMATRIX_CA_BUNDLE, $SSL_CERT_FILE, "
                         "$SSL_CERT_DIR, then certifi)")
    group.addoption("--expect-version", dest="envmatrix_expect_version", metavar="VERSION",
                    help="the release /health must report (post-release check)")
    group.addoption("--allow-user-creation", action="store_true", dest="envmatrix_allow_user_creation",
                    help="run tests that register users also where the spec says real customer data lives")
    group.addoption("--wait-healthy", dest="envmatrix_wait_healthy", metavar="SECONDS",
                    help="before the smoke checks, poll /health (bounded backoff) until it answers 200 with the "
                         "environment and the --expect-version release; past SECONDS every smoke check fails "
                         f"with what was last seen (default ${WAIT_VARIABLE}, else no wait)")


class ClientPool:
    """One SmokeClient per environment per process, made on first use."""

    def __init__(self, suite: Suite, options: HttpOptions, project: ProjectConfig) -> None:
        self.suite, self.options, self.project = suite, options, project
        self._clients: dict[str, SmokeClient] = {}
        self._waited: dict[str, Exception | None] = {}
        self._lock = threading.Lock()

    def client(self, env: str) -> SmokeClient:
        from envmatrix.http.client import SmokeClient  # httpx: only when a smoke check runs

        with self._lock:
            if env not in self._clients:
                domain = self.suite.tfvars(env).domain_name
                target = resolve_target(env, self.options, self.project, domain)
                required = self.suite.spec.env(env).security.basic_auth
                self._clients[env] = SmokeClient(target, basic_auth_required=required)
            return self._clients[env]

    def ready(self, env: str) -> SmokeClient:
        """The client, once /health shows the rollout done (with --wait-healthy); the same verdict for every
        check of the environment, so a rollout that never finished fails each of them with one reason."""
        client = self.client(env)
        seconds = self.options.wait_healthy
        if seconds is None:
            return client
        from envmatrix.http.wait import wait_healthy

        with self._lock:
            if env not in self._waited:
                try:
                    expected = self.project.app_environment(env, self.suite.environments.long_name(env))
                    wait_healthy(client, expected, client.target.expect_version, seconds)
                    self._waited[env] = None
                except EnvmatrixError as exc:
                    self._waited[env] = exc
        problem = self._waited[env]
        if problem is not None:
            raise problem.with_traceback(None)
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _options(config: pytest.Config, suite: Suite) -> HttpOptions:
    try:
        check_base_url_variables(suite.selected, os.environ)
        return HttpOptions(
            base_urls=parse_base_urls(config.getoption("envmatrix_base_url"), suite.selected, suite.environments),
            resolve=parse_resolve(config.getoption("envmatrix_resolve")),
            ca_bundle=config.getoption("envmatrix_ca_bundle"),
            expect_version=config.getoption("envmatrix_expect_version"),
            allow_user_creation=bool(config.getoption("envmatrix_allow_user_creation")),
            wait_healthy=wait_seconds(config.getoption("envmatrix_wait_healthy"), os.environ),
        )
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None:
        return
    pool = ClientPool(suite, _options(config, suite), config.stash.get(CONFIG_KEY, ProjectConfig()))
    config.stash[POOL_KEY] = pool
    suite.sources.http = pool.ready


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(POOL_KEY, None)
    if pool is not None:
        pool.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    pool = config.stash.get(POOL_KEY, None)
    if pool is None:
        return
    keep, dropped = [], []
    for item in items:
        env = env_of(item)
        real = env in pool.suite.spec.environments and pool.suite.spec.env(env).data.real_customer_data
        if item.get_closest_marker("creates_users") and real and not pool.options.allow_user_creation:
            dropped.append(item)
        else:
            keep.append(item)
    last = [item for item in keep if (info := info_of(item)) and info.layer == "smoke" and info.id in LAST_CHECKS]
    items[:] = [item for item in keep if item not in last] + last
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def pytest_report_header(config: pytest.Config) -> list[str]:
    pool = config.stash.get(POOL_KEY, None)
    markexpr = str(config.getoption("markexpr", "") or "")
    if pool is None or (markexpr and "smoke" not in markexpr):
        return []
    lines = []
    for env in pool.suite.selected:
        target = pool.client(env).target
        via = f" via {target.resolve[target.host]}" if target.host in target.resolve else ""
        lines.append(f"envmatrix smoke: {env} -> {target.base_url}{via} ({target.source}); trust: {target.ca_source}")
    if pool.options.wait_healthy is not None:
        lines.append(f"envmatrix smoke: waiting up to {pool.options.wait_healthy:g}s for /health to show the rollout")
    return lines


@pytest.fixture
def smoke_tasks(env: Environment) -> Iterator[TaskLedger]:
    """A task ledger logged in with the smoke account; leftover tasks are deleted in teardown."""
    client = env.http
    ledger = TaskLedger(client, smoke_login(client).access_token)
    yield ledger
    left = ledger.cleanup()
    if left:
        pytest.fail(f"{env.name}: could not delete smoke task(s) {left} at {client.base_url}", pytrace=False)
