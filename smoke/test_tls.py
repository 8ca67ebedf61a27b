"""TLS: a trusted certificate for the host, not close to expiry; HSTS where the spec requires it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from envmatrix import Environment, check
from envmatrix.context import MISSING
from envmatrix.spec import EnvironmentSpec
from envmatrix.wording import Figure, days

_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def _hsts(spec: EnvironmentSpec) -> bool:
    return spec.security.hsts


@check("SMOKE-TLS", layer="smoke", area="security", row="security", evidence=True, severity="critical",
       figure=Figure("certificate.days_left", days("TLS cert {} left"), part=2))
def test_smoke_tls(env: Environment) -> None:
    """HTTPS with a certificate valid for the host and not expiring within the spec's threshold."""
    from envmatrix.http.client import TlsFailure, days_left, peer_certificate  # httpx: only when smoke runs

    client = env.http
    minimum = env.suite.spec.defaults.certificate_min_days_valid
    host = client.target.host
    wanted = f"trusted certificate for {host} valid >= {minimum} days"
    env.expect(client.base_url, "scheme", "https", urlsplit(client.base_url).scheme)
    try:
        response, failure = client.request("GET", client.paths.health), None
    except TlsFailure as exc:
        response, failure = None, str(exc)
    if failure is not None or response is None:  # outside the except block: no chained traceback
        env.expect(host, "certificate", wanted, failure, ok=lambda _want, _got: False, expected_text=wanted)
        return
    certificate = peer_certificate(response)
    env.expect(host, "certificate", "presented", "presented" if certificate else MISSING)
    if certificate is None:
        return  # unreachable: the expectation above has failed
    left = round(days_left(certificate), 1)
    env.expect(host, "certificate.days_left", minimum, left, ok=lambda want, got: got >= want,
               expected_text=f">= {minimum} (notAfter {certificate.get('notAfter')})")


@check("SMOKE-HSTS", layer="smoke", area="security", row="security", evidence=True, severity="high", applies=_hsts)
def test_smoke_hsts(env: Environment) -> None:
    """Strict-Transport-Security with a positive max-age where the spec requires HSTS."""
    client = env.http
    response = client.request("GET", client.paths.health)
    header = response.headers.get("strict-transport-security")
    match = _MAX_AGE.search(header or "")
    env.expect(f"GET {client.url(client.paths.health)}", "Strict-Transport-Security", "max-age > 0",
               header if header is not None else MISSING, ok=lambda _w, _g: bool(match and int(match.group(1)) > 0))
