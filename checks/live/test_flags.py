"""Live application behaviour: the task definitions' environment against the matrix (both services)."""

from __future__ import annotations

from envmatrix import Environment, check
from envmatrix.appsettings import AppSettings, Found
from envmatrix.aws.checking import ROLES, container
from envmatrix.aws.ecs import Container
from envmatrix.spec import EnvironmentSpec
from envmatrix.verdict import holds
from envmatrix.wording import Figure, text, word


def _has_refresh(spec: EnvironmentSpec) -> bool:
    return spec.app.jwt.refresh_token_days is not None


def _has_cors(spec: EnvironmentSpec) -> bool:
    return spec.app.cors_origins is not None


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _setting(env: Environment, app: Container, name: str, want: object = None) -> Found:
    """The variable as pydantic-settings reads it: any case, from ``environment``/``secrets``, else the default."""
    return AppSettings.of(env.suite.spec, env.name).find(name, app.environment, app.secrets, like=want)


def _expect_setting(env: Environment, resource: str, name: str, want: object, found: Found) -> None:
    """The typed value against the spec's; the raw text beside it where they differ (``0 → false``)."""
    shown = sorted(want) if isinstance(want, tuple | list) else want
    env.expect(resource, f"environment.{name}", shown, found.shown(), ok=lambda _want, _got: found.agrees(want),
               expected_text=_flag(want) if isinstance(want, bool) else None)


def _expect_variables(env: Environment, expected: dict[str, object]) -> None:
    """Each variable, in each service's container (absent: its documented default), read as the spec's value."""
    for role in ROLES:
        resource, app = container(env, role)
        for name, value in expected.items():
            _expect_setting(env, resource, name, value, _setting(env, app, name, value))


@check("APP-ENVIRONMENT", layer="live", area="flags", row="configuration", evidence=True, severity="critical")
def test_app_environment(env: Environment) -> None:
    """ENVIRONMENT holds the environment's app_environment (the long name by default), and the settings class
    loads from each container's variables (every required setting set, in ``environment`` or ``secrets``)."""
    settings, want = AppSettings.of(env.suite.spec, env.name), env.app_environment
    with env.every():
        for role in ROLES:
            resource, app = container(env, role)
            _expect_setting(env, resource, "ENVIRONMENT", want, _setting(env, app, "ENVIRONMENT", want))
            refused = settings.refused(app.environment, app.secrets)
            env.expect(resource, "settings", "loads", refused or "loads", ok=holds(not refused),
                       expected_text=f"{settings.name} loads" if settings.name else None)


@check("APP-DEBUG", layer="live", area="flags", row="debug_mode", evidence=True, severity="critical",
       figure=Figure("environment.DEBUG", text("DEBUG={}"), "-api"))
def test_app_debug(env: Environment) -> None:
    """Debug mode per the matrix."""
    _expect_variables(env, {"DEBUG": env.spec.app.debug})


@check("JWT-ACCESS-MINUTES", layer="live", area="flags", row="jwt_expiration", evidence=True, severity="high",
       figure=Figure("environment.JWT_ACCESS_TOKEN_EXPIRE_MINUTES", text("{} min"), rank=2))
def test_jwt_access_minutes(env: Environment) -> None:
    """Access-token lifetime (minutes) and signing algorithm."""
    jwt = env.spec.app.jwt
    _expect_variables(env, {"JWT_ACCESS_TOKEN_EXPIRE_MINUTES": jwt.access_token_minutes,
                            "JWT_ALGORITHM": jwt.algorithm})


@check("JWT-REFRESH-DAYS", layer="live", area="flags", row="jwt_expiration", applies=_has_refresh)
def test_jwt_refresh_days(env: Environment) -> None:
    """Refresh-token lifetime (days) where the spec has refresh tokens."""
    _expect_variables(env, {"JWT_REFRESH_TOKEN_EXPIRE_DAYS": env.spec.app.jwt.refresh_token_days})


@check("APP-EMAIL-VERIFICATION", layer="live", area="flags", row="email_verification", evidence=True, severity="high",
       figure=Figure("environment.ENABLE_EMAIL_VERIFICATION", word("verification on", "verification off"), rank=3))
def test_app_email_verification(env: Environment) -> None:
    """Email verification required or skipped per the matrix."""
    _expect_variables(env, {"ENABLE_EMAIL_VERIFICATION": env.spec.app.email_verification})


@check("APP-REGISTRATION", layer="live", area="flags", row="email_verification", severity="medium")
def test_app_registration(env: Environment) -> None:
    """Self-service registration open or closed."""
    _expect_variables(env, {"ENABLE_REGISTRATION": env.spec.app.registration})


@check("APP-RATE-LIMITING", layer="live", area="flags", row="rate_limiting", evidence=True, severity="high")
def test_app_rate_limiting(env: Environment) -> None:
    """Rate limiting on or off; its per-minute limit where a container sets one or a default is documented."""
    _expect_variables(env, {"ENABLE_RATE_LIMITING": env.spec.app.rate_limit.enabled})
    for role in ROLES:
        resource, app = container(env, role)
        limit = env.spec.app.rate_limit.per_minute
        found = _setting(env, app, "RATE_LIMIT_PER_MINUTE", limit)
        if found.source != "absent":  # no limit set and none documented: the app's own default, unknown here
            _expect_setting(env, resource, "RATE_LIMIT_PER_MINUTE", limit, found)


@check("APP-POOLS", layer="live", area="sla", row="configuration", evidence=True, severity="low")
def test_app_pools(env: Environment) -> None:
    """Database pool size/overflow and Celery worker concurrency."""
    app = env.spec.app
    _expect_variables(env, {"DB_POOL_SIZE": app.db_pool_size, "DB_POOL_MAX_OVERFLOW": app.db_pool_max_overflow,
                            "CELERY_WORKER_CONCURRENCY": app.worker_concurrency})


@check("APP-CORS-ORIGINS", layer="live", area="security", row="security", evidence=True, applies=_has_cors)
def test_app_cors_origins(env: Environment) -> None:
    """CORS origins exactly the documented set (no wildcard): a JSON array or a comma list."""
    _expect_variables(env, {"CORS_ORIGINS": env.spec.app.cors_origins})
