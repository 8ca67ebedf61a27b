"""Authentication: token lifetime and algorithm from the token itself, refresh tokens, 401, unverified accounts."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.context import MISSING
from envmatrix.http.contract import login, smoke_login, unverified_account
from envmatrix.http.tokens import NotAJwt, decode_unverified, lifetime_seconds
from envmatrix.spec import EnvironmentSpec
from envmatrix.wording import Figure, text


def _has_refresh(spec: EnvironmentSpec) -> bool:
    return spec.app.jwt.refresh_token_days is not None


def _verification_required(spec: EnvironmentSpec) -> bool:
    return spec.app.email_verification


def _minutes(seconds: int | None) -> float | int | None:
    if seconds is None:
        return None
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 2)


@check("JWT-ACCESS-MINUTES", layer="smoke", area="flags", row="jwt_expiration", evidence=True, severity="high",
       figure=Figure("exp - iat (minutes)", text("token {} min")))
def test_jwt_access_minutes(env: Environment) -> None:
    """The smoke account's access token lives exp - iat = the spec's minutes, signed with the spec's alg."""
    client = env.http
    tokens = smoke_login(client)
    env.expect("access_token", "type", "bearer", tokens.token_type.lower())
    try:
        header, claims = decode_unverified(tokens.access_token)
    except NotAJwt as exc:
        header, claims, problem = {}, {}, f"not a JWT ({exc})"
    else:
        problem = ""
    env.expect("access_token", "format", "JWT", problem or "JWT")
    jwt = env.spec.app.jwt
    env.expect("access_token", "exp - iat (minutes)", jwt.access_token_minutes, _minutes(lifetime_seconds(claims)))
    env.expect("access_token", "alg", jwt.algorithm, header.get("alg", MISSING))


@check("JWT-REFRESH-DAYS", layer="smoke", area="flags", row="jwt_expiration", applies=_has_refresh)
def test_jwt_refresh_days(env: Environment) -> None:
    """Login returns a refresh token; when it is a JWT, it lives the spec's days."""
    tokens = smoke_login(env.http)
    env.expect("refresh_token", "presence", "present",
               "present" if tokens.refresh_token else f"absent (keys {list(tokens.body_keys)})")
    try:
        _, claims = decode_unverified(str(tokens.refresh_token))
    except NotAJwt:
        return  # an opaque refresh token: its presence is all the contract can see
    seconds = lifetime_seconds(claims)
    days = seconds / 86400 if seconds is not None else None
    env.expect("refresh_token", "exp - iat (days)", env.spec.app.jwt.refresh_token_days, days)


@check("SMOKE-AUTH-REQUIRED", layer="smoke", area="security", row="security", evidence=True, severity="critical")
def test_smoke_auth_required(env: Environment) -> None:
    """The tasks API answers 401 without a token and with a token it did not issue."""
    client = env.http
    resource = f"GET {client.url(client.paths.tasks)}"
    env.expect(resource, "status_code (no token)", 401, client.request("GET", client.paths.tasks).status_code)
    forged = client.request("GET", client.paths.tasks, token="envmatrix-not-a-token")
    env.expect(resource, "status_code (forged bearer)", 401, forged.status_code)


@check("APP-UNVERIFIED-LOGIN", layer="smoke", area="flags", row="email_verification", evidence=True,
       severity="high", applies=_verification_required,
       figure=Figure("status_code", text("unverified login {}"), "unverified"))
def test_app_unverified_login(env: Environment) -> None:
    """A configured account that never verified its address is refused at login (403); no user is created."""
    client = env.http
    email, password = unverified_account(client)
    env.expect(f"POST {client.url(client.paths.login)} (configured unverified account)", "status_code", 403,
               login(client, email, password).status_code)
