"""Feature flags as behaviour: registration, email verification, rate limiting, debug error bodies."""

from __future__ import annotations

import re
import uuid

import pytest

from envmatrix import Environment, check
from envmatrix.http.contract import login, new_user_email
from envmatrix.spec import EnvironmentSpec
from envmatrix.wording import Figure, text, when

BURST_EXTRA = 5  # requests beyond the limit: enough to cross it, few enough to stay a smoke test
_INTERNALS = {
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "source file": re.compile(r"File \\?\"[^\"]+\.py\\?\", line \d+"),
    "package path": re.compile(r"(site|dist)-packages"),
    "framework module": re.compile(r"\b(starlette|fastapi|uvicorn|pydantic_core|sqlalchemy|django|werkzeug)\.\w"),
}


def _registration_open(spec: EnvironmentSpec) -> bool:
    return spec.app.registration


@pytest.mark.creates_users
@check("APP-REGISTRATION", layer="smoke", area="flags", row="email_verification", severity="medium")
def test_app_registration(env: Environment) -> None:
    """Registering a new user: 201 where registration is enabled, 403 where it is not."""
    client = env.http
    password = uuid.uuid4().hex
    response = client.request("POST", client.paths.register, json={"email": new_user_email(client),
                                                                    "password": password})
    env.expect(f"POST {client.url(client.paths.register)}", "status_code", 201 if env.spec.app.registration else 403,
               response.status_code)


@pytest.mark.creates_users
@check("APP-EMAIL-VERIFICATION", layer="smoke", area="flags", row="email_verification", evidence=True, severity="high",
       applies=_registration_open,
       figure=Figure("status_code", text("unverified login {}"), "unverified", rank=2))
def test_app_email_verification(env: Environment) -> None:
    """A new, unverified user cannot log in where verification is required (403), and can where skipped."""
    client = env.http
    email, password = new_user_email(client), uuid.uuid4().hex
    registered = client.request("POST", client.paths.register, json={"email": email, "password": password})
    env.expect(f"POST {client.url(client.paths.register)}", "status_code", 201, registered.status_code)
    expected = 403 if env.spec.app.email_verification else 200
    env.expect(f"POST {client.url(client.paths.login)} (unverified user)", "status_code", expected,
               login(client, email, password).status_code)


def _burst_size(env: Environment) -> int:
    limits = [e.app.rate_limit.per_minute for e in env.suite.spec.environments.values() if e.app.rate_limit.per_minute]
    limit = env.spec.app.rate_limit.per_minute if env.spec.app.rate_limit.enabled else max(limits, default=60)
    return (limit or 0) + BURST_EXTRA


@check("APP-RATE-LIMITING", layer="smoke", area="flags", row="rate_limiting", evidence=True, severity="high",
       figure=(Figure("rate limit"), Figure("HTTP 429 responses", when("0", "no 429"), rank=2)))
def test_app_rate_limiting(env: Environment) -> None:
    """A burst beyond the per-minute limit gets 429 with Retry-After where enabled, and none where disabled."""
    client = env.http
    count = _burst_size(env)
    responses = client.burst("GET", client.paths.tasks, count, until=429)
    limited = [r for r in responses if r.status_code == 429]
    resource = f"GET {client.url(client.paths.tasks)} x{count}"
    if not env.spec.app.rate_limit.enabled:
        env.expect(resource, "HTTP 429 responses", 0, len(limited))
        # Unthrottled means every request got the tasks API's own answer without a token (401), not some other
        # refusal (a WAF rate rule's 403, a proxy's 503) or an error.
        env.expect(resource, "status codes (anonymous)", [401], sorted({r.status_code for r in responses}))
        return
    seen = f"first 429 after {len(responses)} requests" if limited else f"no 429 in {len(responses)} requests"
    env.expect(resource, "rate limit", f"HTTP 429 within {count} requests", seen, ok=lambda _w, _g: bool(limited))
    retry_after = limited[0].headers.get("retry-after", "")
    env.expect(resource, "Retry-After", "seconds > 0", retry_after or "<missing>",
               ok=lambda _w, got: got.isdigit() and int(got) > 0)


def _internals(text: str) -> list[str]:
    return [name for name, pattern in _INTERNALS.items() if pattern.search(text)]


@check("APP-DEBUG", layer="smoke", area="flags", row="debug_mode", evidence=True, severity="critical")
def test_app_debug(env: Environment) -> None:
    """Error bodies (unknown route, malformed JSON) carry no traceback or internals unless debug is on."""
    client = env.http
    probes = {
        f"GET {client.url('/envmatrix-probe-' + uuid.uuid4().hex[:8])}":
            client.request("GET", f"/envmatrix-probe-{uuid.uuid4().hex[:8]}"),
        f"POST {client.url(client.paths.login)} (malformed JSON)":
            client.request("POST", client.paths.login, content=b'{"email": ',
                           headers={"Content-Type": "application/json"}),
    }
    found = {name: _internals(response.text) for name, response in probes.items()}
    if env.spec.app.debug:
        shown = [f"{name}: {', '.join(kinds) or 'none'}" for name, kinds in found.items()]
        env.expect("error responses", "debug details", "a traceback in some error body", "; ".join(shown),
                   ok=lambda _w, _g: any("traceback" in kinds for kinds in found.values()))
        return
    for name, kinds in found.items():
        env.expect(name, "error body internals", "none", ", ".join(kinds) or "none")
