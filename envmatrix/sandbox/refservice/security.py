"""Reference-service security pieces: password hashes, JWTs, the per-client rate limiter, basic auth."""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import threading
import time
from collections import deque
from typing import Any

import jwt

from envmatrix.sandbox.refservice.settings import ServiceSettings


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000)
    return f"{salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    salt, _ = stored.split("$", 1)
    return secrets.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def _key(settings: ServiceSettings) -> str:
    # Short secrets (the seed's dev key) are stretched so the HMAC key meets RFC 7518's minimum length.
    secret = settings.jwt_secret
    return secret if len(secret) >= 64 else hashlib.sha512(secret.encode()).hexdigest()


def issue_token(settings: ServiceSettings, subject: str, kind: str, lifetime_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": subject, "typ": kind, "iat": now, "exp": now + lifetime_seconds, "jti": secrets.token_hex(8)}
    return jwt.encode(claims, _key(settings), algorithm=settings.jwt_algorithm)


def token_subject(settings: ServiceSettings, token: str) -> str | None:
    """The subject of a valid access token, or None (bad signature, expired, wrong type)."""
    try:
        claims: dict[str, Any] = jwt.decode(token, _key(settings), algorithms=[settings.jwt_algorithm])
    except jwt.PyJWTError:
        return None
    return str(claims["sub"]) if claims.get("typ") == "access" else None


def basic_auth_ok(header: str, expected: tuple[str, str]) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return secrets.compare_digest(user, expected[0]) & secrets.compare_digest(password, expected[1])


class RateLimiter:
    """Sliding one-minute window per client key; returns the Retry-After seconds when over the limit."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None
