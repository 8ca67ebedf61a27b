"""Live application behaviour: the task definitions' environment against the matrix (both services)."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.aws.checking import ROLES, container
from envmatrix.spec import EnvironmentSpec


def _has_refresh(spec: EnvironmentSpec) -> bool:
    return spec.app.jwt.refresh_token_days is not None


def _has_cors(spec: EnvironmentSpec) -> bool:
    return spec.app.cors_origins is not None


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _same_text(want: object, got: object) -> bool:
    """Equal as the application reads it: booleans in any case, everything else exactly (HS256 is not hs256)."""
    if not isinstance(got, str):
        return False
    if isinstance(want, bool):
        return got.strip().lower() == _flag(want)
    return got.strip() == str(want)


def _expect_variables(env: Environment, expected: dict[str, object]) -> None:
    """Each variable, in each service's container environment, equal to the spec's value (as text)."""
    for role in ROLES:
        resource, app = container(env, role)
        for name, value in expected.items():
            env.expect(resource, f"environment.{name}", value, app.environment.get(name), ok=_same_text,
                       expected_text=_flag(value) if isinstance(value, bool) else str(value))


@check("APP-ENVIRONMENT", layer="live", area="flags", row="deployment", severity="critical")
def test_app_environment(env: Environment) -> None:
    """ENVIRONMENT holds the environment's app_environment (the long name by default)."""
    _expect_variables(env, {"ENVIRONMENT": env.app_environment})


@check("APP-DEBUG", layer="live", area="flags", row="debug_mode", severity="critical")
def test_app_debug(env: Environment) -> None:
    """Debug mode per the matrix."""
    _expect_variables(env, {"DEBUG": env.spec.app.debug})


@check("JWT-ACCESS-MINUTES", layer="live", area="flags", row="jwt_expiration", severity="high")
def test_jwt_access_minutes(env: Environment) -> None:
    """Access-token lifetime (minutes) and signing algorithm."""
    jwt = env.spec.app.jwt
    _expect_variables(env, {"JWT_ACCESS_TOKEN_EXPIRE_MINUTES": jwt.access_token_minutes,
                            "JWT_ALGORITHM": jwt.algorithm})


@check("JWT-REFRESH-DAYS", layer="live", area="flags", row="jwt_expiration", applies=_has_refresh)
def test_jwt_refresh_days(env: Environment) -> None:
    """Refresh-token lifetime (days) where the spec has refresh tokens."""
    _expect_variables(env, {"JWT_REFRESH_TOKEN_EXPIRE_DAYS": env.spec.app.jwt.refresh_token_days})


@check("APP-EMAIL-VERIFICATION", layer="live", area="flags", row="email_verification", severity="high")
def test_app_email_verification(env: Environment) -> None:
    """Email verification required or skipped per the matrix."""
    _expect_variables(env, {"ENABLE_EMAIL_VERIFICATION": env.spec.app.email_verification})


@check("APP-REGISTRATION", layer="live", area="flags", row="email_verification", severity="medium")
def test_app_registration(env: Environment) -> None:
    """Self-service registration open or closed."""
    _expect_variables(env, {"ENABLE_REGISTRATION": env.spec.app.registration})


@check("APP-RATE-LIMITING", layer="live", area="flags", row="rate_limiting", severity="high")
def test_app_rate_limiting(env: Environment) -> None:
    """Rate limiting on or off; its per-minute limit where a container sets one."""
    _expect_variables(env, {"ENABLE_RATE_LIMITING": env.spec.app.rate_limit.enabled})
    for role in ROLES:
        resource, app = container(env, role)
        if "RATE_LIMIT_PER_MINUTE" in app.environment:
            env.expect(resource, "environment.RATE_LIMIT_PER_MINUTE", env.spec.app.rate_limit.per_minute,
                       app.environment["RATE_LIMIT_PER_MINUTE"], ok=_same_text)


@check("APP-POOLS", layer="live", area="sla", row="deployment", severity="low")
def test_app_pools(env: Environment) -> None:
    """Database pool size/overflow and Celery worker concurrency."""
    app = env.spec.app
    _expect_variables(env, {"DB_POOL_SIZE": app.db_pool_size, "DB_POOL_MAX_OVERFLOW": app.db_pool_max_overflow,
                            "CELERY_WORKER_CONCURRENCY": app.worker_concurrency})


@check("APP-CORS-ORIGINS", layer="live", area="security", row="security", applies=_has_cors)
def test_app_cors_origins(env: Environment) -> None:
    """CORS origins exactly the documented list (no wildcard)."""
    for role in ROLES:
        resource, app = container(env, role)
        raw = app.environment.get("CORS_ORIGINS")
        origins = sorted(o.strip() for o in raw.split(",")) if raw is not None else None
        env.expect(resource, "environment.CORS_ORIGINS", sorted(env.spec.app.cors_origins or ()), origins)
