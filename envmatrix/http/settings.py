"""Where the smoke layer finds a service: base URL, trust, credentials, each from a short chain of sources."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from envmatrix.config import ProjectConfig
from envmatrix.environments import Environments
from envmatrix.errors import UsageError
from envmatrix.redact import register_secret
from envmatrix.tls import RULE, check_url, is_loopback

PREFIX = "ENVMATRIX_"
WAIT_VARIABLE = "ENVMATRIX_WAIT_HEALTHY"


@dataclass(frozen=True)
class HttpOptions:
    """The smoke layer's command-line options, validated (credentials never come from here)."""

    base_urls: Mapping[str, str] = field(default_factory=dict)
    resolve: Mapping[str, str] = field(default_factory=dict)
    ca_bundle: str | None = None
    expect_version: str | None = None
    allow_user_creation: bool = False
    wait_healthy: float | None = None  # seconds to wait for /health to show the rollout (None: no wait)


@dataclass(frozen=True)
class ServiceTarget:
    """Everything needed to talk to one environment's service over HTTPS (the smoke layer's target)."""

    env: str
    base_url: str
    source: str
    resolve: Mapping[str, str]
    ca_bundle: str | None
    ca_source: str
    smoke_account: tuple[str, str] | None
    basic_auth: tuple[str, str] | None
    expect_version: str | None
    allow_user_creation: bool
    probe_source_address: str | None = None
    #: a configured account that never verified its address (observes verification without creating users)
    unverified_account: tuple[str, str] | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""


def parse_base_urls(values: Sequence[str], selected: Sequence[str], environments: Environments) -> dict[str, str]:
    """``env=https://...`` (repeatable), or one bare URL when exactly one environment is selected."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            try:
                env = environments.canonical(name)
            except UsageError:
                raise UsageError(f"--base-url: unknown environment {name!r} in {value!r}") from None
        elif len(selected) == 1:
            env, url = selected[0], value
        else:
            raise UsageError(f"--base-url: {value!r} has no environment; use ENV=URL when several are selected")
        out[env] = check_url("--base-url", url)
    return out


def check_base_url_variables(selected: Sequence[str], environ: Mapping[str, str]) -> None:
    """Each selected environment's ``$ENVMATRIX_BASE_URL_<ENV>``, checked when the run starts, not at first use."""
    for env in selected:
        variable = f"{PREFIX}BASE_URL_{env.upper()}"
        if environ.get(variable):
            check_url(f"${variable}", environ[variable])


def parse_resolve(values: Sequence[str], option: str = "--resolve") -> dict[str, str]:
    """``host=address`` pairs: connect to address, but keep the host for Host, SNI and certificate checks."""
    out: dict[str, str] = {}
    for value in (part for raw in values for part in raw.split(",") if part.strip()):
        host, sep, address = value.strip().partition("=")
        if not sep or not host or not address:
            raise UsageError(f"{option}: {value!r} is not HOST=ADDRESS")
        out[host.lower()] = address
    return out


def _base_url(env: str, options: HttpOptions, config: ProjectConfig, domain: str, environ: Mapping[str, str]
              ) -> tuple[str, str]:
    variable = f"{PREFIX}BASE_URL_{env.upper()}"
    if env in options.base_urls:
        return options.base_urls[env], "--base-url"
    if environ.get(variable):
        return check_url(f"${variable}", environ[variable]), f"${variable}"
    configured = config.environments.get(env)
    if configured is not None and configured.base_url:
        return check_url("envmatrix.toml base_url", configured.base_url), "envmatrix.toml"
    return f"https://{domain}", "tfvars domain_name"


def _ca_bundle(options: HttpOptions, environ: Mapping[str, str]) -> tuple[str | None, str]:
    if options.ca_bundle:
        return options.ca_bundle, "--ca-bundle"
    for variable in (f"{PREFIX}CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        if environ.get(variable):
            return environ[variable], f"${variable}"
    return None, "default trust store"


def _pair(env: str, environ: Mapping[str, str]) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    key = env.upper()
    email, password = environ.get(f"{PREFIX}SMOKE_EMAIL_{key}"), environ.get(f"{PREFIX}SMOKE_PASSWORD_{key}")
    user, sep, secret = environ.get(f"{PREFIX}BASIC_AUTH_{key}", "").partition(":")
    register_secret(password, secret or None)
    smoke = (email, password) if email and password else None
    return smoke, ((user, secret) if sep and user else None)


def _unverified(env: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    key = env.upper()
    email = environ.get(f"{PREFIX}UNVERIFIED_EMAIL_{key}")
    password = environ.get(f"{PREFIX}UNVERIFIED_PASSWORD_{key}")
    register_secret(password)
    return (email, password) if email and password else None


def _check_plain_http_stays_local(base_url: str, source: str, resolve: Mapping[str, str]) -> None:
    """Plain http is allowed to loopback only: a --resolve that sends its host elsewhere would carry the login
    and basic auth in the clear to that address."""
    parts = urlsplit(base_url)
    address = resolve.get((parts.hostname or "").lower())
    if parts.scheme == "http" and address is not None and not is_loopback(address.strip("[]")):
        raise UsageError(f"--resolve: {parts.hostname}={address} sends the plain-http base URL from {source} to a "
                         f"host that is not loopback; {RULE}")


def resolve_target(env: str, options: HttpOptions, config: ProjectConfig, domain: str,
                   environ: Mapping[str, str] | None = None) -> ServiceTarget:
    """Resolve one environment's target; credentials only from the environment, never the command line."""
    environ = os.environ if environ is None else environ
    base_url, source = _base_url(env, options, config, domain, environ)
    ca_bundle, ca_source = _ca_bundle(options, environ)
    smoke, basic = _pair(env, environ)
    resolve = {**parse_resolve([environ.get(f"{PREFIX}RESOLVE", "")], f"${PREFIX}RESOLVE"), **options.resolve}
    _check_plain_http_stays_local(base_url, source, resolve)
    return ServiceTarget(
        env=env, base_url=base_url, source=source, resolve=resolve, ca_bundle=ca_bundle, ca_source=ca_source,
        smoke_account=smoke, basic_auth=basic,
        expect_version=options.expect_version or environ.get(f"{PREFIX}EXPECT_VERSION") or None,
        allow_user_creation=options.allow_user_creation,
        probe_source_address=environ.get(f"{PREFIX}PROBE_SOURCE_ADDRESS") or None,
        unverified_account=_unverified(env, environ),
    )


def parse_wait(value: str, source: str = "--wait-healthy") -> float | None:
    """Seconds to wait (0 or empty: do not wait); anything else is a usage error naming its source."""
    try:
        seconds = float(value) if value.strip() else 0.0
    except ValueError:
        raise UsageError(f"{source}: {value!r} is not a number of seconds") from None
    if seconds < 0 or not math.isfinite(seconds):
        raise UsageError(f"{source}: {value!r} must be a finite number of seconds >= 0")
    return seconds or None


def wait_seconds(option: str | None, environ: Mapping[str, str]) -> float | None:
    """The option, else $ENVMATRIX_WAIT_HEALTHY, else off."""
    if option is not None:
        return parse_wait(option)
    return parse_wait(environ.get(WAIT_VARIABLE, ""), f"${WAIT_VARIABLE}")
