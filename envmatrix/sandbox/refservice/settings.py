"""Reference-service settings, read entirely from an environment's env-file values plus sandbox extras."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_RATE_LIMIT_PER_MINUTE = 60  # the seed's settings default (rate_limit_per_minute: int = 60)


@dataclass(frozen=True)
class Extras:
    """What the sandbox adds that an env file does not hold: accounts, basic auth, HSTS, version."""

    smoke_account: tuple[str, str] | None = None
    #: an account that never verified its address (refused at login where verification is on)
    unverified_account: tuple[str, str] | None = None
    basic_auth: tuple[str, str] | None = None
    hsts: bool = False
    version: str = "0.0.0-sandbox"


@dataclass(frozen=True)
class ServiceSettings:
    environment: str
    debug: bool
    log_level: str
    jwt_secret: str
    jwt_algorithm: str
    access_minutes: int
    refresh_days: int | None
    registration: bool
    email_verification: bool
    rate_limiting: bool
    rate_per_minute: int
    cors_origins: tuple[str, ...]
    extras: Extras


def _flag(values: Mapping[str, str], name: str, default: bool) -> bool:
    raw = values.get(name)
    return default if raw is None else raw.strip().lower() in ("1", "true", "yes", "on")


def _number(values: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = values.get(name)
    return default if raw is None or not raw.strip() else int(raw)


def _origins(raw: str) -> tuple[str, ...]:
    """CORS origins: a JSON array, as the application's list[str] setting is decoded (a comma list is accepted
    too, so a hand-written sandbox file still serves)."""
    if raw.strip().startswith("["):
        return tuple(str(origin) for origin in json.loads(raw))
    return tuple(o.strip() for o in raw.split(",") if o.strip())


def settings_from_env(values: Mapping[str, str], extras: Extras, *, placeholder: str) -> ServiceSettings:
    """Build settings from KEY=value pairs; a placeholder JWT secret becomes a fresh random one."""
    secret = values.get("JWT_SECRET_KEY", "")
    if not secret or secret == placeholder:
        secret = secrets.token_urlsafe(32)
    origins = _origins(values.get("CORS_ORIGINS", ""))
    return ServiceSettings(
        environment=values.get("ENVIRONMENT", "development"),
        debug=_flag(values, "DEBUG", False),
        log_level=values.get("LOG_LEVEL", "INFO"),
        jwt_secret=secret,
        jwt_algorithm=values.get("JWT_ALGORITHM", "HS256"),
        access_minutes=_number(values, "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", 15) or 15,
        refresh_days=_number(values, "JWT_REFRESH_TOKEN_EXPIRE_DAYS", None),
        registration=_flag(values, "ENABLE_REGISTRATION", True),
        email_verification=_flag(values, "ENABLE_EMAIL_VERIFICATION", True),
        rate_limiting=_flag(values, "ENABLE_RATE_LIMITING", True),
        rate_per_minute=_number(values, "RATE_LIMIT_PER_MINUTE", None) or DEFAULT_RATE_LIMIT_PER_MINUTE,
        cors_origins=origins,
        extras=extras,
    )
