"""Read a JWT's header and claims without verifying it (the smoke layer checks what the token says)."""

from __future__ import annotations

import base64
import json
from typing import Any


class NotAJwt(ValueError):
    """The value is not a three-part base64url JSON web token."""


def _part(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise NotAJwt(f"segment is not base64url JSON: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise NotAJwt("segment is not a JSON object")
    return data


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (header, claims) of ``token``; raise NotAJwt when it is opaque."""
    parts = token.split(".")
    if len(parts) != 3:
        raise NotAJwt(f"expected 3 dot-separated parts, got {len(parts)}")
    return _part(parts[0]), _part(parts[1])


def lifetime_seconds(claims: dict[str, Any]) -> int | None:
    """``exp - iat`` when both are numbers, else None."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, int | float) and isinstance(iat, int | float):
        return int(exp - iat)
    return None
