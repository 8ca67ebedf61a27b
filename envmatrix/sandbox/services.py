"""Start the reference Task Manager API (one HTTPS instance per environment) for the sandbox.

Each instance listens on its own 127.0.0.1 port with a certificate for the environment's real domain
name, issued by a CA made for the run. The smoke layer is pointed at it with
``ENVMATRIX_BASE_URL_<ENV>=https://<domain>:<port>`` plus ``ENVMATRIX_RESOLVE=<domain>=127.0.0.1``: the
client connects to 127.0.0.1 but sends the real Host header and SNI and verifies the certificate for
the domain, as it would against the real load balancer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import trustme

import envmatrix
from envmatrix.redact import register_secret
from envmatrix.sandbox.github_api import start_github
from envmatrix.sandbox.refservice import Extras, TlsServer, create_app, settings_from_env
from envmatrix.sandbox.refservice.server import write_ca_bundle, write_certificate
from envmatrix.sandbox.world import default_world

if TYPE_CHECKING:
    from envmatrix.context import Suite

LOOPBACK = "127.0.0.1"
PROBE_SOURCE = "127.0.0.2"
CERT_DAYS = 90


@dataclass(frozen=True)
class ServiceFault:
    """Misconfiguration of one instance (for fault-injection tests): env-file overrides and extras."""

    env_values: Mapping[str, str] = field(default_factory=dict)
    hsts: bool | None = None
    basic_auth: bool | None = None
    cert_days: int | None = None  # days of validity left; negative means already expired
    version: str | None = None


@dataclass
class RunningServices:
    """The reference services of one sandbox run; ``env_vars`` point the smoke layer at them."""

    base_urls: dict[str, str] = field(default_factory=dict)
    ca_bundle: Path | None = None
    env_vars: dict[str, str] = field(default_factory=dict)
    servers: dict[str, TlsServer] = field(default_factory=dict)

    def set_version(self, env: str, version: str) -> None:
        """Switch the release ``env``'s /health reports, as a finished rollout would (tests of --wait-healthy)."""
        self.servers[env].app.state.version = version

    def stop(self) -> None:
        """Stop every instance (idempotent)."""
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def __enter__(self) -> RunningServices:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _cert_files(ca: trustme.CA, domain: str, days: int, workdir: Path, env: str) -> tuple[Path, Path]:
    now = dt.datetime.now(dt.UTC)
    not_before = now - dt.timedelta(days=max(1, -days + 1))
    leaf = ca.issue_cert(domain, not_before=not_before, not_after=now + dt.timedelta(days=days))
    return write_certificate(leaf, workdir / f"{env}-cert.pem", workdir / f"{env}-key.pem")


def _extras(env: str, domain: str, fault: ServiceFault) -> Extras:
    edge = default_world().env(env).edge  # the deployment's edge (world file), never the spec
    smoke = (f"envmatrix-smoke@{domain}", secrets.token_urlsafe(18))
    unverified = (f"envmatrix-unverified@{domain}", secrets.token_urlsafe(18))
    basic = edge.basic_auth if fault.basic_auth is None else fault.basic_auth
    basic_auth = ("envmatrix", secrets.token_urlsafe(18)) if basic else None
    hsts = edge.hsts if fault.hsts is None else fault.hsts
    register_secret(smoke[1], unverified[1], basic_auth[1] if basic_auth else None)
    return Extras(smoke_account=smoke, unverified_account=unverified, basic_auth=basic_auth, hsts=hsts,
                  version=fault.version or f"{envmatrix.__version__}-sandbox")


def _env_vars_for(env: str, base_url: str, extras: Extras) -> dict[str, str]:
    key = env.upper()
    out = {f"ENVMATRIX_BASE_URL_{key}": base_url}
    if extras.smoke_account:
        out[f"ENVMATRIX_SMOKE_EMAIL_{key}"], out[f"ENVMATRIX_SMOKE_PASSWORD_{key}"] = extras.smoke_account
    if extras.unverified_account:
        out[f"ENVMATRIX_UNVERIFIED_EMAIL_{key}"], out[f"ENVMATRIX_UNVERIFIED_PASSWORD_{key}"] = \
            extras.unverified_account
    if extras.basic_auth:
        out[f"ENVMATRIX_BASIC_AUTH_{key}"] = ":".join(extras.basic_auth)
    return out


def start_services(
    suite: Suite, workdir: Path, *, faults: Mapping[str, ServiceFault] | None = None, envs: list[str] | None = None
) -> RunningServices:
    """Start one reference service per selected environment (the world's when none is selected)."""
    workdir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="envmatrix sandbox CA")
    running = RunningServices(ca_bundle=write_ca_bundle(ca, workdir / "sandbox-ca.pem"))
    resolve: list[str] = []
    try:
        for env in envs or suite.selected or list(default_world().environments):
            fault = (faults or {}).get(env, ServiceFault())
            domain = suite.tfvars(env).domain_name
            extras = _extras(env, domain, fault)
            values = {**suite.env_file(env).values, **fault.env_values}
            settings = settings_from_env(values, extras, placeholder=default_world().secret_marker)
            register_secret(settings.jwt_secret)
            certfile, keyfile = _cert_files(ca, domain, fault.cert_days or CERT_DAYS, workdir, env)
            server = TlsServer(create_app(settings), certfile, keyfile, host=LOOPBACK).start()
            running.servers[env] = server
            running.base_urls[env] = f"https://{domain}:{server.port}"
            running.env_vars.update(_env_vars_for(env, running.base_urls[env], extras))
            resolve.append(f"{domain}={LOOPBACK}")
        github = default_world().github
        if github is not None:  # the repository's settings, played by the GitHub stand-in
            running.servers["github"], found = start_github(github, ca, workdir)
            running.env_vars.update(found)
        for server in running.servers.values():
            server.wait_started()
    except BaseException:
        running.stop()
        raise
    running.env_vars["ENVMATRIX_RESOLVE"] = ",".join(resolve)
    running.env_vars["ENVMATRIX_CA_BUNDLE"] = str(running.ca_bundle)
    # The rate-limit burst comes from another loopback address so its throttling reaches no other check.
    running.env_vars["ENVMATRIX_PROBE_SOURCE_ADDRESS"] = PROBE_SOURCE
    return running
