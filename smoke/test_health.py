"""GET /health: up, the environment that was asked for, and the expected release."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.context import MISSING
from envmatrix.http.contract import json_object


@check("SMOKE-HEALTH", layer="smoke", area="monitoring", row="deployment", severity="critical")
def test_smoke_health(env: Environment) -> None:
    """/health answers 200 ok for this environment (and the expected version, when given)."""
    client = env.http
    response = client.request("GET", client.paths.health)
    resource = f"GET {client.url(client.paths.health)}"
    env.expect(resource, "status_code", 200, response.status_code)
    body = json_object(response)
    env.expect(resource, "status", "ok", body.get("status", MISSING))
    env.expect(resource, "environment", env.app_environment, body.get("environment", MISSING))
    if client.target.expect_version is not None:
        env.expect(resource, "version", client.target.expect_version, body.get("version", MISSING))
