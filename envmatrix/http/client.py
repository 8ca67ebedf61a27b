"""The smoke client: httpx over verified TLS, bounded timeouts, fail-fast when the service is down."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import certifi
import httpx

from envmatrix.errors import EnvmatrixError
from envmatrix.http.settings import ServiceTarget
from envmatrix.redact import clip, redact_text, register_secret

TIMEOUT = httpx.Timeout(connect=3.0, read=5.0, write=5.0, pool=5.0)
STARTUP_ATTEMPTS = 3
STARTUP_BACKOFF = 0.3
NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # no Nagle stall on small request writes


@dataclass(frozen=True)
class SmokePaths:
    """The smoke contract's paths (DESIGN.md "The smoke contract")."""

    health: str = "/health"
    root: str = "/"
    register: str = "/api/v1/auth/register"
    login: str = "/api/v1/auth/login"
    tasks: str = "/api/v1/tasks"

    def task(self, task_id: str) -> str:
        return f"{self.tasks}/{task_id}"


class ServiceUnavailable(EnvmatrixError):
    """The service could not be reached (connection refused, timeout, DNS)."""


class TlsFailure(ServiceUnavailable):
    """The TLS handshake failed verification (untrusted, wrong host, expired certificate)."""


class MissingCredentials(EnvmatrixError):
    """A smoke test needs credentials that are not configured."""


def ssl_context(target: ServiceTarget) -> ssl.SSLContext:
    """Always-verifying context: the configured bundle or directory, else certifi's roots."""
    if target.ca_bundle and not target.ca_source.endswith("SSL_CERT_DIR"):
        return ssl.create_default_context(cafile=target.ca_bundle)
    if target.ca_bundle:
        return ssl.create_default_context(capath=target.ca_bundle)
    return ssl.create_default_context(cafile=certifi.where())


class ResolvingTransport(httpx.BaseTransport):
    """Connect to a mapped address while keeping the real host for Host, SNI and certificate checks."""

    def __init__(self, resolve: Mapping[str, str], **kwargs: Any) -> None:
        self._resolve = dict(resolve)
        self._inner = httpx.HTTPTransport(**kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self._resolve:
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=self._resolve[host])
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def peer_certificate(response: httpx.Response) -> dict[str, Any] | None:
    """The verified peer certificate of the connection that carried ``response``."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    return ssl_object.getpeercert() if ssl_object is not None else None


def days_left(certificate: dict[str, Any], now: dt.datetime | None = None) -> float:
    expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(certificate["notAfter"]), dt.UTC)
    return (expires - (now or dt.datetime.now(dt.UTC))).total_seconds() / 86400


def describe(response: httpx.Response, limit: int = 200) -> str:
    """Status and a redacted, shortened body for failure messages."""
    body = clip(response.text, limit, fold=True)
    return f"HTTP {response.status_code} {body}".strip()


class SmokeClient:
    """One environment's HTTP client; every smoke test talks to the service through it."""

    def __init__(self, target: ServiceTarget, paths: SmokePaths | None = None, *,
                 basic_auth_required: bool = False) -> None:
        self.target = target
        self.basic_auth_required = basic_auth_required
        self.paths = paths or SmokePaths()
        self._client = self._make_client(None)
        self._contacted = False
        self._down: str | None = None

    def _make_client(self, local_address: str | None) -> httpx.Client:
        transport = ResolvingTransport(self.target.resolve, verify=ssl_context(self.target),
                                       local_address=local_address, socket_options=NO_DELAY)
        return httpx.Client(base_url=self.target.base_url, transport=transport, timeout=TIMEOUT,
                            follow_redirects=False, trust_env=False)

    @property
    def base_url(self) -> str:
        return self.target.base_url

    def close(self) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        return f"{self.target.base_url}{path}"

    def basic_header(self) -> dict[str, str]:
        if self.target.basic_auth is None and self.basic_auth_required:
            raise MissingCredentials(f"{self.target.env}: the service is behind HTTP basic auth: set "
                                     f"ENVMATRIX_BASIC_AUTH_{self.target.env.upper()}=user:password")
        if self.target.basic_auth is None:
            return {}
        raw = base64.b64encode(":".join(self.target.basic_auth).encode()).decode()
        register_secret(raw)
        return {"Authorization": f"Basic {raw}"}

    def request(self, method: str, path: str, *, token: str | None = None, anonymous: bool = False,
                **kwargs: Any) -> httpx.Response:
        """Send one request; basic auth is added where configured unless a token or ``anonymous``."""
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            register_secret(token)
            headers["Authorization"] = f"Bearer {token}"
        elif not anonymous:
            headers = {**self.basic_header(), **headers}
        return self._send(self._client, method, path, headers=headers, **kwargs)

    def probe(self, path: str) -> httpx.Response | str:
        """One GET that leaves no mark on the client (a rollout may refuse connections for a while):
        the response, or why there was none."""
        try:
            return self._client.request("GET", path, headers=self.basic_header())
        except httpx.TransportError as exc:
            return self._reason(path, f"{type(exc).__name__}: {exc or 'no response'}")

    def _send(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._down is not None:
            raise ServiceUnavailable(self._down)
        attempts = 1 if self._contacted else STARTUP_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                response = client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if _is_tls_error(exc):
                    raise TlsFailure(self._reason(path, f"TLS verification failed: {exc}")) from None
                if attempt < attempts and isinstance(exc, httpx.ConnectError):
                    time.sleep(STARTUP_BACKOFF * attempt)
                    continue
                self._down = self._reason(path, f"{type(exc).__name__}: {exc or 'no response'}")
                raise ServiceUnavailable(self._down) from None
            self._contacted = True
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _reason(self, path: str, problem: str) -> str:
        via = f" (connecting to {self.target.resolve[self.target.host]})" if self.target.host in self.target.resolve \
            else ""
        return redact_text(f"{self.target.env}: service at {self.url(path)}{via} is unavailable: {problem}")

    def burst(self, method: str, path: str, count: int, *, until: int | None = None) -> list[httpx.Response]:
        """Up to ``count`` quick requests (stopping at status ``until``) from the probe source address, if set,
        so that the burst's throttling cannot reach the other checks' connections."""
        client = self._make_client(self.target.probe_source_address) if self.target.probe_source_address \
            else self._client
        responses: list[httpx.Response] = []
        try:
            while len(responses) < count and (not responses or responses[-1].status_code != until):
                responses.append(self._send(client, method, path, headers=self.basic_header()))
            return responses
        finally:
            if client is not self._client:
                client.close()
