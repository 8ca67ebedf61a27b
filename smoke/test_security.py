"""Access controls seen from outside: CORS preflights and staging's HTTP basic auth."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envmatrix import Environment, check
from envmatrix.context import MISSING
from envmatrix.spec import EnvironmentSpec

if TYPE_CHECKING:
    from envmatrix.http.client import SmokeClient

FOREIGN_ORIGIN = "https://envmatrix-probe.invalid"  # an origin no environment may allow


def _has_cors(spec: EnvironmentSpec) -> bool:
    return spec.app.cors_origins is not None


def _basic_auth(spec: EnvironmentSpec) -> bool:
    return spec.security.basic_auth


def _allowed(client: SmokeClient, origin: str) -> bool:
    response = client.request("OPTIONS", client.paths.tasks, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    allow = response.headers.get("access-control-allow-origin")
    return response.status_code < 400 and allow in (origin, "*")


@check("APP-CORS-ORIGINS", layer="smoke", area="security", row="security", evidence=True, applies=_has_cors)
def test_app_cors_origins(env: Environment) -> None:
    """A preflight is allowed exactly for the spec's origins; a foreign origin is refused."""
    client = env.http
    documented = sorted(env.spec.app.cors_origins or ())
    allowed = sorted(origin for origin in [*documented, FOREIGN_ORIGIN] if _allowed(client, origin))
    env.expect(f"OPTIONS {client.url(client.paths.tasks)}", "allowed origins", documented, allowed)


@check("SMOKE-BASIC-AUTH", layer="smoke", area="security", row="access",
       evidence=True, severity="high", applies=_basic_auth)
def test_smoke_basic_auth(env: Environment) -> None:
    """A request without credentials meets HTTP basic auth (401 with a Basic challenge)."""
    client = env.http
    response = client.request("GET", client.paths.root, anonymous=True)
    resource = f"GET {client.url(client.paths.root)} (no credentials)"
    env.expect(resource, "status_code", 401, response.status_code)
    challenge = response.headers.get("www-authenticate")
    env.expect(resource, "WWW-Authenticate", "Basic ...", challenge if challenge is not None else MISSING,
               ok=lambda _w, got: isinstance(got, str) and got.lower().startswith("basic"))
