"""Declared application behaviour: debug, JWT, registration, email verification, rate limiting, pools."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings, Found
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds


def _has_refresh(spec: EnvironmentSpec) -> bool:
    return spec.app.jwt.refresh_token_days is not None


def _has_cors(spec: EnvironmentSpec) -> bool:
    return spec.app.cors_origins is not None


def _variables(env: Environment) -> tuple[dict[str, str], dict[str, str]]:
    """The env file's variables as the pipeline ships them: set ones, and placeholders delivered through secrets."""
    placeholder = env.suite.spec.defaults.secret_placeholder
    values = env.env_file.values
    return ({key: value for key, value in values.items() if value != placeholder},
            {key: value for key, value in values.items() if value == placeholder})


def _setting(env: Environment, name: str, want: object) -> Found:
    """The env file's variable as pydantic-settings reads it: in any case, else its documented default."""
    return AppSettings.of(env.suite.spec, env.name).find(name, *_variables(env), like=want)


def _expect_setting(env: Environment, name: str, want: object, found: Found) -> None:
    shown = sorted(want) if isinstance(want, tuple | list) else want
    env.expect(env.env_file.path.name, name, shown, found.shown(), ok=lambda _want, _got: found.agrees(want))


@check("APP-ENVIRONMENT", layer="declared", area="flags", row="configuration", evidence=True, severity="critical")
def test_app_environment(env: Environment) -> None:
    """ENVIRONMENT holds the environment's app_environment (the long name by default), and the settings class
    loads from the file's variables (every required setting set, a placeholder delivered through secrets counts)."""
    env.expect(env.env_file.path.name, "ENVIRONMENT", env.app_environment, env.env_file.typed.ENVIRONMENT)
    settings = AppSettings.of(env.suite.spec, env.name)
    refused = settings.refused(*_variables(env))
    env.expect(env.env_file.path.name, "settings", "loads", refused or "loads", ok=holds(not refused),
               expected_text=f"{settings.name} loads" if settings.name else None)


@check("APP-DEBUG", layer="declared", area="flags", row="debug_mode", evidence=True, severity="critical")
def test_app_debug(env: Environment) -> None:
    """Debug mode per the matrix."""
    env.expect(env.env_file.path.name, "DEBUG", env.spec.app.debug, env.env_file.typed.DEBUG)


@check("JWT-ACCESS-MINUTES", layer="declared", area="flags", row="jwt_expiration", evidence=True, severity="high")
def test_jwt_access_minutes(env: Environment) -> None:
    """Access-token lifetime (minutes) and signing algorithm."""
    typed = env.env_file.typed
    env.expect(env.env_file.path.name, "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", env.spec.app.jwt.access_token_minutes,
               typed.JWT_ACCESS_TOKEN_EXPIRE_MINUTES)
    env.expect(env.env_file.path.name, "JWT_ALGORITHM", env.spec.app.jwt.algorithm, typed.JWT_ALGORITHM)


@check("JWT-REFRESH-DAYS", layer="declared", area="flags", row="jwt_expiration", applies=_has_refresh)
def test_jwt_refresh_days(env: Environment) -> None:
    """Refresh-token lifetime (days) where the spec has refresh tokens."""
    env.expect(env.env_file.path.name, "JWT_REFRESH_TOKEN_EXPIRE_DAYS", env.spec.app.jwt.refresh_token_days,
               env.env_file.typed.JWT_REFRESH_TOKEN_EXPIRE_DAYS)


@check("APP-EMAIL-VERIFICATION", layer="declared", area="flags", row="email_verification",
       evidence=True, severity="high")
def test_app_email_verification(env: Environment) -> None:
    """Email verification required or skipped per the matrix."""
    env.expect(env.env_file.path.name, "ENABLE_EMAIL_VERIFICATION", env.spec.app.email_verification,
               env.env_file.typed.ENABLE_EMAIL_VERIFICATION)


@check("APP-REGISTRATION", layer="declared", area="flags", row="email_verification", severity="medium")
def test_app_registration(env: Environment) -> None:
    """Self-service registration open or closed."""
    env.expect(env.env_file.path.name, "ENABLE_REGISTRATION", env.spec.app.registration,
               env.env_file.typed.ENABLE_REGISTRATION)


@check("APP-RATE-LIMITING", layer="declared", area="flags", row="rate_limiting", evidence=True, severity="high")
def test_app_rate_limiting(env: Environment) -> None:
    """Rate limiting on or off, and its per-minute limit where the env file sets one or a default is documented."""
    env.expect(env.env_file.path.name, "ENABLE_RATE_LIMITING", env.spec.app.rate_limit.enabled,
               env.env_file.typed.ENABLE_RATE_LIMITING)
    limit = env.spec.app.rate_limit.per_minute
    found = _setting(env, "RATE_LIMIT_PER_MINUTE", limit)
    if found.source != "absent":  # no limit set and none documented: the app's own default, unknown here
        _expect_setting(env, "RATE_LIMIT_PER_MINUTE", limit, found)


@check("APP-CORS-ORIGINS", layer="declared", area="security", row="security", evidence=True, applies=_has_cors)
def test_app_cors_origins(env: Environment) -> None:
    """CORS origins exactly the documented set (no wildcard): a JSON array, as pydantic-settings decodes a list."""
    origins = env.spec.app.cors_origins
    _expect_setting(env, "CORS_ORIGINS", origins, _setting(env, "CORS_ORIGINS", origins))


@check("APP-POOLS", layer="declared", area="sla", row="configuration", evidence=True, severity="low")
def test_app_pools(env: Environment) -> None:
    """Database pool size/overflow and Celery worker concurrency."""
    typed, app, name = env.env_file.typed, env.spec.app, env.env_file.path.name
    env.expect(name, "DB_POOL_SIZE", app.db_pool_size, typed.DB_POOL_SIZE)
    env.expect(name, "DB_POOL_MAX_OVERFLOW", app.db_pool_max_overflow, typed.DB_POOL_MAX_OVERFLOW)
    env.expect(name, "CELERY_WORKER_CONCURRENCY", app.worker_concurrency, typed.CELERY_WORKER_CONCURRENCY)
