"""Redaction: secret-like variables, credentials inside URLs, bearer tokens and known secret values."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

MASK = "***"
_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|DSN|AUTHORIZATION|COOKIE|SESSION)",
    re.IGNORECASE,
)
URL_CREDENTIALS = _URL_USERINFO = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.IGNORECASE
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
_AWS_SECRET = re.compile(r"(?i)(aws_secret_access_key|aws_session_token)(\W+)[A-Za-z0-9/+=]{16,}")

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Remember values that must never be printed (smoke passwords, tokens, generated secrets)."""
    with _lock:
        _known.update(value for value in values if value and len(value) >= 4)


_NOT_SECRET_NAME = re.compile(r"(_EXPIRE|_MINUTES|_DAYS|_SECONDS|_TTL|_ALGORITHM|_LENGTH)", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """True for names whose values are secrets (JWT_SECRET_KEY), not for their settings (..._EXPIRE_MINUTES)."""
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def redact_text(text: str) -> str:
    """Scrub credentials from free text (messages, HTTP evidence, logs)."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _AWS_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_value(name: str, value: Any) -> Any:
    """Redact one named value: whole value for secret-like names, URL credentials otherwise."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if is_secret_name(name) and not _is_placeholder(value):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    return redact_data(value)


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def redact_data(data: Any, *, key: str = "") -> Any:
    """Recursively redact a JSON-like structure (snapshots, evidence)."""
    if isinstance(data, dict):
        if {"name", "value"} <= data.keys() and isinstance(data.get("name"), str):
            # ECS-style {"name": X, "value": Y} pairs: the name decides.
            return {**data, "value": redact_value(data["name"], data["value"])}
        return {k: redact_data(v, key=str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(item, key=key) for item in data]
    return redact_value(key, data) if key else (redact_text(data) if isinstance(data, str) else data)


def redact_all(values: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {name: redact_value(name, value) for name, value in values}
